#!/bin/sh
# test_tui_knockout.sh - knocking heads out in the explorer (issue 17), in a
# real terminal, on the bundled model and the lesson sentence:
#   K on a head marks it × in the sidebar and "(knocked out)" in the title;
#   the status line's meter after knocking out the two heads `--prune 2`
#   names says "2/30 heads off · loss A → B · top-1 same S/P" with the very
#   numbers --prune 2 reports (the CLI path, itself checked against float64
#   by test_importance_reference.sh); the next-token panel (t) shows the
#   predictions after and, under "with every head:", exactly the list it
#   showed before the knock-out; the overview marks both heads ×; R brings
#   every head back (meter gone, hints back, no ×); K on the layer mean
#   explains itself; i in the overview shows each head's importance as
#   `--dump importance` measures it (to 2 decimals); in the lesson's step 7
#   + and - knock out the step's ranked heads one at a time, the meter at
#   the curve `--lesson --dump json` measured, and the next step brings them
#   back; 40x12 survives K and R; q exits 0 with nothing on stderr.
. "$(dirname "$0")/tui/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux not installed"; exit 0
fi
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
src=$(cd "${ATTNSCOPE_SRCDIR:-$(dirname "$0")/..}" && pwd)
bundled=$src/data/tinystories-2m.gguf
if [ ! -f "$bundled" ]; then
    echo "1..0 # SKIP data/tinystories-2m.gguf not found"; exit 0
fi
ui="TERM=xterm-256color LANG=C.UTF-8 XDG_CONFIG_HOME=$tmp/none ATTNSCOPE_MODEL="
text="The cat sat on the mat because it was tired."
ascii() { sed 's/│/|/g; s/×/x/g; s/▣/#/g; s/·/./g' "$tmp/screen"; }
# side_cell L H: the sidebar's cell of layer L, head H (one character).
# The sidebar is the rightmost box: its row is the last "|L<l> " of a line.
side_cell() {
    ascii | awk -v L="$1" -v H="$2" '
        { s = $0; p = 0; k = 0
          while ((i = index(substr(s, k + 1), "|L" L " ")) > 0) { k += i; p = k } }
        p { print substr($0, p + 4 + H, 1); exit }'
}

