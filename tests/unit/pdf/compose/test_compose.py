"""The pure line composer: kinsoku, punctuation squeeze, 和欧間, flush line widths."""

from __future__ import annotations

import re

import pytest

from jlreq import NOT_AT_LINE_END as NO_LINE_FOOT
from jlreq import NOT_AT_LINE_START as NO_LINE_HEAD
from tougen_pub.pdf.compose import atoms_from_text, compose, line_texts
from tougen_pub.pdf.compose.core import JA_LATIN_SPACE, may_break


def mono(ch: str) -> float:
    """A stand-in face: Japanese 1 em, Latin 0.5 em, space 0.25 em."""
    if ch == " ":
        return 0.25
    return 0.5 if ord(ch) < 0x2000 else 1.0


TEXT = (
    "ロシアのウクライナ侵攻を理解するために必要な機密文書や研究をまとめた資料で、"
    "特にNATO拡大、プーチンの台頭、ロシアのサイバー戦略に焦点を当てている。"
    "「ブダペスト覚書」（1994年）では、ウクライナが核兵器を放棄する代わりに、"
    "米英露が安全を保証した。エリツィンは「約束違反だ」と主張した。"
    "ソ連崩壊後、西側の指導者は口頭で「NATOを東方に拡大しない」と発言していたが、"
    "正式な条約や合意としては明文化されていなかった。"
)


def _compose(text: str, measure: float, indent: float = 1.0):
    atoms = atoms_from_text(text, mono)
    return atoms, compose(atoms, measure, indent)


@pytest.mark.parametrize("measure", [12, 13, 17, 20, 25, 31, 35])
def test_every_line_but_the_last_is_flush(measure: int) -> None:
    atoms, lines = _compose(TEXT, measure)
    assert len(lines) > 3
    for n, line in enumerate(lines[:-1]):
        m = measure - (1.0 if n == 0 else 0.0)
        assert line.measure == m
        assert line.advance(atoms) == pytest.approx(m, abs=1e-6), line_texts(atoms, [line])
    assert lines[-1].how == "last"
    assert lines[-1].advance(atoms) <= measure + 1e-6


@pytest.mark.parametrize("measure", [9, 10, 11, 12, 13, 14, 15, 16, 20, 35])
def test_kinsoku_at_line_heads_and_feet(measure: int) -> None:
    atoms, lines = _compose(TEXT, measure)
    texts = line_texts(atoms, lines)
    assert "".join(texts).replace(" ", "") == TEXT.replace(" ", "")
    for text in texts[1:]:
        assert text[0] not in NO_LINE_HEAD, texts
    for text in texts[:-1]:
        assert text[-1] not in NO_LINE_FOOT, texts


def test_latin_words_are_not_split() -> None:
    text = "あいうえおかきくけこさしすせそ NATO Partnership for Peace たちつてと"
    words = {"NATO", "Partnership", "for", "Peace"}
    for measure in (6, 7, 8, 9, 10, 11):
        atoms, lines = _compose(text, measure, 0)
        texts = line_texts(atoms, lines)
        for t in texts:
            for run in re.findall("[A-Za-z]+", t):
                assert run in words, (measure, texts)


def test_closing_mark_is_pulled_in_rather_than_starting_a_line() -> None:
    # 10 characters fill the line exactly; the 11th is 。 which may not start a line:
    # 追い込み compresses the line's punctuation instead of pushing a character out.
    atoms, lines = _compose("あいう、えおかきくけ。さしす", 10, 0)
    texts = line_texts(atoms, lines)
    assert texts[0] == "あいう、えおかきくけ。"
    assert lines[0].how == "in"
    assert lines[0].advance(atoms) == pytest.approx(10.0)
    assert texts[1] == "さしす"


def test_push_out_when_compression_is_not_enough() -> None:
    # No punctuation blank to compress: the last character goes to the next line
    # together with the small kana that may not start a line (追い出し), and the line
    # is expanded.
    atoms, lines = _compose("あいうえおかきくけこっさしす", 10, 0)
    texts = line_texts(atoms, lines)
    assert texts[0] == "あいうえおかきくけ"
    assert lines[0].how == "out"
    assert lines[0].letter_spacing == pytest.approx(1.0 / 8)
    assert lines[0].advance(atoms) == pytest.approx(10.0)


def test_opening_bracket_never_ends_a_line() -> None:
    atoms, lines = _compose("あいうえおかきくけ「こさしすせ」そ", 10, 0)
    texts = line_texts(atoms, lines)
    assert not texts[0].endswith("「")
    assert texts[1].startswith("「")


def test_consecutive_punctuation_is_squeezed_to_half() -> None:
    atoms = atoms_from_text("「あ」、「い」。", mono)
    (line,) = compose(atoms, 40, 0)
    # 」、 → 」 loses its trailing half;  、「 → 、 loses it;  」。 → 」 loses it.
    assert line.margins == {2: (0.0, -0.5), 3: (0.0, -0.5), 6: (0.0, -0.5)}
    assert line.natural == pytest.approx(8 - 1.5)


def test_opening_after_opening_is_squeezed() -> None:
    atoms = atoms_from_text("（「あ」）", mono)
    (line,) = compose(atoms, 40, 0)
    assert line.margins[1] == (-0.5, 0.0)  # the second opening bracket
    assert line.margins[3] == (0.0, -0.5)  # 」） closing pair


