"""Where the project's own files live: the stylesheets in ``styles/``."""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]


def styles_dir() -> Path:
    """``$TOUGEN_STYLES`` if set, else the ``styles/`` folder of the project."""
    env = os.environ.get("TOUGEN_STYLES")
    return Path(env).resolve() if env else (_REPO / "styles")
