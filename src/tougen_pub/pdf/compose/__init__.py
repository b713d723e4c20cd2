"""JLReq line composer: Japanese lines that end flush with the measure.

:mod:`.core` is pure (atoms with advances → lines with spacing); :mod:`.xhtml` applies it
to XHTML paragraphs; :mod:`.metrics` reads advances from the face that will be drawn.
"""

from tougen_pub.pdf.compose.core import Atom, Line, atoms_from_text, compose, line_texts
from tougen_pub.pdf.compose.xhtml import Settings, compose_fragment

__all__ = [
    "Atom",
    "Line",
    "Settings",
    "atoms_from_text",
    "compose",
    "compose_fragment",
    "line_texts",
]
