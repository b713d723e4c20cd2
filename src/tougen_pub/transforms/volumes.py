"""A series compiled in volumes (巻): which articles each volume holds (``book.toml``'s
``[[volumes]]`` tables or ``[volumes] split`` rule), and each volume as a complete book.

A volume is a :class:`~tougen_pub.model.Book` of its own: its articles, the glossary terms
they use (with the terms and sources those definitions refer to), the sources they cite
(numbered anew), a title 「桃源閑話 第2巻」 in the series of its volumes, its own identifier and
file names ``NAME-vol02``. Links to articles of other volumes stay resolvable: the volume
carries them as :class:`~tougen_pub.model.Elsewhere` records (title, address, volume).
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tougen_pub.config import VOLUME_SPLIT, BookConfig, Series, Volume, volume_title
from tougen_pub.diagnostics import Diagnostics, SourceLocation
from tougen_pub.model import REF_GLOSSARY, REF_SOURCE, Article, Book, Elsewhere, Reference
from tougen_pub.records.tomlfile import locate_key

BOOK_FILE = "book.toml"
GLOSSARY_HREF = re.compile('href="' + re.escape(REF_GLOSSARY) + '([^"]*)"')
SOURCE_HREF = re.compile('href="' + re.escape(REF_SOURCE) + '([^"]*)"')
CITATION_NUMBER = re.compile(
    r'(<a class="citation-ref" href="' + re.escape(REF_SOURCE) + r'([^"]*)"[^>]*>)(\d+)(</a>)'
)


@dataclass(frozen=True)
class VolumePlan:
    """One volume: its number, subtitle, articles (slugs in reading order), identifier and
    output name."""

    number: int
    title: str | None
    slugs: tuple[str, ...]
    identifier: str
    name: str


def has_volumes(config: BookConfig) -> bool:
    return bool(config.volumes)


def split_rule(config: BookConfig) -> tuple[str, int]:
    """``("month", 0)``, ``("count", 12)``, ``("pages", 600)``; ``("", 0)`` when the volumes
    are listed rather than split by a rule."""
    if len(config.volumes) != 1 or config.volumes[0].split is None:
        return "", 0
    m = VOLUME_SPLIT.fullmatch(config.volumes[0].split)
    assert m is not None  # checked when book.toml was read
    return (m.group(1), int(m.group(2))) if m.group(1) else (m.group(0), 0)


def needs_pages(config: BookConfig) -> bool:
    """Whether the split counts printed pages (``pages:N``)."""
    return split_rule(config)[0] == "pages"


def plan_volumes(
    book: Book, diags: Diagnostics, pages: Mapping[str, int] | None = None
) -> tuple[VolumePlan, ...]:
    """The volumes of ``book`` (empty when it has none). Problems (an unknown article, an
    article in two volumes or in none) are located errors in ``book.toml``.

    ``pages`` (article slug → printed pages) is needed by the ``pages:N`` rule."""
    config = book.config
    if not config.volumes:
        return ()
    kind, n = split_rule(config)
    if kind:
        groups = _split(book.articles, kind, n, pages or {})
    else:
        groups = _listed(book, config.volumes, diags)
    width = max(2, len(str(len(groups))))
    out = []
    for number, (title, slugs) in enumerate(groups, 1):
        spec = config.volumes[number - 1] if not kind else None
        out.append(
            VolumePlan(
                number=number,
                title=title,
                slugs=tuple(slugs),
                identifier=(spec.identifier if spec and spec.identifier else None)
                or volume_identifier(config.identifier, number),
                name=f"{config.name}-vol{number:0{width}d}",
            )
        )
    return tuple(out)


def volume_identifier(identifier: str, number: int) -> str:
    """A volume's own identifier, derived from the book's: a name-based UUID for
    ``urn:uuid:``, else the identifier with ``-volNN``."""
    if identifier.lower().startswith("urn:uuid:"):
        try:
            base = uuid.UUID(identifier[9:])
        except ValueError:
            pass
        else:
            return f"urn:uuid:{uuid.uuid5(base, f'volume {number}')}"
    return f"{identifier}-vol{number:02d}"


def _where(book: Book, path: tuple[str | int, ...]) -> SourceLocation:
    display = str(book.root / BOOK_FILE)
    try:
        text = (book.root / BOOK_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return SourceLocation(display)
    return SourceLocation(display, locate_key(text, path))


def _listed(
    book: Book, specs: list[Volume], diags: Diagnostics
) -> list[tuple[str | None, list[str]]]:
    order = [art.slug for art in book.articles]
    index = {slug: i for i, slug in enumerate(order)}
    before = len(diags.errors)
    owner: dict[str, int] = {}
    groups: list[tuple[str | None, list[str]]] = []
    for number, spec in enumerate(specs, 1):
        key: tuple[str | int, ...] = ("volumes", number - 1)
        slugs: list[str] = []
        if spec.articles:
            for stem in spec.articles:
                if stem not in index:
                    diags.error(
                        "volume-unknown-article",
                        f"volume {number} lists '{stem}', which is not an article "
                        f"(articles/{stem}.md)",
                        _where(book, (*key, "articles")),
                    )
                else:
                    slugs.append(stem)
        else:
            ends = []
            for field, end in (("from", spec.first), ("to", spec.last)):
                if end is None:
                    ends.append(0 if field == "from" else len(order) - 1)
                elif end not in index:
                    diags.error(
                        "volume-unknown-article",
                        f"volume {number}: {field} = '{end}' is not an article (articles/{end}.md)",
                        _where(book, (*key, "first" if field == "from" else "last")),
                    )
                    ends.append(-1)
                else:
                    ends.append(index[end])
            if -1 not in ends:
                if ends[0] > ends[1]:
                    diags.error(
                        "volume-range",
                        f"volume {number}: '{spec.first}' comes after '{spec.last}' in the "
                        "reading order",
                        _where(book, key),
                    )
                else:
                    slugs = order[ends[0] : ends[1] + 1]
        for slug in slugs:
            if slug in owner:
                diags.error(
                    "volume-overlap",
                    f"article '{slug}' is in volume {owner[slug]} and in volume {number}",
                    _where(book, key),
                )
            owner.setdefault(slug, number)
        groups.append((spec.title, slugs))
    missing = [slug for slug in order if slug not in owner]
    if missing and len(diags.errors) == before:  # else a consequence of the errors above
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        diags.error(
            "volume-missing",
            f"{len(missing)} article(s) in no volume: {shown}",
            _where(book, ("volumes",)),
        )
    return groups


def _split(
    articles: tuple[Article, ...], kind: str, n: int, pages: Mapping[str, int]
) -> list[tuple[str | None, list[str]]]:
    groups: list[tuple[str | None, list[Article]]] = []
    if kind in ("month", "year"):
        key: tuple[int, ...] | None = None
        for art in articles:
            if art.date is not None:
                date_key = (art.date.year, art.date.month) if kind == "month" else (art.date.year,)
                if date_key != key:
                    key = date_key
                    label = "".join(
                        f"{n}{unit}" for n, unit in zip(key, ("年", "月"), strict=False)
                    )
                    groups.append((label, []))
            if not groups:  # undated articles before the first dated one
                groups.append((None, []))
            groups[-1][1].append(art)
    else:
        used = 0
        for art in articles:
            size = max(1, pages.get(art.slug, 1)) if kind == "pages" else 1
            if not groups or used + size > n:
                groups.append((None, []))
                used = 0
            groups[-1][1].append(art)
            used += size
        groups = [(_date_range(arts), arts) for _none, arts in groups]
    return [(title, [a.slug for a in arts]) for title, arts in groups]


def _date_range(articles: list[Article]) -> str | None:
    dates = [a.date for a in articles if a.date is not None]
    if not dates:
        return None
    first, last = min(dates), max(dates)

    def day(d: datetime, year: bool) -> str:
        return (f"{d.year}年" if year else "") + f"{d.month}月{d.day}日"

    if first.date() == last.date():
        return day(first, True)
    return f"{day(first, True)}〜{day(last, first.year != last.year)}"


def volume_book(book: Book, plans: tuple[VolumePlan, ...], number: int) -> Book:
    """Volume ``number`` of ``book`` as a complete book of its own."""
    plan = plans[number - 1]
    mine = set(plan.slugs)
    articles = tuple(art for art in book.articles if art.slug in mine)
    terms = {ref.target_id for art in articles for ref in art.glossary_uses}
    sources = {sid for art in articles for sid in art.sources}
    entries = {entry.id: entry for entry in book.glossary}
    todo = list(terms)
    while todo:  # definitions refer to other terms and to sources
        entry = entries.get(todo.pop())
        if entry is None:
            continue
        for found in GLOSSARY_HREF.findall(entry.definition_html):
            if found not in terms:
                terms.add(found)
                todo.append(found)
        sources.update(SOURCE_HREF.findall(entry.definition_html))
    glossary = tuple(entry for entry in book.glossary if entry.id in terms)
    kept_sources = tuple(src for src in book.sources if src.id in sources)
    numbers = {src.id: i for i, src in enumerate(kept_sources, 1)}

    def renumber(html: str) -> str:
        if "citation-ref" not in html:
            return html
        return CITATION_NUMBER.sub(
            lambda m: f"{m.group(1)}{numbers.get(m.group(2), m.group(3))}{m.group(4)}", html
        )

    articles = tuple(
        dataclasses.replace(
            art,
            intro_html=renumber(art.intro_html),
            sections=tuple(dataclasses.replace(s, html=renumber(s.html)) for s in art.sections),
            notes=tuple(dataclasses.replace(n, html=renumber(n.html)) for n in art.notes),
        )
        for art in articles
    )
    glossary = tuple(
        dataclasses.replace(e, definition_html=renumber(e.definition_html)) for e in glossary
    )
    owner = {slug: p for p in plans for slug in p.slugs}
    elsewhere = {
        art.slug: Elsewhere(
            slug=art.slug,
            title=art.title,
            url=art.url,
            volume=owner[art.slug].number,
            name=owner[art.slug].name,
        )
        for art in book.articles
        if art.slug not in mine and art.slug in owner
    }
    uses: dict[str, list[Reference]] = {}
    cited: dict[str, list[Reference]] = {}
    for art in book.articles:
        if art.slug in mine:
            continue
        for refs, found, kept in (
            (art.glossary_uses, uses, terms),
            (art.citations, cited, numbers),
        ):
            firsts: dict[str, Reference] = {}
            for ref in refs:  # the first use per article, as the page lists show
                if ref.target_id in kept:
                    firsts.setdefault(ref.target_id, ref)
            for target, ref in firsts.items():
                found.setdefault(target, []).append(ref)
    return dataclasses.replace(
        book,
        config=volume_config(book.config, plan),
        elsewhere_uses={k: tuple(v) for k, v in uses.items()},
        elsewhere_citations={k: tuple(v) for k, v in cited.items()},
        articles=articles,
        glossary=glossary,
        sources=kept_sources,
        elsewhere=elsewhere,
        volume=number,
    )


def volume_config(config: BookConfig, plan: VolumePlan) -> BookConfig:
    """book.toml as volume ``plan`` sees it: its title 「桃源閑話 第2巻」, subtitle, series
    position, identifier, output name and articles."""
    return dataclasses.replace(
        config,
        name=plan.name,
        title=volume_title(config.title, plan.number) or config.title,
        subtitle=plan.title or config.subtitle,
        series=Series(name=config.title, position=plan.number),
        identifier=plan.identifier,
        articles=list(plan.slugs),
        volumes=[],
    )


def volume_of(plans: tuple[VolumePlan, ...]) -> dict[str, int]:
    """Article slug → the number of its volume."""
    return {slug: p.number for p in plans for slug in p.slugs}


FRONT_DATE = re.compile(r"^date\s*=\s*\"?(\d{4})-(\d{2})", re.M)


def volumes_of_files(root: Path, config: BookConfig) -> dict[str, int]:
    """Article path (as diagnostics show it) → volume number, read from the files alone: for
    naming volumes in the diagnostics of a manuscript that does not load. Best effort: the
    dates of month and year volumes from the front matter's ``date`` line; nothing for
    ``pages:N``."""
    folder = root / "articles"
    stems = sorted(p.stem for p in folder.glob("*.md")) if folder.is_dir() else []
    order = [s for s in config.articles if s in stems] + [
        s for s in stems if s not in config.articles
    ]
    kind, n = split_rule(config)
    volume: dict[str, int] = {}
    if not kind:
        index = {stem: i for i, stem in enumerate(order)}
        for number, spec in enumerate(config.volumes, 1):
            listed = list(spec.articles)
            if not listed and (spec.first in index or spec.first is None):
                lo = index.get(spec.first or "", 0)
                hi = index.get(spec.last or "", len(order) - 1)
                listed = order[lo : hi + 1]
            for stem in listed:
                volume.setdefault(stem, number)
    elif kind == "count":
        volume = {stem: i // n + 1 for i, stem in enumerate(order)}
    elif kind in ("month", "year"):
        number, key = 0, None
        for stem in order:
            try:
                head = (folder / f"{stem}.md").read_text(encoding="utf-8", errors="replace")[:4000]
            except OSError:
                continue
            m = FRONT_DATE.search(head)
            if m:
                date_key = m.groups() if kind == "month" else m.groups()[:1]
                if date_key != key:
                    number, key = number + 1, date_key
            volume[stem] = max(number, 1)
    return {str(folder / f"{stem}.md"): number for stem, number in volume.items()}
