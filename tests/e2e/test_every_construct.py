"""Every construct of README's "The manuscript" reaches all four books.

tests/fixtures/books/every uses each of them once or more: ruby (group and per character,
in text, a table cell and a heading), glossary links (term, alias, label), citations (one
and several sources), tate-chu-yoko, footnotes (numbered, named, of two paragraphs, called
twice), 傍点, bold, a table with ruby, a glossary link, a citation and an escaped ``|``,
lists (nested, numbered), nested quotes, soft and hard line breaks, raw HTML, an image with
alt text, ``##``/``###`` headings (a ``##`` title with ruby, 傍点 and tate-chu-yoko),
see-also links (internal and external), units and numbers, glossary definitions in Markdown.

The Markdown source is cut into sentences (at 。！？) and stripped of its markup here, by
rules of its own (the plain text a reader sees: ruby bases, glossary labels, no note or
citation markers); every sentence must appear in the text of the EPUBs (XHTML text
content, readings and note calls left out) and in the text of the PDFs (the characters
at text size in content-stream order, which is what a PDF reader copies: readings,
sesame dots and note calls are smaller). White space is ignored on both sides.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "books" / "every"
EPOCH = "1741910400"
OUTPUTS = ["epub-vertical", "epub-horizontal", "pdf-vertical", "pdf-horizontal"]
XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
CITATION_MARK = re.compile(r"［[0-9０-９、,]+］")  # ［1］, ［1、2］ as printed
SMALL = 0.75  # text smaller than this (times the body size) is not read as text

# -- the source, as a reader reads it --------------------------------------------------

INLINE = [
    (re.compile(r"`([^`]*)`"), r"\1"),  # code span
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # image (its alt text is checked apart)
    (re.compile(r"\[\^[^\]\s]+\]"), ""),  # footnote call
    (re.compile(r"\[@[^\]]*\]"), ""),  # citation
    (re.compile(r"\[\[([^\]|]+)\|([^\]]+)\]\]"), r"\2"),  # glossary link with a label
    (re.compile(r"\[\[([^\]]+)\]\]"), r"\1"),  # glossary link
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # link
    (re.compile(r"\{([^|{}]+)\|[^{}]*\}"), r"\1"),  # ruby: the base
    (re.compile(r"\^([^^\s]+)\^"), r"\1"),  # tate-chu-yoko
    (re.compile(r"\*\*|\*"), ""),  # strong, emphasis
    (re.compile(r"<[^>]+>"), ""),  # raw HTML tags
    (re.compile(r"\\\|"), "|"),  # an escaped pipe in a table cell
]
BLOCK_MARK = re.compile(r"^(?:\s*>)*\s*(?:#{1,6}\s+|[-*+]\s+|\d+\.\s+|\[\^[^\]]+\]:\s*)?")
SENTENCE = re.compile(r"[^。！？]+[。！？]*[」』）]*")
THEMATIC_BREAK = re.compile(r"\s*([-*_])(\s*\1){2,}\s*")


def plain(text: str, *, keep_escapes: bool = False) -> str:
    for pattern, repl in INLINE[:-1] if keep_escapes else INLINE:
        text = pattern.sub(repl, text)
    return re.sub(r"\s+", "", text)


def units(markdown: str) -> list[str]:
    """Paragraphs, list items, table cells and headings of a Markdown text, as plain text."""
    out: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            out.append(plain("".join(current)))
            current.clear()

    for line in markdown.split("\n"):
        if not line.strip() or re.fullmatch(r"[\s>]*", line) or THEMATIC_BREAK.fullmatch(line):
            flush()
            continue
        if line.lstrip().startswith("|"):
            flush()
            if not re.fullmatch(r"[\s|:-]+", line):
                row = plain(line, keep_escapes=True).strip("|")  # no | of ruby or links left
                cells = re.split(r"(?<!\\)\|", row)
                out += [plain(cell) for cell in cells]
            continue
        mark = BLOCK_MARK.match(line)
        if mark and mark.group(0).strip().lstrip(">").strip():  # a new item, heading or note
            flush()
        current.append(line[mark.end() :] if mark else line)
    flush()
    return [u for u in out if u]


def sentences_of(markdown: str) -> list[str]:
    found = []
    for unit in units(markdown):
        found += [s for s in SENTENCE.findall(unit) if len(s) >= 2]
    return found


def source_sentences() -> list[str]:
    found: list[str] = []
    for path in sorted((ROOT / "articles").glob("*.md")):
        _, meta, body = path.read_text(encoding="utf-8").split("+++\n", 2)
        front = tomllib.loads(meta)
        found.append(plain(front["title"]))
        found += [plain(link["title"]) for link in front.get("see_also", [])]
        found += sentences_of(body)
    glossary = tomllib.loads((ROOT / "glossary.toml").read_text(encoding="utf-8"))
    for term in glossary["term"]:
        found.append(plain(term["term"]))
        found += sentences_of(term["definition"])
    return found


# -- the books ------------------------------------------------------------------------


def _run(*args: str) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "TOUGEN_JOBS": "1", "TOUGEN_PROGRESS": "0"}
    res = subprocess.run(
        [sys.executable, "-m", "tougen_pub", "build", *args, "-m", str(ROOT)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "warning" not in res.stdout + res.stderr, res.stdout + res.stderr


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("every")
    for mode in ("vertical", "horizontal"):
        _run("epub", "-o", str(out), "--writing-mode", mode)
        _run("pdf", "-o", str(out), "--writing-mode", mode)
    return {
        "epub-vertical": out / "every.epub",
        "epub-horizontal": out / "every-horizontal.epub",
        "pdf-vertical": out / "every-vertical.pdf",
        "pdf-horizontal": out / "every-horizontal.pdf",
    }


def epub_documents(path: Path) -> list[ET.Element]:
    with zipfile.ZipFile(path) as z:
        return [ET.fromstring(z.read(n)) for n in sorted(z.namelist()) if n.endswith(".xhtml")]


def epub_text(path: Path) -> list[str]:
    """The text of every XHTML document: ruby readings, note calls and citation numbers
    left out."""
    texts = []
    for root in epub_documents(path):
        for parent in list(root.iter()):
            for kid in list(parent):
                drop = kid.tag in (f"{XHTML}rt", f"{XHTML}rp") or (
                    kid.tag == f"{XHTML}a" and kid.get(EPUB_TYPE) == "noteref"
                )
                if drop:
                    kid.text, kid[:] = "", []
        text = re.sub(r"\s+", "", "".join(root.itertext()))
        texts.append(CITATION_MARK.sub("", text))
    return texts


def pdf_text(path: Path, vertical: bool) -> list[str]:
    """The text of every page in content-stream order, at text size: ruby readings, sesame
    dots and note calls (half size and less) left out. A character's size is its extent
    across the line (its width in a vertical book)."""
    import pdfplumber

    pages = []
    with pdfplumber.open(path) as pdf:

        def extent(c: dict) -> float:
            return c["x1"] - c["x0"] if vertical else c["bottom"] - c["top"]

        sizes = Counter(round(extent(c), 1) for p in pdf.pages for c in p.chars)
        body = sizes.most_common(1)[0][0]
        for page in pdf.pages:
            text = "".join(c["text"] for c in page.chars if extent(c) >= SMALL * body)
            pages.append(CITATION_MARK.sub("", re.sub(r"\s+", "", text)))
    return pages


def missing(sentences: list[str], pages: list[str]) -> list[str]:
    """The sentences not found in the pages. A sentence may run from the end of one page's
    text into the start of the next (the notes, running head and page number of a page
    come after its text)."""
    lost = []
    for s in sentences:
        if any(s in p for p in pages):
            continue
        split = any(
            s[:i] in pages[k] and pages[k + 1].startswith(s[i:])
            for k in range(len(pages) - 1)
            for i in range(1, len(s))
        )
        if not split:
            lost.append(s)
    return lost


# -- the tests ------------------------------------------------------------------------


def test_the_source_is_cut_into_plain_sentences() -> None:
    found = source_sentences()
    for expected in [
        "親文字と漢字にはルビが付く。",
        "「ブダペスト覚書」は用語集の語であり、PFPは別名で引かれ、協力計画は表示名を変えて引かれた。",
        "12月の会談と3日の会議があった。",
        "ここで大事なのは強調語句であって、太字ではない。",
        "英語の単語はthequickbrownfoxのように空白を残す。",
        "野辺山",
        "上り|下り",
        "名前つきの注の第二段落である。",
        "入れ子になった引用の文である。",
        "続きの記事",
        "NATOの協力プログラムである。",
    ]:
        assert expected in found, (expected, found)
    assert not [s for s in found if re.search(r"[{}\[\]^*|<>]", s) and s != "上り|下り"]
    assert len(found) >= 45


@pytest.mark.parametrize("output", OUTPUTS)
def test_every_sentence_reaches_every_output(books: dict[str, Path], output: str) -> None:
    path = books[output]
    if output.startswith("epub"):
        pages = epub_text(path)
    else:
        pages = pdf_text(path, vertical=output.endswith("vertical"))
    lost = missing(source_sentences(), pages)
    assert not lost, (output, lost)


@pytest.mark.parametrize("output", OUTPUTS)
def test_the_image_is_there_with_its_alt_text(books: dict[str, Path], output: str) -> None:
    path = books[output]
    if output.startswith("epub"):
        images = [img for root in epub_documents(path) for img in root.iter(f"{XHTML}img")]
        assert "高原の線路" in [img.get("alt") for img in images]
        return
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        pages = [p for p in pdf.pages if "写真のあとの本文" in "".join(c["text"] for c in p.chars)]
        near = [p for p in pdf.pages if abs(p.page_number - pages[0].page_number) <= 1]
        assert any(p.images for p in near)


def test_a_dropped_sentence_is_found_missing() -> None:
    pages = ["冒頭の文である。次の文は", "二ページにまたがる。注の本文。", "最後の文。"]
    assert missing(["次の文は二ページにまたがる。", "最後の文。"], pages) == []
    assert missing(["消えた文である。", "文は二ページ"], pages) == ["消えた文である。"]


def test_epubcheck(books: dict[str, Path], tmp_path: Path, epubcheck_clean) -> None:  # noqa: ANN001
    epubcheck_clean([books["epub-vertical"], books["epub-horizontal"]], tmp_path)


# -- what print adds: 傍点 that extraction skips, ruby over kana, one ink ------------------


@pytest.mark.parametrize("output", ["pdf-vertical", "pdf-horizontal"])
def test_emphasised_words_extract_as_plain_text(books: dict[str, Path], output: str) -> None:
    """pdftotext (which reads text as a PDF viewer copies it, ActualText included) gives the
    emphasised words without a sesame dot or a middle dot among them, and in content-stream
    order (what other extractors read) the words stand in their sentence."""
    import pdfplumber

    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(books[output]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "ここで大事なのは強調語句であって、太字ではない。小海線は高原を走る。" in flat
    assert "﹅" not in text and "強・調" not in flat
    with pdfplumber.open(books[output]) as pdf:
        stream = "".join(c["text"] for p in pdf.pages for c in p.chars)
    assert "ここで大事なのは強調語句であって、太字ではない。小海線は高原を走る。" in stream
    assert stream.count("﹅") == len("強調語句高原朝")  # the dots are still drawn


def _line_extent(c: dict, vertical: bool) -> tuple[float, float]:
    return (c["top"], c["bottom"]) if vertical else (c["x0"], c["x1"])


@pytest.mark.parametrize("output", ["pdf-vertical", "pdf-horizontal"])
def test_ruby_reaches_over_kana_not_kanji(books: dict[str, Path], output: str) -> None:
    """この{鋺|かなまり}は: the reading (two ems over one) reaches half an em over の and は,
    which stand right against the base; 銅{鋺|かなまり}と: none over the kanji 銅, the base
    is set half an em from it (JLReq 3.3.8)."""
    import pdfplumber

    vertical = output.endswith("vertical")
    with pdfplumber.open(books[output]) as pdf:
        page = next(p for p in pdf.pages if "この鋺は" in "".join(c["text"] for c in p.chars))
        chars = page.chars
    body = [c for c in chars if c["size"] > 7 or (vertical and c["x1"] - c["x0"] > 7)]
    text = "".join(c["text"] for c in body)
    size = 9.0

    def run(word: str, at: int = 0) -> list[dict]:
        k = text.index(word, at)
        return body[k : k + len(word)]

    def reading_near(base: dict) -> tuple[float, float]:
        small = [c for c in chars if c not in body and c["text"] in "かなまり"]
        mid = sum(_line_extent(base, vertical)) / 2
        near = sorted(small, key=lambda c: abs(sum(_line_extent(c, vertical)) / 2 - mid))[:4]
        return min(_line_extent(c, vertical)[0] for c in near), max(
            _line_extent(c, vertical)[1] for c in near
        )

    no, base, wa = run("の鋺は")
    start, end = _line_extent(base, vertical)
    assert start - _line_extent(no, vertical)[1] == pytest.approx(0, abs=0.05 * size)
    assert _line_extent(wa, vertical)[0] - end == pytest.approx(0, abs=0.05 * size)
    r0, r1 = reading_near(base)
    assert start - r0 == pytest.approx(0.5 * size, abs=0.1 * size)  # over の
    assert r1 - end == pytest.approx(0.5 * size, abs=0.1 * size)  # over は
    dou, base2, _to = run("銅鋺と")
    start2, _ = _line_extent(base2, vertical)
    assert start2 - _line_extent(dou, vertical)[1] == pytest.approx(0.5 * size, abs=0.05 * size)
    r0, _ = reading_near(base2)
    assert r0 >= _line_extent(dou, vertical)[1] - 0.05 * size  # not over 銅


@pytest.mark.parametrize("output", ["pdf-vertical", "pdf-horizontal"])
def test_everything_prints_on_the_black_plate(books: dict[str, Path], output: str) -> None:
    """No construct brings RGB into the book (a highlighted <mark>, a --- rule)."""
    res = subprocess.run(
        [sys.executable, "-m", "tougen_pub", "preflight", str(books[output])],
        capture_output=True,
        text=True,
    )
    assert "preflight-rgb" not in res.stdout + res.stderr, res.stdout


# -- a section title: ruby, 傍点 and tate-chu-yoko in the heading, plain elsewhere ----------

HEADING = "12月の野辺山の朝"  # ## ^12^月の{野辺山|のべやま}の*朝* (02-tsuzuki.md)


@pytest.mark.parametrize("output", ["epub-vertical", "epub-horizontal"])
def test_a_section_title_keeps_its_markup_in_the_epub(books: dict[str, Path], output: str) -> None:
    """The heading holds the ruby (with parentheses for readers without ruby), the
    emphasis and the tate-chu-yoko; the table of contents shows the plain title."""
    docs = epub_documents(books[output])
    (heading,) = [
        h for root in docs for h in root.iter(f"{XHTML}h2") if "野辺山" in "".join(h.itertext())
    ]
    (ruby,) = heading.iter(f"{XHTML}ruby")
    assert ruby.text == "野辺山"
    assert [rt.text for rt in ruby.iter(f"{XHTML}rt")] == ["のべやま"]
    assert [rp.text for rp in ruby.iter(f"{XHTML}rp")] == ["（", "）"]
    assert [em.text for em in heading.iter(f"{XHTML}em")] == ["朝"]
    assert [s.text for s in heading.iter(f"{XHTML}span") if s.get("class") == "tcy"] == ["12"]
    nav = [
        "".join(a.itertext())
        for root in docs
        if root.find(f".//{XHTML}nav[@{EPUB_TYPE}='toc']") is not None
        for a in root.iter(f"{XHTML}a")
    ]
    assert HEADING in nav and not [label for label in nav if "のべやま" in label]


@pytest.mark.parametrize("output", ["pdf-vertical", "pdf-horizontal"])
def test_a_section_title_prints_its_ruby_and_dots(books: dict[str, Path], output: str) -> None:
    """The reading stands over (横組) or beside (縦組) 野辺山, centred on it, and a sesame
    dot marks 朝; the PDF's bookmark of the section is the plain title."""
    import pdfplumber
    import pypdf

    vertical = output.endswith("vertical")
    with pdfplumber.open(books[output]) as pdf:
        page = next(p for p in pdf.pages if HEADING in "".join(c["text"] for c in p.chars))
        chars = page.chars

    def run(word: str, among: list[dict]) -> list[dict]:  # one glyph may draw "12"
        texts = [c["text"] for c in among]
        k = next(k for k in range(len(among)) if "".join(texts[k : k + len(word)]) == word)
        return among[k : k + len(word)]

    *base, _no, asa = run("野辺山の朝", chars)
    size = base[0]["size"]
    reading = run("のべやま", [c for c in chars if c["size"] < 0.6 * size])

    def along(cs: list[dict]) -> float:  # the centre along the line
        return sum(sum(_line_extent(c, vertical)) for c in cs) / (2 * len(cs))

    assert along(reading) == pytest.approx(along(base), abs=0.05 * size)
    dots = [c for c in chars if c["text"] == "﹅"]
    assert [d for d in dots if abs(along([d]) - along([asa])) < 0.1 * size]
    if vertical:  # beside the column, on its right
        assert min(c["x0"] for c in reading) >= base[0]["x1"] - 0.05 * size
    else:  # over the line
        assert max(c["bottom"] for c in reading) <= base[0]["top"] + 0.05 * size

    def titles(outline: list) -> list[str]:
        return [
            t
            for item in outline
            for t in (titles(item) if isinstance(item, list) else [item.title])
        ]

    bookmarks = titles(pypdf.PdfReader(books[output]).outline)
    assert HEADING in bookmarks and not [t for t in bookmarks if "のべやま" in t]
    # a ### heading with ruby: its bookmark is the base text too
    assert "高原の写真" in bookmarks and not [t for t in bookmarks if "こうげん" in t], bookmarks


