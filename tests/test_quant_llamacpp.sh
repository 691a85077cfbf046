#!/bin/sh
# test_quant_llamacpp.sh - quantized GGUF files (issue 18) against llama.cpp
# as an independent implementation of every format: llama.cpp (the prebuilt
# libraries of node-llama-cpp on npm, driven by tools/llamacpp/driver.c,
# fetched and built by tools/llamacpp/setup.sh) quantizes a random-weight F32
# model to each type, converts the quantized file back to F32 with its own
# dequantization and computes the last position's logits on that F32
# conversion; attnscope runs on the quantized file itself.  Every logit
# (--dump logits) must be within 1e-4 x the largest |logit| of llama.cpp's,
# the most probable token the same (compare.py below); and every tensor
# attnscope dequantizes must equal tools/golden/dequant.py's numpy
# dequantization of the file's own bytes, bit for bit.
#   (a) the unquantized F32 model agrees, the token ids of the text are
#       llama.cpp's, and a conversion back to F32 holds only F32 tensors;
#   (b) each type alone (llama.cpp's --pure: every matrix in that type, so a
#       failure names it): f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k
#       q5_k q6_k iq4_nl iq4_xs;
#   (c) llama.cpp's own mixtures, as files people download: Q2_K, Q3_K_M,
#       Q4_K_M, Q5_K_M (e.g. Q6_K for the output and some ffn_down);
#   (d) a narrow model (s15M, width 288, not a multiple of 256) in Q4_K_M:
#       llama.cpp puts Q5_0 and Q8_0 where the rows are too short for Q4_K
#       and Q6_K; it opens, --info names every type in the file, the logits
#       agree;
#   (e) planted mistakes fail the comparison: attnscope on a Q8_0 file
#       against llama.cpp on the unquantized model (1e-4 must see the
#       quantization), one value off by 2e-4 of the largest, two ids swapped.
# The model is mkmodel's q256 (width 256, so the k-quants apply to every
# row), or s15M while mkmodel has no q256.  Skipped when setup.sh says
# llama.cpp is unavailable here (no npm, no network: exit 77) or numpy is
# missing; its cache is $ATTNSCOPE_LLAMACPP_DIR (default
# ~/.cache/attnscope-llamacpp).
. "$(dirname "$0")/reference/lib.sh"

driver=$(sh "$src/tools/llamacpp/setup.sh" 2>"$tmp/setup.err")
rc=$?
if [ $rc -eq 77 ]; then
    echo "1..0 # SKIP $(tail -n 1 "$tmp/setup.err")"
    exit 0
fi
if [ $rc -ne 0 ] || [ ! -x "$driver" ]; then
    echo "1..1"
    echo "not ok 1 - tools/llamacpp/setup.sh failed (exit $rc): $(tail -n 1 "$tmp/setup.err")"
    exit 1
fi

# count_types.py FILE.gguf: the file's tensors per type, "Q4_K x 20, F32 x 13".
# (Not types.py: beside compare.py it would hide Python's own module.)
cat >"$tmp/count_types.py" <<'EOF'
import struct, sys
from collections import Counter
NAMES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1",
         10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS",
         17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S",
         23: "IQ4_XS", 29: "IQ1_M", 30: "BF16"}
SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
f = open(sys.argv[1], "rb")
def u(fmt): return struct.unpack("<" + fmt, f.read(struct.calcsize(fmt)))[0]
def string(): return f.read(u("Q"))
def value(t):
    if t == 8: string()
    elif t == 9:
        et, n = u("I"), u("Q")
        if et in SIZES: f.seek(SIZES[et] * n, 1)
        else:
            for _ in range(n): value(et)
    else: f.seek(SIZES[t], 1)
