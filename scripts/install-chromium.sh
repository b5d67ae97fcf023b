#!/usr/bin/env bash
# Installs Debian's Chromium for the browser test when it is missing.
# Needs root (CI and the project's machines run as root); otherwise it says
# what to run and leaves the decision to the browser test (skip outside CI).
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "install-chromium: not root; run 'sudo apt-get install -y chromium' to enable the browser test" >&2
  exit 0
fi
echo "install-chromium: installing Debian's chromium (about a minute)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
