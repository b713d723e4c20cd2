"""The user-agent stylesheet of the print documents: the same layout as WeasyPrint's own,
without the computed styles of pseudo-elements that are never drawn."""

from __future__ import annotations

import logging

from tougen_pub.pdf.weasy import load_weasyprint

load_weasyprint()

import weasyprint  # noqa: E402
from weasyprint.css import get_all_computed_styles  # noqa: E402

from tougen_pub.pdf import weasy  # noqa: E402
from tougen_pub.pdf.weasy import print_ua_stylesheets  # noqa: E402

HTML = """<html><head><style>ul { list-style-type: "・"; } ol { list-style: decimal; }</style>
</head><body><p>本文<span>一</span></p><ul><li>一つ<ul><li>入れ子</li></ul></li></ul>
<ol><li>二つ</li></ol><table><tr><td>表</td></tr></table></body></html>"""


def _documents() -> tuple[weasyprint.HTML, weasyprint.HTML]:
    stock = weasyprint.HTML(string=HTML)
    lean = weasyprint.HTML(string=HTML)
    lean._ua_stylesheets = print_ua_stylesheets
    return stock, lean


def test_only_list_items_get_a_pseudo_element_style() -> None:
    stock, lean = _documents()
    pseudo = {
        (el.tag, kind)
        for el, kind in get_all_computed_styles(lean)._computed_styles
        if kind is not None and not isinstance(el, str)
    }
    assert pseudo == {("li", "marker")}
    stock_kinds = {k for _el, k in get_all_computed_styles(stock)._computed_styles if k}
    assert {"footnote-call", "marker"} <= stock_kinds  # what is left out


def test_same_pdf_as_with_weasyprints_stylesheet() -> None:
    stock, lean = _documents()
    a, b = stock.render(), lean.render()
    assert [p.width for p in a.pages] == [p.width for p in b.pages]
    assert a.write_pdf() == b.write_pdf()
    assert len(a.write_pdf()) > 1000


def test_making_the_stylesheet_logs_no_warning(caplog) -> None:
    # a warning would be reported as a layout diagnostic (and fail a --strict build)
    weasy._print_ua_stylesheet.cache_clear()
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        sheet = print_ua_stylesheets()[0]
    assert [r.getMessage() for r in caplog.records] == []
    assert sheet is not weasyprint.html.UA_STYLESHEET