if f.read(4) != b"GGUF": sys.exit("not a GGUF file")
u("I"); nt, nkv = u("Q"), u("Q")
for _ in range(nkv): string(); value(u("I"))
count = Counter()
for _ in range(nt):
    string(); f.seek(8 * u("I"), 1); t = u("I"); u("Q")
    count[NAMES.get(t, "type %d" % t)] += 1
print(", ".join(f"{k} x {v}" for k, v in count.most_common()))
EOF

# compare.py DUMP.json LOGITS [PLANT]: attnscope's top-5 of the last position
# against llama.cpp's full logits (one a line).  Each of attnscope's values
# within 1e-4 x max |logit| of llama.cpp's for that id, and no other id's
# logit above attnscope's fifth by more than that (ties may reorder).
# PLANT: "bump" adds 2e-4 x max to the third value, "swap" swaps the first
# two ids.  Exit 0 agree, 1 differ, 2 unreadable input.
cat >"$tmp/compare.py" <<'EOF'
import sys
import numpy as np
try:
    got = np.loadtxt(sys.argv[1][:-len(".json")] + ".all", dtype=np.float64, comments="#", ndmin=1)
    ref = np.loadtxt(sys.argv[2], dtype=np.float64, ndmin=1)
except (OSError, ValueError) as e:
    print(f"unreadable input: {e}")
    sys.exit(2)
if got.shape != ref.shape:
    print(f"unreadable input: {got.size} logits from attnscope, {ref.size} from llama.cpp")
    sys.exit(2)
scale = float(np.abs(ref).max())
plant = sys.argv[3] if len(sys.argv) > 3 else ""
top = np.argsort(-got, kind="stable")
if plant == "bump": got[top[2]] += 2e-4 * scale
if plant == "swap": got[top[0]], got[top[1]] = got[top[1]], got[top[0]]
diff = np.abs(got - ref)
worst = float(diff.max())
order_got = [int(i) for i in np.argsort(-got, kind="stable")[:5]]
order_ref = [int(i) for i in np.argsort(-ref, kind="stable")[:5]]
# Ties within the tolerance may order differently; the first must agree
# unless the two largest are that close.
gap = float(np.sort(ref)[-1] - np.sort(ref)[-2])
bad = worst > 1e-4 * scale or (order_got[0] != order_ref[0] and gap > 1e-4 * scale)
print(f"all {got.size}: worst {worst / scale:.2g} of max |logit| {scale:.4g} (tolerance 1e-4); "
      f"top ids {order_got}, llama.cpp's {order_ref}" + ("; DIFFERENT" if bad else ""))
sys.exit(1 if bad else 0)
EOF

