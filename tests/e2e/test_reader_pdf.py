"""What a reader finds in the print PDF, for both writing modes: the table of contents and the
bookmarks lead to the right pages, running heads (柱) stand in the margin of every body page,
glossary, bibliography and related-article references give pages that hold what they point
to, ruby readings sit beside (縦組) or above (横組) their base, and short numbers stand upright
in the vertical book.

Everything is measured in the PDF itself (poppler's pdftotext, pdfplumber, pypdf), against
what the manuscript says (the ``Spec`` of each fixture book, written out here by hand).
pdfplumber reports the coordinates of the displayed page: a vertical page is laid out
landscape and turned by /Rotate 90, and columns then run top to bottom, right to left.

The full fixture book (tests/fixtures/books/full) is built once per writing mode per module
(slow); one quick layout check per writing mode on the tiny book stays in ``make test-fast``.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BOOKS = Path(__file__).resolve().parents[1] / "fixtures" / "books"
EPOCH = "1741910400"  # 2025-03-14T00:00:00Z
MM = 72 / 25.4
DIGITS = "0-9〇一二三四五六七八九"  # arabic, and kanji digit by digit (一三 = 13)
KANJI = str.maketrans("〇一二三四五六七八九", "0123456789")
TO_KANJI = str.maketrans("0123456789", "〇一二三四五六七八九")
PAGE_NUMBER = re.compile(f"[{DIGITS}]+")
BACK = ("用語集", "参考文献")
COLOPHON = "奥付"


# -- what the manuscripts say ------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What a reader must find in a book, from its manuscript."""

    root: Path
    title: str
    #: article title -> its ``##`` section titles, in reading order
    articles: dict[str, list[str]]
    #: glossary term -> (aliases, titles of the articles that use it)
    glossary: dict[str, tuple[tuple[str, ...], list[str]]]
    #: bibliography number -> (source title, titles of the articles that cite it)
    sources: dict[int, tuple[str, list[str]]]
    #: article title -> titles of the articles of the book it lists as related
    see_also: dict[str, list[str]]
    #: (base, reading) of ruby: group ruby, or one pair per character of mono ruby
    ruby: list[tuple[str, str]]
    #: glyph runs of the vertical book: a digit group is one upright glyph
    tcy: list[list[str]] = field(default_factory=list)


FULL = Spec(
    root=BOOKS / "full",
    title="海峡叢話",
    articles={
        "海峡の町の記録": ["概要", "詳細", "要点"],
        "山あいの鉄道": ["概要", "詳細", "要点"],
        "岬の灯台守": ["概要", "詳細", "要点"],
    },
    glossary={
        "渡し船": (("渡船",), ["海峡の町の記録", "山あいの鉄道"]),
        "海峡渡航条例": (("渡航条例",), ["海峡の町の記録", "岬の灯台守"]),
        "灯台守": ((), ["岬の灯台守"]),
    },
    sources={
        1: ("港湾日誌 第一巻", ["海峡の町の記録", "岬の灯台守"]),
        2: ("Mountain Railway Survey 1962", ["山あいの鉄道"]),
        3: ("灯台守の手記", ["岬の灯台守"]),
    },
    see_also={
        "海峡の町の記録": ["岬の灯台守"],
        "山あいの鉄道": ["海峡の町の記録"],
        "岬の灯台守": ["海峡の町の記録", "山あいの鉄道"],
    },
    ruby=[("潮騒", "しおさい"), ("峠", "とうげ"), ("灯", "とう"), ("台", "だい")],
    tcy=[
        ["年", "3", "月", "14", "日"],  # the date of article 1 and of the book
        ["、", "12", "時"],
        ["3", "月", "14", "日", "の", "朝"],
        ["に", "8", "便"],
        ["第", "7", "工"],
        ["を", "2", "分"],
        ["に", "5", "往", "復"],
    ],
)

