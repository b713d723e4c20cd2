"""Resolve the neutral link targets of the model (``@glossary/ID`` …) for one writer."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tougen_pub.model import REF_ARTICLE, REF_GLOSSARY, REF_SOURCE

NEUTRAL_HREF = re.compile(r'href="@(glossary|source|article)/([^"]*)"')


@dataclass(frozen=True)
class LinkTargets:
    """How a writer addresses things: EPUB uses file names, the PDF uses in-document anchors."""

    glossary: Callable[[str], str]  # entry id -> href
    source: Callable[[str], str]  # source id -> href
    article: Callable[[str], str]  # article slug -> href
    anchor: Callable[[str, str], str]  # (article slug, element id) -> href


def term_anchor(entry_id: str) -> str:
    return f"term-{entry_id}"


def source_anchor(source_id: str) -> str:
    return f"src-{source_id}"


def article_anchor(slug: str) -> str:
    return f"a{slug}"


def resolve(fragment: str, targets: LinkTargets) -> str:
    """Rewrite every neutral href of a fragment to the writer's target."""

    def repl(m: re.Match[str]) -> str:
        kind, key = m.group(1), m.group(2)
        func = {"glossary": targets.glossary, "source": targets.source, "article": targets.article}[
            kind
        ]
        return f'href="{func(key)}"'

    return NEUTRAL_HREF.sub(repl, fragment)


__all__ = ["REF_ARTICLE", "REF_GLOSSARY", "REF_SOURCE", "LinkTargets", "resolve"]