# dump NAME MODEL: attnscope --dump json on the text into $tmp/NAME.json,
# and every logit of its last position (--dump logits) into $tmp/NAME.all.
dump() {
    "$bin" --model "$2" --text "$text" --dump json >"$tmp/$1.json" 2>"$tmp/err" </dev/null &&
        "$bin" --model "$2" --text "$text" --dump logits >"$tmp/$1.all" 2>"$tmp/err" </dev/null
}
# tensors QFILE LABEL: every tensor of QFILE as attnscope's reader converts
# it equals tools/golden/dequant.py's numpy dequantization of the file's
# bytes, bit for bit: one TAP line.
tensors() {
    rm -rf "$tmp/dq" && mkdir "$tmp/dq" &&
        "$build/tests/dequant_dump" --file "$1" "$tmp/dq" 2>"$tmp/err" &&
        "$python" "$src/tools/golden/dequant.py" --file "$1" "$tmp/dq" >"$tmp/out" 2>&1
    ok $? "$2: every tensor attnscope dequantizes equals numpy's (dequant.py): $(tail -n 1 "$tmp/out")"
    rm -rf "$tmp/dq"
}
# reference NAME F32MODEL: llama.cpp's last logits on the ids of the base
# dump (so that only the numbers differ) into $tmp/NAME.logits.
reference() {
    "$driver" logits "$2" $ids >"$tmp/$1.logits" 2>"$tmp/err"
}
# check NAME QFILE LABEL: llama.cpp's F32 conversion of QFILE, its logits and
# attnscope's on QFILE, compared: one TAP line.
check() {
    name=$1 qfile=$2 label=$3
    if ! "$driver" tof32 "$qfile" "$tmp/$name-f32.gguf" 2>"$tmp/err"; then
        ok 1 "$label: llama.cpp cannot convert it to F32: $(head -n 1 "$tmp/err")"
    elif ! reference "$name" "$tmp/$name-f32.gguf"; then
        ok 1 "$label: llama.cpp's logits failed: $(head -n 1 "$tmp/err")"
    elif ! dump "$name" "$qfile"; then
        ok 1 "$label: attnscope refuses the file: $(head -n 1 "$tmp/err")"
    else
        "$python" "$tmp/compare.py" "$tmp/$name.json" "$tmp/$name.logits" >"$tmp/out" 2>&1
        ok $? "$label: attnscope's logits are llama.cpp's on its F32 conversion: $(cat "$tmp/out")"
        tensors "$qfile" "$label"
    fi
    rm -f "$tmp/$name-f32.gguf"
}
# quant NAME TYPE [--pure]: llama.cpp quantizes $base to $tmp/NAME.gguf; 0 or ok 1.
quant() {
    name=$1 type=$2
    shift 2
    "$driver" quantize "$base" "$tmp/$name.gguf" "$type" "$@" 2>"$tmp/err" && return 0
    ok 1 "$name: llama.cpp cannot quantize to $type $*: $(head -n 1 "$tmp/err")"
    return 1
}
types() { "$python" "$tmp/count_types.py" "$1"; }

# The model: q256 when mkmodel has it.
shape=q256
base=$tmp/base-f32.gguf
if ! "$mkmodel" $shape f32 "$base" 2>/dev/null; then
    shape=s15M
    echo "# mkmodel has no q256 yet: s15M instead (width 288: most k-quant rows fall back to Q5_0/Q5_1/Q8_0/Q4_0)"
    "$mkmodel" $shape f32 "$base" 2>"$tmp/err" ||
        { ok 1 "mkmodel $shape failed: $(head -n 1 "$tmp/err")"; echo "1..$n"; exit 1; }
fi
text=$s15m_text
echo "# llama.cpp: node-llama-cpp $(basename "$(dirname "$driver")"), commit $(cut -c1-12 "$(dirname "$driver")/include/COMMIT" 2>/dev/null); model $shape"

# (a) The unquantized model, the tokenizer, the F32 conversion.
if ! dump f32 "$base"; then
    ok 1 "$shape f32: attnscope --dump json failed: $(head -n 1 "$tmp/err")"
    echo "1..$n"
    exit 1
fi
ids=$(sed -n 's/.*"tokens":\[\([0-9,]*\)\].*/\1/p' "$tmp/f32.json" | tr ',' ' ')
theirs=$("$driver" tokenize "$base" "$text" 2>"$tmp/err" | tr '\n' ' ')
[ "$(echo $theirs)" = "$(echo $ids)" ]
ok $? "$shape: attnscope's $(echo $ids | wc -w) token ids of the text are llama.cpp's ($(echo $theirs | wc -w))"
if reference f32 "$base"; then
    "$python" "$tmp/compare.py" "$tmp/f32.json" "$tmp/f32.logits" >"$tmp/out" 2>&1
    ok $? "$shape f32 (not quantized): attnscope's logits are llama.cpp's: $(cat "$tmp/out")"
else
    ok 1 "$shape f32: llama.cpp's logits failed: $(head -n 1 "$tmp/err")"
fi

