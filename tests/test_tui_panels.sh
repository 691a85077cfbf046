#!/bin/sh
# test_tui_panels.sh - every panel fits its window or says what it cuts
# ("↑ N more" / "↓ N more" in its border), at 40x12, 80x24, 120x40 and
# 200x60 (issue 15): the help overlay (scrolls; every mode's keys), the
# title line, the math (x), next-token (t) and overview (o) panels, and the
# head sidebar.
. "$(dirname "$0")/tui/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux not installed"; exit 0
fi
src=${ATTNSCOPE_SRCDIR:-..}
bundled=$src/data/tinystories-2m.gguf
keymap=$src/src/ui/keymap.c
if [ ! -f "$bundled" ] || [ ! -f "$keymap" ]; then
    echo "1..0 # SKIP the source tree is not at $src"; exit 0
fi
ui="TERM=xterm-256color LANG=C.UTF-8 XDG_CONFIG_HOME=$tmp/none"

# What each row of the help says, as keymap.c lists them (51 rows, some
# alike: "quit" is in every mode).
sed -n 's/.*ACT_[A-Z_]*}\{0,1\}, "\([^"]*\)"[)}],$/\1/p' "$keymap" >"$tmp/what"
rows=$(wc -l <"$tmp/what")

# every_row: each description is on the screen as often as keymap.c has it
# (at least), or say which is missing.
every_row() {
    sort "$tmp/what" | uniq -c | while read -r count what; do
        have=$(grep -o -F -- "$what" "$tmp/screen" | wc -l)
        [ "$have" -ge "$count" ] || { echo "# missing: $what ($have of $count)"; exit 1; }
    done
}

# The number in the help box's "↓ N more" / "↑ N more" mark, or 0.
more_below() { sed -n 's/.*↓ \([0-9][0-9]*\) more.*/\1/p' "$tmp/screen" | head -1 | grep . || echo 0; }
more_above() { sed -n 's/.*↑ \([0-9][0-9]*\) more.*/\1/p' "$tmp/screen" | head -1 | grep . || echo 0; }

# title_fits: the title line (the first) holds the layer and head whole and
# ends in "? help" (and a space capture-pane drops) with two spaces or more
# before it, or has no "? help".
title_fits() { # title_fits LAYER HEAD
    head -1 "$tmp/screen" >"$tmp/title"
    grep -Eq "(layer $1|L$1)  (head $2|H$2)([ (]|$)" "$tmp/title" || { sed 's/^/# title: /' "$tmp/title"; return 1; }
    if grep -q '? help' "$tmp/title"; then
        grep -Eq '[^ ]   *\? help *$' "$tmp/title" || { sed 's/^/# title: /' "$tmp/title"; return 1; }
    fi
}

# --- 80x24 -------------------------------------------------------------------
start 80 24 $ui -- --model "$bundled"
wait_for '^ \. → '
ok $? "80x24: starts on the bundled model"
# The sidebar's sink: layer 0, head 0's mean weight on the first token, as
# --dump heads measures it (its "first" column).
sink=$("$bin" --model "$bundled" --dump heads | awk '$1 == 0 && $2 == 0 { printf "%.2f", $7 }')
grep -q "│sink $sink *│" "$tmp/screen" && [ -n "$sink" ]
ok $? "80x24: the sidebar shows head 0.0's sink, $sink, as --dump heads measures it"

keys '?'
wait_for '┌ keys ─' && grep -q '│ The main view ' "$tmp/screen" &&
    [ "$(more_below)" -gt 0 ] && grep -q '↓ [0-9]* more ┘' "$tmp/screen"
ok $? "80x24 ?: the help opens at its top with a '↓ N more' mark in its bottom border"
grep -q 'PgUp PgDn .*scroll' "$tmp/screen" && grep -q 'other key.* close' "$tmp/screen"
ok $? "80x24 ?: a line says how to scroll and how to close the help"
below=$(more_below)

