#!/usr/bin/env bash
# Installs the S3 server the storage tests run against: Ceph RADOS Gateway from Debian
# (mon + osd + radosgw, started per test run by test/support/ceph-s3.sh). Idempotent: when
# every binary is already there it returns at once without touching apt.
# Needs root (or sudo) and Debian/Ubuntu apt. See /work/shared/recipes/s3-server.md for why RGW.
set -euo pipefail

need=(ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph curl)
missing=()
for bin in "${need[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-s3: missing ${missing[*]}; installing Ceph RGW from apt" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-s3: need root or sudo to apt-get install" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends ceph-mon ceph-osd radosgw ceph-common curl >/dev/null
command -v radosgw >/dev/null || { echo "install-s3: radosgw still missing after install" >&2; exit 1; }
echo "install-s3: $(radosgw --version 2>/dev/null | head -n1)" >&2
