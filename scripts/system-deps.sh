#!/usr/bin/env bash
# Install the Debian packages tougen-pub loads: the native libraries WeasyPrint opens
# (GLib, Pango, HarfBuzz with its subsetter, fontconfig), Japanese fonts, and with --test
# what the test suite runs (poppler's pdftotext/pdffonts, Java for EPUBCheck, qpdf and
# Ghostscript for the press checks, the fonts the tests name, the Unicode data files).
#
# Decides by what is loadable or present (ldconfig -p, fc-list, files), not only by which
# commands exist. On a complete machine it installs nothing and returns at once.
# As root with apt-get it installs; otherwise it prints the apt-get line and exits 1.
#
#   scripts/system-deps.sh           what `make all` needs
#   scripts/system-deps.sh --test    also what `make test` needs
#   scripts/system-deps.sh --check   only report what is missing (exit 1 if anything is)
set -euo pipefail

test_deps=0
check_only=0
for arg in "$@"; do
    case "$arg" in
        --test) test_deps=1 ;;
        --check) check_only=1 ;;
        *) echo "usage: $0 [--test] [--check]" >&2; exit 2 ;;
    esac
done

need=()   # Debian packages to install
why=()    # one line each: what is missing

libs=$(ldconfig -p 2>/dev/null || true)
have_lib() { grep -qE "^[[:space:]]+${1//./\\.} " <<<"$libs"; }

# Shared libraries WeasyPrint opens with dlopen (soname  Debian package).
while read -r soname package; do
    if ! have_lib "$soname"; then
        need+=("$package")
        why+=("$soname (WeasyPrint) from $package")
    fi
done <<'EOF'
libgobject-2.0.so.0 libglib2.0-0
libpango-1.0.so.0 libpango-1.0-0
libpangoft2-1.0.so.0 libpangoft2-1.0-0
libharfbuzz.so.0 libharfbuzz0b
libharfbuzz-subset.so.0 libharfbuzz-subset0
libfontconfig.so.1 libfontconfig1
EOF

if ! command -v fc-match >/dev/null 2>&1; then
    need+=(fontconfig)
    why+=("fc-match (font lookup) from fontconfig")
fi

fonts=$(fc-list : file 2>/dev/null || true)
have_font() { grep -qF "$1" <<<"$fonts"; }
if ! fc-list :lang=ja 2>/dev/null | grep -q .; then
    need+=(fonts-ipaexfont-mincho fonts-ipaexfont-gothic)
    why+=("a Japanese Mincho and Gothic face from fonts-ipaexfont-*")
fi

if [ "$test_deps" = 1 ]; then
    # The tests build with fonts they name: IPAex and Noto CJK (Serif and Sans).
    have_font ipaexm.ttf || { need+=(fonts-ipaexfont-mincho); why+=("IPAex Mincho (tests)"); }
    have_font ipaexg.ttf || { need+=(fonts-ipaexfont-gothic); why+=("IPAex Gothic (tests)"); }
    if ! have_font NotoSerifCJK-Regular.ttc || ! have_font NotoSansCJK-Regular.ttc; then
        need+=(fonts-noto-cjk)
        why+=("Noto Serif/Sans CJK (tests)")
    fi
    for tool in pdftotext pdffonts pdfimages pdftoppm; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            need+=(poppler-utils)
            why+=("$tool (tests) from poppler-utils")
            break
        fi
    done
    if ! command -v java >/dev/null 2>&1; then
        need+=(default-jre-headless)
        why+=("java (EPUBCheck in the tests) from default-jre-headless")
    fi
    if ! command -v qpdf >/dev/null 2>&1; then
        need+=(qpdf)
        why+=("qpdf (PDF structure checks in the tests) from qpdf")
    fi
    if ! command -v gs >/dev/null 2>&1; then
        need+=(ghostscript)
        why+=("gs (ink coverage and rendering checks in the tests) from ghostscript")
    fi
    if [ ! -f /usr/share/unicode/VerticalOrientation.txt ]; then
        need+=(unicode-data)
        why+=("VerticalOrientation.txt (tests) from unicode-data")
    fi
fi

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
# shellcheck disable=SC2207
need=($(printf '%s\n' "${need[@]}" | sort -u))

if [ "$check_only" = 0 ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    printf 'system packages: installing %s\n' "${need[*]}"
    printf '  for %s\n' "${why[@]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 || {
        echo "apt-get install ${need[*]} failed; run it by hand to see why" >&2
        exit 1
    }
    exit 0
fi
echo "tougen-pub is missing system packages:" >&2
printf '  %s\n' "${why[@]}" >&2
echo "install them with: sudo apt-get install ${need[*]}" >&2
exit 1
