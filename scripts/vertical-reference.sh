#!/bin/sh
# Vertical (縦組) reference comparison: a paragraph of the seed article set with
# WeasyPrint (derived rotated-glyph font on a landscape A5 layout page + /Rotate 90)
# and with Chromium's native `writing-mode: vertical-rl`, both rendered to PNG at
# 100 dpi plus 250-dpi crops of the same region, side by side.
#
# usage: scripts/vertical-reference.sh [OUTDIR] [FONT[:INDEX]]
#   OUTDIR  default /tmp/shots-vertical
#   FONT    default IPAex Mincho; e.g. /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc:0
# needs: .venv, poppler-utils, chromium (/work/shared/tools/chromium-offline.sh or CHROMIUM)
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-/tmp/shots-vertical}
FONT=${2:-/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf}
SEED=${SEED:-/work/shared/seeds/000_dfe5ffe8d42215b0.txt}
CHROMIUM=${CHROMIUM:-/work/shared/tools/chromium-offline.sh}
[ -x "$CHROMIUM" ] || CHROMIUM=chromium
mkdir -p "$OUT"
TAG=$(basename "${FONT%%:*}" | sed 's/\..*//')

"$HERE/.venv/bin/python" - "$OUT" "$FONT" "$SEED" "$TAG" <<'PY'
import html, re, sys, time
from pathlib import Path

import weasyprint
from fontTools.ttLib import TTFont

from tougen_pub.assets.fonts import parse_ref
from tougen_pub.pdf.vertical.finish import rotate_pages
from tougen_pub.pdf.vertical.font import derive_vertical_font
from tougen_pub.pdf.vertical.ruby import ruby_css, ruby_html
from tougen_pub.pdf.vertical.weasy import MemoryFontFetcher, font_face_css

out, font_arg, seed, tag = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), sys.argv[4]
ref = parse_ref(font_arg, Path.cwd())
lines = [l.strip() for l in seed.read_text(encoding="utf-8").splitlines()]
start = lines.index("【概要】")
paras = [l for l in lines[start:start + 14] if l][:9]
paras.append("{漢字|かんじ}の{振仮名|ふりがな}と^!?^、第^3^章、10月。")  # ruby + marked tcy
TCY = re.compile(r"(?<![0-9A-Za-z.,])([0-9]{1,2})(?![0-9A-Za-z.,])|\^([^^]{1,3})\^")
RUBY = re.compile(r"\{([^|}]+)\|([^}]+)\}")

def mark(text, tcy_tag, ruby_tag):
    out, pos, found = [], 0, set()
    for m in re.finditer(f"{TCY.pattern}|{RUBY.pattern}", text):
        out.append(html.escape(text[pos:m.start()]))
        if m.group(3):
            out.append(ruby_tag(html.escape(m.group(3)), html.escape(m.group(4))))
        else:
            s = m.group(1) or m.group(2)
            found.add(s)
            out.append(tcy_tag.format(html.escape(s)))
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out), found

# ruby in the layout page: rotated small glyphs above the base run (= right of the column)
weasy_ruby = lambda base, rt: ruby_html(html.unescape(base), html.unescape(rt))
chrome_ruby = lambda base, rt: f"<ruby>{base}<rt>{rt}</rt></ruby>"
tcy_all = set()
w_body, c_body = [], []
for p in paras:
    w, found = mark(p, '<span class="tcy">{}</span>', weasy_ruby)
    c, _ = mark(p, '<span class="tcy">{}</span>', chrome_ruby)
    tcy_all |= found
    w_body.append(f"<p>{w}</p>")
    c_body.append(f"<p>{c}</p>")
chars = set("".join(paras))

t0 = time.perf_counter()
font = derive_vertical_font(ref, chars, tcy_all, family="TougenVertDemo")
t1 = time.perf_counter()
print(f"derive {ref}: {t1 - t0:.3f} s, {len(font.data)} bytes, missing={sorted(font.missing)}")