TINY = Spec(
    root=BOOKS / "tiny",
    title="小さな本",
    articles={"はじまりの話": ["概要", "詳細"], "つづきの話": ["概要"]},
    glossary={
        "ブダペスト覚書": ((), ["はじまりの話"]),
        "平和のためのパートナーシップ": (("PFP", "Partnership for Peace"), ["つづきの話"]),
    },
    sources={
        1: ("NATO Expansion: What Yeltsin Heard", ["はじまりの話", "つづきの話"]),
        2: ("NATO Expansion – The Budapest Blow Up 1994", ["はじまりの話"]),
    },
    see_also={"つづきの話": ["はじまりの話"]},
    ruby=[("漢", "かん"), ("字", "じ"), ("東京", "とうきょう")],
    tcy=[["年", "2", "月", "9", "日"], ["、", "12", "月"]],
)


# -- reading a PDF -------------------------------------------------------------------------


@dataclass
class Pdf:
    """One built PDF as a reader gets it: the text and the glyphs of every page."""

    path: Path
    mode: str
    texts: list[str]  # pdftotext, one per page (index 0 = page 1)
    chars: list[list[dict]]  # pdfplumber's characters per page, in content order
    width: float  # displayed page size, pt
    height: float
    kanji: bool = False  # numbers printed in kanji (--numerals kanji)
    trim: str = "a5"

    def page_number(self, page: int) -> str:
        """A page number as this book prints it in references (5, 一三)."""
        return str(page).translate(TO_KANJI) if self.kanji else str(page)

    def lines(self, page: int) -> list[str]:
        """The lines of text of a page (1-based), without the lines that are only a page
        number (ノンブル, visible or hidden in the gutter)."""
        return [
            line.strip()
            for line in self.texts[page - 1].splitlines()
            if line.strip() and not PAGE_NUMBER.fullmatch(line.strip())
        ]

    def flat(self, page: int) -> str:
        """The text of a page (1-based) without page numbers and without any white space."""
        return re.sub(r"\s+", "", "".join(self.lines(page)))

    def blank(self, page: int) -> bool:
        """Nothing on the page but, perhaps, its page number."""
        return not self.lines(page)


def read_pdf(path: Path, mode: str, kanji: bool = False) -> Pdf:
    import pdfplumber

    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    keep = ("text", "x0", "x1", "top", "bottom", "size", "fontname")
    with pdfplumber.open(path) as doc:
        chars = [[{k: c[k] for k in keep} for c in page.chars] for page in doc.pages]
        width, height = float(doc.pages[0].width), float(doc.pages[0].height)
    texts = text.split("\f")[: len(chars)]
    assert len(texts) == len(chars)
    return Pdf(path, mode, texts, chars, width, height, kanji)


def build_pdf(root: Path, out: Path, mode: str, **options) -> Path:
    """``tougen_pub.pipeline.build_book`` as the CLI runs it, with a fixed build date; the
    clean book gives no warning."""
    from tougen_pub.options import BuildOptions
    from tougen_pub.pipeline import build_book

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        mp.setenv("TOUGEN_PROGRESS", "0")
        path, diags = build_book("pdf", BuildOptions(root, out, mode, **options))
    assert not [d.format() for d in diags if d.level.value != "info"]
    return path


def number(text: str) -> int:
    """A page number as printed: arabic or kanji digits (一三 = 13)."""
    return int(text.translate(KANJI))


def openings(pdf: Pdf, titles) -> dict[str, int]:
    """The page (1-based) each part opens on: the first page whose text starts with its title."""
    out = {}
    for title in titles:
        pages = [i for i in range(1, len(pdf.texts) + 1) if pdf.flat(i).startswith(title)]
        assert pages, f"no page opens with {title!r}"
        out[title] = pages[0]
    return out


def spans(pdf: Pdf, spec: Spec) -> dict[str, range]:
    """The pages of every article and back-matter part."""
    parts = [*spec.articles, *BACK, COLOPHON]
    starts = openings(pdf, parts)
    out = {}
    for here, after in zip(parts, parts[1:], strict=False):
        assert starts[here] < starts[after], (here, after, starts)
        out[here] = range(starts[here], starts[after])
    out[COLOPHON] = range(starts[COLOPHON], len(pdf.texts) + 1)
    return out


