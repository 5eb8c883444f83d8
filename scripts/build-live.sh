#!/usr/bin/env bash
# Build the reemploi live USB image (Debian bookworm, live-build) from live/.
#   scripts/build-live.sh [--arch amd64|i386] [--cache DIR] [--force] [--print-key]
# Prints the path of the ISO on its last line. The ISO is kept in the cache directory
# (default /var/cache/reemploi-live) under a key hashed from this script, live/ and the
# architecture: unchanged inputs reuse the cached image. reemploi's own code is NOT part
# of the key (see docs/live-usb.md): the image carries the reemploi of its build, and a
# newer one reaches a stick as an update wheel on its persistence partition
# (reemploi stick make --update). --force rebuilds anyway. Must run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

ARCH=amd64
CACHE=${REEMPLOI_LIVE_CACHE:-/var/cache/reemploi-live}
FORCE=0
PRINT_KEY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) ARCH=$2; shift 2 ;;
    --cache) CACHE=$2; shift 2 ;;
    --force) FORCE=1; shift ;;
    --print-key) PRINT_KEY=1; shift ;;
    *) echo "build-live.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$ARCH" in
  amd64) FLAVOUR=amd64; BOOTLOADERS="grub-efi syslinux" ;;
  # 32-bit PCs boot by BIOS (Debian signs no i386 shim): syslinux only.
  i386) FLAVOUR=686; BOOTLOADERS="syslinux" ;;
  *) echo "build-live.sh: --arch amd64 or i386" >&2; exit 2 ;;
esac

# The key: this script, every file of live/ (path and content), the architecture.
KEY=$( { echo "$ARCH"; sha256sum scripts/build-live.sh;
         find live -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum;
         find live -type f -perm -u+x | LC_ALL=C sort; } | sha256sum | cut -c1-16)
if [ "$PRINT_KEY" = 1 ]; then echo "$KEY"; exit 0; fi
ISO="$CACHE/reemploi-live-$ARCH-$KEY.iso"
if [ "$FORCE" = 0 ] && [ -s "$ISO" ]; then
  echo "build-live.sh: cached image for these inputs" >&2
  echo "$ISO"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then echo "build-live.sh: run as root" >&2; exit 4; fi
command -v lb >/dev/null || { echo "build-live.sh: live-build missing (scripts/install.sh --dev)" >&2; exit 3; }

PY=${PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PY" ] || PY=python3
mkdir -p "$CACHE"
WORK="$CACHE/build-$ARCH-$KEY"
# Never rm -rf a tree with live mounts in it (a failed build's chroot may still have
# /proc, /sys or /dev/pts bound): unmount them first, refuse if one stays.
safe_rm() {
  local m
  for m in $(awk -v w="$1/" 'index($2, w) == 1 {print $2}' /proc/self/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  if awk -v w="$1/" 'index($2, w) == 1 {found=1} END {exit !found}' /proc/self/mounts; then
    echo "build-live.sh: $1 still has mounts; not removing it" >&2
    return 1
  fi
  rm -rf "$1"
}
safe_rm "$WORK"
mkdir -p "$WORK"
trap 'safe_rm "$WORK"' EXIT

# 1. The wheelhouse, built now (PyPI), installed offline inside the image by
#    live/hooks/normal/9100-reemploi-install.hook.chroot.
WH="$WORK/wheels"
mkdir -p "$WH/deps" "$WH/dist"
case "$ARCH" in
  amd64) PLATFORMS="manylinux_2_34_x86_64 manylinux_2_28_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux_2_12_x86_64 manylinux2010_x86_64 manylinux_2_5_x86_64 manylinux1_x86_64" ;;
  i386) PLATFORMS="manylinux_2_28_i686 manylinux_2_17_i686 manylinux2014_i686 manylinux_2_12_i686 manylinux2010_i686 manylinux_2_5_i686 manylinux1_i686" ;;
esac
platform_args=()
for p in $PLATFORMS; do platform_args+=(--platform "$p"); done
retry() {  # PyPI and Debian mirrors have hiccups: three tries, 20 s then 60 s apart.
  local n=1 delay=20
  until "$@"; do
    if [ $n -ge 3 ]; then return 1; fi
    echo "build-live.sh: retry $n of: $*" >&2
    sleep $delay; n=$((n + 1)); delay=$((delay * 3))
  done
}
grep -Ev '^\s*(#|$)' "live/wheelhouse-$ARCH.txt" | while read -r req marker; do
  if [ "$marker" = "#sdist" ]; then
    # A pure-Python project published only as a source archive (odfpy): built here.
    retry "$PY" -m pip wheel -q --no-deps -w "$WH/deps" "$req"
  else
    # Binary wheels for the image's platform (Python 3.11 of bookworm).
    retry "$PY" -m pip download -q --no-deps --only-binary=:all: "${platform_args[@]}" \
        --python-version 3.11 --implementation cp -d "$WH/deps" "$req"
  fi