keys Down
wait_for '↑ 1 more' && ! grep -q '│ The main view ' "$tmp/screen" &&
    [ "$(more_below)" -eq $((below - 1)) ]
ok $? "80x24 ↓: the help scrolls a line ('↑ 1 more', one fewer below)"

keys End
wait_for 'this head; × knocked out \(K\)' && ! grep -q '↓ [0-9]* more' "$tmp/screen" &&
    [ "$(more_above)" -eq "$below" ]
ok $? "80x24 End: the last row of the help (the legend's) is shown, '↑ $below more' above it"

# Past the end and back: the view keeps the clamped line, so one ↑ moves.
keys Down Down Down Up
wait_for '↓ 1 more' && [ "$(more_above)" -eq $((below - 1)) ]
ok $? "80x24 ↓ past the end, then ↑: one line back up at once"

keys Home
wait_for '│ The main view ' && ! grep -q '↑ [0-9]* more' "$tmp/screen"
ok $? "80x24 Home: back to the top of the help"

keys End q
wait_gone '┌ keys ─' && wait_for '^ \. → ' && ! grep -q 'EXIT=' "$tmp/screen"
ok $? "80x24 End then q: q closes the help (any other key does) and the explorer keeps running"

# A head whose pattern name is long: layer 4, head 4 is previous-token.
keys Tab Tab Tab Tab ']' ']' ']' ']'
wait_for '^ .*layer 4 .*head 4'
title_fits 4 4 && grep -q 'previous-token 0\.52' "$tmp/title"
ok $? "80x24 title: 'previous-token 0.52' on layer 4, head 4, and ' ? help' apart at the right end"

# x: the math of the last token: 12 keys and the weighted sum do not fit in
# 24 lines with the rest, so the first key (<s>) is off the top, said so.
keys x
wait_for '┌ math · '
grep -q '│Σ w·v: |out| [0-9.]*' "$tmp/screen" &&
    { grep -q '↑ [0-9]* more ┐' "$tmp/screen" || grep -q '│  <s> ' "$tmp/screen"; }
ok $? "80x24 x: the weighted sum (Σ w·v) is shown, and a '↑ N more' mark when keys are cut"
keys , , , , , , , , , , , ,
wait_for '│  <s>  ' && grep -q '│Σ w·v: |out| [0-9.]*' "$tmp/screen" &&
    { grep -q '↓ [0-9]* more ┘' "$tmp/screen" || grep -q '│  \.  ' "$tmp/screen"; }
ok $? "80x24 x then , to the first key: <s> is reached, the sum still shown, what is cut below marked"
keys q
wait_for 'STTY-DONE' && grep -q 'EXIT=0' "$tmp/screen"
ok $? "80x24 q: exits 0"

# --- 40x12 -------------------------------------------------------------------
start 40 12 $ui -- --model "$bundled"
wait_for '^ \. → '
title_fits 0 0
ok $? "40x12 title: the layer and head are there whole, '? help' apart or absent"
keys a
wait_for '^ .*mean'
head -1 "$tmp/screen" | grep -Eq '(layer 0|L0)  (head mean of 5|mean)( |$)' &&
    { ! grep -q '? help' "$tmp/title" || head -1 "$tmp/screen" | grep -Eq '[^ ]   *\? help *$'; }
ok $? "40x12 title: the mean of the heads, with the layer, '? help' apart or absent"
keys a
wait_for '^ .*head 0'

keys '?'
wait_for '┌ keys ─' && grep -q '│ The main view ' "$tmp/screen" && [ "$(more_below)" -gt 0 ]
ok $? "40x12 ?: the help shows its top and a '↓ N more' mark"
[ "$(screen | wc -L)" -le 40 ] && grep -q '│ ↑↓ .*scroll' "$tmp/screen"
ok $? "40x12 ?: the help fits in 40 columns and says how it scrolls"
keys End
wait_for '│ ▣ ' && [ "$(more_above)" -gt 0 ] &&
    ! grep -q '↓ [0-9]* more' "$tmp/screen"