# Book page A5 portrait 148x210 mm, margins top 20 / bottom 20 / right 15 / left 15 mm.
# Layout page = book page turned counter-clockwise: book top = layout left, book right =
# layout top.  10 pt type, 17.5 pt column pitch.
weasy_css = f"""
{font_face_css(font)}
@page {{ size: 210mm 148mm; margin: 15mm 20mm 15mm 20mm; }}
html {{ font-family: "{font.family}"; font-size: 10pt; line-height: 17.5pt;
        text-align: justify; }}
body, p {{ margin: 0; }} p {{ text-indent: 1em; }}
.tcy {{ font-feature-settings: "ss20"; }}
{ruby_css(1.75)}
"""
chrome_css = f"""
@page {{ size: 148mm 210mm; margin: 20mm 15mm 20mm 15mm; }}
html {{ writing-mode: vertical-rl; font-family: "{TTFont(str(ref.path), fontNumber=ref.index, lazy=True)['name'].getDebugName(1)}";
        font-size: 10pt; line-height: 17.5pt; text-align: justify; }}
body {{ margin: 0; }}
body, p {{ margin: 0; }} p {{ text-indent: 1em; }}
.tcy {{ text-combine-upright: all; }}
rt {{ font-size: 5pt; }}
"""
def page(css, body):
    return (f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><style>{css}</style>'
            f'</head><body>{"".join(body)}</body></html>')
(out / f"{tag}-weasy.html").write_text(page(weasy_css.replace(font_face_css(font), ""), w_body), encoding="utf-8")
(out / f"{tag}-chrome.html").write_text(page(chrome_css, c_body), encoding="utf-8")
t2 = time.perf_counter()
pdf = weasyprint.HTML(string=page(weasy_css, w_body), url_fetcher=MemoryFontFetcher([font])).write_pdf(
    finisher=rotate_pages())
(out / f"{tag}-weasy.pdf").write_bytes(pdf)
print(f"weasyprint: {time.perf_counter() - t2:.3f} s")
PY

"$CHROMIUM" --headless --no-pdf-header-footer --user-data-dir="$(mktemp -d)" \
  --print-to-pdf="$OUT/$TAG-chrome.pdf" "file://$OUT/$TAG-chrome.html" 2>/dev/null

for v in weasy chrome; do
  pdftoppm -r 100 -png -f 1 -l 1 -singlefile "$OUT/$TAG-$v.pdf" "$OUT/$TAG-$v-100dpi"
  pdftoppm -r 250 -png -f 1 -l 1 -singlefile "$OUT/$TAG-$v.pdf" "$OUT/$TAG-$v-250dpi-full"
done
"$HERE/.venv/bin/python" - "$OUT" "$TAG" <<'PY'
import sys
from pathlib import Path
from PIL import Image
out, tag = Path(sys.argv[1]), sys.argv[2]
mm = 250 / 25.4
crops = {"head": (70, 15, 133, 75), "foot": (70, 140, 133, 195), "left": (15, 15, 80, 110)}
for name, (x0, y0, x1, y1) in crops.items():
    parts = [Image.open(out / f"{tag}-{v}-250dpi-full.png").convert("RGB").crop(
        (int(x0 * mm), int(y0 * mm), int(x1 * mm), int(y1 * mm))) for v in ("weasy", "chrome")]
    sheet = Image.new("RGB", (sum(p.width for p in parts) + 30, parts[0].height), "white")
    sheet.paste(parts[0], (0, 0)); sheet.paste(parts[1], (parts[0].width + 30, 0))
    for x in range(parts[0].width + 10, parts[0].width + 20):
        for y in range(sheet.height):
            sheet.putpixel((x, y), (200, 0, 0))
    sheet.save(out / f"{tag}-zoom-{name}-250dpi.png")
a = Image.open(out / f"{tag}-weasy-100dpi.png").convert("RGB")
b = Image.open(out / f"{tag}-chrome-100dpi.png").convert("RGB")
sheet = Image.new("RGB", (a.width + b.width + 20, max(a.height, b.height)), (200, 0, 0))
sheet.paste(a, (0, 0)); sheet.paste(b, (a.width + 20, 0))
sheet.save(out / f"{tag}-side-by-side-100dpi.png")
for p in (out / f"{tag}-weasy-250dpi-full.png", out / f"{tag}-chrome-250dpi-full.png"):
    p.unlink()
print("\n".join(str(p) for p in sorted(out.glob(f"{tag}-*.png"))))
PY
for v in weasy chrome; do
  echo "== $v: pdffonts"; pdffonts "$OUT/$TAG-$v.pdf" | tail -n +3
  echo "== $v: pdfinfo"; pdfinfo "$OUT/$TAG-$v.pdf" | grep -E "Pages|Page size|Page rot"
done
echo "== weasy: pdftotext (first 200 chars)"; pdftotext -l 1 "$OUT/$TAG-weasy.pdf" - | tr -d '\n' | cut -c1-200; echo
