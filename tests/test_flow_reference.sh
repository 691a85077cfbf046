#!/bin/sh
# test_flow_reference.sh - `attnscope --dump json --view rollout|values`
# (issue 17: attention rollout and value-weighted attention, src/core/flow.c)
# matches the same views computed in float64 by tools/golden/check_flow.py
# from reference.py's forward pass (numpy, only the dump's token ids as
# input), every layer and head within 1e-4:
#   (a) on the bundled model (the lesson sentence), the s15M random-weight
#       model (F32, 64 tokens) and ref260K (8 heads sharing 4 key/value
#       heads: grouped-query attention), both views, without and with
#       --ablate (one layer's every head among the heads knocked out: its
#       rollout step is the identity); one head's dump (--layer/--head) too;
#   (b) --dump csv --view rollout prints the JSON's matrix;
#   (c) planted mistakes fail the comparison (exit 1): one value off by 2e-4,
#       rollout without the 0.5·I residual, rollout averaging knocked-out
#       heads too, one value-weighted row not renormalised, value norms from
#       the wrong key/value head (GQA), a dump whose "view" is not the one
#       asked;
#   (d) --view bad, --view with --dump heads or importance, with --query,
#       or without --dump exit 2 with one line on stderr and no output.
# Skipped when /usr/bin/python3 with numpy is missing.
. "$(dirname "$0")/reference/lib.sh"
check=$src/tools/golden/check_flow.py
shared=${ATTNSCOPE_SHARED:-$src/../shared}

# plant.py KIND MODEL IN.json OUT.json [L.H,...]: IN with a planted mistake,
# computed in float64 with reference.py the way a wrong implementation would.
cat >"$tmp/plant.py" <<'EOF'
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[6])
from reference import Model
kind, model, src, dst = sys.argv[1:5]
off = {tuple(int(p) for p in h.split(".")) for h in sys.argv[5].split(",") if h}
doc = json.load(open(src))
a = np.array(doc["attention"], dtype=np.float64)
L, H, n, _ = a.shape
m = Model(model)
vs = []
attn, _ = m.residual(doc["tokens"], sorted(off), values=vs)
def norms(l, h, kv):
    w = m.t[f"blk.{l}.attn_output.weight"][:, h * m.head_dim:(h + 1) * m.head_dim]
    return np.linalg.norm(vs[l][:, kv] @ w.T, axis=-1)
if kind == "bump":          # one value off by 2e-4
    a[min(2, L - 1), 0, n - 1, 0] += 2e-4
elif kind in ("noresidual", "allheads"):
    r = np.eye(n)
    for l in range(L):
        live = [h for h in range(H) if kind == "allheads" or (l, h) not in off]
        x = attn[l, live].mean(0) if live else np.eye(n)
        if kind == "allheads":
            x = 0.5 * x + 0.5 * np.eye(n)
        r = x @ r
        a[l, :] = r
