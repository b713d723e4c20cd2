"""Volumes of a series: the rules of book.toml, the errors, and each volume as a book."""

from __future__ import annotations

import dataclasses
import shutil
import uuid
from pathlib import Path

import pytest

from tougen_pub.config import Volume
from tougen_pub.diagnostics import Diagnostics
from tougen_pub.ingest.loader import load_book
from tougen_pub.model import Book
from tougen_pub.pipeline import check_manuscript
from tougen_pub.transforms.volumes import plan_volumes, volume_book, volume_identifier

STEMS = [
    "01-fuyu-no-minato",
    "02-yuki-no-machi",
    "03-haru-no-kaze",
    "04-sangatsu-owari",
    "05-shigatsu",
    "06-shigatsu-owari",
]


@pytest.fixture(scope="module")
def series(books_dir: Path) -> Book:
    book, diags = load_book(books_dir / "series")
    assert book is not None, [d.format() for d in diags.errors]
    return book


def _with(book: Book, *volumes: Volume) -> Book:
    return dataclasses.replace(book, config=dataclasses.replace(book.config, volumes=list(volumes)))


def _plan(book: Book, pages: dict[str, int] | None = None) -> list[tuple[str | None, list[str]]]:
    diags = Diagnostics()
    plans = plan_volumes(book, diags, pages)
    assert not diags.errors, [d.format() for d in diags]
    return [(p.title, list(p.slugs)) for p in plans]


def test_split_by_month_and_year(series: Book) -> None:
    assert _plan(series) == [
        ("2025年2月", STEMS[0:2]),
        ("2025年3月", STEMS[2:4]),
        ("2025年4月", STEMS[4:6]),
    ]
    assert _plan(_with(series, Volume(split="year"))) == [("2025年", STEMS)]


def test_split_by_count_titles_volumes_by_their_dates(series: Book) -> None:
    assert _plan(_with(series, Volume(split="count:4"))) == [
        ("2025年2月3日〜3月28日", STEMS[0:4]),
        ("2025年4月2日〜4月30日", STEMS[4:6]),
    ]


def test_split_by_pages_keeps_each_volume_under_the_limit(series: Book) -> None:
    pages = dict(zip(STEMS, [5, 6, 2, 2, 2, 9], strict=True))
    groups = _plan(_with(series, Volume(split="pages:12")), pages)
    assert [g[1] for g in groups] == [STEMS[0:2], STEMS[2:5], STEMS[5:6]]
    for _title, slugs in groups:
        assert sum(pages[s] for s in slugs) <= 12


def test_listed_volumes_and_ranges(series: Book) -> None:
    book = _with(
        series,
        Volume(title="前編", articles=STEMS[0:3]),
        Volume(title="後編", first=STEMS[3], last=STEMS[5]),
    )
    assert _plan(book) == [("前編", STEMS[0:3]), ("後編", STEMS[3:6])]


@pytest.mark.parametrize(
    ("volumes", "code", "words"),
    [
        ((Volume(articles=[*STEMS, "07-nai"]),), "volume-unknown-article", "'07-nai'"),
        ((Volume(articles=STEMS[0:3]), Volume(first=STEMS[2])), "volume-overlap", "volume 1 and"),
        ((Volume(articles=STEMS[0:3]),), "volume-missing", "3 article(s) in no volume"),
        ((Volume(first=STEMS[4], last=STEMS[1]),), "volume-range", "comes after"),
    ],
)
def test_listing_errors_are_located_in_book_toml(
    series: Book, volumes: tuple[Volume, ...], code: str, words: str
) -> None:
    diags = Diagnostics()
    plan_volumes(_with(series, *volumes), diags)
    found = [d for d in diags.errors if d.code == code]
    assert found and words in found[0].message, [d.format() for d in diags]
    assert found[0].location is not None and found[0].location.path.endswith("book.toml")


def test_a_volume_is_a_complete_book(series: Book) -> None:
    plans = plan_volumes(series, Diagnostics())
    two = volume_book(series, plans, 2)
    assert [a.slug for a in two.articles] == STEMS[2:4]
    assert two.config.title == "閑話集 第2巻" and two.config.subtitle == "2025年3月"
    assert two.config.series is not None and two.config.series.position == 2
    assert two.config.name == "series-vol02" and two.volume == 2
    assert not two.config.shows_series()  # the title names series and volume already
    assert [e.id for e in two.glossary] == ["minsk"]
    # sources its articles cite, and the one the definition of ミンスク合意 cites
    assert [s.id for s in two.sources] == ["src-b", "src-c", "src-d"]
    # the other volumes' articles stay reachable: title, address and volume
    other = two.elsewhere["02-yuki-no-machi"]
    assert (other.volume, other.name, other.url) == (
        1,
        "series-vol01",
        "https://example.org/blog/2",
    )
    assert set(two.elsewhere) == set(STEMS) - set(STEMS[2:4])


