#!/usr/bin/env bash
# Installs the Debian packages the toolkit needs, when they are missing and we may (root or passwordless sudo).
# CJK fonts (documents, plots, browser), HarfBuzz subsetting (fast WeasyPrint PDFs), poppler (PDF checks),
# LibreOffice Calc/Writer (recalculating XLSX forms in tests), Chromium (workshop browser tests).
set -eu
want="fonts-noto-cjk libharfbuzz-subset0 poppler-utils"
case "${1:-}" in
  --test) want="$want libreoffice-calc-nogui libreoffice-writer-nogui chromium" ;;
esac
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi
if [ -n "$missing" ]; then
if [ "$SUDO" = none ]; then
  echo "Missing Debian packages:$missing" >&2
  echo "Install them with: sudo apt-get install -y$missing" >&2
  exit 0
fi
echo "Installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
[ "$SUDO" = none ] && exit 0
# Office documents name 宋体/黑体/微软雅黑: map them to the Noto CJK faces for LibreOffice and WeasyPrint.
conf=/etc/fonts/conf.d/60-appraisal-cn-aliases.conf
if ! cmp -s "$(dirname "$0")/60-cn-office-aliases.conf" "$conf"; then
  $SUDO cp "$(dirname "$0")/60-cn-office-aliases.conf" "$conf" && $SUDO fc-cache -f >/dev/null 2>&1 || true
fi
