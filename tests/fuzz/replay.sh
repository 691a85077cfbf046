#!/bin/sh
# replay.sh - replay the committed fuzz inputs and the seeds, as TAP.
#
#   tests/fuzz/replay.sh BUILD_DIR
#
# Builds each harness without libFuzzer (clang, ASan + UBSan, with
# standalone_main.c) into BUILD_DIR/fuzz/replay/, writes the seeds, and runs
# every file of tests/fuzz/regressions/<harness>/ and of the seeds through
# its harness, one process each:
#
#   ok 1 - fuzz_gguf regression crash-overlapping-tensors
#   ok 2 - fuzz_gguf seed model-f32.gguf
#
# Without clang or its sanitizers it prints "1..0 # SKIP ...".  Fast enough
# for `make check` (no fuzzing happens here).
set -u

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
FUZZ_SRCDIR=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
mkdir -p "$1" || exit 2
FUZZ_OUT=$(cd "$1" && pwd)/fuzz
mkdir -p "$FUZZ_OUT" || exit 2
. "$FUZZ_SRCDIR/tests/fuzz/lib.sh"

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
    echo "1..0 # SKIP $FUZZ_CC not found"
    exit 0
fi
if ! fuzz_probe address,undefined; then
    echo "1..0 # SKIP $FUZZ_CC cannot build with -fsanitize=address,undefined"
    exit 0
fi
out=$FUZZ_OUT/replay
if ! fuzz_build standalone "$out" >"$FUZZ_OUT/replay-build.log" 2>&1; then
    echo "Bail out! building the harnesses failed: see $FUZZ_OUT/replay-build.log"
    exit 1
fi
if ! fuzz_seeds "$out" "$out/seeds" >"$FUZZ_OUT/replay-seeds.log" 2>&1; then
    echo "Bail out! writing the seeds failed: see $FUZZ_OUT/replay-seeds.log"
    exit 1
fi

ATTNSCOPE_SHARED=$(fuzz_shared_dir)
export ATTNSCOPE_SHARED
[ -f "$ATTNSCOPE_SHARED/models/ref260K.gguf" ] ||
    echo "# no $ATTNSCOPE_SHARED/models/ref260K.gguf: replaying without the reference model"
OPENBLAS_NUM_THREADS=1
export OPENBLAS_NUM_THREADS
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export UBSAN_OPTIONS
# libFuzzer's -rss_limit_mb=2048: an input that needs more is a failure here too.
ASAN_OPTIONS=${ASAN_OPTIONS:-hard_rss_limit_mb=2048}
export ASAN_OPTIONS

n=0 bad=0
mkdir -p "$out/logs"
for h in $FUZZ_HARNESSES; do
    for kind in regression seed; do
        if [ $kind = regression ]; then dir=$FUZZ_SRCDIR/tests/fuzz/regressions/$h
        else dir=$out/seeds/$h; fi
        [ -d "$dir" ] || continue
        for f in "$dir"/*; do
            [ -f "$f" ] || continue
            n=$((n + 1))
            name=$(basename "$f")
            log=$out/logs/$h-$kind-$name.log
            if "$out/$h" "$f" >"$log" 2>&1; then
                echo "ok $n - $h $kind $name"
            else
                bad=$((bad + 1))
                echo "not ok $n - $h $kind $name"
                pat='ERROR|invariant failed|runtime error|rss limit|out-of-memory|deadly signal'
                if grep -qE "$pat" "$log"; then
                    grep -v -E '^[[:space:]]+0x|memory map follows' "$log" |
                        grep -m 1 -A 12 -E "$pat" | sed 's/^/# /'
                else
                    sed -n '1,12p' "$log" | sed 's/^/# /'
                fi
            fi
        done
    done
done
echo "1..$n"
[ $bad -eq 0 ]