def test_quarter_em_between_japanese_and_latin() -> None:
    atoms = atoms_from_text("日本NATO拡大", mono)
    (line,) = compose(atoms, 40, 0)
    assert line.margins == {1: (0.0, JA_LATIN_SPACE), 5: (0.0, JA_LATIN_SPACE)}
    assert line.natural == pytest.approx(4 + 2 + 2 * JA_LATIN_SPACE)


def test_no_quarter_em_next_to_punctuation() -> None:
    atoms = atoms_from_text("「NATO」(ABC)と", mono)
    (line,) = compose(atoms, 40, 0)
    # 「N and O」 touch brackets, ")と" follows a parenthesis: no 和欧間 anywhere
    assert all(right <= 0 for _left, right in line.margins.values())


def test_lines_without_japanese_use_word_spacing() -> None:
    atoms = atoms_from_text("aaaa bbbb cccc dddd eeee ffff gggg", mono)
    lines = compose(atoms, 6, 0)
    assert len(lines) > 2
    for line in lines[:-1]:
        assert line.letter_spacing == 0
        assert line.advance(atoms) == pytest.approx(6.0)


def test_word_longer_than_the_measure_is_forced() -> None:
    atoms = atoms_from_text("あ" + "x" * 30 + "い", mono)
    lines = compose(atoms, 5, 0)
    assert "".join(line_texts(atoms, lines)) == "あ" + "x" * 30 + "い"
    assert all(line.advance(atoms) <= 5 + 1e-6 for line in lines)


def test_inseparable_pairs() -> None:
    atoms = atoms_from_text("あいうえおかきく……けこ", mono)
    assert not may_break(atoms, 9)  # between the two …
    lines = compose(atoms, 9, 0)
    texts = line_texts(atoms, lines)
    assert all("……" in t or "…" not in t for t in texts), texts


def test_empty_input() -> None:
    assert compose([], 10) == []


def test_japanese_after_an_unbreakable_latin_run_is_not_spread_out() -> None:
    """A long Latin run that cannot break leaves the line short: the slack goes into the
    Latin run, and the Japanese of the line gets at most a quarter em between characters
    (not the wide gaps of 『に 載 っ て い る 。』)."""
    from tougen_pub.pdf.compose.core import MAX_LETTER_SPACING

    url = "averylongidentifierwithoutanybreakopportunitiesatall"
    atoms, lines = _compose(
        f"詳しくは{url}に載っている。その後の経過も同じ資料にまとめられている。", 20
    )
    assert len(lines) > 1
    texts = line_texts(atoms, lines)
    after = [n for n, t in enumerate(texts) if "に載っている" in t]
    assert after, texts
    for n in after:  # the line that carries the run's end and the Japanese after it
        assert lines[n].letter_spacing <= MAX_LETTER_SPACING + 1e-9, texts[n]
        assert lines[n].advance(atoms) == pytest.approx(lines[n].measure, abs=1e-6)
    assert MAX_LETTER_SPACING <= 0.25


def test_slack_of_a_line_with_latin_goes_into_the_latin_run() -> None:
    """A line of a long Latin run and two Japanese characters: spreading the slack over
    one gap alone would push 見 far from を; it goes into the Latin run instead."""
    atoms = atoms_from_text("例えば" + "x" * 34 + "を見る。続きの文章がここにある。", mono)
    lines = compose(atoms, 20, 0.0)
    texts = line_texts(atoms, lines)
    mixed = [n for n, t in enumerate(texts) if "x" in t and "を" in t]
    assert mixed, texts
    line = lines[mixed[0]]
    assert line.letter_spacing <= 0.25 + 1e-9  # JLReq: a quarter em at most between kana
    assert line.latin_spacing > 0
    assert line.advance(atoms) == pytest.approx(line.measure, abs=1e-6)


def test_japanese_before_an_unbreakable_latin_run_is_not_spread_out() -> None:
    """The line before a Latin run too long for the rest of it (a URL moved to the next
    line) is not spread out to the measure (5 em between 『詳 し く は』): its Japanese gets
    at most a quarter em between characters, the rest stays at the line end."""
    from tougen_pub.pdf.compose.core import MAX_LETTER_SPACING

    long = "averylongidentifierwithoutanybreakopportunitiesatall"  # wider than a line
    short = "identifierwithoutanybreaksatallxx"  # fits a line, not what the first leaves
    for text in (f"詳しくは{long}に載っている。", f"詳しくは {short} に載っている。"):
        atoms, lines = _compose(text, 20)
        texts = line_texts(atoms, lines)
        assert texts[0].strip() == "詳しくは", texts
        first = lines[0]
        assert first.letter_spacing <= MAX_LETTER_SPACING + 1e-9, first
        assert first.advance(atoms) < first.measure - 10  # ragged: the slack at the end
        assert first.word_spacing == 0 and first.latin_spacing == 0
    # a short Latin word moved to the next line still leaves a justified line
    atoms, lines = _compose("あいうえおかきくけこさしすせそたちつてとなにぬねのNATOは", 12)
    texts = line_texts(atoms, lines)
    assert all(ln.advance(atoms) == pytest.approx(ln.measure) for ln in lines[:-1]), texts
