"""One font dictionary per face after the subsets are merged (pdf/press/fontdicts.py)."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from tougen_pub.pdf.press import fontdicts


def test_widths_round_trip_through_a_compact_w_array() -> None:
    widths = {1: 500.0, 2: 500.0, 3: 1000.0, 10: 250.0, 11: 333.5}
    array = fontdicts._w_array(widths)
    assert [int(array[0]), [float(w) for w in array[1]]] == [1, [500.0, 500.0, 1000.0]]
    assert fontdicts._widths(array) == widths
    # the c_first c_last w form is read too
    assert fontdicts._widths(pikepdf.Array([5, 7, 600])) == {5: 600.0, 6: 600.0, 7: 600.0}


def test_to_unicode_round_trip_and_ranges() -> None:
    mapping = {i: f"{0x3042 + i:04X}" for i in range(1, 250)} | {300: "00310032"}
    pdf = pikepdf.new()
    stream = pdf.make_stream(fontdicts._cmap(mapping))
    assert fontdicts._to_unicode(stream) == mapping
    assert fontdicts._cmap(mapping).count(b"beginbfchar") == 3  # at most 100 a block
    ranged = pdf.make_stream(
        b"1 beginbfrange\n<0010> <0012> <3042>\nendbfrange\n"
        b"1 beginbfrange\n<0020> <0021> [<0041> <0042>]\nendbfrange\n"
    )
    assert fontdicts._to_unicode(ranged) == {
        0x10: "3042", 0x11: "3043", 0x12: "3044", 0x20: "0041", 0x21: "0042"
    }  # fmt: skip


def test_dictionaries_that_disagree_are_not_merged() -> None:
    with pytest.raises(fontdicts.Disagree):
        fontdicts._union([{1: 500.0}, {1: 600.0}])
    assert fontdicts._union([{1: 500.0}, {1: 500.0, 2: 250.0}]) == {1: 500.0, 2: 250.0}


@pytest.mark.slow
def test_a_book_in_parts_has_one_font_dictionary_per_face(
    tiny_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tougen_pub.options import BuildOptions
    from tougen_pub.pipeline import build_book

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1739081580")
    monkeypatch.setenv("TOUGEN_JOBS", "2")
    path, _ = build_book("pdf", BuildOptions(tiny_root, tmp_path, "vertical"))
    with pikepdf.open(path) as pdf:
        dicts: dict[str, set[tuple[int, int]]] = {}
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                face = str(font.BaseFont).split("+", 1)[-1]
                dicts.setdefault(face, set()).add(font.objgen)
        assert set(dicts) == {"TougenMincho", "TougenGothic"}
        assert all(len(objs) == 1 for objs in dicts.values()), dicts
