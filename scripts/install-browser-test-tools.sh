#!/usr/bin/env bash
# What the browser test (tests/browser.rs) needs: Debian's Chromium and ChromeDriver, a CJK font
# so screenshots show Chinese, Node.js, and playwright-core from npm (no browser download: the
# test drives /usr/bin/chromium). Run as root, or with sudo available; safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium chromium-driver)
fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk" || packages+=(fonts-wqy-microhei)
command -v node >/dev/null || packages+=(nodejs npm)
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
fi
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
