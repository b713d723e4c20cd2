"""Images of the manuscript: only local files inside the manuscript folder, never fetched.

``![alt](../images/map.png)`` in ``articles/01-x.md`` is resolved relative to the article
(as Markdown editors preview it); ``images/map.png`` relative to the manuscript root is
accepted too. The file must exist, be inside the manuscript after resolving symlinks, and be
a type EPUB readers show (PNG, JPEG, GIF, WebP, SVG).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from tougen_pub.ingest.mdext import Finding
from tougen_pub.model import REF_IMAGE

IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


@dataclass
class ImageChecker:
    """The image policy for one document: ``check(src)`` → (neutral target, finding)."""

    root: Path  # manuscript folder
    base: Path  # folder of the document (relative srcs resolve here first)
    used: list[str] = field(default_factory=list)  # manuscript-relative paths, in order

    def __post_init__(self) -> None:
        self._real_root = self.root.resolve()

    def check(self, src: str) -> tuple[str | None, Finding | None]:
        value = src.strip()
        shown = value[:120]

        def refuse(code: str, message: str) -> tuple[None, Finding]:
            return None, Finding(code, message, True, needle=src or None)

        if not value:
            return refuse("image-missing", "image has no file name")
        if REMOTE.match(value):
            return refuse(
                "image-remote",
                f"image '{shown}' is on the network; books only use local files "
                "(download it into images/)",
            )
        if value.lower().startswith("file:") or value.startswith(("/", "\\")):
            return refuse(
                "image-absolute",
                f"image '{shown}' is an absolute path; put it in images/ and use a relative path",
            )
        if WINDOWS_DRIVE.match(value):
            return refuse("image-absolute", f"image '{shown}' is an absolute path")
        if SCHEME.match(value):
            return refuse(
                "image-remote",
                f"image '{shown}' is not a local file; books only use files in images/",
            )
        rel = unquote(value.split("#", 1)[0].split("?", 1)[0])
        candidates = [self.base / rel, self.root / rel]
        for path in candidates:
            lexical = _normalize(path)
            if not _inside(lexical, self.root):
                continue
            if not path.exists() and not path.is_symlink():
                continue
            real = path.resolve()
            if not real.is_relative_to(self._real_root):
                return refuse(
                    "image-outside",
                    f"image '{shown}' is a link to a file outside the manuscript",
                )
            if not real.is_file():
                return refuse("image-missing", f"image '{shown}' is not a file")
            if real.suffix.lower() not in IMAGE_TYPES:
                return refuse(
                    "image-type",
                    f"image '{shown}' is not PNG, JPEG, GIF, WebP or SVG",
                )
            relpath = lexical.relative_to(_normalize(self.root)).as_posix()
            if relpath not in self.used:
                self.used.append(relpath)
            return REF_IMAGE + relpath, None
        if not any(_inside(_normalize(p), self.root) for p in candidates):
            return refuse(
                "image-outside",
                f"image '{shown}' is outside the manuscript folder",
            )
        return refuse("image-missing", f"image file '{shown}' does not exist")


def _normalize(path: Path) -> Path:
    """Lexically resolve '.' and '..' (no symlinks followed) on an absolute path."""
    parts: list[str] = []
    for part in path.absolute().parts:
        if part == "..":
            if len(parts) > 1:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return Path(*parts)


def _inside(path: Path, root: Path) -> bool:
    return path.is_relative_to(_normalize(root))
