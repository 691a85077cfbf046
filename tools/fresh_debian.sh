#!/usr/bin/env bash
# fresh_debian.sh - run CI as a new user would meet it: in a freshly
# debootstrapped minimal Debian 12 (bookworm, --variant=minbase), a fresh
# clone of this repository's HEAD with ../shared beside it, as root, no
# standard input, CI=true.  Packages that happen to be on the development
# machine cannot hide a missing install step there.
#
# usage: tools/fresh_debian.sh [--readme] [--keep] [--rev REV] [--no-shared] [DIR]
#   DIR       where the chroot goes (default /tmp/attnscope-bookworm); it is
#             made anew each run from a cached minbase tarball DIR.tar
#             (delete it to debootstrap again)
#   --readme  instead of .ci/run, the README's two commands typed literally
#             (the first ```sh block, with its trailing ./src/attnscope left
#             out since nothing would quit it and sudo left out as the README
#             tells root to, then the second block)
#   --keep    leave the chroot in place afterwards (for a look inside)
#   --rev REV that commit (default HEAD) rather than the checked-out one
#   --no-shared  leave ../shared out: CI must then fail, not skip
# Needs root and debootstrap (apt-get install debootstrap).  Exit status is
# that of the run inside.
# The whole script is one function, called on the last line: bash reads it
# all before running, so editing this file during a run cannot derail it.
main() {
    set -euo pipefail
    top=$(cd "$(dirname "$0")/.." && pwd)
    mode=ci keep=0 dir=/tmp/attnscope-bookworm rev=HEAD with_shared=1
    while [ $# -gt 0 ]; do
        case $1 in
            --readme) mode=readme ;;
            --keep) keep=1 ;;
            --rev) rev=${2:?--rev needs a commit}; shift ;;
            --no-shared) with_shared=0 ;;
            -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
            -*) echo "fresh_debian.sh: unknown option $1" >&2; exit 2 ;;
            *) dir=$1 ;;
        esac
        shift
    done
    [ "$(id -u)" -eq 0 ] || { echo "fresh_debian.sh: needs root (debootstrap, chroot, mount)" >&2; exit 2; }
    command -v debootstrap >/dev/null || { echo "fresh_debian.sh: needs debootstrap: apt-get install debootstrap" >&2; exit 2; }
    shared=$top/../shared
    [ -d "$shared" ] || { echo "fresh_debian.sh: $shared not found" >&2; exit 2; }
    mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

    umount_all() {
        for m in dev/pts dev sys proc; do
            mountpoint -q "$dir/$m" 2>/dev/null && umount -l "$dir/$m"
        done
        return 0
    }
    cleanup() {
        umount_all
        [ $keep -eq 1 ] || rm -rf --one-file-system "$dir"
    }

    # The minbase system once, kept as a tarball so every run starts from it.
    if [ ! -s "$dir.tar" ]; then
        echo "== debootstrap --variant=minbase bookworm (once, cached in $dir.tar)"
        umount_all
        rm -rf --one-file-system "$dir.base"
        debootstrap --variant=minbase bookworm "$dir.base" "$mirror" >"$dir.debootstrap.log" 2>&1 ||
            { tail -20 "$dir.debootstrap.log"; exit 1; }
        tar -C "$dir.base" -cf "$dir.tar.part" . && mv "$dir.tar.part" "$dir.tar"
        rm -rf --one-file-system "$dir.base"
    fi

    umount_all
    rm -rf --one-file-system "$dir"
    mkdir -p "$dir"
    trap cleanup EXIT
    tar -C "$dir" -xf "$dir.tar"
    cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
    # A network that intercepts TLS with a CA of its own (this development
    # machine's does: NODE_EXTRA_CA_CERTS names its bundle) would fail the
    # npm download in the chroot, whose ca-certificates lack it; the same
    # bundle is handed to node there.  CI's own network needs nothing.
    extra_ca=""
    if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -s "$NODE_EXTRA_CA_CERTS" ]; then
        cp "$NODE_EXTRA_CA_CERTS" "$dir/host-extra-ca.crt"
        extra_ca=NODE_EXTRA_CA_CERTS=/host-extra-ca.crt
    fi
    mount -t proc proc "$dir/proc"
    mount --rbind /sys "$dir/sys"
    mount --bind /dev "$dir/dev"
    mount --bind /dev/pts "$dir/dev/pts"

    # A fresh clone of what is committed, and a read-only copy of shared/, as
    # CI lays them out.
    mkdir -p "$dir/ci"
    git clone -q "$top" "$dir/ci/attnscope"
    git -C "$dir/ci/attnscope" checkout -q --detach "$(git -C "$top" rev-parse --verify "$rev^{commit}")"
    echo "== commit $(git -C "$dir/ci/attnscope" log --oneline -1)"
    if [ $with_shared -eq 1 ]; then
        cp -a "$shared" "$dir/ci/shared"
        chmod -R a-w "$dir/ci/shared"
    fi

    if [ $mode = ci ]; then
        run='cd /ci/attnscope && bash .ci/run'
    else
        # The README's first two sh blocks, as a user would paste them.
        block() { awk -v k="$1" '/^```sh$/ { n++; on = (n == k); next } /^```/ { on = 0; next } on' "$dir/ci/attnscope/README.md"; }
        # As the README says, root leaves out sudo (minbase has none).
        install=$(block 1 | sed 's/ && \.\/src\/attnscope$//; s/sudo //g')
        test=$(block 2)
        echo "== README install: $install"
        echo "== README test:    $test"
        run="cd /ci/attnscope && $install && $test"
    fi
    echo "== chroot $dir: $run"
    set +e
    chroot "$dir" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 CI=true ${FUZZ_SECONDS:+FUZZ_SECONDS=$FUZZ_SECONDS} $extra_ca \
        /bin/bash -c "$run" </dev/null
    rc=$?
    echo "== fresh_debian.sh: exit $rc"
    exit $rc
}
main "$@"
