#!/bin/sh
# bench_models.sh - the speed table of doc/BENCHMARKS.md: `attnscope --bench`
# on random-weight models of the s15M and s110M shapes in F32, F16 and Q8_0,
# each run R times (default 3); every figure is the median of the R runs
# (and each run's times are themselves medians of --runs passes).
#
#   tools/bench_models.sh BUILD_DIR MODEL_DIR [R] [SHAPE...]
#
# MODEL_DIR holds (or receives, written by BUILD_DIR/tests/mkmodel)
# SHAPE-TYPE.gguf.  Prints a Markdown table on stdout; the raw outputs go
# to MODEL_DIR/bench-SHAPE-TYPE.N.txt.  Run it on a quiet machine.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR MODEL_DIR [R] [SHAPE...]" >&2; exit 2; }
build=$1 dir=$2 reps=${3:-3}
shift 2
[ $# -gt 0 ] && shift
shapes=${*:-s15M s110M}
bin=$build/src/attnscope mk=$build/tests/mkmodel
[ -x "$bin" ] || { echo "$0: no $bin (build first)" >&2; exit 2; }
mkdir -p "$dir"

# median of the numbers on stdin
med() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "| model | weights | tokens | forward ms | tokens/s | GFLOP/s | sgemm GFLOP/s | of sgemm | edit at end of 128: full / incremental ms | peak RSS MiB | load ms |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for shape in $shapes; do
    for type in f32 f16 q8_0; do
        m=$dir/$shape-$type.gguf
        if [ ! -f "$m" ]; then
            [ -x "$mk" ] || { echo "$0: no $mk (make -C $build/tests mkmodel)" >&2; exit 2; }
            "$mk" "$shape" "$type" "$m" >&2
        fi
        i=1
        while [ $i -le "$reps" ]; do
            "$bin" --bench --model "$m" --runs 5 > "$dir/bench-$shape-$type.$i.txt"
            i=$((i + 1))
        done
        outs=$(ls "$dir"/bench-"$shape"-"$type".*.txt)
        # shellcheck disable=SC2086
        load=$(sed -n 's/^load (mmap + bind): \([0-9.]*\) ms.*/\1/p' $outs | med)
        sg=$(sed -n 's/^sgemm .*: \([0-9.]*\) GFLOP\/s$/\1/p' $outs | med)
        rss=$(sed -n 's/^peak RSS: \([0-9.]*\) MiB$/\1/p' $outs | med)
        full=$(sed -n 's/^edit at the end of [0-9]* tokens: full pass \([0-9.]*\) ms.*/\1/p' $outs | med)
        inc=$(sed -n 's/.*from the unchanged prefix \([0-9.]*\) ms.*/\1/p' $outs | med)
        for n in 16 64 256; do
            # shellcheck disable=SC2086
            rows=$(grep -h -E "^ +$n +[0-9.]+ " $outs || true)
            [ -n "$rows" ] || continue
            ms=$(echo "$rows" | awk '{ print $2 }' | med)
            tps=$(echo "$rows" | awk '{ print $3 }' | med)
            gf=$(echo "$rows" | awk '{ print $4 }' | med)
            pct=$(echo "$rows" | awk '{ sub("%", "", $5); print $5 }' | med)
            edit="" 
            [ $n = 16 ] && edit="$full / $inc"
            printf '| %s | %s | %d | %.1f | %.0f | %.1f | %.1f | %.0f %% | %s | %s | %s |\n' \
                "$shape" "$(echo "$type" | tr a-z A-Z)" "$n" "$ms" "$tps" "$gf" "$sg" "$pct" \
                "$edit" "$rss" "$load"
        done
    done
done
