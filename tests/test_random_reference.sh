#!/bin/sh
# test_random_reference.sh - attention matches an independent float64
# reference for F32, F16 and Q8_0 weights: for each type, mkmodel writes the
# s15M random-weight model, attnscope dumps every layer and head for a text
# of exactly 64 tokens, and tools/golden/check_random.py recomputes them with
# reference.py (numpy, its own GGUF reader and dequantisation, only the
# dump's token ids as input) and fails on any difference over 1e-4.
# A last check corrupts one dumped value by 2e-4 and expects the comparison
# to fail, so a checker that cannot fail does not pass.
# Skipped when /usr/bin/python3 with numpy is missing.
. "$(dirname "$0")/reference/lib.sh"
check=$src/tools/golden/check_random.py

text=$s15m_text

for type in f32 f16 q8_0; do
    model=$tmp/s15M-$type.gguf
    if ! "$mkmodel" s15M "$type" "$model" 2>"$tmp/err"; then
        ok 1 "$type: mkmodel failed: $(head -n 1 "$tmp/err")"
        continue
    fi
    if ! "$bin" --model "$model" --text "$text" --dump json >"$tmp/dump.json" 2>"$tmp/err" </dev/null; then
        ok 1 "$type: attnscope --dump json failed: $(head -n 1 "$tmp/err")"
        rm -f "$model"
        continue
    fi
    tokens=$(sed -n 's/.*"tokens":\[\([0-9,]*\)\].*/\1/p' "$tmp/dump.json" | tr ',' '\n' | grep -c .)
    if [ "$tokens" -ne 64 ]; then
        ok 1 "$type: the text makes $tokens tokens, not 64"
        rm -f "$model"
        continue
    fi
    "$python" "$check" "$model" "$tmp/dump.json" >"$tmp/out" 2>&1
    rc=$?
    worst=$(sed -n 's/.*worst |difference| \([^ ]*\) .*/\1/p' "$tmp/out")
    [ $rc -ne 0 ] && sed 's/^/# /' "$tmp/out"
    ok $rc "$type: 64 tokens, every layer and head within 1e-4 of the float64 reference (worst ${worst:-?})"
    if [ "$type" = f32 ]; then
        # Row 0 of layer 0 head 0 is [1,0,...]: make its first entry 0.9998.
        sed 's/"attention":\[\[\[\[1,/"attention":[[[[0.9998,/' "$tmp/dump.json" >"$tmp/bad.json"
        if cmp -s "$tmp/dump.json" "$tmp/bad.json"; then
            ok 1 "a corrupted dump is refused: could not find the value to corrupt"
        else
            "$python" "$check" "$model" "$tmp/bad.json" >"$tmp/out" 2>&1
            rc=$?
            [ $rc -ne 1 ] && sed 's/^/# /' "$tmp/out"
            [ $rc -eq 1 ]
            ok $? "a dump with one value off by 2e-4 fails the comparison (exit 1)"
        fi
    fi
    rm -f "$model"
done

echo "1..$n"
[ $failed -eq 0 ]
