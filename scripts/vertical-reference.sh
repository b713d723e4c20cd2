#!/bin/sh
# Vertical (縦組) reference comparison: the first pages of an article as the vertical PDF
# prints them, next to Chromium's native `writing-mode: vertical-rl` rendering of the same
# article from the vertical EPUB, as PNGs to open side by side.
#
# usage: scripts/vertical-reference.sh [OUTDIR] [MANUSCRIPT] [ARTICLE]
#   OUTDIR      default /tmp/shots-vertical
#   MANUSCRIPT  default manuscript
#   ARTICLE     the article's XHTML in the EPUB, default the first (text/ch001.xhtml)
# needs: make setup, poppler-utils, chromium (CHROMIUM=…, default /work/shared/tools/chromium-offline.sh)
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-/tmp/shots-vertical}
MS=${2:-manuscript}
ARTICLE=${3:-text/ch001.xhtml}
CHROMIUM=${CHROMIUM:-/work/shared/tools/chromium-offline.sh}
[ -x "$CHROMIUM" ] || CHROMIUM=chromium
mkdir -p "$OUT"
BUILD="$OUT/build"
"$HERE/.venv/bin/tougen-pub" build pdf -w vertical -m "$MS" -o "$BUILD"
"$HERE/.venv/bin/tougen-pub" build epub -w vertical -m "$MS" -o "$BUILD"
PDF=$(ls "$BUILD"/*-vertical.pdf)
EPUB=$(ls "$BUILD"/*.epub | grep -v -- -horizontal | head -1)

# The PDF page where the article starts: the first page whose text holds its title.
unzip -q -o "$EPUB" -d "$OUT/epub"
INNER=$(find "$OUT/epub" -path "*/$ARTICLE" | head -1)
TITLE=$(sed -n 's:.*<h1[^>]*>\([^<]*\)<.*:\1:p' "$INNER" | head -1)
PAGES=$(pdfinfo "$PDF" | awk '/^Pages:/{print $2}')
START=1
n=1
while [ "$n" -le "$PAGES" ]; do
    if pdftotext -f "$n" -l "$n" "$PDF" - 2>/dev/null | tr -d ' \n' | grep -qF "$(echo "$TITLE" | tr -d ' ')"; then
        START=$n
        break
    fi
    n=$((n + 1))
done
pdftoppm -r 100 -png -f "$START" -l $((START + 1)) "$PDF" "$OUT/ours"

"$CHROMIUM" --headless --no-sandbox --user-data-dir="$OUT/profile" --no-pdf-header-footer \
    --print-to-pdf="$OUT/chromium.pdf" "file://$INNER" >/dev/null 2>&1
pdftoppm -r 100 -png -f 1 -l 2 "$OUT/chromium.pdf" "$OUT/chromium"
echo "article '$TITLE' from page $START of $PDF"
ls "$OUT"/ours*.png "$OUT"/chromium*.png
