"""Ruby longer than its base, judged by JLReq 3.3.8 ("Adjustments of ruby with length longer
than that of the base characters") and 3.3.9 (ruby at the line head and end), written out
here by hand — not by the composer's own tables:

* the reading shall not hang over kanji (cl-19) next to the base;
* over hiragana (cl-15), katakana (cl-16), ー (cl-10) and small kana (cl-11) it may hang by
  up to one ruby character (half an em of the base);
* over the half-em blank of a closing bracket, 、 or 。 before the ruby, or of an opening
  bracket after it, by up to one ruby character, never past the mark itself;
* over 、 and 。 after the ruby by up to one ruby character; over the ink of a bracket, by
  half a ruby character (the variant for those who would not hang ruby over 「」);
* where it may not hang, the base characters are spaced instead, the reading staying
  centred on its base; two readings never meet over the one character between them;
* at the line head the first ruby character is aligned with the line head (the base set in
  from it), at the line end the last one with the line end.

Positions are measured on the composed line (box widths, margins, spacing), in em.
"""

from __future__ import annotations

import pytest

from tougen_pub.pdf.compose.core import Atom, char_atom, compose
from tougen_pub.pdf.compose.xhtml import Settings, _ruby_item

RUBY = 0.5  # one ruby character, in em of the base


def mono(ch: str) -> float:
    return 0.5 if ord(ch) < 0x2000 else 1.0


SETTINGS = Settings(advance=mono, measure=40)


def atoms_of(text: str) -> tuple[list[Atom], dict[int, tuple[str, str]]]:
    """Atoms of ``text`` where ``{base|reading}`` is a ruby; the rubies by atom index."""
    atoms: list[Atom] = []
    rubies: dict[int, tuple[str, str]] = {}
    i = 0
    while i < len(text):
        if text[i] == "{":
            end = text.index("}", i)
            base, reading = text[i + 1 : end].split("|")
            rubies[len(atoms)] = (base, reading)
            atoms.append(_ruby_item(base, reading, (), SETTINGS).atom)
            i = end + 1
            continue
        atoms.append(char_atom(text[i], mono(text[i]), atoms[-1] if atoms else None))
        i += 1
    return atoms, rubies


def placed(text: str, measure: float = 40) -> dict[str, object]:
    """Lay out the first line of ``text``: the extent (start, end) of every atom's box, and
    of the base and reading of the first ruby."""
    atoms, rubies = atoms_of(text)
    line = compose(atoms, measure, 0.0)[0]
    x = 0.0
    boxes = []
    for k in range(line.start, line.end):
        left, right = line.margins.get(k, (0.0, 0.0))
        x += left
        boxes.append((x, x + atoms[k].width))
        x += atoms[k].width + right
        if k < line.end - 1 and atoms[k].spaced:
            x += line.letter_spacing
    (index, (base, reading)) = next(iter(rubies.items()))
    start, end = boxes[index - line.start]
    width = end - start
    bw, rw = len(base) * 1.0, len(reading) * RUBY
    base_at = start + (width - bw) / 2
    reading_at = start + (width - rw) / 2
    return {
        "boxes": boxes,
        "index": index - line.start,
        "base": (base_at, base_at + bw),
        "reading": (reading_at, reading_at + rw),
    }


def neighbours(p: dict) -> tuple[tuple[float, float], tuple[float, float]]:
    k = p["index"]
    return p["boxes"][k - 1], p["boxes"][k + 1]


def test_between_hiragana_the_reading_hangs_over_both_and_adds_no_space() -> None:
    p = placed("この{鋺|かなまり}は古い")
    before, after = neighbours(p)
    assert p["base"][0] == pytest.approx(before[1])  # set solid: の鋺は
    assert after[0] == pytest.approx(p["base"][1])
    assert before[1] - p["reading"][0] == pytest.approx(RUBY)  # one ruby character over の
    assert p["reading"][1] - after[0] == pytest.approx(RUBY)


def test_never_over_kanji_the_base_is_spaced_instead() -> None:
    p = placed("銅{鋺|かなまり}類")
    before, after = neighbours(p)
    assert p["reading"][0] >= before[1] - 1e-9  # not over 銅
    assert p["reading"][1] <= after[0] + 1e-9  # not over 類
    assert p["base"][0] - before[1] == pytest.approx(0.5)  # the reading stays centred
    assert after[0] - p["base"][1] == pytest.approx(0.5)


