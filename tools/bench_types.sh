#!/bin/sh
# bench_types.sh - load time and peak memory of attnscope per tensor type
# (issue 18): an s110M-shaped random-weight model (tests/mkmodel) quantized
# by llama.cpp (tools/llamacpp) to each type, every matrix in that type
# (--pure), then `attnscope --info` on each file RUNS times, the files taken
# in turn so that load on the machine falls on all alike.  Prints a Markdown
# table: file size, median wall time and median peak RSS (GNU time).
#
#   tools/bench_types.sh BUILD_DIR [RUNS]      (default 5)
#
# The weights are still converted to float at load (the issue that keeps
# them quantized is later), so the RSS is about 4 bytes a weight whatever
# the file.
set -eu
build=${1:?usage: tools/bench_types.sh BUILD_DIR [RUNS]}
runs=${2:-5}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/src/attnscope
driver=$(sh "$top/tools/llamacpp/setup.sh")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s -C "$build/tests" mkmodel >/dev/null
"$build/tests/mkmodel" s110M f32 "$tmp/f32.gguf" >/dev/null
types="f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k q5_k q6_k iq4_nl iq4_xs"
for t in $types; do
    # The k-quants' file types with --pure: every matrix in that one type.
    case $t in q3_k|q4_k|q5_k) ft=${t}_m ;; *) ft=$t ;; esac
    [ "$t" = f32 ] || "$driver" quantize "$tmp/f32.gguf" "$tmp/$t.gguf" "$ft" --pure >/dev/null
done
i=0
while [ $i -lt "$runs" ]; do
    for t in $types; do
        /usr/bin/time -f "%e %M" -a -o "$tmp/$t.times" "$bin" --model "$tmp/$t.gguf" --info >/dev/null
    done
    i=$((i + 1))
done
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "| type | file (MB) | load + --info, median (s) | peak RSS, median (MB) |"
echo "| --- | ---: | ---: | ---: |"
for t in $types; do
    size=$(stat -c %s "$tmp/$t.gguf")
    wall=$(awk '{ print $1 }' "$tmp/$t.times" | median)
    rss=$(awk '{ print $2 }' "$tmp/$t.times" | median)
    awk -v t="$t" -v s="$size" -v w="$wall" -v r="$rss" \
        'BEGIN { printf "| %s | %.0f | %.2f | %.0f |\n", t, s / 1e6, w, r / 1024 }'
done
