#!/usr/bin/env bash
# Installs the real components the tests run against, from Debian's packages,
# when they are missing: Chromium (browser tests), nats-server (NATS tests),
# and Debian's python3 with msgpack, cbor2, pytest and mypy (the reference
# Python peer and the generated Python code).
# Needs root (CI and the project's machines run as root); otherwise it says
# what to run and leaves the decision to the tests (skip outside CI).
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
# The tests use Debian's interpreter (/usr/bin/python3), not whatever python3 is first on PATH.
for module in msgpack:python3-msgpack cbor2:python3-cbor2 pytest:python3-pytest mypy:python3-mypy; do
  if ! /usr/bin/python3 -c "import ${module%%:*}" >/dev/null 2>&1; then missing+=("${module#*:}"); fi
done
[ -x /usr/bin/python3 ] || missing+=(python3)

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "install-system-deps: not root; run 'sudo apt-get install -y ${missing[*]}' to enable the tests that need them" >&2
  exit 0
fi
echo "install-system-deps: installing ${missing[*]} from Debian (a minute or two)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
