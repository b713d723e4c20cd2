"""Allow ``python -m tougen_pub``."""

from tougen_pub.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
