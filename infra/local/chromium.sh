#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser tests (tests/Cds.Ops.Tests drive it with Playwright .NET through
# ExecutablePath=/usr/bin/chromium; `playwright install` is never used). Idempotent: installs only when missing.
#
#   bash infra/local/chromium.sh        # prints the chromium path on stdout
set -euo pipefail
log() { printf '[chromium] %s\n' "$*" >&2; }
if ! command -v chromium >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  log "installing chromium (first run only)"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
fi
command -v chromium