done
for w in "$WH"/deps/*.whl; do
  case "$w" in
    *-none-any.whl|*"$( [ "$ARCH" = amd64 ] && echo x86_64 || echo i686 )"*) ;;
    *) echo "build-live.sh: $w is not for $ARCH" >&2; exit 1 ;;
  esac
done
# reemploi itself, from a copy of what its wheel holds (an in-tree build leaves build/).
mkdir "$WORK/src"
cp -a pyproject.toml README.md reemploi labels images "$WORK/src/"
find "$WORK/src" -name __pycache__ -prune -exec rm -rf {} +
"$PY" -m pip wheel -q --no-deps -w "$WH/dist" "$WORK/src"

# 2. live-build, in its own directory (recreated for a retry: `lb clean` also forgets
#    the config stage).
PKGCACHE="$CACHE/packages-$ARCH"
configure() {
  cd "$WORK"
  safe_rm "$WORK/lb"
  mkdir "$WORK/lb"
  cd "$WORK/lb"
  lb config \
    --distribution bookworm --architectures "$ARCH" --linux-flavours "$FLAVOUR" \
    --archive-areas main --security true --updates true \
    --mirror-bootstrap http://deb.debian.org/debian/ \
    --mirror-chroot-security http://deb.debian.org/debian-security/ \
    --mirror-binary http://deb.debian.org/debian/ \
    --mirror-binary-security http://deb.debian.org/debian-security/ \
    --binary-images iso-hybrid --bootloaders "$BOOTLOADERS" --debian-installer none \
    --apt-recommends false --apt-indices false --memtest none \
    --firmware-chroot false --firmware-binary false \
    --chroot-squashfs-compression-type zstd \
    --iso-volume REEMPLOI --iso-application reemploi --iso-publisher reemploi \
    --bootappend-live "boot=live components quiet persistence persistence-label=reemploi-data persistence-media=removable-usb persistence-storage=filesystem" \
    >/dev/null
  cp -a "$ROOT"/live/package-lists "$ROOT"/live/hooks "$ROOT"/live/bootloaders config/
  cp -a "$ROOT"/live/includes.chroot/. config/includes.chroot/
  mkdir -p config/includes.chroot/usr/share/reemploi
  cp -a "$WH/deps" config/includes.chroot/usr/share/reemploi/wheelhouse
  cp -a "$WH/dist" config/includes.chroot/usr/share/reemploi/dist
  # Debian's packages are kept across builds of one architecture (a changed live/
  # rebuilds from this cache instead of downloading everything again).
  if [ -d "$PKGCACHE" ]; then mkdir -p cache && mv "$PKGCACHE" cache/packages.chroot; fi
}
keep_packages() {
  if [ -d "$WORK/lb/cache/packages.chroot" ]; then
    rm -rf "$PKGCACHE"; mv "$WORK/lb/cache/packages.chroot" "$PKGCACHE"
  fi
}

# A mirror syncing while we read it ("File has unexpected size ... Mirror sync in
# progress?", seen on the i386 security index): start again after a pause.
n=1; delay=60
configure
until lb build >build.log 2>&1; do
  cp build.log "$CACHE/build-$ARCH-failed.log"
  keep_packages
  if [ $n -ge 3 ]; then
    tail -n 40 build.log >&2
    echo "build-live.sh: full log in $CACHE/build-$ARCH-failed.log" >&2
    exit 1
  fi
  echo "build-live.sh: lb build failed (try $n), retrying in $delay s:" >&2
  grep -E "^(E|W):|rror" build.log | tail -n 15 >&2
  sleep $delay; n=$((n + 1)); delay=$((delay * 2))
  configure
done
keep_packages
mv "live-image-$ARCH.hybrid.iso" "$ISO.part"
mv "$ISO.part" "$ISO"
# Older images of this architecture are dropped: one per architecture is enough.
find "$CACHE" -maxdepth 1 -name "reemploi-live-$ARCH-*.iso" ! -path "$ISO" -delete
echo "$ISO"
