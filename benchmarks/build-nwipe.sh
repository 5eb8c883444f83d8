#!/bin/sh
# Build upstream nwipe from a source tree, as an outside reference for benchmarks/wipe.py.
#
#     sudo benchmarks/build-nwipe.sh SOURCE_TREE [COMMIT]
#
# Issue 16 sets "PRNG + full verify <= 0.4 x upstream nwipe's time"; Debian 12 packages
# only nwipe 0.34 (it calls itself 0.33), whose PRNG path is ~30x slower than the
# upstream releases, so the goal needs a build of an upstream release. This script
# only builds it: the source comes from the nwipe project's repository (a release tag
# exported with `git archive`, see docs/benchmarks.md), none of it enters this
# repository, and nothing here is needed by CI or a station (so its build packages are
# NOT in scripts/install.sh).
#
# The binary goes to a cache outside the repository keyed by the source's commit,
#     ${REEMPLOI_BENCH_CACHE:-/var/cache/reemploi-bench}/nwipe-COMMIT/bin/nwipe
# and an existing build is reused. COMMIT defaults to the tree's `git rev-parse HEAD`
# when it is a checkout; an exported tree has no .git, so pass the commit then.
# The last line printed is the binary's path (benchmarks/wipe.py --upstream-nwipe PATH,
# or REEMPLOI_NWIPE=PATH).
set -eu

src=${1:?usage: build-nwipe.sh SOURCE_TREE [COMMIT]}
src=$(cd "$src" && pwd)
if [ ! -f "$src/configure.ac" ] || [ ! -f "$src/src/nwipe.c" ]; then
    echo "build-nwipe.sh: $src is not an nwipe source tree (no configure.ac, src/nwipe.c)" >&2
    exit 2
fi
commit=${2:-}
if [ -z "$commit" ]; then
    commit=$(git -C "$src" rev-parse HEAD 2>/dev/null) || {
        echo "build-nwipe.sh: $src is not a git checkout; give the commit as 2nd argument" >&2
        exit 2
    }
fi
case $commit in
    *[!0-9a-f]*|"") echo "build-nwipe.sh: commit must be hex: $commit" >&2; exit 2 ;;
esac

cache=${REEMPLOI_BENCH_CACHE:-/var/cache/reemploi-bench}
prefix=$cache/nwipe-$commit
if [ -x "$prefix/bin/nwipe" ]; then
    echo "$prefix/bin/nwipe"
    exit 0
fi

# What configure.ac checks for (panel/ncurses, libconfig, libparted, pthread) and
# what autogen.sh runs (aclocal, autoheader, automake, autoconf); the AES-CTR PRNG is
# C++ (g++ comes with build-essential).
apt-get install -y -o DPkg::Lock::Timeout=600 --no-install-recommends \
    build-essential autoconf automake libtool pkg-config \
    libncurses-dev libparted-dev libconfig-dev >&2

# Out of the source tree: the tree given stays as it was exported.
work=$(mktemp -d "${TMPDIR:-/var/tmp}/nwipe-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -a "$src/." "$work/"
cd "$work"
{
    ./autogen.sh
    ./configure --prefix="$prefix"
    make -j"$(nproc)"
    make install
} >&2
"$prefix/bin/nwipe" -V >&2       # (its --version exits 22 without a word in 0.42)
echo "$src @ $commit" > "$prefix/SOURCE"
echo "$prefix/bin/nwipe"