ok $? "40x12 End: the last row of the help is reached"
keys Home
wait_for '│ The main view ' && keys PgDn && wait_for '↑ [0-9]* more ┐'
ok $? "40x12 Home, PgDn: back to the top, then the help scrolls"
keys Escape
wait_gone '┌ keys ─'
ok $? "40x12 Esc: closes the help"

keys x
wait_for '┌ math · '
grep -q '│Σ w·v: |out| [0-9.]*' "$tmp/screen" && grep -q '│  \. .* 0\.2607' "$tmp/screen" &&
    grep -q '↑ [0-9]* more' "$tmp/screen"
ok $? "40x12 x: the key cursor's row, its weight and the sum fit, the keys above marked"
keys x t
wait_for '┌ next token'
grep -Eq '│sentence → .* 0\.[0-9]{2}' "$tmp/screen" && grep -Eq '│"\." → .* 0\.[0-9]{2}' "$tmp/screen"
ok $? "40x12 t: predictions after the sentence and after the query, one line each"
shown=$(grep -E '│(sentence|"\.") →' "$tmp/screen" | grep -oE ' 0\.[0-9]{2}' | wc -l)
hidden=$((10 - shown))
if [ $hidden -gt 0 ]; then grep -q "↓ $hidden more ┘" "$tmp/screen"; else ! grep -q '↓ [0-9]* more' "$tmp/screen"; fi
ok $? "40x12 t: the predictions that do not fit are counted in a '↓ N more' mark ($hidden)"
keys t o
wait_for '┌ overview'
grep -q '│L0  ' "$tmp/screen" && grep -q '↓ [0-9]* more ┘' "$tmp/screen"
ok $? "40x12 o: the overview lists layer 0 and marks the layers below"
keys j j j j j
wait_for '│L5  ' && grep -q '↑ [0-9]* more ┐' "$tmp/screen" && ! grep -q '↓ [0-9]* more' "$tmp/screen"
ok $? "40x12 o then ↓: the overview scrolls to the last layer, marking those above"
keys q
wait_for 'STTY-DONE' && grep -q 'EXIT=0' "$tmp/screen"
ok $? "40x12 q: exits 0"

# --- 72x12: the sidebar at its smallest ----------------------------------------
start 72 12 $ui -- --model "$bundled"
wait_for '┌ heads ─'
(for l in 0 1 2 3 4 5; do grep -q "│L$l " "$tmp/screen" || exit 1; done)
ok $? "72x12: the head sidebar lists all 6 layers (the legend gives way)"
keys q

# --- 120x40 and 200x60: the whole help at once ----------------------------------
for size in 120x40 200x60; do
    start "${size%x*}" "${size#*x}" $ui -- --model "$bundled"
    wait_for '^ \. → '
    keys '?'
    wait_for '┌ keys ─' && every_row && ! grep -q '[↑↓] [0-9]* more' "$tmp/screen" &&
        (for m in 'The main view' 'Editing the sentence' 'Finding a word' 'The overview' 'The list of keys'; do
            grep -q " $m " "$tmp/screen" || { echo "# no heading: $m"; exit 1; }
        done)
    ok $? "$size ?: all $rows rows of every mode's keys at once, no 'more' mark"
    grep -q 'any key closes this list' "$tmp/screen"
    ok $? "$size ?: the help says any key closes it"
    grep -q ' Reading the screen ' "$tmp/screen" && grep -q '6×5 .*layers × heads' "$tmp/screen" &&
        grep -q '(kv 2) .*key/value head' "$tmp/screen"
    ok $? "$size ?: the legend explains the title's abbreviations beside the keys"
    keys q
    wait_gone '┌ keys ─' && wait_for '^ \. → '
    ok $? "$size q: closes the help, the explorer keeps running"
    keys q
done

finish
