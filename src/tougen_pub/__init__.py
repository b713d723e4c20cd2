"""tougen-pub: Japanese web articles to books (EPUB 3, vertical or horizontal print PDF)."""

__version__ = "0.1.0"
