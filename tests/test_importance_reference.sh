#!/bin/sh
# test_importance_reference.sh - `attnscope --dump importance` and `--prune K`
# (issue 17) match an independent float64 reference: tools/golden/
# check_importance.py recomputes, with reference.py (numpy, the logits at
# every position, only the --dump json token ids as input), the mean
# next-token loss of the text (nats, teacher forcing, BOS as token 0), each
# head's importance (the loss with it alone knocked out minus the loss
# intact) and the one-shot pruning of the K least important heads.
# On the bundled model (the lesson sentence) and on the s15M random-weight
# model (F32, tests/mkmodel, the 64-token text of test_random_reference.sh):
#   (1) every importance value and the header's intact loss within 1e-4;
#   (2) --prune 1 and --prune N/3: the heads listed are the reference's K
#       least important (ties to the lower layer.head; reference values
#       within 1e-6 at the boundary either way), the loss before and after
#       within 1e-4, the top-1 count the reference's;
#   (3) planted mistakes fail the checker (exit 1): an importance value and
#       the header's loss off by 2e-4, a wrong pruned head, the loss after
#       pruning off by 2e-4, the top-1 count off by one;
#   (4) --prune 0, --prune 31 (the bundled model has 30 heads) and --prune x
#       exit 2 with one line on stderr and nothing on stdout.
# Skipped when /usr/bin/python3 with numpy is missing.
. "$(dirname "$0")/reference/lib.sh"
check=$src/tools/golden/check_importance.py

# plant.py WHAT IN OUT: IN (an attnscope report) with one planted mistake.
#   value  the first importance value of the grid + 2e-4
#   header the header's intact loss + 2e-4
#   head   the first pruned head replaced by the first head not listed (the
#          model's heads read from GRID, a --dump importance report: plant.py head IN OUT GRID)
#   after  the loss after pruning + 2e-4
#   top1   the top-1 count + 1 (or - 1 when it is already every position)
cat >"$tmp/plant.py" <<'EOF'
import re, sys
what, src, dst = sys.argv[1:4]
text = open(src).read()
if what == "value":
    new = re.sub(r"(?m)^(\s*0\s+)([-+]\d+\.\d+)", lambda m: f"{m.group(1)}{float(m.group(2)) + 2e-4:+.4f}", text, 1)
elif what == "header":
    new = re.sub(r"(?m)^(# importance:.* )(\d+\.\d+)( without)$", lambda m: f"{m.group(1)}{float(m.group(2)) + 2e-4:.4f}{m.group(3)}", text, 1)
elif what == "head":
    m = re.search(r"(?m)^(pruned \d+ of \d+ heads.*:) (\d+\.\d+)", text)
    listed = re.search(r"(?m)^pruned .*:((?: \d+\.\d+)*)$", text).group(1).split()
    rows = [ln.split() for ln in open(sys.argv[4]) if ln.split() and ln.split()[0].isdigit()]
    other = next(f"{l}.{h}" for l in range(len(rows)) for h in range(len(rows[0]) - 1)
                 if f"{l}.{h}" not in listed)
    new = text[:m.start(2)] + other + text[m.end(2):]
elif what == "after":
    new = re.sub(r"(?m)^(loss: \S+ -> )(\d+\.\d+)", lambda m: f"{m.group(1)}{float(m.group(2)) + 2e-4:.4f}", text, 1)
elif what == "top1":
    def one(m):
        s, p = int(m.group(2)), int(m.group(3))
        return f"{m.group(1)}{s + 1 if s < p else s - 1} of {p}"
    new = re.sub(r"(?m)^(top-1 next token unchanged: )(\d+) of (\d+)", one, text, 1)
if new == text:
    sys.exit(f"plant.py: nothing to change for {what} in {src}")
open(dst, "w").write(new)
EOF

# run NAME ARGS...: attnscope on $model and $text into $tmp/$label.NAME; 0, or ok 1.
run() {
    name=$1
    shift
    "$bin" --model "$model" --text "$text" "$@" >"$tmp/$label.$name" 2>"$tmp/err" </dev/null
    rc=$?
    [ $rc -eq 0 ] && return 0
    ok 1 "$label: attnscope $*: exit $rc: $(head -n 1 "$tmp/err")"
    return 1
}

