#!/bin/sh
# test_dequant_reference.sh - every tensor type's dequantizer (issue 18)
# equals the numpy reference written from the block formats
# (tools/golden/dequant.py), bit for bit: the reference computes each value
# exactly in float64 and rounds it once to float32, which is what a correct
# float32 dequantizer rounding once gives (no tolerance, not even 1 ulp).
# tests/dequant_dump writes random blocks of each type (random fp16 scales of
# both signs, subnormals, +-0 and +-65504; all bit patterns of the quants and
# sub-block scales; every finite F16/BF16 pattern) and attnscope's floats for
# them, converted through the GGUF reader in two ranges.
#   (a) each of the 15 types matches, bit for bit;
#   (b) planted mistakes in the reference fail the comparison (exit 1) for
#       every type they touch: the two nibbles of each input byte swapped
#       (every type), and each element given the next sub-block's scale
#       (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS).
# Skipped when /usr/bin/python3 with numpy is missing.
. "$(dirname "$0")/reference/lib.sh"
check=$src/tools/golden/dequant.py
dump=$build/tests/dequant_dump
types="F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q2_K Q3_K Q4_K Q5_K Q6_K IQ4_NL IQ4_XS"

if ! "$dump" "$tmp" 2>"$tmp/err"; then
    ok 1 "dequant_dump failed: $(head -n 1 "$tmp/err")"
    echo "1..$n"
    exit 1
fi
[ "$(cut -d' ' -f1 "$tmp/manifest.txt" | tr '\n' ' ')" = "$types " ]
ok $? "the dump holds the 15 types of the table: $(cut -d' ' -f1 "$tmp/manifest.txt" | tr '\n' ' ')"

"$python" "$check" "$tmp" >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/out"
ok $rc "(a) the reference accepts the dump (exit $rc)"
for t in $types; do
    line=$(grep "^$t: " "$tmp/out")
    echo "$line" | grep -q 'values equal bit for bit'
    ok $? "(a) $t: ${line#*: }"
done

# plant KIND TYPES: the reference with that mistake must fail on each type.
plant() {
    kind=$1
    shift
    "$python" "$check" --plant "$kind" "$tmp" >"$tmp/planted" 2>&1
    rc=$?
    [ $rc -eq 1 ]
    ok $? "(b) --plant $kind: the comparison fails (exit $rc)"
    for t in "$@"; do
        grep -q "^$t: .*DIFFER" "$tmp/planted"
        r=$?
        [ $r -eq 0 ] || grep "^$t: " "$tmp/planted" | sed 's/^/# /'
        ok $r "(b) --plant $kind: $t differs ($(grep "^$t: " "$tmp/planted" | sed 's/^[^:]*: \([0-9]* of [0-9]*\).*/\1/'))"
    done
}
plant swap-nibbles $types
plant scale-index Q2_K Q3_K Q4_K Q5_K Q6_K IQ4_XS

echo "1..$n"
[ $failed -eq 0 ]