elif kind == "row":         # layer 1 head 1's last row: a * norm, not divided by its sum
    a[1, 1, n - 1] = attn[1, 1, n - 1] * norms(1, 1, 1 // (m.n_heads // m.n_kv))
elif kind == "kvhead":      # head h reads key/value head h % n_kv, not h // group
    for l in range(L):
        for h in range(H):
            x = attn[l, h] * norms(l, h, h % m.n_kv)[None, :]
            a[l, h] = x / x.sum(-1, keepdims=True)
elif kind == "view":        # the numbers right, the field wrong
    doc["view"] = "values"
doc["attention"] = a.tolist()
json.dump(doc, open(dst, "w"))
EOF

# dump NAME ARGS...: attnscope --model $model --text $text --dump json ARGS
# into $tmp/NAME.json; 0, or ok 1 and 1.
dump() {
    name=$1
    shift
    "$bin" --model "$model" --text "$text" --dump json "$@" >"$tmp/$name.json" 2>"$tmp/err" </dev/null
    rc=$?
    [ $rc -eq 0 ] && return 0
    ok 1 "$label: attnscope --dump json $*: exit $rc: $(head -n 1 "$tmp/err")"
    return 1
}
# against NAME VIEW WHAT [--ablate L.H,...]: the checker on $tmp/NAME.json.
against() {
    name=$1 view=$2 what=$3
    shift 3
    "$python" "$check" --view "$view" "$@" "$model" "$tmp/$name.json" >"$tmp/out" 2>&1
    rc=$?
    worst=$(sed -n 's/.*compared: worst |difference| \([^ ]*\) .*/\1/p' "$tmp/out")
    [ $rc -ne 0 ] && sed 's/^/# /' "$tmp/out"
    ok $rc "$label: $view, $what: within 1e-4 of float64 (worst |difference| ${worst:-?})"
}
# refused KIND NAME VIEW WHAT [L.H,...]: plant KIND into $tmp/NAME.json; the
# checker (--view VIEW, --ablate L.H,...) must exit 1, for the numbers (some
# entries over 1e-4) or, for KIND view, for the "view" field alone.
refused() {
    kind=$1 name=$2 view=$3 what=$4 pabl=${5:-}
    pattern='[1-9][0-9]* entries over'
    [ "$kind" = view ] && pattern='dump values: DIFFERENT'
    if ! "$python" "$tmp/plant.py" "$kind" "$model" "$tmp/$name.json" "$tmp/planted.json" "$pabl" \
        "$src/tools/golden" >"$tmp/out" 2>&1; then
        sed 's/^/# /' "$tmp/out"
        ok 1 "$label: planting $kind failed"
        return
    fi
    "$python" "$check" --view "$view" ${pabl:+--ablate "$pabl"} "$model" "$tmp/planted.json" >"$tmp/out" 2>&1
    rc=$?
    [ $rc -eq 1 ] && grep -q "$pattern" "$tmp/out"
    rc2=$?
    [ $rc2 -ne 0 ] && sed 's/^/# /' "$tmp/out"
    ok $rc2 "$label: (c) $what fails the comparison (exit 1): $(sed -n 's/.*compared: \(worst |difference| [^ ]*\).*/\1/p' "$tmp/out" | head -n 1)"
}
# models LABEL MODEL TEXT ABLATE: (a) for one model.
models() {
    label=$1 model=$2 text=$3 abl=$4
    if [ ! -f "$model" ]; then
        ok 1 "$label: $model is missing"
        return
    fi
    for view in rollout values; do
        dump "$view" --view "$view" && against "$view" "$view" "(a) every layer and head"
        dump "$view-abl" --view "$view" --ablate "$abl" &&
            against "$view-abl" "$view" "(a) heads $abl knocked out" --ablate "$abl"
    done
}

# The bundled model (6 layers x 5 heads), the lesson's sentence.
models tinystories-2m "$src/data/tinystories-2m.gguf" "The cat sat on the mat because it was tired." \
    1.4,2.0,2.1,2.2,2.3,2.4,4.1
if [ -f "$model" ]; then
    dump one --view values --layer 4 --head 3 && against one values "(a) one head (--layer 4 --head 3)"
    # (b) CSV: the same rollout as the JSON's layer 3.
    if "$bin" --model "$model" --text "$text" --dump csv --view rollout --layer 3 --head 2 \
        >"$tmp/r.csv" 2>"$tmp/err" </dev/null; then
        "$python" - "$tmp/r.csv" "$tmp/rollout.json" >"$tmp/out" 2>&1 <<'EOF'
import csv, json, sys
import numpy as np
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
got = np.array([[float(x) for x in r[1:]] for r in rows[1:]])
want = np.array(json.load(open(sys.argv[2]))["attention"])[3, 2]
print(f"csv {got.shape}, max |difference| {np.abs(got - want).max():.3g}")
sys.exit(0 if got.shape == want.shape and np.abs(got - want).max() <= 1e-6 else 1)
EOF
        rc=$?
        sed 's/^/# /' "$tmp/out"
        ok $rc "$label: (b) --dump csv --view rollout --layer 3 --head 2 is the JSON's matrix"
    else
        ok 1 "$label: (b) --dump csv --view rollout: $(head -n 1 "$tmp/err")"
    fi
    abl=1.4,2.0,2.1,2.2,2.3,2.4,4.1
    refused bump rollout rollout "a rollout value off by 2e-4"
    refused noresidual rollout rollout "rollout without the 0.5·I residual"
    refused allheads rollout-abl rollout "rollout averaging the knocked-out heads too" "$abl"
    refused row values values "one value-weighted row not renormalised"
    refused view rollout rollout "a rollout dump whose \"view\" says values"
    # (d) usage errors: exit 2, one line on stderr, nothing on stdout.
    for args in "--dump json --view bad" "--dump json --view Rollout" \
        "--dump heads --view rollout" "--dump importance --view values" \
        "--dump json --view rollout --layer 0 --head 0 --query 3" "--view rollout" \
        "--info --view values" "--lesson --dump json --view rollout"; do
        # shellcheck disable=SC2086
        "$bin" --model "$model" --text "$text" $args >"$tmp/out" 2>"$tmp/err" </dev/null
        rc=$?
        [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ]
        ok $? "$label: (d) $args: exit 2 ($rc) with one line and no output: $(head -n 1 "$tmp/err")"
    done
fi

# ref260K: 5 layers x 8 heads over 4 key/value heads.
models ref260K "$shared/models/ref260K.gguf" \
    "Once upon a time, there was a little girl named Lily. She loved to play outside." \
    0.1,2.0,2.1,2.2,2.3,2.4,2.5,2.6,2.7,4.3
if [ -f "$model" ]; then
    dump one --view values --layer 3 --head 5 && against one values "(a) one head (--layer 3 --head 5, key/value head 2)"
    refused kvhead values values "value norms from key/value head h % 4 instead of h / 2"
fi

# The s15M random-weight model, F32: 64 tokens with the toy tokenizer.
model=$tmp/s15M-f32.gguf
if ! "$mkmodel" s15M f32 "$model" 2>"$tmp/err"; then
    ok 1 "s15M: mkmodel failed: $(head -n 1 "$tmp/err")"
else
    models s15M "$model" "$s15m_text" 1.4,3.0,3.1,3.2,3.3,3.4,3.5,5.2
    tokens=$(sed -n 's/.*"tokens":\[\([0-9,]*\)\].*/\1/p' "$tmp/rollout.json" | tr ',' '\n' | grep -c .)
    [ "$tokens" -eq 64 ]
    ok $? "s15M: the text makes 64 tokens ($tokens)"
    refused bump values values "a value-weighted value off by 2e-4"
    refused noresidual rollout rollout "rollout without the 0.5·I residual"
    rm -f "$model"
fi

echo "1..$n"
[ $failed -eq 0 ]
