#!/usr/bin/env bash
# The Debian packages the tests need beyond Python: Chromium for the playground's browser
# tests, libatomic1 for Playwright's bundled node driver (a minimal Debian lacks it, and
# Chromium does not pull it in), a Korean font, so that screenshots of the Korean UI show
# Hangul, and Graphviz's `dot` for glassnet.inspect.graph's SVG. Installs what is
# missing when run as root; otherwise prints what is missing and the command, and fails.
set -euo pipefail
chromium="${CHROMIUM:-/usr/bin/chromium}"  # where tests/test_playground_browser.py looks
ldconfig="${LDCONFIG:-/sbin/ldconfig}"
dot="${DOT:-dot}"  # Graphviz, for tests/test_inspect_graph.py
has_libatomic() { "$ldconfig" -p 2>/dev/null | grep -q 'libatomic\.so\.1'; }

missing=()
[ -x "$chromium" ] || missing+=(chromium)
has_libatomic || missing+=(libatomic1)
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
fc-list :lang=ko 2>/dev/null | grep -q . || missing+=(fonts-nanum)
command -v "$dot" >/dev/null 2>&1 || missing+=(graphviz)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-system-deps: the tests need ${missing[*]} (missing); install them" \
       "with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "ensure-system-deps: installing ${missing[*]} for the tests"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
if [ ! -x "$chromium" ] || ! has_libatomic || ! fc-list :lang=ko 2>/dev/null | grep -q . ||
   ! command -v "$dot" >/dev/null 2>&1; then
  echo "ensure-system-deps: installed ${missing[*]}, but $chromium, libatomic.so.1, $dot or a" \
       "Korean font (fc-list :lang=ko) is still missing" >&2
  exit 1
fi
