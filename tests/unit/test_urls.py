"""Addresses compared as the same page, by the importer and the loader alike."""

from __future__ import annotations

import pytest

from tougen_pub.importers import blog
from tougen_pub.ingest import articles
from tougen_pub.urls import norm_url


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://example.jp/a/", "https://example.jp/a"),
        ("http://example.jp/a", "https://example.jp/a"),
        ("  http://example.jp/a//  ", "https://example.jp/a"),
        ("https://example.jp/a?b=1", "https://example.jp/a?b=1"),
        # only the scheme: an address inside the path or the query stays as it is
        ("http://x.jp/go?to=http://y.jp/", "https://x.jp/go?to=http://y.jp"),
        (
            "https://web.archive.org/web/2020/http://y.jp/",
            "https://web.archive.org/web/2020/http://y.jp",
        ),
        ("", ""),
        (None, ""),
    ],
)
def test_norm_url(url: str | None, key: str) -> None:
    assert norm_url(url) == key


def test_http_and_https_of_one_address_are_the_same_page() -> None:
    for rest in ("x.jp/a", "x.jp/go?to=http://y.jp/", "web.archive.org/web/2020/http://y.jp"):
        assert norm_url(f"http://{rest}") == norm_url(f"https://{rest}/")


def test_importer_and_loader_compare_with_the_same_function() -> None:
    assert blog.norm_url is norm_url
    assert articles.norm_url is norm_url
