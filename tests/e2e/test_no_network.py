"""No network, no escape: a build reads only files under the manuscript and styles folders.

A loopback TCP listener on 127.0.0.1 records every connection. Manuscripts reference it in
every way a user can (Markdown and raw HTML images, reference-style images, images inside
an SVG, stylesheet-ish attributes, links, a font path, a glossary definition), and every
build runs with all proxy variables pointing at the listener, so that any HTTP request to
any host would reach it. Fetches are refused with a located diagnostic, links stay links,
nothing connects, and a refused build writes nothing. The PDF's URL fetcher is also called
directly, and WeasyPrint with the default fetcher is the control that does connect.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tougen_pub.paths import styles_dir
from tougen_pub.pdf.fetch import RefusedURL, RestrictedFetcher

TOUGEN = Path(sys.executable).with_name("tougen-pub")
PASSWD = Path("/etc/passwd")
DIAG = re.compile(r"^(?P<path>\S+?):(?P<line>\d+)(?::\d+)?: error: .*\[(?P<code>[a-z-]+)\]$")
# A tiny valid PNG (1x1, grey), for images that are allowed.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c63680000008200814c1b6b2e0000000049454e44ae426082"
)


PREVIOUS_PDF = b"%PDF-1.7 an earlier build\n" * 32


class Listener:
    """A TCP server on 127.0.0.1 that records what connects to it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self._closing = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self._closing:
                conn.close()
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.connections.append(conn.recv(512) or b"<no data>")
                except OSError:
                    self.connections.append(b"<no data>")

    def settled(self) -> list[bytes]:
        """The connections so far, including any still waiting in the listen queue: a
        marker connection is made and waited for (the queue is served in order), so a
        connection made before this call cannot be missed by arriving late."""
        marker = b"settle-marker"
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as probe:
            probe.sendall(marker)
        for _ in range(500):
            if marker in self.connections:
                break
            threading.Event().wait(0.01)
        assert marker in self.connections, "the listener stopped serving"
        self.connections.remove(marker)
        return list(self.connections)

    def close(self) -> None:
        self._closing = True
        with contextlib.suppress(OSError):  # wake the blocked accept()
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as probe:
        probe.sendall(b"probe")
    for _ in range(200):  # the listener itself works: it records a connection
        if server.connections:
            break
        threading.Event().wait(0.01)
    assert server.connections == [b"probe"]
    server.connections.clear()
    yield server
    server.close()


def build_env(listener: Listener) -> dict[str, str]:
    proxy = f"http://{listener.base}"
    env = {**os.environ, "TOUGEN_PROGRESS": "0", "no_proxy": "", "NO_PROXY": ""}
    for var in ("http_proxy", "https_proxy", "ftp_proxy", "all_proxy"):
        env[var] = env[var.upper()] = proxy
    return env


def build(kind: str, ms: Path, out: Path, listener: Listener, *extra: str):
    return subprocess.run(
        [str(TOUGEN), "build", kind, "-m", str(ms), "-o", str(out), *extra],
        capture_output=True,
        text=True,
        env=build_env(listener),
        timeout=600,
    )


def copy_tiny(tiny_root: Path, dest: Path) -> Path:
    shutil.copytree(tiny_root, dest)
    (dest / "images").mkdir()
    return dest


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def located_errors(stderr: str) -> list[tuple[Path, int, str]]:
    out = []
    for line in stderr.splitlines():
        m = DIAG.match(line)
        if m:
            out.append((Path(m["path"]), int(m["line"]), m["code"]))
    return out


def assert_located(stderr: str, file: Path, needle: str, code: str) -> None:
    """An error ``code`` at ``file:LINE:COL`` where LINE holds ``needle``."""
    lines = file.read_text(encoding="utf-8").splitlines()
    for path, line, got in located_errors(stderr):
        if got == code and path.resolve() == file.resolve() and needle in lines[line - 1]:
            return
    raise AssertionError(f"no [{code}] error at the line of {needle!r} in {file}:\n{stderr}")


def zip_texts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


