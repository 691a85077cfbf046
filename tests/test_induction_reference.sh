#!/bin/sh
# test_induction_reference.sh - the induction score of `attnscope --dump
# heads` (issue 17; src/core/induction.h: BOS, T random ordinary tokens,
# the same T again; a head's score is its mean weight from each token of the
# second copy to the token after its first copy) matches the independent
# float64 reference, and the pattern labels follow analysis.h's rule.
# tools/golden/check_induction.py rebuilds the sequence from the dump's
# "# induction:" line, checks it against the rule (T, BOS, distinct ordinary
# tokens), recomputes every head's score with reference.py (numpy) and fails
# on a difference over 1e-4 or a label the rule does not give.
# On the bundled model (the lesson sentence), the s15M random-weight model
# (F32, tests/mkmodel) and ref260K when the shared folder has it:
#   (1) the dump: the comment line, the column titles with induct last, a
#       row per head; every score and label as the reference's;
#   (2) the induct column is the model's, not the text's: the same on
#       another text and with --ablate (it is measured intact);
#   (3) random weights: no head labelled induction, every score under 0.3;
#   (4) planted mistakes fail the checker (exit 1): a score off by 2e-4,
#       scores with the key one position early (the earlier copy itself,
#       not the token after it), a wrong label, a token of the comment line
#       changed.
# Skipped when /usr/bin/python3 with numpy is missing.
. "$(dirname "$0")/reference/lib.sh"
check=$src/tools/golden/check_induction.py
lesson="The cat sat on the mat because it was tired."

# plant.py WHAT MODEL IN OUT: IN (a --dump heads output) with one mistake.
#   value  the first head's induct + 2e-4
#   key    every induct recomputed (float64) with the key one position early:
#          A[1+T+j][1+j], the earlier copy of r_j itself
#   label  the first head's pattern "induction" (or "content" when it is)
#   token  the comment line's first random token replaced by the next id
#          that is not listed (scores left as they are)
cat >"$tmp/plant.py" <<'EOF'
import re, sys
import numpy as np
from reference import Model
what, model, src, dst = sys.argv[1:5]
lines = open(src).read().splitlines()
rows = [i for i, ln in enumerate(lines) if ln.split() and ln.split()[0].isdigit()]
head = next(i for i, ln in enumerate(lines) if ln.startswith("# induction:"))
ids = [int(x) for x in lines[head].split("tokens")[1].split()]
def put(i, col, text):
    f = lines[i].split()
    f[col] = text
    lines[i] = "%5s %4s  %-14s %6s %6s %6s %6s %8s %7s" % tuple(f)
if what == "value":
    put(rows[0], 8, "%.5f" % (float(lines[rows[0]].split()[8]) + 2e-4))
elif what == "key":
    T = len(ids) - 1
    m = Model(model)
    attn, _ = m.forward(ids + ids[1:])
    j = np.arange(T)
    s = attn[:, :, 1 + T + j, 1 + j].mean(-1)
    for i in rows:
        f = lines[i].split()
        put(i, 8, "%.5f" % s[int(f[0]), int(f[1])])
elif what == "label":
    f = lines[rows[0]].split()
    put(rows[0], 2, "content" if f[2] == "induction" else "induction")
elif what == "token":
    new = ids[1] + 1
    while new in ids:
        new += 1
    lines[head] = re.sub(r"(tokens \d+ )\d+", lambda m: m.group(1) + str(new), lines[head], 1)
open(dst, "w").write("\n".join(lines) + "\n")
EOF

