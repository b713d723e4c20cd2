"""Vertical setting (縦組) on top of WeasyPrint: derived fonts, glyph orientation, finishing."""
