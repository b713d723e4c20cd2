"""The only way WeasyPrint reads anything: files under allowed folders and in-memory fonts.

Everything else — ``http:``, ``https:``, ``data:`` beyond small inline data, ``file:`` outside
the manuscript and styles folders (after resolving symlinks and ``..``) — is refused and
recorded, so the build reports it as a located diagnostic. There is no network access.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint

FONT_SCHEME = "tougen-font"
RASTER_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


class RefusedURL(ValueError):
    """A URL the build may not read."""


@dataclass
class Refusal:
    url: str
    reason: str


@dataclass
class MemoryResource:
    data: bytes
    mime_type: str = "font/otf"


class RestrictedFetcher(weasyprint.URLFetcher):
    """A WeasyPrint URL fetcher serving ``file:`` URLs under ``roots`` and ``tougen-font:``."""

    def __init__(
        self,
        roots: list[Path],
        resources: dict[str, MemoryResource] | None = None,
        image_filter: Callable[[bytes, str], tuple[bytes, str]] | None = None,
    ) -> None:
        super().__init__(timeout=1, allowed_protocols=("file", FONT_SCHEME), allow_redirects=False)
        self.roots = [Path(r).resolve() for r in roots]
        self.resources = dict(resources or {})
        self.refused: list[Refusal] = []
        #: raster images pass through it (bytes, MIME type → bytes, MIME type), e.g. to gray
        self.image_filter = image_filter

    def add(self, name: str, data: bytes, mime_type: str = "font/otf") -> str:
        """Serve ``data`` under ``tougen-font:NAME``; returns the URL."""
        self.resources[name] = MemoryResource(data, mime_type)
        return f"{FONT_SCHEME}:{name}"

    def fetch(self, url: str, headers: object = None) -> weasyprint.urls.URLFetcherResponse:
        try:
            return self._fetch(url)
        except RefusedURL as exc:
            self.refused.append(Refusal(url, str(exc)))
            raise

    def _fetch(self, url: str) -> weasyprint.urls.URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == FONT_SCHEME:
            name = unquote(parts.path)
            res = self.resources.get(name)
            if res is None:
                raise RefusedURL(f"no in-memory resource {name!r}")
            return weasyprint.urls.URLFetcherResponse(
                url, res.data, {"Content-Type": res.mime_type}
            )
        if scheme != "file":
            raise RefusedURL(
                f"{scheme or 'relative'} URLs are not fetched (no network at build time)"
            )
        path = self.allowed_path(url)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = path.read_bytes()
        if self.image_filter is not None and mime in RASTER_TYPES:
            data, mime = self.image_filter(data, mime)
        return weasyprint.urls.URLFetcherResponse(path.as_uri(), data, {"Content-Type": mime})

    def allowed_path(self, url: str) -> Path:
        """The real path of a ``file:`` URL if it lies under an allowed folder."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedURL("file URLs on other hosts are not fetched")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise RefusedURL("outside the manuscript and styles folders")
        if not path.is_file():
            raise RefusedURL("no such file")
        return path