# -- references that would be fetched: refused before anything is read ------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, tiny_root: Path, listener: Listener):
    """A manuscript referencing the listener (and local files outside) as images."""
    base = tmp_path_factory.mktemp("hostile")
    ms = copy_tiny(tiny_root, base / "ms")
    outside = base / "outside.png"
    outside.write_bytes(PNG)
    os.symlink(PASSWD, ms / "images" / "passwd.png")
    os.symlink(outside, ms / "images" / "outside.png")
    host = listener.base
    refs = {
        f"http://{host}/md.png": "image-remote",
        f"//{host}/protocol-relative.png": "image-remote",
        f"HTTPS://{host}/upper.png": "image-remote",
        f"http://{host}/reference.png": "image-remote",
        f"http://{host}/raw.png": "image-remote",
        f"ftp://{host}/ftp.png": "image-remote",
        "file:///etc/passwd": "image-absolute",
        f"file://{host}/etc/passwd": "image-absolute",
        "/etc/passwd": "image-absolute",
        "../../../../../../../../etc/passwd": "image-outside",
        "../images/passwd.png": "image-outside",
        "../images/outside.png": "image-outside",
    }
    article = ms / "articles" / "01-hajimari.md"
    append(
        article,
        f"""
![md](http://{host}/md.png)

![protocol](//{host}/protocol-relative.png)

![upper](HTTPS://{host}/upper.png "title")

![reference][ref]

<img src="http://{host}/raw.png" alt="raw"/>

![ftp](ftp://{host}/ftp.png)

![file](file:///etc/passwd)

<img src="file://{host}/etc/passwd" alt="host file"/>

![absolute](/etc/passwd)

![up](../../../../../../../../etc/passwd)

![symlink to passwd](../images/passwd.png)

<img src="../images/outside.png" alt="symlink out"/>

[ref]: http://{host}/reference.png
""",
    )
    glossary = ms / "glossary.toml"
    gloss_ref = f"http://{host}/glossary.png"
    glossary.write_text(
        glossary.read_text(encoding="utf-8").replace(
            "NATOの協力プログラム。", f"NATOの協力プログラム。![図]({gloss_ref})"
        ),
        encoding="utf-8",
    )
    out = base / "build"
    with ThreadPoolExecutor(2) as pool:
        results = dict(
            zip(
                ("epub", "pdf"),
                pool.map(lambda kind: build(kind, ms, out, listener), ("epub", "pdf")),
                strict=True,
            )
        )
    return ms, out, refs, (glossary, gloss_ref), results


@pytest.mark.parametrize("kind", ["epub", "pdf"])
def test_remote_and_outside_images_are_refused_where_written(hostile, listener, kind) -> None:
    ms, out, refs, (glossary, gloss_ref), results = hostile
    result = results[kind]
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    article = ms / "articles" / "01-hajimari.md"
    for ref, code in refs.items():
        assert_located(result.stderr, article, ref, code)
    assert_located(result.stderr, glossary, gloss_ref, "image-remote")
    assert not out.exists() or not any(out.iterdir()), "a refused build wrote something"
    assert listener.settled() == []


def test_font_path_that_is_a_url_is_not_fetched(tmp_path: Path, tiny_root: Path, listener) -> None:
    """[fonts] takes file paths: a URL is a missing file, never a download."""
    ms = copy_tiny(tiny_root, tmp_path / "ms")
    url = f"http://{listener.base}/mincho.otf"
    append(ms / "book.toml", f'\n[fonts]\nmincho = "{url}"\n')
    out = tmp_path / "build"
    result = build("pdf", ms, out, listener)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert url in result.stderr and "no such font file" in result.stderr
    assert_located(result.stderr, ms / "book.toml", url, "font-missing")
    assert not out.exists() or not any(out.iterdir())
    assert listener.settled() == []


# -- builds that succeed: links stay links, stripped attributes, files that are not used ---