# check_model LABEL MODEL TEXT K: (1) and (2) for one model and text; 0 when every
# report could be made (the files stay in $tmp for the plants).
check_model() {
    label=$1 model=$2 text=$3 k=$4
    run json --dump json && run imp --dump importance && run p1 --prune 1 && run pk --prune "$k" ||
        return 1
    tokens=$(sed -n 's/.*"tokens":\[\([0-9,]*\)\].*/\1/p' "$tmp/$label.json" | tr ',' '\n' | grep -c .)
    "$python" "$check" "$model" "$tmp/$label.json" --importance "$tmp/$label.imp" \
        --prune "$tmp/$label.p1" --prune "$tmp/$label.pk" >"$tmp/out" 2>&1
    rc=$?
    [ $rc -ne 0 ] && sed 's/^/# /' "$tmp/out"
    line=$(grep '^importance: ' "$tmp/out")
    worst=$(echo "$line" | sed -n 's/.*largest |difference| \([^ ]*\) at head \([^ ]*\) .*/\1 at \2/p')
    lossd=$(echo "$line" | sed -n 's/.*loss intact .*(|difference| \([^)]*\)).*/\1/p')
    case $line in *": ok") r=0 ;; *) r=1 ;; esac
    ok $r "$label: (1) $tokens tokens: every head's importance within 1e-4 of the float64 reference (largest |difference| ${worst:-?}), the intact loss too (${lossd:-?})"
    for f in p1 pk; do
        line=$(grep "^prune .*($tmp/$label.$f)" "$tmp/out")
        kk=$(echo "$line" | sed -n 's/^prune \([0-9]*\) .*/\1/p')
        heads=$(echo "$line" | sed -n 's/^prune [^:]*: heads \([^:]*\): .*/\1/p')
        d=$(echo "$line" | sed -n 's/.*(largest |difference| \([^)]*\)).*/\1/p')
        top=$(echo "$line" | sed -n 's/.*top-1 unchanged \([0-9]* of [0-9]*\), .*/\1/p')
        case $line in *": ok") r=0 ;; *) r=1 ;; esac
        ok $r "$label: (2) --prune ${kk:-?}: the reference's least important (${heads:-?}), loss before/after within 1e-4 (largest |difference| ${d:-?}), top-1 unchanged ${top:-?} as the reference"
    done
    [ $rc -ne 0 ] && ok 1 "$label: check_importance.py exit $rc"
    return 0
}

# refused WHAT PATTERN ARGS...: the checker on ARGS (a planted mistake) must
# exit 1 with PATTERN in its report.
refused() {
    what=$1 pattern=$2
    shift 2
    "$python" "$check" "$@" >"$tmp/out" 2>&1
    rc=$?
    [ $rc -eq 1 ] && grep -q -- "$pattern" "$tmp/out"
    r=$?
    [ $r -ne 0 ] && sed 's/^/# /' "$tmp/out"
    ok $r "$label: (3) $what fails the checker (exit $rc)"
}

# plant WHAT IN [GRID]: plant.py into $b.bad; 0, or ok 1 (a check not silently lost).
plant() {
    "$python" "$tmp/plant.py" "$1" "$2" "$b.bad" ${3:+"$3"} 2>"$tmp/err" && return 0
    ok 1 "$label: (3) could not plant a mistake ($1): $(head -n 1 "$tmp/err")"
    return 1
}

# The bundled model (6 layers x 5 heads), on the lesson's sentence; K = 10.
bundled=$src/data/tinystories-2m.gguf
lesson="The cat sat on the mat because it was tired."
if [ ! -f "$bundled" ]; then
    ok 1 "tinystories-2m: the bundled model $bundled is missing"
elif check_model tinystories-2m "$bundled" "$lesson" 10; then
    b=$tmp/tinystories-2m
    for what in value header; do
        plant "$what" "$b.imp" &&
            refused "an importance report with its $what off by 2e-4" "WRONG" \
                "$bundled" "$b.json" --importance "$b.bad"
    done
    plant head "$b.pk" "$b.imp" &&
        refused "a --prune 10 report with one head not the reference's" "WRONG: heads" \
            "$bundled" "$b.json" --prune "$b.bad"
    plant after "$b.p1" &&
        refused "a --prune 1 report with the loss after off by 2e-4" "WRONG: loss after" \
            "$bundled" "$b.json" --prune "$b.bad"
    plant top1 "$b.pk" &&
        refused "a --prune 10 report with the top-1 count off by one" "WRONG: top-1" \
            "$bundled" "$b.json" --prune "$b.bad"
    # (4) K out of range or not a number: exit 2, one line, no report.
    for bad in 0 31 x; do
        "$bin" --model "$bundled" --text "$lesson" --prune "$bad" >"$tmp/out" 2>"$tmp/err" </dev/null
        rc=$?
        [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ]
        ok $? "tinystories-2m: (4) --prune $bad: exit 2 ($rc) with one line and no report: $(head -n 1 "$tmp/err")"
    done
fi

# The s15M random-weight model (6 layers x 6 heads), F32: 64 tokens; K = 12.
model=$tmp/s15M-f32.gguf
if ! "$mkmodel" s15M f32 "$model" 2>"$tmp/err"; then
    ok 1 "s15M: mkmodel failed: $(head -n 1 "$tmp/err")"
else
    check_model s15M "$model" \
        "$s15m_text" 12
    rm -f "$model"
fi

echo "1..$n"
[ $failed -eq 0 ]
