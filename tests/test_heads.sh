#!/bin/sh
# test_heads.sh - the bundled model's head patterns, as the explorer labels
# them (attnscope --dump heads), agree with the head findings of its model
# card (tools/heads/head_findings.py, an independent float64 run, saved in
# tools/heads/NAME.json): a head is previous-token in the findings (mean
# weight on the previous token >= 0.5 over the 51 sentences) exactly when
# the explorer labels it previous-token on most of those sentences, and
# likewise for first-token.
# Checked both ways for every head, so it means something even for a model
# with no positional head.  Every bundled decoder must have its findings.
bin=${ATTNSCOPE_BIN:-../src/attnscope}
src=${ATTNSCOPE_SRCDIR:-..}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }

found=0
for model in "$src"/data/*.gguf; do
    [ -f "$model" ] || continue
    name=$(basename "$model" .gguf)
    # The findings (tools/heads/head_findings.py) are a decoder's: the
    # bundled encoder's head findings are doc/MODEL.md's, measured by
    # tools/train/check_bert.py; its attention is checked against the float64
    # reference by test_golden and test_mlm_reference.sh.
    if "$bin" --info --model "$model" 2>/dev/null | grep -q '^architecture:.*(bidirectional)'; then
        echo "# $name: bidirectional, not a decoder: its head findings are doc/MODEL.md's"
        continue
    fi
    findings=$src/tools/heads/$name.json
    if [ ! -f "$findings" ]; then
        n=$((n + 1)); echo "not ok $n - $name: no findings file $findings"; failed=$((failed + 1)); continue
    fi
    found=1
    # Per head, from the findings: its pooled prev and sink means.
    awk '/"layer"/ { gsub(/[^0-9]/, "", $0); l = $0 } /"head"/ { gsub(/[^0-9]/, "", $0); h = $0 }
         /"prev"/ { gsub(/[^0-9.]/, "", $0); p = $0 } /"sink"/ { gsub(/[^0-9.]/, "", $0); s = $0 }
         /"wins"/ { print l, h, p, s }' "$findings" >"$tmp/findings"
    # Per head, from the explorer's analysis: how many sentences label it so.
    : >"$tmp/labels"
    count=0
    while IFS='	' read -r text rest; do
        case $text in ''|'#'*) continue ;; esac
        "$bin" --model "$model" --text "$text" --dump heads >>"$tmp/labels" || exit 1
        count=$((count + 1))
    done <"$src/tools/heads/sentences.tsv"
    # Each head both ways: positional in the findings (mean >= 0.5) exactly
    # when the explorer gives it that label on most sentences.
    awk -v count="$count" 'NR == FNR { prev[$1 " " $2] = $3; sink[$1 " " $2] = $4; next }
         $1 ~ /^[0-9]+$/ { k = $1 " " $2; lab[k, $3]++ }
         END { for (k in prev) {
                   heads++
                   fp = prev[k] >= 0.5; lp = lab[k, "previous-token"] * 2 > count
                   fs = sink[k] >= 0.5; ls = lab[k, "first-token"] * 2 > count
                   if (fp != lp || fs != ls) {
                       bad++
                       print "# head " k ": findings prev " prev[k] " sink " sink[k] "; labelled previous-token on " lab[k, "previous-token"] + 0 "/" count ", first-token on " lab[k, "first-token"] + 0 "/" count
                   }
                   positional += fp + fs
               }
               print "# " heads + 0 " heads, " positional + 0 " positional in the findings, " bad + 0 " disagree"
               exit !(heads > 0 && bad == 0) }' "$tmp/findings" "$tmp/labels"
    ok $? "$name: the explorer's head labels agree with the model card's findings over $count sentences"
done
[ $found -eq 1 ] || { n=$((n + 1)); echo "ok $n # SKIP no bundled model with findings in data/"; }
echo "1..$n"
[ $failed -eq 0 ]
