#!/usr/bin/env bash
# check.sh - the whole test suite: build and `make check` twice (a plain
# -Werror build, then AddressSanitizer + UndefinedBehaviorSanitizer), then
# `make distcheck` (whose own `make check` is counted too); with FUZZ_SECONDS
# set, each libFuzzer harness for that many seconds (build-fuzz/); ends with
# one line "N passed, M failed, K skipped".
# Run from anywhere; builds go to build/ and build-asan/ in the source tree
# (from a copy in build-src/ when the tree itself was configured).
#
# ATTNSCOPE_REQUIRE_ALL=1 (CI sets it): nothing may be skipped; a test that
# would skip for want of ../shared, tmux, numpy or clang fails, and so does
# fuzzing that cannot run.  ATTNSCOPE_TEST_TIMEOUT: seconds one test may
# take (tests/run_test.sh; default 600).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
status=0
require=${ATTNSCOPE_REQUIRE_ALL:-0}
# distcheck builds in a copy of the tree from which ../shared is not beside
# it: name the real one (the tests' own default when it is not set).
if [ -z "${ATTNSCOPE_SHARED:-}" ] && [ -d "$top/../shared" ]; then
    ATTNSCOPE_SHARED=$(cd "$top/../shared" && pwd)
    export ATTNSCOPE_SHARED
fi

autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; echo "autoreconf failed"; exit 1; }

# The builds below are made beside the sources (VPATH), which configure
# refuses when the source tree itself is configured, as the README's
# ./configure && make leaves it.  Then they are made from a copy of the
# sources as distributed (make distdir), leaving the user's build alone.
src=$top
if [ -f "$top/config.status" ]; then
    echo "== the source tree is configured in place: building from a copy (build-src/)"
    chmod -R u+w build-src 2>/dev/null; rm -rf build-src
    (./config.status >/dev/null && make distdir distdir=build-src) >build-src.out 2>&1 ||
        { tail -20 build-src.out; echo "could not copy the sources"; exit 1; }
    src=$top/build-src
fi

build() { # build DIR CONFIGURE-FLAGS...
    local dir=$1; shift
    # (distcheck leaves its tree read-only.)
    chmod -R u+w "$dir" 2>/dev/null; rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || return 1
    echo "== $dir: configure $*"
    "$src/configure" --enable-werror "$@" >configure.out 2>&1 || { cat configure.out; cd "$top"; return 1; }
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
(cd build && make -j"$jobs" distcheck >distcheck.out 2>&1) ||
    { tail -40 build/distcheck.out; echo "distcheck failed"; status=1; }
# Its own make check's results, as automake's TAP driver printed them (the
# tree they ran in is gone by now).
grep -E '^(FAIL|ERROR|XPASS|SKIP):' build/distcheck.out | sed 's/^/distcheck: /'

# Fuzzing, when FUZZ_SECONDS is set (CI sets 60): each harness runs that
# long from the seeds and the committed crash inputs; each is one result.
fuzz_pass=0 fuzz_fail=0 fuzz_skip=0
if [ -n "${FUZZ_SECONDS:-}" ]; then
    echo "== fuzz: $FUZZ_SECONDS s per harness"
    sh tests/fuzz/run.sh build-fuzz "$FUZZ_SECONDS" >build-fuzz.out 2>&1
    grep -v '^fuzz: building' build-fuzz.out
    if grep -q '^fuzz: skipped' build-fuzz.out; then
        if [ "$require" = 1 ]; then
            echo "fuzz: required, but skipped"; fuzz_fail=1
        else
            fuzz_skip=1
        fi
    else
        # A harness passes when it ran at least one input and nothing crashed;
        # one that ran none (or printed no line) fails.
        fuzz_pass=$(grep -Ec '^fuzz_[a-z_]+: [1-9][0-9]* execs .* 0 crashes' build-fuzz.out)
        fuzz_fail=$(grep -Ec '^fuzz_[a-z_]+: .* [1-9][0-9]* crash' build-fuzz.out)
        zero=$(grep -Ec '^fuzz_[a-z_]+: 0 execs' build-fuzz.out)
        want=$(sed -n 's/^FUZZ_HARNESSES="\(.*\)"/\1/p' tests/fuzz/lib.sh | wc -w)
        fuzz_fail=$((fuzz_fail + zero))
        ran=$((fuzz_pass + fuzz_fail))
        [ "$ran" -ge "$want" ] && [ "$ran" -gt 0 ] ||
            { echo "fuzz: $ran of $want harnesses reported"; fuzz_fail=$((fuzz_fail + 1)); }
    fi
fi

# Count every TAP result: both builds, then distcheck's.
pass=$fuzz_pass fail=$fuzz_fail skipped=$fuzz_skip
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
while read -r res _; do
    case $res in
        PASS:|XFAIL:) pass=$((pass + 1)) ;;
        SKIP:) skipped=$((skipped + 1)) ;;
        *) fail=$((fail + 1)) ;;
    esac
done < <(grep -E '^(PASS|FAIL|ERROR|XPASS|XFAIL|SKIP): ' build/distcheck.out 2>/dev/null)
[ $status -eq 0 ] || [ $fail -gt 0 ] || fail=$((fail + 1)) # a build that failed counts
[ $pass -gt 0 ] || status=1
echo "$pass passed, $fail failed, $skipped skipped"
[ $status -eq 0 ] && [ $fail -eq 0 ]
