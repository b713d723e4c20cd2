"""The manuscript exported as one plain Markdown book: the text the peer tools build."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from tougen_pub.ingest.markup import GLOSSARY, RUBY, TCY

_CITATION = re.compile(r"\s?(?<!\\)\[@[A-Za-z0-9_.:-]+(?:\s*;\s*@[A-Za-z0-9_.:-]+)*\]")
_AUTO_TCY = re.compile(r"(?<![0-9A-Za-z.,/])([0-9]{1,2})(?![0-9A-Za-z.,/])")
_URLISH = re.compile(r"(<span class=\"tcy\">[^<]*</span>|https?://\S+|\]\([^)]*\)|<[^>]*>)")
_FENCE = "+++"


def reduce_markup(text: str, *, tcy: bool) -> str:
    """Our inline markup reduced to plain Markdown: ruby to its base, glossary links to their
    label, citations dropped, ``^12^`` (and, with ``tcy``, stand-alone 1–2 digit numbers)
    to ``<span class="tcy">`` for vertical peers or to the bare text otherwise."""
    text = RUBY.sub(r"\1", text)
    text = GLOSSARY.sub(lambda m: m.group(2) or m.group(1), text)
    text = _CITATION.sub("", text)
    span = r'<span class="tcy">\1</span>'
    text = TCY.sub(span if tcy else r"\1", text)
    if not tcy:
        return text
    out = []
    for line in text.split("\n"):
        if line.lstrip().startswith("#"):
            out.append(line)
            continue
        parts = _URLISH.split(line)  # odd items: URLs, link targets, tags: left alone
        out.append("".join(p if i % 2 else _AUTO_TCY.sub(span, p) for i, p in enumerate(parts)))
    return "\n".join(out)


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    lines = text.split("\n")
    if lines and lines[0].strip() == _FENCE:
        for i in range(1, len(lines)):
            if lines[i].strip() == _FENCE:
                return tomllib.loads("\n".join(lines[1:i])), "\n".join(lines[i + 1 :])
    return {}, text


def _article_paths(root: Path, config: dict[str, Any]) -> list[Path]:
    stems = config.get("articles") or []
    if stems:
        return [root / "articles" / f"{stem}.md" for stem in stems]
    return sorted((root / "articles").glob("*.md"))


def _load_toml(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def manuscript_markdown(root: Path, *, tcy: bool = False) -> str:
    """The manuscript as one plain Markdown book for pandoc and Vivliostyle: a ``#`` chapter
    per article (title, date, body, related posts), then the glossary and the sources.
    Only the peers read it; it carries the same text as our editions."""
    config = _load_toml(root / "book.toml")
    title = str(config.get("title", "book")).replace('"', '\\"')
    out = [f'---\ntitle: "{title}"\nlang: ja\n---\n']
    for path in _article_paths(root, config):
        meta, body = _split_front_matter(path.read_text(encoding="utf-8"))
        out.append(f"# {reduce_markup(str(meta.get('title', path.stem)), tcy=False)}\n")
        if meta.get("date"):
            out.append(f"{meta['date']}\n")
        out.append(reduce_markup(body.strip(), tcy=tcy) + "\n")
        see_also = meta.get("see_also") or []
        if see_also:
            out.append("### 関連記事\n")
            out += [f"- [{s.get('title', '')}]({s.get('url', '')})" for s in see_also]
            out.append("")
    terms = _load_toml(root / "glossary.toml").get("term", [])
    if terms:
        out.append("# 用語集\n")
        for t in terms:
            out.append(f"### {t.get('term', '')}\n")
            out.append(reduce_markup(str(t.get("definition", "")).strip(), tcy=tcy) + "\n")
    sources = _load_toml(root / "sources.toml").get("source", [])
    if sources:
        out.append("# 参考文献\n")
        for s in sources:
            bits = [str(s.get(k)) for k in ("title", "publisher") if s.get(k)]
            url = f" <{s['url']}>" if s.get("url") else ""
            out.append(f"- {'. '.join(bits)}{url}")
        out.append("")
    return "\n".join(out)