# heads NAME MODEL TEXT ARGS...: --dump heads into $tmp/NAME; 0, or ok 1.
heads() {
    name=$1 model=$2 text=$3
    shift 3
    "$bin" --model "$model" --text "$text" --dump heads "$@" >"$tmp/$name" 2>"$tmp/err" </dev/null
    rc=$?
    [ $rc -eq 0 ] && return 0
    ok 1 "$label: attnscope --dump heads $*: exit $rc: $(head -n 1 "$tmp/err")"
    return 1
}
# checked NAME MODEL: (1) the checker passes on $tmp/NAME.
checked() {
    "$python" "$check" "$2" "$tmp/$1" >"$tmp/out" 2>&1
    rc=$?
    [ $rc -ne 0 ] && sed 's/^/# /' "$tmp/out"
    worst=$(sed -n 's/^induct: .*largest |difference| \([^ ]*\) .*/\1/p' "$tmp/out")
    range=$(sed -n 's/^induct: .*reference scores \([^ ]*\) .*/\1/p' "$tmp/out")
    ok $rc "$label: (1) every head's induct within 1e-4 of the float64 reference (largest |difference| ${worst:-?}; scores ${range:-?}), the sequence and the labels as the rule says"
}
# format NAME HEADS: (1) the comment line, the titles, a row per head.
format() {
    rows=$(grep -Ec '^ +[0-9]+ +[0-9]+  (previous-token|self|first-token|broad|content|induction) +([0-9.]+ +){5}[0-9]\.[0-9]{5}$' "$tmp/$1")
    grep -Eq '^# induction: T=[0-9]+ seed=[0-9]+ tokens( [0-9]+)+$' "$tmp/$1" &&
        grep -Eq '^layer +head +pattern +score +prev +self +first +entropy +induct$' "$tmp/$1" &&
        [ "$rows" -eq "$2" ]
    ok $? "$label: (1) the \"# induction:\" line, the titles with induct last, $2 rows ($rows)"
}
# induct NAME: the comment line and the induct column of $tmp/NAME.
induct() {
    { grep '^# induction:' "$tmp/$1"; awk '$1 ~ /^[0-9]+$/ { print $1, $2, $9 }' "$tmp/$1"; }
}
# refused WHAT PATTERN MODEL IN: plant WHAT into IN; the checker must exit 1 with PATTERN.
refused() {
    what=$1 pattern=$2 m=$3 in=$4
    if ! PYTHONPATH=$src/tools/golden "$python" "$tmp/plant.py" "$what" "$m" "$tmp/$in" "$tmp/bad" 2>"$tmp/err" ||
        cmp -s "$tmp/$in" "$tmp/bad"; then
        ok 1 "$label: (4) could not plant a mistake ($what): $(head -n 1 "$tmp/err")"
        return
    fi
    "$python" "$check" "$m" "$tmp/bad" >"$tmp/out" 2>&1
    rc=$?
    [ $rc -eq 1 ] && grep -q -- "$pattern" "$tmp/out"
    r=$?
    [ $r -ne 0 ] && sed 's/^/# /' "$tmp/out"
    ok $r "$label: (4) $(echo "$what" | sed 's/^value$/a score off by 2e-4/; s/^key$/scores with the key one position early (the earlier copy itself)/; s/^label$/a wrong label on head 0.0/; s/^token$/a token of the comment line changed/') fails the checker (exit $rc)"
}

# The bundled model (6 layers x 5 heads).
label=tinystories-2m
model=$src/data/tinystories-2m.gguf
if [ ! -f "$model" ]; then
    ok 1 "tinystories-2m: the bundled model $model is missing"
elif heads lesson "$model" "$lesson"; then
    format lesson 30
    checked lesson "$model"
    if heads other "$model" "Once upon a time there was a little dog." &&
        heads ablated "$model" "$lesson" --ablate 0.1,4.0; then
        induct lesson >"$tmp/a"
        induct other >"$tmp/b"
        induct ablated >"$tmp/c"
        cmp -s "$tmp/a" "$tmp/b" && cmp -s "$tmp/a" "$tmp/c" && [ "$(wc -l <"$tmp/a")" -eq 31 ]
        ok $? "$label: (2) the same sequence and induct column on another text and with --ablate 0.1,4.0"
    fi
    refused value "induct: .*WRONG: 1 over" "$model" lesson
    refused key "induct: .*WRONG: [1-9][0-9]* over" "$model" lesson
    refused label "labels: .*WRONG: 0.0 induction" "$model" lesson
    refused token "induct: .*WRONG" "$model" lesson
fi

# The s15M random-weight model (6 layers x 6 heads), F32.
label=s15M
model=$tmp/s15M-f32.gguf
if ! "$mkmodel" s15M f32 "$model" 2>"$tmp/err"; then
    ok 1 "s15M: mkmodel failed: $(head -n 1 "$tmp/err")"
elif heads s15m "$model" "$s15m_text"; then
    format s15m 36
    checked s15m "$model"
    top=$(awk '$1 ~ /^[0-9]+$/ && $9 > max { max = $9 } END { printf "%.5f", max }' "$tmp/s15m")
    ! grep -q ' induction ' "$tmp/s15m" && awk -v t="$top" 'BEGIN { exit !(t < 0.3) }'
    ok $? "$label: (3) random weights: no head labelled induction, the largest score $top under 0.3"
    refused key "induct: .*WRONG: [1-9][0-9]* over" "$model" s15m
fi
rm -f "$model"

# ref260K from the shared folder, when there.
label=ref260K
model=${ATTNSCOPE_SHARED:-$src/../shared}/models/ref260K.gguf
if [ -f "$model" ] && heads ref "$model" "$lesson"; then
    checked ref "$model"
fi

echo "1..$n"
[ $failed -eq 0 ]
