"""Transformed copies of glyphs added to a glyf- or CFF-flavoured font: the rotated,
shifted and composed glyphs of a derived vertical font (:mod:`.font`)."""

from __future__ import annotations

import math
import struct

Matrix = tuple[float, float, float, float, float, float]
# glyf composite flag: component offsets are not scaled by the component's transform
UNSCALED_COMPONENT_OFFSET = 0x1000


class _GlyphAdder:
    """Adds transformed copies of glyphs to a glyf- or CFF-flavoured font."""

    def __init__(self, font) -> None:
        self.font = font
        self.is_cff = "CFF " in font
        self.order = list(font.getGlyphOrder())
        self.names = set(self.order)
        self.glyphset = font.getGlyphSet()
        self.upm = font["head"].unitsPerEm
        if self.is_cff:
            self.top = font["CFF "].cff.topDictIndex[0]
            self.cid_keyed = hasattr(self.top, "ROS")
            used = {int(n[3:]) for n in self.order if n.startswith("cid") and n[3:].isdigit()}
            self._free_cids = (c for c in range(1, 65535) if c not in used)
            self._gid = {n: i for i, n in enumerate(self.order)}
        else:
            maxp = font["maxp"]
            # composite glyphs of the source are at most this deep (maxp's own value)
            self.source_depth = max(getattr(maxp, "maxComponentDepth", 1), 1)
            self.max_depth = 1
            self.max_components = 0

    def _new_name(self, wanted: str) -> str:
        if self.is_cff and self.cid_keyed:
            return f"cid{next(self._free_cids):05d}"
        name, n = wanted, 1
        while name in self.names:
            n += 1
            name = f"{wanted}.{n}"
        return name

    def add_rotated(self, wanted: str, src: str, matrix: Matrix, advance: int) -> str:
        """A copy of ``src`` transformed by the rotation ``matrix`` (fast path: the outline
        points are transformed directly; falls back to drawing through pens)."""
        if self.is_cff:
            program = self._rotated_program(src, matrix, advance)
            if program is None:
                return self.add(wanted, [(src, matrix)], advance, src)
            from fontTools.misc.psCharStrings import T2CharString

            old = self.top.CharStrings[src]
            charstring = T2CharString(
                program=program[0], private=old.private, globalSubrs=old.globalSubrs
            )
            return self._store_cff(wanted, charstring, advance, program[1], src)
        return self._store_glyf(wanted, self._composite([(src, matrix)]), advance)

    def _rotated_program(self, src: str, matrix: Matrix, advance: int):
        """(T2 program, x minimum) of ``src`` transformed by ``matrix``, or None when the
        charstring uses operators this path does not handle."""
        from fontTools.cffLib.specializer import (
            commandsToProgram,
            generalizeCommands,
            programToCommands,
        )

        charstring = self.top.CharStrings[src]
        charstring.decompile()
        commands = generalizeCommands(programToCommands(list(charstring.program)))
        a, b, c, d, e, f = matrix
        x = y = 0.0
        xmin = None
        out: list[tuple[str, list]] = []
        for op, args in commands:
            if op in ("", "hstem", "vstem", "hstemhm", "vstemhm", "hintmask", "cntrmask"):
                continue  # width and hints: a new width is set below, hints no longer fit
            if op not in ("rmoveto", "rlineto", "rrcurveto") and not (op == "endchar" and not args):
                return None
            new_args = []
            for i in range(0, len(args), 2):
                dx, dy = args[i], args[i + 1]
                x, y = x + dx, y + dy
                nx = a * dx + c * dy
                ny = b * dx + d * dy
                new_args += [nx, ny]
                px = a * x + c * y + e
                xmin = px if xmin is None else min(xmin, px)
            out.append((op, new_args))
        for i, (op, args) in enumerate(out):
            if op == "rmoveto":  # the first point is absolute: apply the translation once
                out[i] = (op, [args[0] + e, args[1] + f])
                break
        out = [
            (op, [round(v) if abs(v - round(v)) < 1e-6 else v for v in args]) for op, args in out
        ]
        private = charstring.private
        if advance != private.defaultWidthX:
            out.insert(0, ("", [advance - private.nominalWidthX]))
        if not out or out[-1][0] != "endchar":
            out.append(("endchar", []))
        return commandsToProgram(out), round(xmin or 0)

    def _store_cff(self, wanted: str, charstring, advance: int, lsb: int, template: str) -> str:
        name = self._new_name(wanted)
        charstrings = self.top.CharStrings
        charstrings.charStringsIndex.append(charstring)
        charstrings.charStrings[name] = len(charstrings.charStringsIndex) - 1
        if hasattr(self.top, "FDSelect"):
            fd_select = self.top.FDSelect
            fd_select.gidArray.append(fd_select.gidArray[self._gid[template]])
        return self._register(name, advance, lsb)

    def bounds(self, name: str) -> tuple[int, int, int, int] | None:
        """(xMin, yMin, xMax, yMax) of a glyf glyph from its header, without decompiling
        its outline; None for an empty glyph."""
        glyf = self.font["glyf"]
        glyph = glyf.glyphs[name]
        data = getattr(glyph, "data", None)
        if data is not None:
            if len(data) < 10:
                return None
            contours, x0, y0, x1, y1 = struct.unpack(">hhhhh", bytes(data[:10]))
            return None if contours == 0 else (x0, y0, x1, y1)
        if not glyph.numberOfContours:
            return None
        if not hasattr(glyph, "xMax"):
            glyph.recalcBounds(glyf)
        return glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax

    def _composite(self, drawings: list[tuple[str, Matrix]]):
        """A composite glyph drawing each (glyph, matrix): the outlines stay in their
        source glyphs (nothing is decompiled or recompiled); bounds from the headers."""
        from fontTools.misc.roundTools import otRound
        from fontTools.ttLib.tables._g_l_y_f import Glyph, GlyphComponent

        components = []
        xs: list[float] = []
        ys: list[float] = []
        for src, (a, b, c, d, e, f) in drawings:
            box = self.bounds(src)
            if box is None:
                continue
            comp = GlyphComponent()
            comp.glyphName = src
            comp.x, comp.y = otRound(e), otRound(f)
            # the offset is added after the 2×2 transform, in font units
            comp.flags = UNSCALED_COMPONENT_OFFSET
            if (a, b, c, d) != (1, 0, 0, 1):
                comp.transform = [[a, b], [c, d]]
            components.append(comp)
            x0, y0, x1, y1 = box
            for x, y in ((x0, y0), (x0, y1), (x1, y0), (x1, y1)):
                xs.append(a * x + c * y + comp.x)
                ys.append(b * x + d * y + comp.y)
            if self.bounds_depth(src) > 0:
                self.max_depth = max(self.max_depth, self.bounds_depth(src) + 1)
        glyph = Glyph()
        if not components:
            glyph.numberOfContours = 0
            return glyph
        glyph.numberOfContours = -1
        glyph.components = components
        glyph.xMin, glyph.yMin = math.floor(min(xs)), math.floor(min(ys))
        glyph.xMax, glyph.yMax = math.ceil(max(xs)), math.ceil(max(ys))
        self.max_components = max(self.max_components, len(components))
        return glyph

    def bounds_depth(self, name: str) -> int:
        """Nesting depth of a glyf glyph: 0 for a simple glyph, ≥ 1 for a composite."""
        glyph = self.font["glyf"].glyphs[name]
        data = getattr(glyph, "data", None)
        if data is not None:
            composite = len(data) >= 2 and struct.unpack(">h", bytes(data[:2]))[0] < 0
        else:
            composite = glyph.numberOfContours < 0
        return self.source_depth if composite else 0

    def _store_glyf(self, wanted: str, glyph, advance: int) -> str:
        name = self._new_name(wanted)
        self.font["glyf"][name] = glyph
        return self._register(name, advance, getattr(glyph, "xMin", 0))

    def _register(self, name: str, advance: int, lsb: int) -> str:
        self.font["hmtx"][name] = (advance, lsb)
        if "vmtx" in self.font:
            self.font["vmtx"][name] = (self.upm, 0)
        if "VORG" in self.font:
            self.font["VORG"][name] = self.font["VORG"].defaultVertOriginY
        self.order.append(name)
        self.names.add(name)
        if self.is_cff:
            self._gid[name] = len(self.order) - 1
        return name

    def add(
        self, wanted: str, drawings: list[tuple[str, Matrix]], advance: int, template: str
    ) -> str:
        """A new glyph drawing each (glyph, matrix) of ``drawings``; CFF private dict
        and FD are taken from ``template``. In a glyf font the new glyph is a composite
        of the (transformed) source glyphs."""
        if not self.is_cff:
            return self._store_glyf(wanted, self._composite(drawings), advance)
        from fontTools.pens.boundsPen import BoundsPen
        from fontTools.pens.recordingPen import DecomposingRecordingPen
        from fontTools.pens.transformPen import TransformPen

        recordings = []
        bounds = BoundsPen(self.glyphset)
        for src, matrix in drawings:
            rec = DecomposingRecordingPen(self.glyphset)
            self.glyphset[src].draw(rec)
            recordings.append((rec, matrix))
            rec.replay(TransformPen(bounds, matrix))
        lsb = round(bounds.bounds[0]) if bounds.bounds else 0
        from fontTools.pens.t2CharStringPen import T2CharStringPen

        old = self.top.CharStrings[template]
        private = old.private
        width = None if advance == private.defaultWidthX else advance - private.nominalWidthX
        pen = T2CharStringPen(width, self.glyphset)
        for rec, matrix in recordings:
            rec.replay(TransformPen(pen, matrix))
        charstring = pen.getCharString(private=private, globalSubrs=old.globalSubrs)
        return self._store_cff(wanted, charstring, advance, lsb, template)

    def finish(self) -> None:
        self.font.setGlyphOrder(self.order)
        if self.is_cff:
            self.top.charset = list(self.order)
            return
        # The font is saved without recalculating bounds (that would decompile every
        # glyph): set what the new composites change.
        maxp = self.font["maxp"]
        if self.max_components and maxp.tableVersion >= 0x00010000:
            points = max(maxp.maxPoints, maxp.maxCompositePoints)
            contours = max(maxp.maxContours, maxp.maxCompositeContours)
            maxp.maxComponentElements = max(maxp.maxComponentElements, self.max_components)
            maxp.maxComponentDepth = max(maxp.maxComponentDepth, self.max_depth)
            maxp.maxCompositePoints = min(
                max(maxp.maxCompositePoints, points * self.max_components), 0xFFFF
            )
            maxp.maxCompositeContours = min(
                max(maxp.maxCompositeContours, contours * self.max_components), 0xFFFF
            )
        boxes = [b for b in map(self.bounds, self.order) if b is not None]
        if boxes:
            head = self.font["head"]
            head.xMin = min(b[0] for b in boxes)
            head.yMin = min(b[1] for b in boxes)
            head.xMax = max(b[2] for b in boxes)
            head.yMax = max(b[3] for b in boxes)
