#!/usr/bin/env bash
# Installs everything Bevara needs on a fresh Debian 12 machine that has Node 20 and npm:
#   bash .ci/install.sh           build tools for the native modules, then the npm packages
#   bash .ci/install.sh --test    the same, plus what the test suite runs against
#                                 (Ceph RGW as the real S3 server, xmllint, Chromium)
# Debian packages are installed with apt-get only when something is missing (root or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM=(npx --yes pnpm@10.34.8)
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
apt_install() {
  if [ -n "$SUDO" ] && ! command -v sudo >/dev/null 2>&1; then
    echo "install: need root or sudo to install Debian packages: $*" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${BEVARA_APT_UPDATED:-}" ]; then
    $SUDO apt-get update -qq
    export BEVARA_APT_UPDATED=1
  fi
  $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# better-sqlite3 and libxmljs2 are compiled from source by node-gyp.
missing=()
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install: build tools missing (${missing[*]}); installing build-essential python3" >&2
  apt_install build-essential python3
fi

if [ "$want_test" = 1 ]; then
  bash .ci/install-s3.sh
  test_missing=()
  command -v xmllint >/dev/null 2>&1 || test_missing+=(libxml2-utils)
  command -v openssl >/dev/null 2>&1 || test_missing+=(openssl)
  # Debian's Chromium for the accessibility and leak tests (driven by playwright-core at /usr/bin/chromium)
  [ -x /usr/bin/chromium ] || test_missing+=(chromium)
  # pdftotext for the disclosure tests (no withheld text in a DIP's PDFs), unzip to open the DIP
  command -v pdftotext >/dev/null 2>&1 || test_missing+=(poppler-utils)
  command -v unzip >/dev/null 2>&1 || test_missing+=(unzip)
  if [ ${#test_missing[@]} -gt 0 ]; then apt_install "${test_missing[@]}"; fi
fi

"${PNPM[@]}" install --frozen-lockfile --reporter=append-only