def test_kanji_on_one_side_kana_on_the_other() -> None:
    p = placed("銅{鋺|かなまり}は")
    before, after = neighbours(p)
    assert p["reading"][0] == pytest.approx(before[1])
    assert after[0] == pytest.approx(p["base"][1])
    assert p["reading"][1] - after[0] == pytest.approx(RUBY)


@pytest.mark.parametrize("kana", ["カ", "ー", "ッ", "・"])
def test_katakana_long_vowel_small_kana_and_middle_dots_are_reached_over(kana: str) -> None:
    p = placed(f"銅{{鋺|かなまり}}{kana}")
    _, after = neighbours(p)
    assert after[0] == pytest.approx(p["base"][1])
    assert p["reading"][1] - after[0] == pytest.approx(RUBY)


def test_no_more_than_one_ruby_character_over_a_neighbour() -> None:
    # こころざし: five ruby characters over one kanji, 0.75 em beyond each side
    p = placed("の{志|こころざし}を")
    before, after = neighbours(p)
    assert before[1] - p["reading"][0] == pytest.approx(RUBY)
    assert p["reading"][1] - after[0] == pytest.approx(RUBY)
    assert p["base"][0] - before[1] == pytest.approx(0.25)  # the rest is space
    assert after[0] - p["base"][1] == pytest.approx(0.25)


def test_a_short_overhang_takes_only_what_it_needs() -> None:
    p = placed("の{東京|とうきょう}へ")  # 2.5 em of reading over 2 em
    before, after = neighbours(p)
    assert p["base"][0] == pytest.approx(before[1])
    assert before[1] - p["reading"][0] == pytest.approx(0.25)


def test_over_punctuation_blanks_and_stops() -> None:
    # 」 before: over its blank, up to one ruby character, never over its ink
    p = placed("「話」{鋺|かなまり}だ")
    before, _ = neighbours(p)
    ink_end = before[0] + 0.5
    assert p["reading"][0] == pytest.approx(ink_end)
    assert p["reading"][0] >= ink_end - 1e-9
    # 、 and 。 after: one ruby character over them
    p = placed("銅{鋺|かなまり}、そして")
    _, after = neighbours(p)
    assert after[0] == pytest.approx(p["base"][1])
    # an opening bracket after: over its blank
    p = placed("銅{鋺|かなまり}「話」")
    _, after = neighbours(p)
    assert p["reading"][1] == pytest.approx(after[0] + 0.5)  # where 「's ink begins


def test_over_the_ink_of_a_bracket_half_a_ruby_character() -> None:
    p = placed("「{鋺|かなまり}」")
    before, after = neighbours(p)
    assert before[1] - p["reading"][0] == pytest.approx(RUBY / 2)
    assert p["reading"][1] - after[0] == pytest.approx(RUBY / 2)


def test_two_readings_do_not_meet_over_the_kana_between() -> None:
    p = placed("銅{鉞|まさかり}の{鋺|かなまり}銅")
    atoms, rubies = atoms_of("銅{鉞|まさかり}の{鋺|かなまり}銅")
    first, second = sorted(rubies)
    boxes = p["boxes"]
    first_end = boxes[first][0] + (boxes[first][1] - boxes[first][0] + 2.0) / 2
    second_start = boxes[second][0] + (boxes[second][1] - boxes[second][0] - 2.0) / 2
    assert second_start - first_end >= 0.5 - 1e-9  # a gap between the readings


def test_at_the_line_head_the_reading_is_flush_and_the_base_set_in() -> None:
    p = placed("{鋺|かなまり}は古い")
    assert p["reading"][0] == pytest.approx(0.0)
    assert p["base"][0] == pytest.approx(0.5)
    assert p["boxes"][1][0] == pytest.approx(p["base"][1])  # は follows the base


def test_at_the_line_end_the_reading_is_flush_with_the_measure() -> None:
    p = placed("あいうえおかきくけ{鋺|かなまり}あいう", measure=10.5)
    assert len(p["boxes"]) == 10  # the ruby ends the line
    assert p["reading"][1] == pytest.approx(10.5)
    assert p["base"][1] == pytest.approx(10.0)
    before = p["boxes"][8]
    assert p["base"][0] == pytest.approx(before[1])  # over け on the line, as inside it
