#!/usr/bin/env bash
# Print the path of a Chromium that Playwright can drive, installing one if needed:
# the system's chromium, else Playwright's own download, else (root on Debian) apt-get.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
py="${VENV:-$here/.venv}/bin/python"

for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done

if "$py" -m playwright install chromium >&2 2>/dev/null; then
  found=$("$py" - <<'PY'
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    print(p.chromium.executable_path)
PY
)
  if [ -x "$found" ]; then echo "$found"; exit 0; fi
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) >&2
  if [ -x /usr/bin/chromium ]; then echo /usr/bin/chromium; exit 0; fi
fi

echo "No Chromium found and none could be installed; browser tests need one." >&2
exit 1
