"""Tate-chu-yoko (縦中横) for vertical editions: short numbers set upright in one em."""

from __future__ import annotations

import re

from tougen_pub.transforms.xhtml import CLASS_ATTR, HREF_ATTR, attribute, sub_text

# 1–2 digit numbers standing alone (not part of a longer number, a Latin word, 1.5 or 1,700),
# and the exclamation/question pairs of JLReq.
AUTO_TCY = re.compile(
    r"(?<![0-9A-Za-z.,:/_-])(?<![A-Za-z] )(?:[0-9]{1,2}|[!?]{2})(?![0-9A-Za-z%.,:/_-]|\.[0-9])"
    r"|(?<![！？])[！？]{2}(?![！？])"
)
# Full-width pairs (！？ ！！) too: the derived font sets their half-width forms in one em.
TCY_CLASS = "tcy"


def _skip(tag: str, attrs: str) -> bool:
    """Set already: tate-chu-yoko spans and the text of web links."""
    if TCY_CLASS in (attribute(attrs, CLASS_ATTR) or "").split():
        return True
    return tag == "a" and (attribute(attrs, HREF_ATTR) or "").startswith(("http:", "https:"))


def _span(m: re.Match[str]) -> str:
    return f'<span class="{TCY_CLASS}">{m.group(0)}</span>'  # digits or !?: nothing to escape


def auto_tcy(fragment: str) -> str:
    """Wrap 1–2 digit numbers and !! ?! pairs in ``<span class="tcy">``.

    One regex pass over the text runs of the serialized fragment; a fragment without any
    candidate anywhere (tags included) is returned as it is.
    """
    if AUTO_TCY.search(fragment) is None:
        return fragment
    return sub_text(fragment, AUTO_TCY, _span, skip=_skip)
