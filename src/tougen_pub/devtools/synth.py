"""Synthetic manuscripts for load tests and benchmarks: ``synth_manuscript(root, n, seed)``.

Articles have the shape of the 【桃源閑話】 posts (概要 / 詳細 / 要点 sections, nested lists,
glossary references, citations, ruby, tate-chu-yoko, see-also links between articles) and
the result checks clean. The output depends only on ``n`` and ``seed``.
"""

from __future__ import annotations

import random
from pathlib import Path

TERMS = [
    ("budapest", "ブダペスト覚書", "ぶだぺすとおぼえがき", ["ブダペスト合意"]),
    ("chechnya2", "第二次チェチェン戦争", "だいにじちぇちぇんせんそう", []),
    ("georgia", "ロシア・ジョージア戦争", "ろしあじょーじあせんそう", ["南オセチア紛争"]),
    ("pfp", "平和のためのパートナーシップ", "へいわのためのぱーとなーしっぷ", ["PFP"]),
    ("nato", "北大西洋条約機構", "きたたいせいようじょうやくきこう", ["NATO"]),
    ("osce", "欧州安全保障協力機構", "おうしゅうあんぜんほしょうきょうりょくきこう", ["OSCE"]),
    ("warsaw", "ワルシャワ条約機構", "わるしゃわじょうやくきこう", []),
    ("minsk", "ミンスク合意", "みんすくごうい", []),
]
SENTENCES = [
    "{n}年の会談では、東方への拡大が議題となった。",
    "当時の記録[@{s}]によれば、各国の思惑は大きく異なっていた。",
    "「[[{t}]]」は、その後の交渉の前提となった。",
    "{漢字|かん|じ}の読みと{東京|とうきょう}のルビを含む文。",
    "第^{d}^回の会合で、合意の文言が改められた。",
    "この点については[[{t}|用語集]]も参照されたい。",
    "^{d}^月の時点で、状況は大きく変わっていた[@{s}; @{s2}]。",
    "安全保障の構図は、冷戦後の{d}年間で一変した。",
]


def _paragraph(rng: random.Random, n_sources: int) -> str:
    out = []
    for _ in range(rng.randint(2, 4)):
        template = rng.choice(SENTENCES)
        s1, s2 = rng.randrange(n_sources), rng.randrange(n_sources)
        out.append(
            template.replace("{n}", str(rng.randint(1990, 2025)))
            .replace("{d}", str(rng.randint(1, 31)))
            .replace("{t}", rng.choice(TERMS)[1])
            .replace("{s}", f"src-{s1:03d}")
            .replace("{s2}", f"src-{s2:03d}")
        )
    return "".join(out)


def synth_manuscript(
    root: Path, n: int, seed: int = 0, *, per_month: int = 28, split: str | None = None
) -> Path:
    """Write a manuscript of ``n`` articles into ``root`` (created) and return ``root``:
    ``per_month`` posts a month from January 2025 on; ``split`` writes ``[volumes] split``."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    articles = root / "articles"
    articles.mkdir(exist_ok=True)
    n_sources = max(3, min(200, n // 5))
    width = max(2, len(str(n)))
    (root / "book.toml").write_text(
        f'name = "synth-{n}"\n'
        f'title = "合成された本（{n}篇）"\n'
        'language = "ja"\n'
        f'identifier = "urn:uuid:00000000-0000-4000-8000-{seed:012d}"\n'
        "date = 2025-02-09\n\n"
        '[series]\nname = "桃源閑話"\n\n'
        '[[creators]]\nname = "合成 太郎"\nfile_as = "ごうせい たろう"\n'
        + (f'\n[volumes]\nsplit = "{split}"\n' if split else ""),
        "utf-8",
    )
    glossary = ['note = "用語は合成データ"\n']
    for ident, term, reading, aliases in TERMS:
        alias_list = ", ".join(f'"{a}"' for a in aliases)
        glossary.append(
            f'\n[[term]]\nid = "{ident}"\nterm = "{term}"\nreading = "{reading}"\n'
            f"aliases = [{alias_list}]\n"
            f'definition = """\n{term}の説明。1994年以降の動き。\n\n- 要点その一\n  - 入れ子\n"""\n'
        )
    (root / "glossary.toml").write_text("".join(glossary), "utf-8")
    sources = [
        f'[[source]]\nid = "src-{i:03d}"\ntitle = "資料 {i}"\n'
        f'publisher = "NATIONAL SECURITY ARCHIVE"\nurl = "https://example.org/sources/{i}"\n'
        for i in range(n_sources)
    ]
    (root / "sources.toml").write_text("\n".join(sources), "utf-8")
    for i in range(1, n + 1):
        day = (i - 1) % per_month * 28 // per_month + 1
        month = (i - 1) // per_month % 12 + 1
        year = 2025 + (i - 1) // per_month // 12
        links = ""
        if i > 1:
            links = (
                f'\n[[see_also]]\ntitle = "第{i - 1}話"\nurl = "https://example.org/blog/{i - 1}"\n'
            )
        body = (
            f"## 概要\n\n{_paragraph(rng, n_sources)}\n\n"
            f"## 詳細\n\n{_paragraph(rng, n_sources)}\n\n{_paragraph(rng, n_sources)}\n\n"
            f"### 1. 背景\n\n- {_paragraph(rng, n_sources)}\n  - 入れ子の項目\n"
            f"- 次の項目\n\n"
            f"## 要点\n\n1. {_paragraph(rng, n_sources)}\n2. 二つ目の要点\n"
        )
        text = (
            f'+++\ntitle = "第{i}話 合成された記事"\nseries = "桃源閑話"\n'
            f"date = {year}-{month:02d}-{day:02d}T12:00:00+09:00\n"
            f'url = "https://example.org/blog/{i}"\n'
            f'sources = ["src-{rng.randrange(n_sources):03d}"]\n{links}+++\n\n{body}'
        )
        (articles / f"{i:0{width}d}-article-{i}.md").write_text(text, "utf-8")
    return root
