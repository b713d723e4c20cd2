"""The EPUB builder: rendered pages, stylesheets and cover packaged as EPUB 3."""
