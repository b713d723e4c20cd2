"""Synthetic blog exports for tests and benchmarks: ``synth_export(n, seed)``.

The posts are written in the export format of the 【桃源閑話】 blog that
:mod:`tougen_pub.importers.export` reads: a header ``【SERIES】TITLEYYYY年MM月DD日 HH:MM``, an
image credit and the repeated title, a 参照 list of older posts (a title line and its
address), then 【概要】【詳細】【要点】 (paragraphs, numbered sub-headings, nested ・ bullets,
mentions of earlier glossary terms), 【参考】 with a ``☞ TERM`` entry, 【参考はブログ作成者が付記】
and 【引用・参照・底本】 (works with their address, shared between posts). The text depends
only on the arguments, so an export can be extended: ``synth_posts(10, first=11,
older=…)`` continues a series of ten.

    python -m tougen_pub.devtools.synth_export 1000 > export.txt
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass

SERIES = "桃源閑話"
BASE_URL = "https://blog.example.jp"
START = dt.datetime(2025, 3, 1, 9, 0)
TOPICS = [
    "欧州安全保障",
    "黒海の航路",
    "エネルギー供給",
    "核軍縮交渉",
    "国境の緩衝地帯",
    "同盟の拡大",
    "停戦監視",
    "制裁の効果",
]
ANGLES = ["をめぐる論点", "の歴史的背景", "と各国の思惑", "の現在地", "を読み解く"]
CREDITS = ["Ainovaで作成", "Microsoft Designerで作成"]
SENTENCES = [
    "{year}年の会談では、{topic}が主要な議題となった。",
    "当時の記録によれば、各国の思惑は大きく異なっていた。",
    "この問題は、冷戦後の{count}年間で大きく姿を変えた。",
    "交渉担当者は、{topic}について慎重な言い回しを選んだ。",
    "合意の文言は、後に双方が異なる解釈を示す原因となった。",
    "専門家の多くは、短期的な解決は難しいと見ている。",
]
PUBLISHERS = ["NATIONAL SECURITY ARCHIVE", "FOREIGN POLICY REVIEW", "EURASIA STUDIES"]


@dataclass(frozen=True)
class SynthPost:
    """A generated post: its title, date, address and text in the export format."""

    number: int
    title: str
    date: dt.datetime
    url: str
    term: str
    text: str


def post_url(number: int, date: dt.datetime, base_url: str = BASE_URL) -> str:
    return f"{base_url}/{date:%Y/%m/%d}/{number}"


def synth_posts(
    n: int,
    seed: int = 0,
    *,
    first: int = 1,
    start: dt.datetime | None = None,
    older: Sequence[tuple[str, str]] = (),
    series: str = SERIES,
    base_url: str = BASE_URL,
) -> list[SynthPost]:
    """Posts ``first`` … ``first + n - 1`` of a series, one a day from ``start`` (by default
    ``first - 1`` days after 2025-03-01 09:00). Each links one or two earlier posts in its
    参照 list — of this run, or ``older`` ``(title, url)`` pairs — so that the export tells the
    addresses of the posts it links."""
    rng = random.Random(f"{seed}:{first}")
    when = start or START + dt.timedelta(days=first - 1)
    linkable = list(older)
    terms: list[str] = [f"第{k}次架空協定" for k in range(1, first)]
    n_works = max(3, (first + n) // 3)
    posts = []
    for number in range(first, first + n):
        date = when + dt.timedelta(days=number - first, minutes=rng.randrange(0, 600))
        topic = rng.choice(TOPICS)
        title = f"{topic}{rng.choice(ANGLES)} その{number}"
        url = post_url(number, date, base_url)
        term = f"第{number}次架空協定"
        links = rng.sample(linkable, min(len(linkable), rng.choice((1, 2))))
        works = sorted({rng.randrange(n_works) for _ in range(rng.choice((1, 2)))})
        mentioned = rng.sample(terms, min(len(terms), 2))
        text = _post(rng, series, title, date, topic, term, links, works, mentioned)
        posts.append(SynthPost(number, title, date, url, term, text))
        linkable.append((title, url))
        terms.append(term)
    return posts


def synth_export(n: int, seed: int = 0, **kwargs: object) -> str:
    """An export of ``n`` posts (see :func:`synth_posts` for the keyword arguments)."""
    return "".join(p.text for p in synth_posts(n, seed, **kwargs))  # type: ignore[arg-type]


def _post(
    rng: random.Random,
    series: str,
    title: str,
    date: dt.datetime,
    topic: str,
    term: str,
    links: Sequence[tuple[str, str]],
    works: Sequence[int],
    mentioned: Sequence[str],
) -> str:
    def sentence() -> str:
        return rng.choice(SENTENCES).format(
            year=rng.randrange(1990, 2025), count=rng.randrange(2, 30), topic=topic
        )

    def paragraph() -> str:
        return " " + "".join(sentence() for _ in range(rng.randint(2, 4)))

    lines = [f"【{series}】{title}{date:%Y年%m月%d日 %H:%M}", "", rng.choice(CREDITS)]
    lines += [f"【{series}】{title}", ""]
    if links:
        lines.append(" 参照:")
        for link_title, link_url in links:
            lines += [f"【{series}】{link_title}", f" {link_url}", ""]
    lines += ["【概要】", "", paragraph(), ""]
    for k, earlier in enumerate(mentioned, 1):
        lines += [f" 「{earlier}」は、{topic}の前提として{k}度目の言及となる。", ""]
    for k in range(1, rng.randint(2, 3) + 1):
        lines += [f" {k}. {topic}の論点{k}", "", paragraph(), ""]
    lines += ["【詳細】", "", paragraph(), "", paragraph(), ""]
    for _ in range(rng.randint(2, 3)):
        lines.append(f" ・{sentence()}")
        if rng.random() < 0.5:
            lines.append(f"  ・・{sentence()}")
    lines += ["", "【要点】", ""]
    lines += [f" ・{sentence()}" for _ in range(rng.randint(2, 4))]
    lines += ["", "【参考】", "", f" ☞ {term}", "", paragraph()]
    lines += [f" ・{sentence()}" for _ in range(2)]
    lines += ["", "【参考はブログ作成者が付記】", "", "【引用・参照・底本】", ""]
    for work in works:
        publisher = PUBLISHERS[work % len(PUBLISHERS)]
        lines += [
            f"Report {work} on European security {publisher}",
            f"https://example.org/reports/report-{work}",
            "",
        ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic blog export to stdout.")
    parser.add_argument("posts", type=int, help="number of posts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--first", type=int, default=1, help="number of the first post")
    args = parser.parse_args(argv)
    sys.stdout.write(synth_export(args.posts, args.seed, first=args.first))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
