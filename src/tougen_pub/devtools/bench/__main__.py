"""``python -m tougen_pub.devtools.bench``: runs the command line (:func:`.cli.main`)."""

from __future__ import annotations

import sys

from tougen_pub.devtools.bench.cli import main

if __name__ == "__main__":
    sys.exit(main())
