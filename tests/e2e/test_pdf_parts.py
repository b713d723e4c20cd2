"""The print PDF laid out in parts on several processes is the book the whole-document
layout makes: same pages, text, page numbers, links, outline, rotation; reproducible; and
stale or missing page numbers from an earlier build only cost another round."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@dataclass
class Pdf:
    path: Path
    rounds: list[list[tuple[int, bool]]]  # per round: (part, written) of every job


# jobs: worker processes; 0 lays the book out as one document (the reference)


def _build(root: Path, out: Path, mode: str, jobs: int, mp: pytest.MonkeyPatch, **opts) -> Pdf:
    from tougen_pub.ingest.loader import load_book
    from tougen_pub.options import BuildOptions
    from tougen_pub.pdf import builder as pdf
    from tougen_pub.pdf.parts import layout

    rounds: list[list[tuple[int, bool]]] = []
    original = layout.lay_out  # where render_in_parts looks it up

    def spy(jobs_, work, workers, done=lambda _laid: None, counts=()):
        jobs_ = list(jobs_)
        rounds.append([(j.index, j.write) for j in jobs_])
        return original(jobs_, work, workers, done, counts)

    with mp.context() as m:
        m.setenv("TOUGEN_JOBS", str(max(jobs, 1)))
        m.setenv("SOURCE_DATE_EPOCH", "1739081580")
        m.setattr(layout, "lay_out", spy)
        book, diags = load_book(root)
        assert book is not None
        target, _ = pdf.build(
            book, mode, BuildOptions(root, out, mode, parts=jobs > 0, **opts), diags
        )
    assert not diags.errors
    return Pdf(target, rounds)


def _texts(path: Path) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return out.split("\f")


def _structure(path: Path) -> dict[str, object]:
    import pypdf

    reader = pypdf.PdfReader(path)
    dests = {
        str(name): reader.get_destination_page_number(d)
        for name, d in reader.named_destinations.items()
    }
    links = []
    for number, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if "/Dest" in annot:
                links.append((number, str(annot["/Dest"])))
            elif "/A" in annot:
                links.append((number, str(annot["/A"].get("/URI"))))

    def outline(items, depth=0):
        out = []
        for item in items:
            if isinstance(item, list):
                out += outline(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item)))
        return out

    return {
        "pages": len(reader.pages),
        "boxes": [(tuple(p.mediabox), tuple(p.trimbox), p.get("/Rotate", 0)) for p in reader.pages],
        "dests": dests,
        "links": links,
        "outline": outline(reader.outline),
        "info": {k: str(v) for k, v in (reader.metadata or {}).items()},
        "catalog": sorted(k for k in reader.trailer["/Root"] if k not in ("/Pages",)),
    }


@pytest.fixture(scope="module")
def shipped(shipped_manuscript: Path | None, tiny_root: Path) -> Path:
    """The shipped book (four articles, many links) or the tiny one."""
    return shipped_manuscript or tiny_root


@pytest.mark.parametrize(
    ("mode", "opts"),
    [("vertical", {}), ("horizontal", {}), ("vertical", {"numerals": "kanji", "marks": True})],
)
def test_parts_make_the_same_book_as_the_whole_document(
    shipped: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, opts: dict
) -> None:
    whole = _build(shipped, tmp_path / "whole", mode, 0, monkeypatch, **opts)
    assert whole.rounds == []  # laid out as one document
    parted = _build(shipped, tmp_path / "parts", mode, 2, monkeypatch, **opts)
    assert parted.rounds and len(parted.rounds[0]) >= 2  # laid out in parts
    assert _texts(parted.path) == _texts(whole.path)  # folios, page references, text
    a, b = _structure(parted.path), _structure(whole.path)
    assert a == b
    # every link inside the book goes to a destination the book has
    assert all(d in a["dests"] for _page, d in a["links"] if not d.startswith(("http", "None")))
    if mode == "vertical":
        assert {rotate for _m, _t, rotate in a["boxes"]} == {90}  # type: ignore[attr-defined]


def test_parts_are_reproducible_and_keep_the_book_identifier(
    shipped: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pypdf

    from tougen_pub.ingest.loader import load_book
    from tougen_pub.pdf.builder import pdf_identifier

    one = _build(shipped, tmp_path / "one", "vertical", 2, monkeypatch)
    two = _build(shipped, tmp_path / "two", "vertical", 2, monkeypatch)
    assert one.path.read_bytes() == two.path.read_bytes()
    # the number of CPUs does not change a byte: the parts are the book's, not the machine's
    single = _build(shipped, tmp_path / "single", "vertical", 1, monkeypatch)
    assert single.rounds and single.path.read_bytes() == one.path.read_bytes()
    book, _ = load_book(shipped)
    assert book is not None
    ident = pypdf.PdfReader(one.path).trailer["/ID"][0]
    assert ident.original_bytes == pdf_identifier(book, "vertical", book.config.trim)


def test_first_build_writes_articles_at_once_and_front_and_back_matter_second(
    shipped: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = _build(shipped, tmp_path / "out", "vertical", 2, monkeypatch)
    first = dict(cold.rounds[0])
    parts = sorted({i for r in cold.rounds for i, _w in r})
    assert sorted(first) == parts  # every part is laid out in the first round
    counted = [i for i in parts if not first[i]]  # the front and back matter: only counted
    assert counted[0] == 0 and counted[1:] == parts[-len(counted) + 1 :]
    assert 2 <= len(counted) <= 3  # table of contents, glossary, bibliography
    assert all(first[i] for i in parts if i not in counted)  # articles written at once
    written: dict[int, int] = {}
    for r in cold.rounds:
        for i, write in r:
            written[i] = written.get(i, 0) + write
    assert all(written[i] >= 1 for i in parts)
    assert len(cold.rounds) == 2
    warm = _build(shipped, tmp_path / "out", "vertical", 2, monkeypatch)
    assert len(warm.rounds) == 1 and all(write for _i, write in warm.rounds[0])
    assert warm.path.read_bytes() == cold.path.read_bytes()
    whole = _build(shipped, tmp_path / "whole", "vertical", 0, monkeypatch)
    assert _texts(cold.path) == _texts(whole.path)


def test_folios_follow_the_parts_before_whatever_was_guessed(
    shipped: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tougen_pub.pdf.parts import layout

    original = layout.plan  # where render_in_parts looks it up

    def wrong(groups, counts, known):  # every part but the first guessed 40 pages late
        plan = original(groups, counts, known)
        plan.starts = [s + (40 if i else 0) for i, s in enumerate(plan.starts)]
        return plan

    monkeypatch.setattr(layout, "plan", wrong)
    guessed = _build(shipped, tmp_path / "guessed", "vertical", 2, monkeypatch)
    monkeypatch.setattr(layout, "plan", original)
    whole = _build(shipped, tmp_path / "whole", "vertical", 0, monkeypatch)
    assert _texts(guessed.path) == _texts(whole.path)


def test_stale_page_numbers_only_lay_out_the_parts_that_used_them(
    shipped: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = _build(shipped, tmp_path / "ref", "vertical", 2, monkeypatch)
    out = tmp_path / "out"
    shutil.copytree(ref.path.parent / ".cache", out / ".cache")
    (cache,) = (p for p in (out / ".cache" / "pages").iterdir() if ".times" not in p.name)
    pages = json.loads(cache.read_text(encoding="utf-8"))
    last = max(pages, key=lambda k: pages[k])
    pages[last] += 2  # as if the back matter had moved by a spread
    cache.write_text(json.dumps(pages), encoding="utf-8")
    again = _build(shipped, out, "vertical", 2, monkeypatch)
    assert len(again.rounds) == 2
    assert 0 < len(again.rounds[1]) < len(again.rounds[0])  # only parts that used it
    assert again.path.read_bytes() == ref.path.read_bytes()
    assert json.loads(cache.read_text(encoding="utf-8"))[last] == pages[last] - 2


def test_a_grown_article_moves_every_later_page_number(
    shipped: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "book"
    shutil.copytree(shipped, root)
    out = tmp_path / "out"
    _build(root, out, "vertical", 2, monkeypatch)  # fills the page cache
    first = sorted((root / "articles").glob("*.md"))[0]
    text = first.read_text(encoding="utf-8")
    para = "\n\n" + "長い段落が加わり、記事は数ページ伸びる。" * 60 + "\n"
    first.write_text(text.rstrip("\n") + para, encoding="utf-8")
    grown = _build(root, out, "vertical", 2, monkeypatch)  # with the stale cache
    whole = _build(root, tmp_path / "whole", "vertical", 0, monkeypatch)
    assert len(grown.rounds) == 2
    assert _texts(grown.path) == _texts(whole.path)
    assert _structure(grown.path) == _structure(whole.path)


def test_only_links_that_print_a_page_number_count(tiny_book, tmp_path: Path) -> None:
    from tougen_pub.diagnostics import Diagnostics
    from tougen_pub.options import BuildOptions
    from tougen_pub.pdf import builder as pdf
    from tougen_pub.pdf.pagerefs import numbered_links, referenced_anchors

    options = BuildOptions(tiny_book.root, tmp_path, "vertical")
    prepared = pdf.prepare(tiny_book, "vertical", options, Diagnostics())
    shown = numbered_links(prepared, prepared.html)
    every = referenced_anchors(prepared.html)
    assert shown is not None and shown < every  # citations and glossary links print none
    toc = prepared.html[prepared.html.index('<nav class="toc"') :]
    toc = toc[: toc.index("</nav>")]
    assert referenced_anchors(toc) <= shown  # every ToC entry prints its page
    cited = {name for name in every if name.startswith("src-")}
    assert cited and not cited & shown  # a citation link prints no page number