# --- what the CLI says --------------------------------------------------------
"$bin" --model "$bundled" --prune 2 -t "$text" >"$tmp/prune" 2>"$tmp/prune.err"
heads=$(sed -n 's/^pruned 2 of [0-9]* heads.*: \([0-9]*\.[0-9]* [0-9]*\.[0-9]*\)$/\1/p' "$tmp/prune")
before=$(sed -n 's/^loss: \([0-9.]*\) -> .*/\1/p' "$tmp/prune")
after=$(sed -n 's/^loss: [0-9.]* -> \([0-9.]*\) .*/\1/p' "$tmp/prune")
same=$(sed -n 's/^top-1 next token unchanged: \([0-9]*\) of \([0-9]*\).*/\1\/\2/p' "$tmp/prune")
[ -n "$heads" ] && [ -n "$before" ] && [ -n "$after" ] && [ -n "$same" ]
ok $? "--prune 2 names two heads ($heads), the loss before and after, the top-1 count"
set -- $heads
l1=${1%.*} h1=${1#*.} l2=${2%.*} h2=${2#*.}
meter="2/30 heads off · loss $(printf '%.2f' "$before") → $(printf '%.2f' "$after") · top-1 same $same"

# --- K, the meter, the marks, the panel -------------------------------------------
start 80 24 $ui -- --model "$bundled" -t "'$text'" --layer "$l1" --head "$h1"
wait_for "layer $l1  head $h1  " && keys t && wait_for 'after the sentence \(12 tokens\):'
check $? "80x24: the next-token panel (t) before any knock-out"
# The two lists as they stand (piece and probability), to find again later.
sed -n 's/^│  \(.\{16\}\) *\([0-9]\.[0-9]\{3\}\) .*/\1 \2/p' "$tmp/screen" | sed 's/ *$//' >"$tmp/lists.before"
[ "$(wc -l <"$tmp/lists.before")" -eq 10 ]
ok $? "the panel lists 10 predictions (5 after the sentence, 5 after the query)"

keys K
wait_for "^ 1/30 heads off · loss " && grep -q "head $h1 (knocked out)" "$tmp/screen" &&
    [ "$(side_cell "$l1" "$h1")" = x ]
check $? "K: the title says head $h1 (knocked out), the sidebar cell L$l1 H$h1 is ×, the meter says 1/30 heads off"
# To the second head: ] for layers, Tab for heads (both wrap).
i=0; while [ $i -lt $(( (l2 - l1 + 6) % 6 )) ]; do keys ']'; i=$((i + 1)); done
i=0; while [ $i -lt $(( (h2 - h1 + 5) % 5 )) ]; do keys Tab; i=$((i + 1)); done
wait_for "layer $l2  head $h2  " && keys K
wait_for "^ 2/30 heads off" && grep -Fq " $meter   K toggles  R restores" "$tmp/screen"
check $? "the meter after knocking out $l1.$h1 and $l2.$h2 is --prune 2's: '$meter'"
[ "$(side_cell "$l1" "$h1")" = x ] && [ "$(side_cell "$l2" "$h2")" = x ] &&
    [ "$(ascii | grep -o '|L[0-9] [^|]*|$' | tr -cd 'x' | wc -c)" -eq 2 ]
check $? "the sidebar marks exactly the two heads ×"
grep -q '2 heads off, after the sentence:' "$tmp/screen" &&
    [ "$(grep -c 'with every head:' "$tmp/screen")" -eq 2 ]
check $? "the panel says '2 heads off, after the sentence:' with a 'with every head:' list beside each"
sed -n 's/.*│ \(.\{15\}\) *\([0-9]\.[0-9]\{3\}\) *│.*/\1 \2/p' "$tmp/screen" | sed 's/  *\([0-9]\)/ \1/; s/ *$//' >"$tmp/lists.right"
sed 's/  *\([0-9]\)/ \1/' "$tmp/lists.before" >"$tmp/lists.want"
cmp -s "$tmp/lists.want" "$tmp/lists.right"
check $? "'with every head:' lists exactly what the panel showed before the knock-out"
sed -n 's/^│  \(.\{16\}\) *\([0-9]\.[0-9]\{3\}\) .*/\1 \2/p' "$tmp/screen" | sed 's/  *\([0-9]\)/ \1/; s/ *$//' >"$tmp/lists.after"
! cmp -s "$tmp/lists.want" "$tmp/lists.after"
check $? "the lists after the knock-out differ from those before (the probabilities moved)"

keys o
wait_for '^┌ overview' && [ "$(ascii | sed -n 's/^|L[0-9]  \([^|]*\)|.*/\1/p' | tr -cd 'x' | wc -c)" -eq 2 ] &&
    ascii | grep -q "^|L$l1  .*x"
check $? "the overview marks the two knocked-out heads ×"
keys R
wait_gone 'heads off' && wait_for '^┌ overview' &&
    [ "$(ascii | sed -n 's/^|L[0-9]  \([^|]*\)|.*/\1/p' | tr -cd 'x' | wc -c)" -eq 0 ]
check $? "R: every head back in, no × in the overview, no meter"

# --- i: importance in the overview ------------------------------------------------
"$bin" --model "$bundled" --dump importance -t "$text" >"$tmp/imp" 2>/dev/null
awk '/^ *[0-9]+ /{ printf "L%s ", $1; for (i = 2; i <= NF; i++) printf " %+.2f", $i; print "" }' "$tmp/imp" >"$tmp/imp.want"
keys i
wait_for '^┌ importance · ' && wait_gone 'measuring' 20
ascii | sed -n 's/^|\(L[0-9]\)  \([^|]*\)|.*/\1  \2/p' | sed 's/ *$//; s/  */ /g; s/^\(L[0-9]\) /\1  /' >"$tmp/imp.got"
sed 's/  */ /g; s/^\(L[0-9]\) /\1  /' "$tmp/imp.want" >"$tmp/imp.want2"
cmp -s "$tmp/imp.want2" "$tmp/imp.got" || { diff "$tmp/imp.want2" "$tmp/imp.got" | sed 's/^/# /'; false; }
check $? "i: the overview shows every head's importance as --dump importance measures it"
keys Escape
wait_for "layer $l1  head $h1  |layer $l2  head $h2  "

# --- the layer mean ------------------------------------------------------------------
keys a
wait_for 'head mean of 5' && keys K && wait_for 'K knocks out one head'
check $? "K on the layer mean says to pick a head, and knocks nothing out"
! grep -q 'heads off' "$tmp/screen"
check $? "... no meter"
quits "q after the knock-outs exits 0"

# --- --ablate opens the explorer with the heads out --------------------------------
start 80 24 $ui -- --model "$bundled" -t "'$text'" --ablate "$l1.$h1,$l2.$h2"
wait_for "^ 2/30 heads off" && grep -Fq " $meter   K toggles  R restores" "$tmp/screen" &&
    [ "$(side_cell "$l1" "$h1")" = x ] && [ "$(side_cell "$l2" "$h2")" = x ]
check $? "--ablate $l1.$h1,$l2.$h2 opens with both heads out: the same meter and marks as K K"
quits "q after --ablate exits 0"

# --- without UTF-8: pieces and titles in ASCII stand-ins, never "?" -----------------
start 80 24 TERM=vt100 LANG=C XDG_CONFIG_HOME=$tmp/none ATTNSCOPE_MODEL= -- \
    --model "$bundled" -t "'$text'" --ablate "$l1.$h1"
wait_for '^ 1/30 heads off' && keys t && wait_for '^\|1 head off, after the sentence: +\|with every head:' &&
    grep -Eq '^\|  _[A-Za-z]+ +0\.[0-9]{3} .*\| _[A-Za-z]+ +0\.[0-9]{3} ' "$tmp/screen" &&
    ! sed 1d "$tmp/screen" | grep -q '?'
check $? "LANG=C: the panel's pieces show ▁ as _ on both sides, no '?' under the title (its '? help')"
keys Escape
sleep 0.3
keys o
wait_for '^\+ overview' && keys i && wait_for '^\+ importance \. loss rise without each head \. i pictures'
check $? "LANG=C: the importance overview's title with '.' for '·'"
quits "LANG=C: q exits 0"

# --- the lesson's step 7: + and - -------------------------------------------------
XDG_CONFIG_HOME=$tmp/none ATTNSCOPE_MODEL= "$bin" --lesson --dump json >"$tmp/lesson.json" 2>/dev/null
awk '{ gsub(/\{"index":/, "\n&"); print }' "$tmp/lesson.json" | grep '^{"index":7,' >"$tmp/step7"
order=$(grep -o '"order":\[[^]]*\]\(,\[[^]]*\]\)*' "$tmp/step7" | sed 's/"order":\[//; s/\],\[/ /g; s/[][]//g; s/,/./g')
loss=$(grep -o '"loss":\[[^]]*\]' "$tmp/step7" | sed 's/"loss":\[//; s/\]//; s/,/ /g')
top1=$(grep -o '"top1_same":\[[^]]*\]' "$tmp/step7" | sed 's/"top1_same":\[//; s/\]//; s/,/ /g')
set -- $order; o1=$1 o2=$2
set -- $loss; L0=$(printf '%.2f' "$1") L2=$(printf '%.2f' "$3")
set -- $top1; T2=$3
[ -n "$o2" ] && [ -n "$L2" ] && [ -n "$T2" ]
ok $? "--lesson --dump json: step 7's order and curve ($o1, $o2 first; loss $L0 -> $L2 with two out)"
start 80 24 $ui -- --lesson
wait_for '^ Lesson 1/9 ' && keys n n n n n n && wait_for '^ Lesson 7/9 · Many heads are redundant' &&
    wait_for '^│▶  0  -'
check $? "the lesson's step 7 opens on its table, the cursor on 0 heads out"
keys +
wait_for '^ 1/30 heads off' && keys + && wait_for "^ 2/30 heads off · loss $L0 → $L2 · top-1 same $T2/11" &&
    [ "$(side_cell "${o1%.*}" "${o1#*.}")" = x ] && [ "$(side_cell "${o2%.*}" "${o2#*.}")" = x ] &&
    grep -q '^│▶  2  ' "$tmp/screen"
check $? "+ +: the step's first two heads ($o1, $o2) out, marked ×, the meter at the curve's point 2, the cursor on row 2"
keys -
wait_for '^ 1/30 heads off' && grep -q '^│▶  1  ' "$tmp/screen"
check $? "-: one head back in, the cursor on row 1"
keys n
wait_for '^ Lesson 8/9 ' && wait_gone 'heads off'
check $? "n: the next step brings the step's heads back in"
quits "q in the lesson exits 0"

# --- a tiny terminal -----------------------------------------------------------------
start 40 12 $ui -- --model "$bundled" -t "'$text'"
wait_for 'tired' && keys K && wait_for 'off' && keys R && wait_gone 'heads off'
check $? "40x12: K and R work (the meter comes and goes)"
quits "40x12: q exits 0"

finish