@pytest.fixture(scope="module")
def safe_builds(tmp_path_factory: pytest.TempPathFactory, tiny_root: Path, listener: Listener):
    """Links to the listener, attributes that could load a URL, an unused symlink to
    /etc/passwd, and one allowed local image; the EPUB and the PDF build."""
    base = tmp_path_factory.mktemp("safe")
    ms = copy_tiny(tiny_root, base / "ms")
    (ms / "images" / "ok.png").write_bytes(PNG)
    os.symlink(PASSWD, ms / "images" / "unused.png")
    host = listener.base
    links = [f"http://{host}/md-link", f"http://{host}/autolink", f"https://{host}/raw-link"]
    append(
        ms / "articles" / "01-hajimari.md",
        f"""
本文の[リンク]({links[0]})と<{links[1]}>、<a href="{links[2]}">生のリンク</a>。

<span style="background-image: url(http://{host}/style.png)">飾り</span>

<img src="../images/ok.png" srcset="http://{host}/srcset.png 2x" alt="図"/>
""",
    )
    out = base / "build"
    with ThreadPoolExecutor(2) as pool:
        results = dict(
            zip(
                ("epub", "pdf"),
                pool.map(
                    lambda kind: build(kind, ms, out, listener, "-w", "horizontal"),
                    ("epub", "pdf"),
                ),
                strict=True,
            )
        )
    return ms, out, links, results


@pytest.mark.slow
def test_links_are_kept_and_not_fetched(safe_builds, listener) -> None:
    ms, out, links, results = safe_builds
    for kind, result in results.items():
        assert result.returncode == 0, (kind, result.stderr)
        assert "[html-attribute]" in result.stderr  # style= and srcset= dropped, said so
    texts = zip_texts((out / "tiny-horizontal.epub").read_bytes())
    chapters = b"".join(v for k, v in texts.items() if k.endswith(".xhtml"))
    for link in links:
        assert f'href="{link}"'.encode() in chapters, link
    assert b"style.png" not in chapters and b"srcset" not in chapters

    import pypdf

    uris = set()
    for page in pypdf.PdfReader(out / "tiny-horizontal.pdf").pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                uris.add(str(action["/URI"]))
    assert set(links) <= uris
    assert listener.settled() == []


@pytest.mark.slow
def test_unused_symlink_out_of_the_manuscript_is_not_packaged(safe_builds) -> None:
    _, out, _, _ = safe_builds
    secret = PASSWD.read_bytes()[:64]
    assert secret
    texts = zip_texts((out / "tiny-horizontal.epub").read_bytes())
    assert not any(secret in data for data in texts.values())
    assert not any("unused" in name or "passwd" in name for name in texts)


# -- an SVG image that references the network and files outside ---------------------------


@pytest.fixture(scope="module")
def svg_builds(tmp_path_factory: pytest.TempPathFactory, tiny_root: Path, listener: Listener):
    base = tmp_path_factory.mktemp("svg")
    ms = copy_tiny(tiny_root, base / "ms")
    outside = base / "outside.png"
    outside.write_bytes(PNG)
    host = listener.base
    refs = [f"http://{host}/in-svg.png", "file:///etc/passwd", "../../outside.png"]
    svg = ms / "images" / "figure.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        ' width="20" height="20">\n'
        f'  <image href="{refs[0]}" width="10" height="10"/>\n'
        f'  <image xlink:href="{refs[1]}" x="10" width="10" height="10"/>\n'
        f'  <image href="{refs[2]}" y="10" width="10" height="10"/>\n'
        "</svg>\n",
        encoding="utf-8",
    )
    append(ms / "articles" / "01-hajimari.md", "\n![図](../images/figure.svg)\n")
    out = base / "build"
    out.mkdir()
    (out / "tiny-horizontal.pdf").write_bytes(PREVIOUS_PDF)
    with ThreadPoolExecutor(2) as pool:
        results = dict(
            zip(
                ("epub", "pdf"),
                pool.map(
                    lambda kind: build(kind, ms, out, listener, "-w", "horizontal"),
                    ("epub", "pdf"),
                ),
                strict=True,
            )
        )
    return ms, svg, out, refs, results


@pytest.mark.slow
def test_svg_references_refused_in_the_pdf(svg_builds, listener) -> None:
    """The SVG is checked when the manuscript loads, as for the EPUB: each reference
    refused, located in the SVG, nothing written (WeasyPrint's fetcher, the second line of
    defence, is tested below and in tests/unit/pdf/test_pdf_fetch.py)."""
    ms, svg, out, refs, results = svg_builds
    result = results["pdf"]
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    for ref in refs:
        assert_located(result.stderr, svg, ref, "svg-external")
    # The previous book stays as it was.
    assert (out / "tiny-horizontal.pdf").read_bytes() == PREVIOUS_PDF
    assert not [p.name for p in out.iterdir() if p.name.endswith(".part")]
    assert listener.settled() == []