# (b) Each type alone.  The file-type names are llama.cpp's; with --pure the
# k-quant "_m" mixtures are just their base type.
for t in f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k_m q4_k_m q5_k_m q6_k iq4_nl iq4_xs; do
    quant "pure-$t" "$t" --pure || continue
    label="$shape $t --pure ($(types "$tmp/pure-$t.gguf"))"
    if [ $t = q8_0 ]; then
        "$driver" tof32 "$tmp/pure-$t.gguf" "$tmp/conv.gguf" 2>"$tmp/err"
        all=$(types "$tmp/conv.gguf")
        case $all in *,*) false ;; "F32 x "*) true ;; *) false ;; esac
        ok $? "$shape q8_0: llama.cpp's conversion back to F32 holds only F32 tensors ($all)"
        rm -f "$tmp/conv.gguf"
    fi
    check "pure-$t" "$tmp/pure-$t.gguf" "$label"
    rm -f "$tmp/pure-$t.gguf"
done

# (c) llama.cpp's mixtures.
for t in q2_k q3_k_m q4_k_m q5_k_m; do
    quant "mix-$t" "$t" || continue
    check "mix-$t" "$tmp/mix-$t.gguf" "$shape $t mixture ($(types "$tmp/mix-$t.gguf"))"
    rm -f "$tmp/mix-$t.gguf"
done

# (d) The narrow model in Q4_K_M: types llama.cpp substituted, by name.
if [ $shape != s15M ]; then
    rm -f "$base"
    if "$mkmodel" s15M f32 "$base" 2>"$tmp/err" && dump narrow-base "$base"; then
        ids=$(sed -n 's/.*"tokens":\[\([0-9,]*\)\].*/\1/p' "$tmp/narrow-base.json" | tr ',' ' ')
    else
        ok 1 "s15M: mkmodel or attnscope failed: $(head -n 1 "$tmp/err")"
        rm -f "$base"
    fi
fi
if [ -f "$base" ] && quant narrow q4_k_m; then
    have=$(types "$tmp/narrow.gguf")
    case $have in *Q5_0*) true ;; *) false ;; esac
    ok $? "s15M q4_k_m: llama.cpp substituted Q5_0 for rows of 288 ($have)"
    if "$bin" --model "$tmp/narrow.gguf" --info >"$tmp/info" 2>"$tmp/err" </dev/null; then
        missing=
        for ty in $(echo "$have" | sed 's/ x [0-9]*,\{0,1\}//g'); do
            grep -qw "$ty" "$tmp/info" || missing="$missing $ty"
        done
        [ -z "$missing" ]
        ok $? "s15M q4_k_m: --info names every type in the file: $(grep -i 'tensors' "$tmp/info" | head -n 1)${missing:+; missing:$missing}"
    else
        ok 1 "s15M q4_k_m: attnscope --info refuses the file: $(head -n 1 "$tmp/err")"
    fi
    check narrow "$tmp/narrow.gguf" "s15M q4_k_m (narrow rows: $have)"
fi
rm -f "$base" "$tmp/narrow.gguf"

# (e) Planted mistakes: each must make compare.py exit 1.
planted() { # planted DUMP LOGITS PLANT WHAT
    "$python" "$tmp/compare.py" "$tmp/$1.json" "$tmp/$2.logits" $3 >"$tmp/out" 2>&1
    rc=$?
    [ $rc -eq 1 ] && grep -q DIFFERENT "$tmp/out"
    ok $? "$shape: (e) $4 fails the comparison (exit $rc): $(cat "$tmp/out")"
}
if [ -s "$tmp/pure-q8_0.json" ] && [ -s "$tmp/f32.logits" ]; then
    planted pure-q8_0 f32 "" "attnscope on the Q8_0 file against llama.cpp on the unquantized model"
    planted pure-q8_0 pure-q8_0 bump "a value 2e-4 x max |logit| off"
    planted pure-q8_0 pure-q8_0 swap "the two largest logits swapped"
else
    ok 1 "$shape: (e) no Q8_0 dump to plant mistakes in"
fi

echo "1..$n"
[ $failed -eq 0 ]
