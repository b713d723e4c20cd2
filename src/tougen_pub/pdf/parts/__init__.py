"""The print book laid out in parts, in parallel, and bound into one PDF.

WeasyPrint lays a document out on one core, and its time and memory per page grow with the
document. A book of many articles is therefore cut into *parts* at the points where a new
page side is forced anyway (before the table of contents' successor, every article, the
back matter): the front matter, runs of consecutive articles, the back matter. Each part is
laid out as a document of its own in a forked worker and written as a PDF; the parts are
then bound into one PDF (:mod:`pikepdf`).

What a part cannot know by itself is decided before it is laid out, from the page numbers
of the previous build (``build/.cache/pages``) or, the first time, from an estimate:

* the number of its first page (``@page :first { counter-reset: page N }``);
* the page numbers of every link target (table of contents, glossary and bibliography page
  lists, related articles), written as numbers in ``data-page`` (as
  :func:`tougen_pub.pdf.builder.render` does for a whole document).

After the parts are laid out their true page counts and anchor pages are known; every part
that used a wrong number is laid out again with the right ones (a page number's value does
not move the page breaks: lines are composed before layout). A part that ends on the wrong
side gets the same blank page that WeasyPrint inserts in a single document: every part but
the last ends with an empty element that forces the next page side, and that element's own
page is dropped.

Binding keeps every page as it was written (``/Rotate`` of vertical books, boxes, marks),
merges the named destinations (links between parts resolve like links inside one), the
outlines and the document information of the first part, and writes a reproducible file
whose ``/ID`` starts with the book's permanent identifier.

The modules: :mod:`.plan` (pure: the cut, the numbers a round assumes), :mod:`.run` (the
forked workers), :mod:`.bind` (one PDF of the parts), :mod:`.layout` (the rounds).
"""
