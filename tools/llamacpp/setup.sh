#!/bin/sh
# setup.sh [DIR] - fetch llama.cpp as prebuilt libraries from the npm
# registry and build tools/llamacpp/driver.c against them; print the
# driver's path.  The tests use it as an independent implementation of the
# GGUF formats (tests/test_quant_llamacpp.sh, doc/REFERENCES.md).
#
# DIR (default $ATTNSCOPE_LLAMACPP_DIR, else ~/.cache/attnscope-llamacpp)
# keeps everything, under the pinned version: one download per DIR, and the
# driver is rebuilt only when driver.c changes.  Two tarballs are fetched
# with `npm pack` (no install, no dependencies, ~46 MB):
#   node-llama-cpp          for llama/gitRelease.bundle, the llama.cpp
#                           sources the libraries were built from: only
#                           llama.h and ggml's headers are taken out of it;
#   @node-llama-cpp/linux-x64  the libraries (libllama, libggml*, and the
#                           CPU backends ggml picks from at run time).
# Needs npm, git, tar, a C compiler ($CC, default cc), x86-64 Linux (glibc).
#
# Exit status: 0 ready (the path on stdout); 77 unavailable here (no npm,
# no network, another platform), with the reason on stderr, so that a test
# can skip; 1 anything else (a download that is not what it should be, a
# driver that does not compile).
set -u
version=3.22.1
here=$(cd "$(dirname "$0")" && pwd)
base=${1:-${ATTNSCOPE_LLAMACPP_DIR:-${HOME:-/tmp}/.cache/attnscope-llamacpp}}
top=$base/$version
cc=${CC:-cc}

unavailable() { echo "setup.sh: llama.cpp reference unavailable: $*" >&2; exit 77; }
die() { echo "setup.sh: $*" >&2; exit 1; }

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] ||
    unavailable "the prebuilt libraries are for x86-64 Linux, this is $(uname -s)-$(uname -m)"
for tool in npm git tar "$cc"; do
    command -v "$tool" >/dev/null 2>&1 ||
        unavailable "$tool not found (Debian: apt-get install nodejs npm git build-essential)"
done
mkdir -p "$base" || die "cannot make $base"

# The libraries and headers, once: staged in a private folder and renamed
# into place, so that a run cut short or a concurrent one leaves no half.
if [ ! -f "$top/ok" ]; then
    stage=$(mktemp -d "$base/fetch.XXXXXX") || die "cannot make a folder in $base"
    trap 'rm -rf "$stage"' EXIT
    echo "setup.sh: fetching node-llama-cpp $version from $(npm config get registry 2>/dev/null) into $base" >&2
    (cd "$stage" && npm pack --loglevel=error --cache "$stage/npm-cache" \
        "node-llama-cpp@$version" "@node-llama-cpp/linux-x64@$version") >"$stage/npm.out" 2>&1 ||
        unavailable "npm pack failed (no network?): $(grep -m 1 -i 'err' "$stage/npm.out")"
    mkdir -p "$stage/out/lib" "$stage/out/include" "$stage/pkg" "$stage/bins" || die "cannot write in $stage"
    tar -xzf "$stage/node-llama-cpp-$version.tgz" -C "$stage/pkg" package/llama/gitRelease.bundle ||
        die "node-llama-cpp-$version.tgz has no llama/gitRelease.bundle"
    tar -xzf "$stage/node-llama-cpp-linux-x64-$version.tgz" -C "$stage/bins" package/bins/linux-x64 ||
        die "node-llama-cpp-linux-x64-$version.tgz has no bins/linux-x64"
    # The bundle is a whole git history (~35 MB): read the headers out of a
    # bare clone rather than check out 200 MB of sources.
    git clone -q --bare "$stage/pkg/package/llama/gitRelease.bundle" "$stage/src.git" ||
        die "cannot clone llama/gitRelease.bundle"
    git --git-dir="$stage/src.git" archive HEAD include ggml/include | tar -x -C "$stage" ||
        die "the bundle has no include/ or ggml/include/"
    cp "$stage"/include/*.h "$stage"/ggml/include/*.h "$stage/out/include/" &&
        git --git-dir="$stage/src.git" rev-parse HEAD >"$stage/out/include/COMMIT" &&
        cp "$stage"/bins/package/bins/linux-x64/*.so "$stage/out/lib/" ||
        die "cannot copy the headers and libraries"
    [ -f "$stage/out/include/llama.h" ] || die "llama.h not in the bundle"
    touch "$stage/out/ok"
    mv -T "$stage/out" "$top" 2>/dev/null || [ -f "$top/ok" ] || die "cannot move the files to $top"
    rm -rf "$stage"
    trap - EXIT
fi

# The driver, when driver.c differs from the one it was built from.
lib=$top/lib
if [ ! -x "$top/driver" ] || ! cmp -s "$here/driver.c" "$top/driver.c"; then
    llama=$(cd "$lib" && ls libllama.*so 2>/dev/null | head -n 1)
    ggml=$(cd "$lib" && ls libggml.*so 2>/dev/null | head -n 1)
    [ -n "$llama" ] && [ -n "$ggml" ] && [ -f "$lib/libggml-base.so" ] || die "libllama/libggml missing in $lib"
    tmpd=$(mktemp "$top/driver.XXXXXX") || die "cannot write in $top"
    # The libraries' path is compiled in (rpath, and for the CPU backends
    # that ggml loads by name from a folder).
    if ! "$cc" -std=c11 -O2 -Wall -Wextra -I"$top/include" -DLLAMACPP_LIBDIR="\"$lib\"" \
        "$here/driver.c" -o "$tmpd" -L"$lib" "-l:$llama" "-l:$ggml" -l:libggml-base.so \
        -Wl,-rpath,"$lib" 2>"$top/driver.err"; then
        rm -f "$tmpd"
        die "the driver does not compile: $(head -n 3 "$top/driver.err")"
    fi
    cp "$here/driver.c" "$tmpd.c" && mv "$tmpd.c" "$top/driver.c" && mv "$tmpd" "$top/driver" ||
        die "cannot install the driver in $top"
    rm -f "$top/driver.err"
fi
echo "$top/driver"
