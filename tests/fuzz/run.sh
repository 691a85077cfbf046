#!/bin/sh
# run.sh - build the libFuzzer harnesses with clang and fuzz each for a while.
#
#   tests/fuzz/run.sh BUILD_DIR [SECONDS_PER_HARNESS [HARNESS...]]   (default 60, all)
#
# Everything goes under BUILD_DIR/fuzz/: the binaries, seeds/ (written
# afresh each run), corpus/ (what libFuzzer found; kept between runs),
# artifacts/ (crashing inputs) and logs/.  Each harness first replays its
# committed inputs in tests/fuzz/regressions/<harness>/ (a failure there
# counts as a crash), then fuzzes them, the seeds and the corpus.  One line
# per harness:
#
#   fuzz_gguf: 123456 execs in 60 s (58 s CPU), 0 crashes (2057 execs/s)
#
# With FUZZ_CPU=1 in the environment, SECONDS counts CPU time rather than
# wall time: the harness runs in slices of at most 600 s until it has used
# that much CPU.  That is how a budget such as "one CPU-hour each" is met on
# a machine shared with other work (the runs are niced, so they get less).
#
# Exit status: 0 when nothing crashed (or clang or its fuzzer runtime is
# missing: then it says so and skips), 1 when something crashed (the input's
# path is printed), 2 on a usage or build error.  The runs are niced and
# OpenBLAS is kept to one thread: they must not starve other work.
set -u

usage() {
    echo "usage: $0 BUILD_DIR [SECONDS_PER_HARNESS [HARNESS...]]" >&2
    exit 2
}
[ $# -ge 1 ] || usage
build_dir=$1
secs=${2:-60}
case $secs in '' | *[!0-9]*) usage ;; esac
[ "$secs" -gt 0 ] || usage
shift
[ $# -gt 0 ] && shift

FUZZ_SRCDIR=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
mkdir -p "$build_dir" || exit 2
FUZZ_OUT=$(cd "$build_dir" && pwd)/fuzz
mkdir -p "$FUZZ_OUT" || exit 2
. "$FUZZ_SRCDIR/tests/fuzz/lib.sh"

harnesses=$FUZZ_HARNESSES
if [ $# -gt 0 ]; then
    for h in "$@"; do
        case " $FUZZ_HARNESSES " in
            *" $h "*) ;;
            *) echo "$0: no harness '$h' (there are: $FUZZ_HARNESSES)" >&2; exit 2 ;;
        esac
    done
    harnesses=$*
fi

# Sets cpu_now to the CPU seconds (user + system) this shell's finished
# children have used.  `times` must run in this shell itself: inside $(...)
# or a pipeline it would report a subshell's children.
cpu_children() {
    times > "$FUZZ_OUT/logs/times"
    cpu_now=$(tail -n 1 "$FUZZ_OUT/logs/times" | awk '{
        t = 0
        for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] }
        printf "%d\n", t }')
}

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
    echo "fuzz: skipped: $FUZZ_CC not found (install clang)"
    exit 0
fi
if ! fuzz_probe fuzzer,address,undefined; then
    echo "fuzz: skipped: $FUZZ_CC cannot link -fsanitize=fuzzer,address,undefined" \
         "(install the compiler-rt runtime, e.g. libclang-rt-dev)"
    exit 0
fi

echo "fuzz: building into $FUZZ_OUT"
if ! fuzz_build fuzzer "$FUZZ_OUT"; then
    echo "fuzz: build failed" >&2
    exit 2
fi
if ! fuzz_seeds "$FUZZ_OUT" "$FUZZ_OUT/seeds"; then
    echo "fuzz: writing the seeds failed" >&2
    exit 2
fi

ATTNSCOPE_SHARED=$(fuzz_shared_dir)
export ATTNSCOPE_SHARED
[ -f "$ATTNSCOPE_SHARED/models/ref260K.gguf" ] ||
    echo "fuzz: no $ATTNSCOPE_SHARED/models/ref260K.gguf: fuzz_tokenizer uses a small" \
         "vocabulary of its own, fuzz_keys runs without a model"
OPENBLAS_NUM_THREADS=1
export OPENBLAS_NUM_THREADS
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export UBSAN_OPTIONS

failed=0
for h in $harnesses; do
    corpus=$FUZZ_OUT/corpus/$h
    art=$FUZZ_OUT/artifacts/$h
    log=$FUZZ_OUT/logs/$h.log
    mkdir -p "$corpus" "$art" "$FUZZ_OUT/logs"
    : > "$log"
    crashes=0
    dirs="$corpus $FUZZ_OUT/seeds/$h"

    # Committed regressions: replayed one by one; those that pass seed the run.
    reg=$FUZZ_SRCDIR/tests/fuzz/regressions/$h
    if [ -d "$reg" ] && [ -n "$(ls -A "$reg" 2>/dev/null)" ]; then
        reg_ok=1
        for f in "$reg"/*; do
            [ -f "$f" ] || continue
            if ! nice -n 10 "$FUZZ_OUT/$h" -timeout=10 -rss_limit_mb=2048 "$f" \
                    >>"$log" 2>&1; then
                echo "$h: regression $f still fails (see $log)"
                crashes=$((crashes + 1))
                reg_ok=0
            fi
        done
        [ $reg_ok = 1 ] && dirs="$dirs $reg"
    fi

    ls "$art" > "$FUZZ_OUT/logs/$h.before"
    start=$(date +%s)
    cpu_children
    cpu0=$cpu_now
    rc=0
    while :; do
        slice=$secs
        if [ "${FUZZ_CPU:-0}" = 1 ]; then
            cpu_children
            slice=$((secs - (cpu_now - cpu0)))
            [ $slice -gt 600 ] && slice=600
            [ $slice -le 0 ] && break
        fi
        # shellcheck disable=SC2086
        nice -n 10 "$FUZZ_OUT/$h" -max_total_time="$slice" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$art/" $dirs >>"$log" 2>&1
        rc=$?
        [ $rc -ne 0 ] && break
        [ "${FUZZ_CPU:-0}" = 1 ] || break
    done
    end=$(date +%s)
    cpu_children
    cpu=$((cpu_now - cpu0))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{ n += $1 } END { print n + 0 }')
    rate=$(( execs / ( (end - start) > 0 ? (end - start) : 1 ) ))
    new=""
    for f in $(ls "$art" | grep -vxF -f "$FUZZ_OUT/logs/$h.before"); do
        case $f in crash-* | leak-* | timeout-* | oom-*) new="$new $art/$f" ;; esac
    done
    if [ $rc -ne 0 ] && [ -z "$new" ]; then
        new=" (libFuzzer exited with status $rc, no input saved; see $log)"
    fi
    [ -n "$new" ] && crashes=$((crashes + 1))
    word=crashes
    [ $crashes -eq 1 ] && word=crash
    echo "$h: $execs execs in $((end - start)) s ($cpu s CPU), $crashes $word ($rate execs/s)${new:+:$new}"
    if [ -n "$new" ]; then
        # The report: the sanitizer's or the invariant's first lines.
        grep -m 1 -A 14 -E '^==[0-9]+==ERROR|invariant failed|runtime error|^==[0-9]+== ERROR' \
            "$log" | sed 's/^/    /'
    fi
    [ $crashes -gt 0 ] && failed=1
done
exit $failed
