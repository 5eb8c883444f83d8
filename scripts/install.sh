#!/usr/bin/env bash
# Install reemploi and the Debian tools it drives, into ./.venv.
#   scripts/install.sh          runtime: tools + the reemploi command
#   scripts/install.sh --dev    also what the test suite needs (CUPS + cups-pdf queue,
#                               bmap-tools, nwipe, poppler, pytest, zxing-cpp...)
# Must run as root (apt-get); safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[ "${1:-}" = "--dev" ] && DEV=1

RUNTIME_PKGS="python3 python3-venv python3-pip smartmontools dmidecode lshw hdparm nvme-cli
  pciutils usbutils util-linux fdisk gdisk parted e2fsprogs zstd upower edid-decode
  cups-client mokutil kbd console-setup-linux"
# dosfstools, mtools: the image tests make FAT file systems and fill them (this
# kernel may lack vfat, so files go in through mtools).
# postgresql-15: the central server's tests start a real one (docs/central.md installs
# it on the server; a station never needs it); chromium-driver drives Chromium there.
DEV_PKGS="bmap-tools nwipe cups cups-bsd printer-driver-cups-pdf poppler-utils stress-ng
  sysbench gettext tmux chromium chromium-driver live-build xorriso isolinux qemu-system-x86 ovmf fuse3 openssl
  postgresql-15 postgresql-client-15 libpq5 dosfstools mtools"

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/install.sh: run as root (sudo scripts/install.sh)" >&2
  exit 4
fi

pkgs="$RUNTIME_PKGS"
[ "$DEV" = 1 ] && pkgs="$pkgs $DEV_PKGS"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $pkgs >/dev/null

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null 2>&1 || true
if [ "$DEV" = 1 ]; then
  .venv/bin/pip install -q -e ".[test]"
  if [ -x scripts/setup_cups.sh ]; then scripts/setup_cups.sh; fi
else
  .venv/bin/pip install -q .
fi
if [ "$DEV" = 1 ]; then
  # The live USB images the virtual-machine tests boot (tests/test_live_vm.py): built,
  # or reused from /var/cache/reemploi-live when live/ did not change. Both at once:
  # much of a build waits on the mirror, not the processor.
  scripts/build-live.sh --arch amd64 > /tmp/reemploi-build-live-amd64.log 2>&1 &
  amd64=$!
  scripts/build-live.sh --arch i386 > /tmp/reemploi-build-live-i386.log 2>&1 &
  i386=$!
  status=0
  wait $amd64 || { status=1; tail -n 30 /tmp/reemploi-build-live-amd64.log >&2; }
  wait $i386 || { status=1; tail -n 30 /tmp/reemploi-build-live-i386.log >&2; }
  [ $status = 0 ] || { echo "scripts/install.sh: live image build failed" >&2; exit 1; }
  tail -n 1 /tmp/reemploi-build-live-amd64.log /tmp/reemploi-build-live-i386.log
fi
echo "reemploi installed in $(pwd)/.venv"
