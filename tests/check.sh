#!/usr/bin/env bash
# check.sh - the whole test suite: build and `make check` twice (a plain
# -Werror build, then AddressSanitizer + UndefinedBehaviorSanitizer), then
# `make distcheck`; ends with one line "N passed, M failed, K skipped".
# Run from anywhere; builds go to build/ and build-asan/ in the source tree.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
status=0

autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; echo "autoreconf failed"; exit 1; }

build() { # build DIR CONFIGURE-FLAGS...
    local dir=$1; shift
    rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || return 1
    echo "== $dir: configure $*"
    "$top/configure" --enable-werror "$@" >configure.out 2>&1 || { cat configure.out; cd "$top"; return 1; }
    echo "== $dir: make check"
    make -j"$jobs" >make.out 2>&1 || { cat make.out; cd "$top"; return 1; }
    make -j"$jobs" check >check.out 2>&1
    local rc=$?
    grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP)|^# ' check.out | grep -v '^PASS' || true
    [ $rc -eq 0 ] || { find . -name '*.log' -path '*tests*' -exec grep -l 'not ok\|ERROR\|runtime error\|Sanitizer' {} + | xargs -r cat; }
    cd "$top"
    return $rc
}

build build || status=1
# LeakSanitizer cannot run under ptrace-based sandboxes; leaks are checked by
# valgrind elsewhere, so only turn it off when it cannot work.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} build build-asan --enable-sanitizers || status=1

echo "== distcheck"
(cd build && make -j"$jobs" distcheck >distcheck.out 2>&1) || { tail -40 build/distcheck.out; echo "distcheck failed"; status=1; }

# Count every TAP result of both passes.
pass=0 fail=0 skipped=0
for trs in build/tests/*.trs build-asan/tests/*.trs; do
    [ -f "$trs" ] || continue
    while read -r _ res; do
        case $res in
            PASS|XFAIL) pass=$((pass + 1)) ;;
            SKIP) skipped=$((skipped + 1)) ;;
            *) fail=$((fail + 1)) ;;
        esac
    done < <(grep '^:test-result:' "$trs")
done
[ $status -eq 0 ] || [ $fail -gt 0 ] || fail=$((fail + 1)) # a build that failed counts
[ $pass -gt 0 ] || status=1
echo "$pass passed, $fail failed, $skipped skipped"
[ $status -eq 0 ] && [ $fail -eq 0 ]
