"""Web addresses compared as the same page.

The importer and the loader both match an article's ``url`` with the ``url`` of a see-also
link (and the importer one citation's source with another's). Both compare the keys of
:func:`norm_url`, kept in this leaf so that the two cannot drift apart: a link the importer
wrote as external is not found internal by the loader, nor the other way round.
"""

from __future__ import annotations


def norm_url(url: str | None) -> str:
    """The key an address is compared by: surrounding blanks and trailing ``/`` dropped, an
    ``http://`` scheme read as ``https://`` (the rest of the address is kept as it is, an
    ``http://`` inside a path or query included); "" for None."""
    key = (url or "").strip().rstrip("/")
    if key.startswith("http://"):
        key = "https://" + key.removeprefix("http://")
    return key
