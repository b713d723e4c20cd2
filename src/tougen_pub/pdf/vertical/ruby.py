"""Ruby (ルビ) for vertical pages laid out on a turned page.

WeasyPrint 70 has no ruby layout. On the layout page (see :mod:`.font`) "right of the
column" is "above the line", so a reading is an absolutely positioned run of the same
rotated-glyph font at half size, centred above its base: after the page is turned it
stands to the right of the base, upright, top to bottom. Measured against Chromium's
``writing-mode: vertical-rl`` ruby (scripts/vertical-reference.sh): same side, same
size, centred on the base (中付き), touching the base's em box.

* The reading does not take part in line layout: a reading longer than its base
  overhangs the neighbouring characters. The line composer should widen such a base
  (JIS X 4051: by the excess minus up to ½ ruby character over adjoining kana).
* Text extraction keeps the base text contiguous (``pdftotext`` puts readings on
  separate lines), so search on the body text works.
* The reading's characters must be in the character set given to
  :func:`~tougen_pub.pdf.vertical.font.derive_vertical_font`.
"""

from __future__ import annotations

import html


def ruby_css(line_height: float = 1.75, scale: float = 0.5) -> str:
    """CSS for :func:`ruby_html` markup in paragraphs with unitless ``line-height``.

    WeasyPrint 70 ignores ``top``/``bottom`` of an absolutely positioned box inside an
    inline and uses its static position, the top of the line box. The reading is moved
    from there onto the em box of the base with a margin: half-leading minus its own size.
    """
    margin = ((line_height - 1) / 2 - scale) / scale  # in em of the reading
    return f"""
.tg-ruby {{ position: relative; }}
.tg-rt {{
  position: absolute; left: -10em; right: -10em; margin-top: {margin:.4f}em;
  font-size: {scale}em; line-height: 1;
  text-align: center; text-indent: 0; white-space: nowrap;
  font-feature-settings: normal; letter-spacing: 0;
}}
"""


#: :func:`ruby_css` for the default 1.75 line height and half-size readings.
RUBY_CSS = ruby_css()


def ruby_html(base: str, reading: str) -> str:
    """Markup for ``base`` with ``reading`` placed at the right of the column."""
    return (
        f'<span class="tg-ruby">{html.escape(base)}'
        f'<span class="tg-rt">{html.escape(reading)}</span></span>'
    )