def test_glossary_of_a_volume_follows_definitions(series: Book) -> None:
    one = volume_book(series, plan_volumes(series, Diagnostics()), 1)
    # ブダペスト覚書 is used; its definition refers to 平和のためのパートナーシップ
    assert [e.id for e in one.glossary] == ["budapest", "pfp", "warsaw"]
    assert [s.id for s in one.sources] == ["src-a"]


def test_citations_are_numbered_in_their_volume(series: Book) -> None:
    three = volume_book(series, plan_volumes(series, Diagnostics()), 3)
    html = " ".join(s.html for a in three.articles for s in a.sections)
    # 資料乙 is source 2 of the series and source 1 of volume 3
    assert 'href="@source/src-b"' in html
    assert ">1</a>" in html and ">2</a>" not in html


def test_volume_identifiers(series: Book) -> None:
    plans = plan_volumes(series, Diagnostics())
    ids = [p.identifier for p in plans]
    assert len(set(ids)) == 3 and series.config.identifier not in ids
    for value in ids:
        uuid.UUID(value.removeprefix("urn:uuid:"))  # still a UUID: EPUBCheck checks it
    assert volume_identifier("urn:isbn:9784000000000", 2) == "urn:isbn:9784000000000-vol02"
    listed = _with(series, Volume(articles=STEMS, identifier="urn:isbn:9784000000001"))
    assert plan_volumes(listed, Diagnostics())[0].identifier == "urn:isbn:9784000000001"


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('[volumes]\nsplit = "week"\n', "write month, year, count:N or pages:N"),
        ('[volumes]\nsplit = "month"\ntitle = "x"\n', "takes no other key"),
        ('[[volumes]]\ntitle = "x"\n', "lists its articles, or gives from and to"),
        ('[[volumes]]\narticles = ["a"]\nbogus = 1\n', "unknown key"),
    ],
)
def test_bad_volume_tables_are_located_errors(
    books_dir: Path, tmp_path: Path, toml: str, words: str
) -> None:
    root = tmp_path / "ms"
    shutil.copytree(books_dir / "series", root)
    text = (root / "book.toml").read_text(encoding="utf-8")
    text = text[: text.index("[volumes]")] + toml
    (root / "book.toml").write_text(text, encoding="utf-8")
    book, diags = check_manuscript(root)
    assert book is None
    found = [d for d in diags.errors if words in d.message]
    assert found, [d.format() for d in diags]
    line = text.splitlines().index(toml.splitlines()[0]) + 1
    assert found[0].location is not None and found[0].location.line is not None
    assert found[0].location.line >= line


def test_from_and_to_read_as_a_range(books_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "ms"
    shutil.copytree(books_dir / "series", root)
    text = (root / "book.toml").read_text(encoding="utf-8")
    text = text[: text.index("[volumes]")]
    text += f'[[volumes]]\nfrom = "{STEMS[0]}"\nto = "{STEMS[3]}"\n\n'
    text += f'[[volumes]]\nfrom = "{STEMS[4]}"\n'
    (root / "book.toml").write_text(text, encoding="utf-8")
    book, diags = check_manuscript(root)
    assert book is not None, [d.format() for d in diags]
    assert _plan(book) == [(None, STEMS[0:4]), (None, STEMS[4:6])]


def test_a_volume_goes_stale_only_when_it_changes(books_dir: Path, tmp_path: Path) -> None:
    from tougen_pub.options import BuildOptions
    from tougen_pub.pipeline import book_stamp

    root = tmp_path / "ms"
    shutil.copytree(books_dir / "series", root)
    options = BuildOptions(root, tmp_path / "out")

    def stamps() -> list[str]:
        book, diags = load_book(root)
        assert book is not None, [d.format() for d in diags]
        plans = plan_volumes(book, Diagnostics())
        return [book_stamp(volume_book(book, plans, p.number), "vertical", options) for p in plans]

    before = stamps()
    assert stamps() == before and len(set(before)) == 3
    # a new post and a new glossary entry in April: February and March stay as they were
    (root / "articles" / "07-shigatsu-matsu.md").write_text(
        '+++\ntitle = "四月末の話"\ndate = 2025-04-30T20:00:00+09:00\n+++\n\n## 概要\n\n'
        "[[新しい用語]]の話。\n",
        encoding="utf-8",
    )
    with (root / "glossary.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[[term]]\nid = "new"\nterm = "新しい用語"\nreading = "あたらしいようご"\n'
            'definition = "説明。"\n'
        )
    after = stamps()
    assert after[:2] == before[:2] and after[2] != before[2]
    # an edit in February makes February stale
    first = root / "articles" / f"{STEMS[0]}.md"
    first.write_text(first.read_text(encoding="utf-8") + "\n書き足し。\n", encoding="utf-8")
    assert stamps()[0] != after[0]
    book, _ = load_book(root)  # another trim: other pages
    assert book is not None
    assert book_stamp(book, "vertical", options) != book_stamp(
        book, "vertical", dataclasses.replace(options, trim="bunko")
    )