# -- 傍点: the dot's ink centred on its character ------------------------------------------

DOT_DPI = 2400  # a pixel is 0.03 pt


def _ink_box(path: Path, page: int, box: tuple[float, float, float, float], tmp: Path):
    """The box (pt, on the page as it is read) of the ink drawn inside ``box``."""
    from PIL import Image

    scale = DOT_DPI / 72
    x, y = int(box[0] * scale), int(box[1] * scale)
    w, h = int((box[2] - box[0]) * scale) + 2, int((box[3] - box[1]) * scale) + 2
    stem = tmp / f"dot-{page}-{x}-{y}"
    subprocess.run(
        ["pdftoppm", "-r", str(DOT_DPI), "-gray", "-png", "-singlefile", "-f", str(page)]
        + ["-l", str(page), "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h)]
        + [str(path), str(stem)],
        check=True,
    )
    ink = Image.open(f"{stem}.png").convert("L").point(lambda v: 255 if v < 128 else 0)
    left, top, right, bottom = ink.getbbox()
    return (x + left) / scale, (y + top) / scale, (x + right) / scale, (y + bottom) / scale


@pytest.mark.parametrize("output", ["pdf-vertical", "pdf-horizontal"])
def test_sesame_dots_stand_centred_on_their_characters(
    books: dict[str, Path], output: str, tmp_path: Path
) -> None:
    """The ink of each ﹅ is centred along the line on the character it marks, in the text
    and in a heading: the face draws the dot off the centre of its em (IPAex Mincho: 0.03
    em before it, 0.2 pt at the dot's size)."""
    import pdfplumber

    vertical = output.endswith("vertical")
    offsets = []
    with pdfplumber.open(books[output]) as pdf:
        for page in pdf.pages:
            dots = [c for c in page.chars if c["text"] == "﹅"]
            letters = [c for c in page.chars if c["text"] != "﹅" and c["size"] >= 8]
            for dot in dots:
                centre = ((dot["x0"] + dot["x1"]) / 2, (dot["top"] + dot["bottom"]) / 2)
                base = min(
                    letters,
                    key=lambda c: (
                        ((c["x0"] + c["x1"]) / 2 - centre[0]) ** 2
                        + ((c["top"] + c["bottom"]) / 2 - centre[1]) ** 2
                    ),
                )
                box = (dot["x0"], dot["top"], dot["x1"], dot["bottom"])
                ink = _ink_box(books[output], page.page_number, box, tmp_path)
                ink_along = (ink[1] + ink[3]) / 2 if vertical else (ink[0] + ink[2]) / 2
                offsets.append(
                    (base["text"], round(ink_along - sum(_line_extent(base, vertical)) / 2, 3))
                )
    assert [t for t, _ in offsets] == list("強調語句高原朝")
    assert all(abs(off) <= 0.06 for _, off in offsets), offsets
