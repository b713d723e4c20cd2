"""The pure core of the line composer: atoms with widths in, lines with adjustments out.

No XML and no fonts here: the caller measures every character (in em of the body size) and
the core decides where lines break and how each line is stretched or squeezed so that it
fills the measure exactly:

* 禁則 (kinsoku): no line starts with a closing bracket, 、。, small kana, ー …; none ends
  with an opening bracket; ……/―― and Latin words are not split.
* Consecutive punctuation (」、 。「 「「) is squeezed to half width inside a line.
* 和欧間: a quarter-em space between Japanese and Latin/digits (not next to punctuation).
* 追い込み (pull in): when the next character may not begin a line, the line takes up to
  two more atoms and compresses the half-em blanks of its punctuation.
* 追い出し (push out): otherwise the line breaks earlier and is expanded.
* Ruby longer than its base (a box padded to the reading's width) reaches over the
  neighbours JLReq lets it (kana, ー, middle dots, ……; the blank of punctuation; never
  kanji) by up to one ruby character: that much of the padding is taken back. At a line
  edge the reading is flush with the edge and the base set in from it.
* Every line but the last of a paragraph is justified by inter-character spacing
  (``letter_spacing`` after each Japanese character but the last), or word spacing in
  lines without Japanese characters.

All widths are in em; ``Line.margins`` maps an atom index to the (left, right) margins the
renderer must put on that atom.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from tougen_pub.pdf.compose.jlreq import (
    CLOSING,
    INSEPARABLE,
    LATIN_BREAK_AFTER,
    NO_LINE_FOOT,
    NO_LINE_HEAD,
    OPENING,
    RUBY_OVERHANG,
    STOPS_AND_COMMAS,
    is_cjk,
)

EPS = 1e-6
JA_LATIN_SPACE = 0.25  # 和欧間: a quarter em
MAX_PULL_IN = 2  # atoms a line may take in by compressing punctuation (追い込み)
# Inter-character space a justified line gives its Japanese characters before the rest of
# the slack goes between the letters of its Latin runs (a URL that could not break): JLReq
# 3.8 lets the Latin run take part in the expansion rather than spacing out a few kana.
MAX_LETTER_SPACING = 0.25
# One ruby character (half the base size): how far a reading longer than its base may reach
# over a neighbour that allows it (JLReq 3.3.8); over the ink side of a bracket, half that
# (JLReq's variant for those who would not hang ruby over 「」 at all).
RUBY_CHAR = 0.5

# Japanese punctuation whose own blank separates it from Latin: no 和欧間 next to it.
NO_JA_LATIN_SPACE = CLOSING | OPENING | frozenset("・：；！？‼")

# Atom kinds
CJ = "cj"  # a character on the em grid; receives inter-character spacing
LAT = "lat"  # a Latin letter, digit or symbol; part of a word, not spaced
SPACE = "sp"  # a breakable space (word separator)
BOX = "box"  # an opaque inline (ruby, tate-chu-yoko); ``spaced`` says whether it is spaced


@dataclass(frozen=True)
class Atom:
    """One unit of composition: usually one character."""

    text: str
    width: float  # natural advance in em
    kind: str = CJ
    spaced: bool = True  # receives letter-spacing after it (a CSS letter-spacing cluster)
    glue: bool = False  # no line break allowed before this atom
    lead_blank: float = 0.0  # compressible blank before the ink (opening brackets)
    trail_blank: float = 0.0  # compressible blank after the ink (closing brackets, 、。)
    #: a ruby box whose reading is longer than its base: the padding on each side of the
    #: centred base (the box is as wide as the reading), which a neighbour may take back
    ruby_over: float = 0.0

    @property
    def first(self) -> str:
        return self.text[:1]

    @property
    def last(self) -> str:
        return self.text[-1:]


@dataclass(frozen=True)
class Line:
    """One composed line: atoms ``start:end`` (trailing spaces excluded)."""

    start: int
    end: int
    how: str  # "fit", "in" (追い込み), "out" (追い出し), "last" (paragraph end), "forced"
    measure: float  # the measure of this line (em), indent already subtracted
    natural: float  # width before justification, after squeezes and 和欧間
    letter_spacing: float = 0.0  # em, after every spaced atom except the line's last
    word_spacing: float = 0.0  # em, on every space of the line (lines without spaced atoms)
    latin_spacing: float = 0.0  # em, after every Latin letter or space but the line's last
    margins: dict[int, tuple[float, float]] = field(default_factory=dict)

    @property
    def justified(self) -> bool:
        return self.how != "last"

    def advance(self, atoms: Sequence[Atom]) -> float:
        """Rendered advance of the line in em: atoms, margins and spacing, without the
        trailing letter-spacing after the last atom (which falls outside the measure)."""
        body = atoms[self.start : self.end]
        w = sum(a.width for a in body)
        w += sum(left + right for left, right in self.margins.values())
        gaps = sum(1 for a in body[:-1] if a.spaced)
        spaces = sum(1 for a in body if a.kind == SPACE)
        latin = sum(1 for a in body[:-1] if a.kind in (LAT, SPACE))
        return (
            w + gaps * self.letter_spacing + spaces * self.word_spacing + latin * self.latin_spacing
        )


def classify(ch: str) -> str:
    if ch == " ":
        return SPACE
    return CJ if is_cjk(ch) else LAT


def atoms_from_text(text: str, advance: Callable[[str], float]) -> list[Atom]:
    """Atoms for plain text: one per character, Latin runs glued into words."""
    out: list[Atom] = []
    for ch in text:
        out.append(char_atom(ch, advance(ch), prev=out[-1] if out else None))
    return out


def char_atom(ch: str, width: float, prev: Atom | None) -> Atom:
    """The atom of one character; ``prev`` decides whether it is glued to a Latin word."""
    kind = classify(ch)
    if kind == SPACE:
        return Atom(ch, width, SPACE, spaced=False)
    if kind == LAT:
        glue = prev is not None and prev.kind == LAT and prev.last not in LATIN_BREAK_AFTER
        return Atom(ch, width, LAT, spaced=False, glue=glue)
    full = width > 0.9
    return Atom(
        ch,
        width,
        CJ,
        lead_blank=0.5 if full and ch in OPENING else 0.0,
        trail_blank=0.5 if full and ch in CLOSING else 0.0,
    )


def _pair(a: Atom, b: Atom) -> tuple[float, float]:
    """Adjustment between adjacent atoms on one line: (a's right margin, b's left margin)."""
    if a.trail_blank and (b.lead_blank or b.trail_blank):
        return -a.trail_blank, 0.0  # 」「 」、 。」: drop the closing blank
    if a.lead_blank and b.lead_blank:
        return 0.0, -b.lead_blank  # 「『 （「: drop the second opening blank
    if a.kind == CJ and b.kind == LAT and b.first.isalnum() and a.last not in NO_JA_LATIN_SPACE:
        return JA_LATIN_SPACE, 0.0
    if a.kind == LAT and a.last.isalnum() and b.kind == CJ and b.first not in NO_JA_LATIN_SPACE:
        return JA_LATIN_SPACE, 0.0
    if a.kind == BOX and not a.spaced and b.kind == LAT and b.first.isalnum():
        return JA_LATIN_SPACE, 0.0
    if a.kind == LAT and a.last.isalnum() and b.kind == BOX and not b.spaced:
        return JA_LATIN_SPACE, 0.0
    return _ruby_overhang(a, b)


def _ruby_overhang(a: Atom, b: Atom) -> tuple[float, float]:
    """A reading longer than its base reaching over the neighbour (JLReq 3.3.8): the
    padding of the ruby box taken back, as a negative margin on the ruby box, or on the
    punctuation whose blank the reading covers (the blank is then used: no squeeze or
    compression takes it again)."""
    if a.ruby_over and b.kind != BOX:
        take = min(a.ruby_over, _reach(b, after=True))
        return (0.0, -take) if b.lead_blank else (-take, 0.0)
    if b.ruby_over and a.kind != BOX:
        take = min(b.ruby_over, _reach(a, after=False))
        return (-take, 0.0) if a.trail_blank else (0.0, -take)
    return 0.0, 0.0


def _reach(n: Atom, *, after: bool) -> float:
    """How far a ruby reading may reach over its neighbour ``n`` (``after``: ``n`` follows
    the ruby): a ruby character over kana, ー, middle dots and ……, and over the blank of
    punctuation (up to the blank); a ruby character over 、。 after the ruby; half one over
    the ink of a bracket; nothing over kanji, Latin or other boxes."""
    if n.kind != CJ:
        return 0.0
    near_blank = n.lead_blank if after else n.trail_blank
    if near_blank:
        return min(RUBY_CHAR, near_blank)
    if after and n.first in STOPS_AND_COMMAS:
        return RUBY_CHAR
    if n.lead_blank or n.trail_blank:
        return RUBY_CHAR / 2
    char = n.first if after else n.last
    return RUBY_CHAR if char in RUBY_OVERHANG else 0.0


def may_break(atoms: Sequence[Atom], j: int) -> bool:
    """May a line end between ``atoms[j-1]`` and ``atoms[j]``?"""
    if j <= 0 or j >= len(atoms):
        return True
    a, b = atoms[j - 1], atoms[j]
    if b.glue or b.kind == SPACE:
        return False
    if b.first in NO_LINE_HEAD or a.last in NO_LINE_FOOT:
        return False
    if a.last in INSEPARABLE and b.first == a.last:
        return False
    # A digit run followed by a Latin symbol ("1,700", "3.5%") stays together.
    return not (a.kind == LAT and b.kind == LAT and a.last not in LATIN_BREAK_AFTER)


class _Widths:
    """Prefix sums so that the natural width of any range is O(1)."""

    def __init__(self, atoms: Sequence[Atom]) -> None:
        self.atoms = atoms
        n = len(atoms)
        self.pairs = [_pair(atoms[k], atoms[k + 1]) for k in range(n - 1)]
        for k in range(1, n - 1):
            # one character between two rubies is reached over by the first only: readings
            # that meet over it would read as one (JLReq 3.3.8)
            between = atoms[k - 1].ruby_over and atoms[k + 1].ruby_over and atoms[k].kind != BOX
            if between and sum(self.pairs[k - 1]) < 0 and sum(self.pairs[k]) < 0:
                self.pairs[k] = (0.0, 0.0)
        self.w = [0.0] * (n + 1)
        self.p = [0.0] * n  # p[k]: sum of pair adjustments between atoms < k
        self.shrink = [0.0] * (n + 1)
        for k, a in enumerate(atoms):
            self.w[k + 1] = self.w[k] + a.width
        for k in range(1, n):
            self.p[k] = self.p[k - 1] + sum(self.pairs[k - 1])
        for k, a in enumerate(atoms):
            self.shrink[k + 1] = self.shrink[k] + a.lead_blank + a.trail_blank

    def trim(self, i: int, j: int) -> int:
        while j > i and self.atoms[j - 1].kind == SPACE:
            j -= 1
        return j

    def natural(self, i: int, j: int) -> float:
        j = self.trim(i, j)
        if j <= i:
            return 0.0
        return self.w[j] - self.w[i] + self.p[j - 1] - self.p[i]

    def shrinkable(self, i: int, j: int) -> float:
        """Blank that compression may still remove in atoms ``i:j`` (what pair squeezes and
        ruby overhangs took from the blanks excluded)."""
        j = self.trim(i, j)
        if j <= i:
            return 0.0
        total = self.shrink[j] - self.shrink[i]
        for k in range(i, j - 1):
            right, left = self.pairs[k]
            if self.atoms[k].trail_blank:
                total += min(right, 0.0)
            if self.atoms[k + 1].lead_blank:
                total += min(left, 0.0)
        return max(total, 0.0)


def compose(
    atoms: Sequence[Atom], measure: float, indent: float = 0.0, *, last_justified: bool = False
) -> list[Line]:
    """Break ``atoms`` into lines of ``measure`` em (the first line indented by ``indent``)."""
    n = len(atoms)
    if n == 0:
        return []
    wd = _Widths(atoms)
    lines: list[Line] = []
    i = 0
    while i < n:
        m = measure - (indent if not lines else 0.0)
        j0 = i
        while j0 < n and wd.natural(i, j0 + 1) <= m + EPS:
            j0 += 1
        if j0 == n:
            lines.append(_finish(atoms, wd, i, n, "fit" if last_justified else "last", m))
            break
        end: int | None  # None from _pull_in: no break to pull the line in to
        if j0 > i and may_break(atoms, j0):
            end, how = j0, "fit"
        else:
            end, how = _pull_in(atoms, wd, i, j0, m)
            if end is None:
                end, how = _push_out(atoms, i, j0)
        lines.append(_finish(atoms, wd, i, end, how, m))
        i = end
        while i < n and atoms[i].kind == SPACE:
            i += 1
    return lines


def _pull_in(
    atoms: Sequence[Atom], wd: _Widths, i: int, j0: int, m: float
) -> tuple[int | None, str]:
    n = len(atoms)
    for j1 in range(j0 + 1, min(n, j0 + MAX_PULL_IN) + 1):
        if may_break(atoms, j1) and wd.natural(i, j1) - wd.shrinkable(i, j1) <= m + EPS:
            return j1, "in"
    return None, ""


def _push_out(atoms: Sequence[Atom], i: int, j0: int) -> tuple[int, str]:
    j2 = j0
    while j2 > i + 1 and not may_break(atoms, j2):
        j2 -= 1
    if j2 > i + 1 or (j2 == i + 1 and may_break(atoms, j2)):
        return j2, "out"
    # Nothing breakable fits (a Latin word longer than the measure): break inside it.
    return max(j0, i + 1), "forced"


def _finish(atoms: Sequence[Atom], wd: _Widths, i: int, j: int, how: str, m: float) -> Line:
    j = wd.trim(i, j)
    margins: dict[int, list[float]] = {}

    def add(k: int, left: float, right: float) -> None:
        cur = margins.setdefault(k, [0.0, 0.0])
        cur[0] += left
        cur[1] += right

    for k in range(i, j - 1):
        right, left = wd.pairs[k]
        if right:
            add(k, 0.0, right)
        if left:
            add(k + 1, left, 0.0)
    natural = wd.natural(i, j)
    ls = ws = lat = 0.0
    if natural > m + EPS:
        _compress(atoms, wd, i, j, natural - m, add)
    elif how != "last" and natural < m - EPS:
        gaps = sum(1 for a in atoms[i : j - 1] if a.spaced)
        spaces = sum(1 for a in atoms[i:j] if a.kind == SPACE)
        latin = sum(1 for a in atoms[i : j - 1] if a.kind in (LAT, SPACE))
        if gaps:
            ls = (m - natural) / gaps
            if ls > MAX_LETTER_SPACING and latin:
                ls = MAX_LETTER_SPACING
                lat = (m - natural - gaps * ls) / latin
            elif ls > MAX_LETTER_SPACING and _latin_follows(atoms, j):
                # a Latin run too long for the rest of the line (a URL) moved to the next
                # one: the line stays short rather than spread out (JLReq lets a line
                # before an unbreakable run end ragged)
                ls = MAX_LETTER_SPACING
        elif spaces:
            ws = (m - natural) / spaces
    return Line(
        i,
        j,
        how,
        m,
        natural,
        letter_spacing=ls,
        word_spacing=ws,
        latin_spacing=lat,
        margins={k: (v[0], v[1]) for k, v in margins.items() if v[0] or v[1]},
    )


def _latin_follows(atoms: Sequence[Atom], j: int) -> bool:
    """Whether the next line starts with a Latin run (spaces skipped)."""
    while j < len(atoms) and atoms[j].kind == SPACE:
        j += 1
    return j < len(atoms) and atoms[j].kind == LAT


def _compress(
    atoms: Sequence[Atom],
    wd: _Widths,
    i: int,
    j: int,
    need: float,
    add: Callable[[int, float, float], None],
) -> None:
    """追い込み: take ``need`` em from the punctuation blanks of the line.

    A closing mark at the line end gives its blank first (its box then ends past the
    measure by the cut, its ink stays inside); the rest comes evenly from the others.
    """
    squeezed_right = {k for k in range(i, j - 1) if wd.pairs[k][0] < 0}
    squeezed_left = {k + 1 for k in range(i, j - 1) if wd.pairs[k][1] < 0}
    slots: list[tuple[int, str, float]] = []
    for k in range(i, j):
        a = atoms[k]
        if a.trail_blank and k not in squeezed_right:
            slots.append((k, "right", a.trail_blank))
        if a.lead_blank and k not in squeezed_left and k != i:
            slots.append((k, "left", a.lead_blank))
    if slots and slots[-1][0] == j - 1 and slots[-1][1] == "right":
        k, _, cap = slots.pop()
        cut = min(cap, need)
        add(k, 0.0, -cut)
        need -= cut
    while need > EPS and slots:
        share = need / len(slots)
        rest = []
        for k, side, cap in slots:
            cut = min(cap, share)
            add(k, -cut if side == "left" else 0.0, -cut if side == "right" else 0.0)
            need -= cut
            if cap - cut > EPS:
                rest.append((k, side, cap - cut))
        slots = rest


def line_texts(atoms: Sequence[Atom], lines: Iterable[Line]) -> list[str]:
    """The text of each line (for tests and debugging)."""
    return ["".join(a.text for a in atoms[ln.start : ln.end]) for ln in lines]
