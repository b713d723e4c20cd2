"""Line-breaking rules of JLReq (Requirements for Japanese Text Layout, W3C, appendix A),
written out by hand for the tests: the composer's own tables (pdf/compose/jlreq.py) are
what is tested, never the reference.
"""

# Characters not allowed at the start of a line (行頭禁則), by JLReq character class.
CLOSING_BRACKETS = "’”）〕］｝〉》」』】〙〗〟｠»)]}"  # cl-02
HYPHENS = "‐〜゠–"  # cl-03
DIVIDING_PUNCTUATION = "？！‼⁇⁈⁉?!"  # cl-04
MIDDLE_DOTS = "・：；:;"  # cl-05
FULL_STOPS = "。．."  # cl-06
COMMAS = "、，,"  # cl-07
ITERATION_MARKS = "ヽヾゝゞ々〻"  # cl-09
PROLONGED_SOUND_MARK = "ー"  # cl-10
SMALL_KANA = (
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"  # cl-11
)
NOT_AT_LINE_START = frozenset(
    CLOSING_BRACKETS
    + HYPHENS
    + DIVIDING_PUNCTUATION
    + MIDDLE_DOTS
    + FULL_STOPS
    + COMMAS
    + ITERATION_MARKS
    + PROLONGED_SOUND_MARK
    + SMALL_KANA
)
# Characters not allowed at the end of a line (行末禁則): opening brackets, cl-01.
NOT_AT_LINE_END = frozenset("‘“（〔［｛〈《「『【〘〖〝｟«([{")
