#!/usr/bin/env bash
# Install the system packages tougen-pub needs (Japanese fonts; poppler and Java for tests).
# Installs with apt-get when run as root; otherwise prints what to install.
set -euo pipefail

need=()
if ! fc-list :lang=ja 2>/dev/null | grep -q .; then
    need+=(fonts-ipaexfont-mincho fonts-ipaexfont-gothic fonts-noto-cjk)
fi
if [ "${1:-}" = "--test" ]; then
    command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
    command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
fi
command -v fc-match >/dev/null 2>&1 || need+=(fontconfig)

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
    echo "tougen-pub needs these system packages: ${need[*]}" >&2
    echo "install them with: sudo apt-get install ${need[*]}" >&2
    exit 1
fi