@pytest.mark.slow
def test_svg_references_do_not_reach_the_epub(svg_builds, listener) -> None:
    """The EPUB either refuses the SVG or carries nothing that points at the network or at
    a file outside the manuscript."""
    _, _, out, refs, results = svg_builds
    result = results["epub"]
    assert "Traceback" not in result.stderr
    epub = out / "tiny-horizontal.epub"
    if result.returncode != 0:
        assert not epub.exists()
        return
    texts = zip_texts(epub.read_bytes())
    secret = PASSWD.read_bytes()[:64]
    for name, data in texts.items():
        for ref in refs:
            assert ref.encode() not in data, (name, ref)
        assert secret not in data, name
    assert listener.settled() == []


# -- the PDF's URL fetcher, called directly ---------------------------------------------


@pytest.fixture()
def tree(tmp_path: Path) -> tuple[Path, Path]:
    ms = tmp_path / "ms"
    (ms / "images").mkdir(parents=True)
    (ms / "images" / "ok.png").write_bytes(PNG)
    outside = tmp_path / "outside.png"
    outside.write_bytes(PNG)
    os.symlink(outside, ms / "images" / "out.png")
    os.symlink(PASSWD, ms / "images" / "passwd.png")
    return ms, outside


def test_fetcher_refuses_network_and_files_outside(tree, listener) -> None:
    ms, outside = tree
    fetcher = RestrictedFetcher([ms, styles_dir()])
    assert fetcher.fetch((ms / "images" / "ok.png").as_uri()).read() == PNG  # allowed
    urls = [
        f"http://{listener.base}/",
        f"https://{listener.base}/font.otf",
        f"ftp://{listener.base}/x",
        f"file://{listener.base}/etc/passwd",
        "file:///etc/passwd",
        outside.as_uri(),
        (ms / "images").as_uri() + "/../../outside.png",
        (ms / "images").as_uri() + "/%2e%2e/%2e%2e/outside.png",
        (ms / "images" / "out.png").as_uri(),
        (ms / "images" / "passwd.png").as_uri(),
        (styles_dir()).as_uri() + "/../../../../../../../../etc/passwd",
    ]
    for url in urls:
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert [r.url for r in fetcher.refused] == urls
    assert listener.settled() == []


HOSTILE_HTML = """<html><head>
<link rel="stylesheet" href="http://{host}/link.css"/>
<style>
@import url("http://{host}/import.css");
@font-face {{ font-family: X; src: url("http://{host}/font.otf"); }}
body {{ font-family: X; background: url("http://{host}/bg.png"); }}
</style></head><body>
<p>本文</p><img src="http://{host}/img.png"/><img src="file:///etc/passwd"/>
<object data="http://{host}/object.svg"></object>
</body></html>"""


def test_weasyprint_reads_only_through_the_fetcher(tree, listener) -> None:
    """Everything WeasyPrint would load from a document goes to the fetcher and is refused."""
    import weasyprint

    ms, _ = tree
    fetcher = RestrictedFetcher([ms, styles_dir()])
    html = HOSTILE_HTML.format(host=listener.base)
    weasyprint.HTML(string=html, base_url=ms.as_uri() + "/", url_fetcher=fetcher).write_pdf()
    refused = {r.url for r in fetcher.refused}
    host = listener.base
    for name in ("link.css", "import.css", "font.otf", "bg.png", "img.png", "object.svg"):
        assert f"http://{host}/{name}" in refused
    assert "file:///etc/passwd" in refused
    assert listener.settled() == []


def test_control_weasyprint_default_fetcher_does_connect(tree) -> None:
    """The control: without the restricted fetcher the same document reaches the listener,
    so the listener would have seen a build that fetched."""
    import weasyprint

    ms, _ = tree
    own = Listener()
    try:
        html = f'<html><body><img src="http://{own.base}/img.png"/></body></html>'
        weasyprint.HTML(string=html, base_url=ms.as_uri() + "/").write_pdf()
        for _ in range(200):
            if own.connections:
                break
            threading.Event().wait(0.01)
        assert own.connections and own.connections[0].startswith(b"GET /img.png")
    finally:
        own.close()
