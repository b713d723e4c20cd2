"""The restricted URL fetcher: only allowed folders (real paths) and in-memory fonts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tougen_pub.pdf.fetch import RefusedURL, RestrictedFetcher


@pytest.fixture()
def tree(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "ms"
    (root / "images").mkdir(parents=True)
    (root / "images" / "a.png").write_bytes(b"\x89PNG inside")
    secret = tmp_path / "secret.txt"
    secret.write_text("outside", encoding="utf-8")
    os.symlink(secret, root / "images" / "link.png")
    return root, secret


def test_serves_files_under_the_roots(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    f = RestrictedFetcher([root])
    res = f.fetch((root / "images" / "a.png").as_uri())
    assert res.read() == b"\x89PNG inside"
    assert not f.refused


@pytest.mark.parametrize(
    "make_url",
    [
        lambda root, secret: secret.as_uri(),
        lambda root, secret: (root / "images").as_uri() + "/../../secret.txt",
        lambda root, secret: (root / "images" / "link.png").as_uri(),  # symlink out
        lambda root, secret: "http://example.org/a.png",
        lambda root, secret: "https://example.org/font.otf",
        lambda root, secret: "ftp://example.org/x",
        lambda root, secret: "file://otherhost" + str(root / "images" / "a.png"),
        lambda root, secret: "tougen-font:unknown",
    ],
)
def test_refuses_everything_else(tree: tuple[Path, Path], make_url) -> None:
    root, secret = tree
    f = RestrictedFetcher([root])
    url = make_url(root, secret)
    with pytest.raises(RefusedURL):
        f.fetch(url)
    assert [r.url for r in f.refused] == [url]


def test_in_memory_fonts(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    f = RestrictedFetcher([root])
    url = f.add("mincho", b"OTTOfontbytes")
    assert url == "tougen-font:mincho"
    assert f.fetch(url).read() == b"OTTOfontbytes"


def test_refusal_is_a_located_error_and_nothing_is_written(tmp_path: Path, tiny_book) -> None:
    """An image outside the allowed folders stops the build with a diagnostic."""
    from tougen_pub.diagnostics import Diagnostics
    from tougen_pub.pdf import builder as pdf
    from tougen_pub.pdf.prepared import Prepared

    root = tiny_book.root
    fetcher = RestrictedFetcher([root])
    html = (
        '<html><body><p>x</p><img src="http://example.org/evil.png"/>'
        f'<img src="{(root.parent / "outside.png").as_uri()}"/></body></html>'
    )
    prepared = Prepared(html, fetcher, None, None, root.resolve().as_uri() + "/")  # type: ignore[arg-type]
    diags = Diagnostics()
    pdf.render(prepared, tiny_book, diags)
    codes = [d.code for d in diags.errors]
    assert codes == ["pdf-fetch-refused", "pdf-fetch-refused"]
    assert all(d.location is not None for d in diags.errors)
    assert "no network" in diags.errors[0].message