def toc_numbers(pdf: Pdf, titles) -> dict[str, int]:
    """The page number the table of contents prints after each title."""
    toc = next((t for i, t in enumerate(pdf.texts, 1) if pdf.flat(i).startswith("目次")), None)
    assert toc is not None, "no table of contents"
    out = {}
    for title in titles:
        m = re.search(re.escape(title) + rf"[ .…・]*?([{DIGITS}]+)\s*$", toc, re.M)
        assert m, f"no page number after {title!r} in the table of contents:\n{toc}"
        out[title] = number(m.group(1))
    return out


def refs_after_arrow(chunk: str, titles) -> list[tuple[str, int]]:
    """The ``→ TITLE N、TITLE N`` page references in a stretch of text without spaces."""
    if "→" not in chunk:
        return []
    tail = chunk[chunk.index("→") + 1 :]
    names = "|".join(re.escape(re.sub(r"\s+", "", t)) for t in titles)
    found = []
    for m in re.finditer(rf"({names})([{DIGITS}]+)", tail):
        found.append((m.group(1), number(m.group(2))))
    return found


# -- what the reader must find ---------------------------------------------------------------


def check_toc(pdf: Pdf, spec: Spec) -> None:
    parts = [*spec.articles, *BACK]
    printed = toc_numbers(pdf, parts)
    assert printed == openings(pdf, parts)
    assert all(n % 2 == 1 for n in printed.values()), printed  # every part opens on page 1's side


def in_text_block(pdf: Pdf, page: int, c: dict) -> bool:
    """Whether a character lies in the type area of a page (1-based), not in a margin.
    Right-bound vertical book: the gutter of odd (left-hand) pages is on the right; left-
    bound horizontal book: on the left."""
    from tougen_pub.pdf.geometry import MARGIN_PRESETS

    m = MARGIN_PRESETS[pdf.mode][pdf.trim]
    gutter_right = (page % 2 == 1) == (pdf.mode == "vertical")
    left, right = (m.outer, m.inner) if gutter_right else (m.inner, m.outer)
    return (
        left * MM - 0.5 <= c["x0"]
        and c["x1"] <= pdf.width - right * MM + 0.5
        and m.top * MM - 0.5 <= c["top"]
        and c["bottom"] <= pdf.height - m.bottom * MM + 0.5
    )


def check_toc_numbers_upright(pdf: Pdf, spec: Spec) -> None:
    """Vertical book: the ToC's page numbers are upright one-em glyphs (縦中横), as in a
    book set by hand, not Latin digits lying on their side (about ½ em along the column)."""
    from collections import Counter

    toc = next(i for i in range(1, len(pdf.texts) + 1) if pdf.flat(i).startswith("目次"))
    chars = [c for c in pdf.chars[toc - 1] if in_text_block(pdf, toc, c)]  # no ノンブル
    em = Counter(round(c["size"], 1) for c in chars if c["text"] >= "\u3040").most_common(1)[0][0]
    digits = [c for c in chars if c["text"].isdigit()]
    assert len(digits) >= len(spec.articles) + len(BACK), [c["text"] for c in digits]
    for c in digits:
        assert c["x1"] - c["x0"] == pytest.approx(em, abs=0.3), c
        assert c["bottom"] - c["top"] == pytest.approx(em, abs=0.3), c


def outline(path: Path) -> list[tuple[int, str, int]]:
    """(depth, title, page) of every bookmark, in order."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    out: list[tuple[int, str, int]] = []

    def walk(items, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                page = reader.get_destination_page_number(item)
                out.append((depth, item.title, page + 1 if page is not None else -1))

    walk(reader.outline, 0)
    return out


def check_outline(pdf: Pdf, spec: Spec) -> None:
    marks = outline(pdf.path)
    pages = spans(pdf, spec)
    top = [(title, page) for depth, title, page in marks if depth == 0]
    for part in (*spec.articles, *BACK):
        assert (part, pages[part].start) in top, (part, top)
    for article, sections in spec.articles.items():
        at = next(i for i, m in enumerate(marks) if m[:2] == (0, article))
        children = []
        for depth, title, page in marks[at + 1 :]:
            if depth == 0:
                break
            if depth == 1:
                children.append((title, page))
        assert [t for t, _ in children] == sections, (article, children)
        for title, page in children:
            assert page in pages[article], (article, title, page)
            assert title in pdf.flat(page), (article, title, page)  # the heading is there


def head_chars(pdf: Pdf, page: int) -> list[dict]:
    """The characters in the running-head area of a page (1-based): the head margin of a
    horizontal page; the fore-edge margin, upper half, of a vertical page (the left edge of
    odd = left-hand pages of a right-bound book, the right edge of even pages)."""
    from tougen_pub.pdf.geometry import MARGIN_PRESETS

    margins = MARGIN_PRESETS[pdf.mode][pdf.trim]
    chars = [c for c in pdf.chars[page - 1] if c["text"].strip()]
    if pdf.mode == "horizontal":
        return sorted((c for c in chars if c["bottom"] <= margins.top * MM), key=lambda c: c["x0"])
    outer = margins.outer * MM
    if page % 2:
        area = [c for c in chars if c["x1"] <= outer]
    else:
        area = [c for c in chars if c["x0"] >= pdf.width - outer]
    return sorted((c for c in area if c["bottom"] < pdf.height / 2), key=lambda c: c["top"])


def check_running_heads(pdf: Pdf, spec: Spec) -> None:
    """Every page of an article but its opening page carries a running head: the article's
    title on odd pages, the book's title on even pages (both writing modes). The opening
    page carries none."""
    pages = spans(pdf, spec)
    seen = {"odd": 0, "even": 0}
    for article in spec.articles:
        first, *rest = pages[article]
        assert not head_chars(pdf, first), (article, first)
        for page in rest:
            if pdf.blank(page):
                continue  # the blank page before the next part
            head = "".join(c["text"] for c in head_chars(pdf, page))
            expected = article if page % 2 else spec.title
            assert head == expected, f"page {page}: running head {head!r}, not {expected!r}"
            seen["odd" if page % 2 else "even"] += 1
    assert seen["odd"] >= 2 and seen["even"] >= 2, seen


def check_glossary_pages(pdf: Pdf, spec: Spec) -> None:
    """Each glossary entry lists ``→ ARTICLE N`` for every article that uses the term, and page
    N lies in that article and shows the term (or one of its aliases)."""
    pages = spans(pdf, spec)
    text = "".join(pdf.flat(p) for p in pages["用語集"])
    heads = sorted((text.index(term + "（"), term) for term in spec.glossary)
    for n, (at, term) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(text)
        refs = refs_after_arrow(text[at:end], spec.articles)
        aliases, users = spec.glossary[term]
        assert [title for title, _ in refs] == users, (term, refs, text[at:end])
        for title, page in refs:
            assert page in pages[title], (term, title, page)
            assert any(name in pdf.flat(page) for name in (term, *aliases)), (term, page)


def check_bibliography_pages(pdf: Pdf, spec: Spec) -> None:
    """Each bibliography entry lists ``→ ARTICLE N`` for every article that cites the work,
    and page N lies in that article and cites the work (［k］, ［j、k］)."""
    pages = spans(pdf, spec)
    text = "".join(pdf.flat(p) for p in pages["参考文献"])
    marks = []
    for k, (title, _) in spec.sources.items():
        # the number of the entry: arabic (also in a kanji edition, where the text cites
        # ［一］: see test_citation_numbers_look_the_same_everywhere)
        mark = re.search(
            f"［({k}|{str(k).translate(TO_KANJI)})］" + re.escape(title.replace(" ", "")), text
        )
        assert mark, (k, title, text)
        marks.append((mark.start(), k))
    marks.sort()
    for n, (at, k) in enumerate(marks):
        end = marks[n + 1][0] if n + 1 < len(marks) else len(text)
        refs = refs_after_arrow(text[at:end], spec.articles)
        assert [title for title, _ in refs] == spec.sources[k][1], (k, refs, text[at:end])
        for title, page in refs:
            assert page in pages[title], (k, title, page)
            assert k in citation_marks(pdf.flat(page)), (k, page)


def citation_marks(text: str) -> set[int]:
    """The source numbers cited on a page: ［2］, ［3、1］."""
    return {number(n) for m in re.findall(f"［([{DIGITS}、]+)］", text) for n in m.split("、")}


def check_see_also(pdf: Pdf, spec: Spec) -> None:
    """The 関連 line of an article gives each related article of the book with its page."""
    pages = spans(pdf, spec)
    for article, related in spec.see_also.items():
        text = "".join(pdf.flat(p) for p in pages[article])
        assert "関連" in text, article
        for other in related:
            shown = f"{other}（{pdf.page_number(pages[other].start)}）"
            assert shown in text, (article, shown)


def check_ruby(pdf: Pdf, spec: Spec) -> None:
    """Ruby readings are set at about half the base size, beside the base on the right
    (縦組) or above it (横組), centred on it."""
    for base, reading in spec.ruby:
        placements = []
        for chars in pdf.chars:
            big = [c for c in chars if c["size"] > 7]
            small = [c for c in chars if c["size"] < 6]
            for i in range(len(small) - len(reading) + 1):
                run = small[i : i + len(reading)]
                if "".join(c["text"] for c in run) != reading:
                    continue
                for j in range(len(big) - len(base) + 1):
                    under = big[j : j + len(base)]
                    if "".join(c["text"] for c in under) == base:
                        placements.append((run, under))
        assert placements, f"ruby {reading!r} over {base!r} not found"
        assert any(_ruby_placed(pdf.mode, run, under) for run, under in placements), (
            base,
            reading,
            [(_box(r), _box(u)) for r, u in placements][:3],
        )


def _box(chars: list[dict]) -> tuple[float, float, float, float]:
    return (
        min(c["x0"] for c in chars),
        min(c["top"] for c in chars),
        max(c["x1"] for c in chars),
        max(c["bottom"] for c in chars),
    )


def _ruby_placed(mode: str, reading: list[dict], base: list[dict]) -> bool:
    em = base[0]["size"]
    rx0, rtop, rx1, rbottom = _box(reading)
    bx0, btop, bx1, bbottom = _box(base)
    if not all(0.4 * em <= c["size"] <= 0.6 * em for c in reading):
        return False
    if mode == "vertical":  # to the right of the base, centred along the column
        beside = bx1 - 0.5 <= rx0 <= bx1 + 0.5
        centred = abs((rtop + rbottom) / 2 - (btop + bbottom) / 2) <= 1.0
    else:  # above the base, centred along the line
        beside = btop - 0.5 <= rbottom <= btop + 0.5
        centred = abs((rx0 + rx1) / 2 - (bx0 + bx1) / 2) <= 1.0
    return beside and centred


def check_tcy(pdf: Pdf, spec: Spec) -> None:
    """Vertical book: 1–2 digit numbers stand upright as one glyph one em wide and high (like
    the kanji next to them), not as Latin digits turned on their side (about ½ em along the
    column). The text still reads as the digits."""
    for run in spec.tcy:
        hits = []
        for page, chars in enumerate(pdf.chars, 1):
            texts = [c["text"] for c in chars]
            for i in range(len(texts) - len(run) + 1):
                if texts[i : i + len(run)] == run:
                    hits.append((page, chars[i : i + len(run)]))
        assert hits, f"no upright glyph run {run} in the vertical PDF"
        for page, glyphs in hits:
            assert "".join(run) in pdf.flat(page)
            em = next(c for c in glyphs if not c["text"].isdigit())["bottom"]
            em -= next(c for c in glyphs if not c["text"].isdigit())["top"]
            for c in glyphs:
                if c["text"].isdigit():
                    assert c["bottom"] - c["top"] == pytest.approx(em, abs=0.3), (page, c)
                    assert c["x1"] - c["x0"] == pytest.approx(em, abs=0.3), (page, c)


# -- quick: the tiny book, one layout per writing mode (make test-fast) ---------------------


@pytest.mark.parametrize("mode", ["vertical", "horizontal"])
def test_tiny_book_reads_right(tmp_path: Path, mode: str) -> None:
    """The tiny book: ToC numbers, related-article, glossary and bibliography pages, ruby
    and (vertical) tate-chu-yoko, as a reader sees them."""
    pdf = read_pdf(build_pdf(TINY.root, tmp_path / "out", mode), mode)
    check_toc(pdf, TINY)
    check_see_also(pdf, TINY)
    check_glossary_pages(pdf, TINY)
    check_bibliography_pages(pdf, TINY)
    check_ruby(pdf, TINY)
    if mode == "vertical":
        check_tcy(pdf, TINY)
        check_toc_numbers_upright(pdf, TINY)


# -- the full book, built once per writing mode ----------------------------------------------


@pytest.fixture(scope="module", params=["vertical", "horizontal"])
def full(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Pdf:
    mode = request.param
    out = tmp_path_factory.mktemp(f"full-{mode}")
    return read_pdf(build_pdf(FULL.root, out, mode), mode)


@pytest.mark.slow
def test_toc_numbers_are_the_opening_pages(full: Pdf) -> None:
    check_toc(full, FULL)
    if full.mode == "vertical":
        check_toc_numbers_upright(full, FULL)


@pytest.mark.slow
def test_outline_has_every_article_and_section(full: Pdf) -> None:
    check_outline(full, FULL)


@pytest.mark.slow
def test_running_heads_on_every_body_page(full: Pdf) -> None:
    check_running_heads(full, FULL)


@pytest.mark.slow
def test_glossary_page_references(full: Pdf) -> None:
    check_glossary_pages(full, FULL)


@pytest.mark.slow
def test_bibliography_page_references(full: Pdf) -> None:
    check_bibliography_pages(full, FULL)


@pytest.mark.slow
def test_see_also_shows_the_page(full: Pdf) -> None:
    check_see_also(full, FULL)


@pytest.mark.slow
def test_ruby_beside_or_above_the_base(full: Pdf) -> None:
    check_ruby(full, FULL)


@pytest.mark.slow
def test_short_numbers_upright_only_in_the_vertical_book(full: Pdf) -> None:
    if full.mode == "vertical":
        check_tcy(full, FULL)
        return
    # horizontal: digits are ordinary Latin digits, one glyph each
    flat = [c["text"] for chars in full.chars for c in chars]
    assert "14" not in flat and "12" not in flat
    assert "3月14日" in full.flat(openings(full, FULL.articles)["海峡の町の記録"])


@pytest.mark.slow
def test_document_info_names_the_book(full: Pdf) -> None:
    """A viewer's title bar and document properties: the book's title, its author (the
    editor is no author), the build date of SOURCE_DATE_EPOCH."""
    from pypdf import PdfReader

    meta = PdfReader(full.path).metadata
    assert meta.title == FULL.title
    assert meta.author == "小清水 桃源"
    assert meta["/CreationDate"].startswith("D:20250314000000")


@pytest.mark.slow
def test_default_build_asks_no_right_to_left_viewer(full: Pdf) -> None:
    """book.toml says r2l_viewer = false: no /Direction /R2L (PDFium scrambles copied text)."""
    from pypdf import PdfReader

    root = PdfReader(full.path).trailer["/Root"]
    assert "/Direction" not in (root.get("/ViewerPreferences") or {})


@pytest.mark.slow
@pytest.mark.parametrize("full", ["vertical"], indirect=True)
def test_citation_numbers_look_the_same_everywhere(full: Pdf) -> None:
    """Vertical book: a citation number ［k］ stands upright wherever it is printed — in the
    text, in the article's 出典 line and in the bibliography — so that the reader matches
    them at a glance."""
    sideways = []
    for page, chars in enumerate(full.chars, 1):
        for i, c in enumerate(chars[:-1]):
            if c["text"] == "［" and chars[i + 1]["text"].isdigit():
                digit = chars[i + 1]
                if digit["bottom"] - digit["top"] < 0.9 * (c["bottom"] - c["top"]):
                    sideways.append((page, full.flat(page)[:12], digit["text"]))
    assert not sideways
