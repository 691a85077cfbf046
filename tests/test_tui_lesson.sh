#!/bin/sh
# test_tui_lesson.sh - the guided lesson (issue 16) end to end, in a real
# terminal: `attnscope --lesson` opens on step 1 ("it" looking at "cat");
# n / Space walk all 7 steps and p / Backspace walk back, each screen with
# its "Lesson k/7" line, its title, its caption whole and its panel; Esc
# leaves keeping the view, L comes back to the same step, q exits 0; u,
# Tab and an edit inside a step; the weaker ref260K; a plain `attnscope`
# opening on step 1's view; 80x24, 200x60 and 40x12.
# What the screen must say is taken from `--lesson --dump json` of the same
# model (chosen layer, head, query, caption lines, numbers), never typed in
# here, so the test holds for any model and any change of the step table.
. "$(dirname "$0")/tui/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux not installed"; exit 0
fi
# Absolute paths: the explorer runs in a tmux pane whose directory is $tmp.
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
src=$(cd "${ATTNSCOPE_SRCDIR:-$(dirname "$0")/..}" && pwd)
bundled=$src/data/tinystories-2m.gguf
if [ ! -f "$bundled" ]; then
    echo "1..0 # SKIP data/tinystories-2m.gguf not found"; exit 0
fi
ref=$(cd "$shared/models" 2>/dev/null && pwd)/ref260K.gguf
[ -f "$ref" ] || ref=""
ui="TERM=xterm-256color LANG=C.UTF-8 XDG_CONFIG_HOME=$tmp/none ATTNSCOPE_MODEL="
steps=9


# --- what --lesson --dump json says --------------------------------------------
# lesson_json MODEL FILE: the dump, one step a line (line K+1 is step K).
lesson_json() {
    "$bin" --model "$1" --lesson --dump json 2>"$tmp/dump.err" |
        awk '{ gsub(/\{"index":/, "\n&"); print }' >"$2" &&
        [ "$(grep -c '^{"index":' "$2")" -eq $steps ]
}
step() { sed -n "$(($2 + 1))p" "$1"; } # step FILE K: step K's line
# jstr KEY / jnum KEY: the first string / number of KEY in the step on stdin.
jstr() {
    grep -o "\"$1\":\"\\([^\"\\\\]\\|\\\\.\\)*\"" | head -1 |
        sed 's/^"[^"]*":"//; s/"$//; s/\\"/"/g; s/\\\\/\\/g'
}
jnum() { grep -o "\"$1\":-\{0,1\}[0-9][0-9.]*" | head -1 | sed 's/^[^:]*://'; }
# captions: the step's caption lines, one a line (the last field of a step).
captions() {
    sed -n 's/.*"caption":\["\(.*\)"\]}.*/\1/p' | sed 's/\([^\\]\)","/\1\n/g' |
        sed 's/\\"/"/g; s/\\\\/\\/g'
}

# --- reading the screen ------------------------------------------------------------
# re STRING: STRING as an extended regular expression matching itself.
re() { printf '%s\n' "$1" | sed 's/[][\\.*^$(){}?+|]/\\&/g'; }
# The step-6 caption times a pass: its "N ms" differs from run to run.
ms() { sed 's/[0-9][0-9.]* ms/# ms/g; s/ *$//'; }
# cre CAPTION: a caption line as a regular expression, any time in ms.
cre() { re "$1" | sed 's/[0-9][0-9\\.]* ms/[0-9.]+ ms/g'; }
# line_of PREFIX: the number of the first screen line that starts with PREFIX
# followed by nothing or by two spaces: PREFIX is there whole, not cut.
line_of() {
    P=$1 awk 'index($0, ENVIRON["P"]) == 1 {
        r = substr($0, length(ENVIRON["P"]) + 1)
        if (r == "" || r ~ /^  /) { print NR; exit } }' "$tmp/screen"
}
# caption_below LINE FILE: the screen lines after LINE are FILE's lines,
# each whole, one space in.
caption_below() {
    i=0
    while IFS= read -r c; do
        i=$((i + 1))
        got=$(sed -n "$(($1 + i))p" "$tmp/screen" | ms)
        want=$(printf ' %s\n' "$c" | ms)
        [ "$got" = "$want" ] || { printf '# caption line %d: want "%s"\n#               got "%s"\n' \
            $i "$want" "$got"; return 1; }
    done <"$2"
    [ $i -gt 0 ] || { echo "# no caption in the dump"; return 1; }
}
# fits W H: the capture is H lines of at most W columns.
fits() {
    lines=$(wc -l <"$tmp/screen") cols=$(LC_ALL=C.UTF-8 wc -L <"$tmp/screen")
    [ "$lines" -eq "$2" ] && [ "$cols" -le "$1" ] ||
        { echo "# the screen is $lines lines of up to $cols columns, not ${2}x$1"; return 1; }
}
# The screen with boxes and markers as single ASCII bytes, so that awk's
# byte columns are screen columns.
ascii() {
    sed 's/│/|/g; s/┌/+/g; s/┐/+/g; s/└/+/g; s/┘/+/g; s/─/-/g; s/▶/>/g; s/▾/>/g; s/▴/>/g;
         s/·/./g; s/→/>/g; s/×/x/g' "$tmp/screen"
}
# panel_top: the top border of the main panel (the box under the sentence).
panel_top() { grep '^┌ ' "$tmp/screen" | grep -v '^┌ sentence' | head -1; }
# cursor_on_key WORD: in the heatmap, the query row's cursor "[" is in the
# column of the key label WORD (one of the two header lines).
cursor_on_key() {
    ascii | W=$1 awk '
        /^\+ layer / && !on { on = 1; next }
        on && /^\+/ { exit }
        on && hdr < 2 { hdr++; p = index($0, " " ENVIRON["W"] " "); if (p) col = p + 1; next }
        on && /^\|> / && index($0, "[") { cur = index($0, "[") }
        END { if (!col || cur != col) { print "# key label at column " col ", cursor at " cur; exit 1 } }'
}
# dots_in_query_row WORD: the masked glyphs in the query row WORD.
dots_in_query_row() {
    ascii | W=$1 awk 'index($0, "|> " ENVIRON["W"] " ") == 1 { sub(/\|\|.*/, ""); print gsub(/\./, "."); exit }'
}
# The cells of the query row of word W filled with "×" (the mask step marks
# the hidden triangle in full): runs of x after the ascii() mapping.
crosses_in_query_row() {
    ascii | W=$1 awk 'index($0, "|> " ENVIRON["W"] " ") == 1 { sub(/\|\|.*/, ""); print gsub(/x+/, "x"); exit }'
}

# --- check_step K JSON: the screen of step K -----------------------------------
# The "Lesson K/7 · title" line whole, the caption lines from the dump right
# under it, whole; the layer and head of the dump in the title line; the
# step's panel (and, on the bundled model, numbers in it from the dump).
check_step() {
    k=$1 js=$2
    step "$js" "$k" >"$tmp/step"
    title=$(jstr title <"$tmp/step")
    L=$(jnum layer <"$tmp/step") H=$(jnum head <"$tmp/step")
    captions <"$tmp/step" >"$tmp/caption"
    c1=$(head -1 "$tmp/caption")
    # Wait for the caption measured for this step ("measuring…" before it).
    wait_for "^ Lesson $k/$steps( |$)" && wait_for "^ $(cre "$c1")" 10
    at=$(line_of " Lesson $k/$steps · $title")
    [ -n "$at" ] || { echo "# no whole line ' Lesson $k/$steps · $title'"; grep 'Lesson' "$tmp/screen" | sed 's/^/# | /'; }
    [ -n "$at" ] && caption_below "$at" "$tmp/caption"
    check $? "$label step $k: 'Lesson $k/$steps · $title' and its caption lines, whole, under it"
    head -1 "$tmp/screen" | grep -q "layer $L  head $H\( \|$\)"
    check $? "$label step $k: the title line shows layer $L  head $H, the dump's choice"
    tail -1 "$tmp/screen" | grep -q '^ n next step  p back  '
    check $? "$label step $k: the last line is still the lesson's keys (the box pushed nothing off)"
}

# check_panel K JSON: the step's own panel, as the dump measured it (the
# bundled model, where every word is one token).
check_panel() {
    k=$1 js=$2
    step "$js" "$k" >"$tmp/step"
    L=$(jnum layer <"$tmp/step") H=$(jnum head <"$tmp/step") Q=$(jnum query <"$tmp/step")
    K=$(jnum key <"$tmp/step") qw=$(jstr query_word <"$tmp/step") kw=$(jstr key_word <"$tmp/step")
    top=$(panel_top)
    case $k in
    1)
        printf '%s\n' "$top" | grep -q "^┌ layer $L · head $H ─" && cursor_on_key "$kw" &&
            grep -q "^ query $Q  key $K $kw: $(printf '%.4f' "$(jnum w_target <"$tmp/step")")" "$tmp/screen"
        check $? "$label step 1: heatmap 'layer $L · head $H', the cursor of the '$qw' row on '$kw', its weight in the status line"
        ;;
    2)
        printf '%s\n' "$top" | grep -q "^┌ query, key, value · layer $L · head $H ─" &&
            grep -q "^│q $qw " "$tmp/screen" && grep -q "^│k $kw " "$tmp/screen" &&
            grep -q "^│q·k = .* = $(printf '%.3f' "$(jnum dot <"$tmp/step")") *│" "$tmp/screen"
        check $? "$label step 2: 'query, key, value' bars of q $qw and k $kw, q·k = the dump's dot"
        ;;
    3)
        printf '%s\n' "$top" | grep -q "^┌ math · layer $L · head $H · scaled by 1/√d (u: without) ─" &&
            [ "$(cat_weight "$kw")" = "$(printf '%.4f' "$(jnum w_scaled <"$tmp/step")")" ]
        check $? "$label step 3: the math panel, scaled by 1/√d, '$kw' weighs the dump's w_scaled ($(cat_weight "$kw"))"
        ;;
    4)
        hidden=$(jnum hidden <"$tmp/step")
        printf '%s\n' "$top" | grep -q "^┌ layer $L · head $H ─" &&
            [ "$(crosses_in_query_row "$qw")" = "$hidden" ] && [ "$(dots_in_query_row "$qw")" = 0 ] &&
            grep -q '× = masked' "$tmp/screen"
        check $? "$label step 4: the heatmap fills the $hidden keys after '$qw' with × (masked), no dots"
        ;;
    5)
        nh=$(jnum heads <"$tmp/step")
        grep -o '{"head":[0-9]*,"role":"[a-z-]*"' "$tmp/step" | sed 's/.*"head":\([0-9]*\),"role":"\(.*\)"/\1 \2/' >"$tmp/roles"
        printf '%s\n' "$top" | grep -q "^┌ layer $L · all $nh heads · what each does ─" &&
            [ "$(wc -l <"$tmp/roles")" -eq "$nh" ] &&
            (while read -r h role; do
                ascii | grep -q "^|[> ] H$h  $role " || { echo "# no row: H$h  $role"; exit 1; }
            done <"$tmp/roles") &&
            ascii | grep -q "^|> H$H "
        check $? "$label step 5: all $nh heads of layer $L, each with the role the dump measured, H$H marked"
        ;;
    6)
        ntok=$(jnum n <"$tmp/step") n2=$(jnum n2 <"$tmp/step")
        ! printf '%s\n' "$top" | grep -q "^┌ layer " &&
            grep -Eq "^│.*token.*[^0-9.]$ntok([^0-9.]|$)" "$tmp/screen" &&
            grep -Eq "^│.*[^0-9.]$n2([^0-9.]|$)" "$tmp/screen"
        check $? "$label step 6: the cost panel shows n = $ntok tokens and $n2 cells a head"
        ;;
    7)
        loss0=$(printf '%.2f' "$(jnum loss0 <"$tmp/step")")
        first=$(grep -o '"order":\[\[[0-9]*,[0-9]*\]' "$tmp/step" | sed 's/.*\[\([0-9]*\),\([0-9]*\)\]/\1.\2/')
        printf '%s\n' "$top" | grep -q "^┌ heads out, least important first · + more, - back ─" &&
            ascii | grep -Eq "^\|> +0  -  +$(re "$loss0") +\+0\.0%" &&
            ascii | grep -Eq "^\| +1  $(re "$first") +[0-9]"
        check $? "$label step 7: the pruning table, intact loss $loss0 on row 0 (the cursor), head $first first out"
        ;;
    8)
        twin=$(jstr twin <"$tmp/step") tw=$(printf '%.2f' "$(jnum twin_w_target <"$tmp/step")")
        grep -Fq -- "$twin" "$tmp/screen" && grep -q "^│.*[^0-9.]$(re "$tw")\([^0-9]\|\$\)" "$tmp/screen"
        check $? "$label step 8: the twin sentence is shown ($twin), with its weight on \"$kw\" ($tw)"
        ;;
    9)
        # The decoder: "bank" cannot see "river", after it (the encoder's
        # side is tests/test_tui_encoder.sh).
        # The pair: this decoder's row of "bank" and the bundled encoder's.
        wait_for 'tinystories-bert · bidirectional · L[0-9]+ H[0-9]+' &&
            grep -q '^│tinystories-2m · causal · L' "$tmp/screen" &&
            grep -q 'The b·ank by the river was ste·ep\.' "$tmp/screen" &&
            grep -Eq '^│river/steep: 0\.00/0\.00 here, ' "$tmp/screen"
        check $? "$label step 9: the bank sentence in the decoder and the encoder, river 0.00 here"
        ;;
    esac
}
# cat_weight WORD: the weight column of key WORD's row in the math panel.
cat_weight() {
    ascii | W=$1 awk '$1 == "|" && $2 == ENVIRON["W"] {
        for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]\.[0-9][0-9][0-9][0-9]$/) { print $i; exit } }'
}

# --- walk W H JSON LABEL ARGS...: open the lesson, n through every step ---------
walk() {
    w=$1 h=$2 js=$3 label=$4; shift 4
    start "$w" "$h" $ui -- --lesson "$@"
    : >"$tmp/prev"
    k=1
    while [ $k -le $steps ]; do
        check_step $k "$js"
        [ "$js" = "$tmp/bundled.json" ] && check_panel $k "$js"
        fits "$w" "$h" && ! cmp -s "$tmp/screen" "$tmp/prev"
        check $? "$label step $k: fits ${w}x$h and differs from the screen before"
        cp "$tmp/screen" "$tmp/prev"
        [ $k -lt $steps ] && keys n
        k=$((k + 1))
    done
}

# --- 80x24, the bundled model ----------------------------------------------------
lesson_json "$bundled" "$tmp/bundled.json"
check $? "--lesson --dump json on the bundled model: $steps steps"
step "$tmp/bundled.json" 1 >"$tmp/step"
L1=$(jnum layer <"$tmp/step") H1=$(jnum head <"$tmp/step")
qw1=$(jstr query_word <"$tmp/step") kw1=$(jstr key_word <"$tmp/step")
sentence=$(jstr sentence <"$tmp/step")
NH=$(step "$tmp/bundled.json" 5 | jnum heads)

walk 80 24 "$tmp/bundled.json" 80x24 --model "$bundled"
# Step 1 showed "it" and "cat" (caption, the cursor in the heatmap): above.
keys n
wait_for 'that was the last step' && grep -q "^ Lesson $steps/$steps " "$tmp/screen"
check $? "80x24 n on the last step: stays there, says it was the last"
keys p
k=$((steps - 1))
while [ $k -ge 1 ]; do
    step "$tmp/bundled.json" $k | captions | head -1 >"$tmp/c1"
    wait_for "^ Lesson $k/$steps " && wait_for "^ $(cre "$(cat "$tmp/c1")")" 10 &&
        caption_below "$(line_of " Lesson $k/$steps · $(step "$tmp/bundled.json" $k | jstr title)")" "$tmp/c1"
    check $? "80x24 p: back to step $k, its caption"
    [ $k -gt 1 ] && keys p
    k=$((k - 1))
done
keys p
wait_for 'this is the first step' && grep -q "^ Lesson 1/$steps " "$tmp/screen"
check $? "80x24 p on step 1: stays there, says it is the first"
grep -q "^│<s> $(re "$sentence") *│" "$tmp/screen" && grep -q "\"$qw1\"" "$tmp/screen" &&
    grep -q "\"$kw1\"" "$tmp/screen"
check $? "80x24 step 1: the sentence, \"$qw1\" and \"$kw1\" on screen"
keys Space
wait_for "^ Lesson 2/$steps " && wait_for "^ $(re "$(step "$tmp/bundled.json" 2 | captions | head -1)")"
check $? "80x24 Space: the next step (2)"
keys BSpace
wait_for "^ Lesson 1/$steps " && wait_for "^ $(re "$(step "$tmp/bundled.json" 1 | captions | head -1)")"
check $? "80x24 Backspace: the step before (1)"

# Esc from step 5 keeps the layer, head and query; L comes back to step 5.
keys n n n n
step "$tmp/bundled.json" 5 | captions >"$tmp/c5"
wait_for "^ Lesson 5/$steps " && wait_for "^ $(re "$(head -1 "$tmp/c5")")"
L5=$(step "$tmp/bundled.json" 5 | jnum layer) H5=$(step "$tmp/bundled.json" 5 | jnum head)
keys Escape
wait_for 'left the lesson' && ! grep -q 'Lesson [0-9]' "$tmp/screen" &&
    ! grep -Fq -- "$(head -1 "$tmp/c5")" "$tmp/screen"
check $? "80x24 Esc: the lesson's box is gone, a note says how to come back"
head -1 "$tmp/screen" | grep -q "layer $L5  head $H5\( \|$\)" &&
    grep -q "^ query $(step "$tmp/bundled.json" 5 | jnum query)  " "$tmp/screen" &&
    grep -q "^│<s> $(re "$sentence") *│" "$tmp/screen"
check $? "80x24 Esc: layer $L5, head $H5, the query and the sentence unchanged"
fits 80 24
check $? "80x24 Esc: the explorer fits 80x24"
keys L
wait_for "^ Lesson 5/$steps " && wait_for "^ $(re "$(head -1 "$tmp/c5")")" &&
    caption_below "$(line_of " Lesson 5/$steps · $(step "$tmp/bundled.json" 5 | jstr title)")" "$tmp/c5"
check $? "80x24 L: back in the lesson at step 5, its caption"
quits "80x24 q in the lesson: exits 0"

# --- inside a step: Tab, u, editing the sentence ---------------------------------
start 80 24 $ui -- --lesson --model "$bundled"
c1=$(step "$tmp/bundled.json" 1 | captions | head -1)
wait_for "^ $(re "$c1")"
note="you are on L$L1 H$(((H1 + 1) % NH)) · the caption is about L$L1 H$H1"
keys Tab
wait_for "layer $L1  head $(((H1 + 1) % NH))( |$)" && wait_for "$(re "$note")" 3 >/dev/null
grep -q "^ Lesson 1/$steps .*$(re "$note")\$" "$tmp/screen" && grep -q "^ $(re "$c1")\$" "$tmp/screen"
check $? "80x24 step 1, Tab: the title goes to head $(((H1 + 1) % NH)), the box says '$note' (the step's title gives way)"
keys n
c2=$(step "$tmp/bundled.json" 2 | captions | head -1)
wait_for "^ Lesson 2/$steps " && wait_for "^ $(re "$c2")" && wait_for "layer $L1  head $H1( |$)"
check $? "80x24 n after Tab: step 2 goes back to the chosen head $H1"
keys Tab
wait_for "$(re "$note")" && grep -q "^ Lesson 2/$steps · .*$(re "$note")\$" "$tmp/screen"
check $? "80x24 step 2, Tab: the box says '$note'"
keys n
step "$tmp/bundled.json" 3 >"$tmp/step"
ws=$(printf '%.4f' "$(jnum w_scaled <"$tmp/step")") wu=$(printf '%.4f' "$(jnum w_unscaled <"$tmp/step")")
kw3=$(jstr key_word <"$tmp/step")
wait_for "^ Lesson 3/$steps " && wait_for "^ $(re "$(captions <"$tmp/step" | head -1)")" &&
    wait_for '^┌ math · .* scaled by 1/√d \(u: without\)'
before=$(cat_weight "$kw3")
keys u
wait_for '^┌ math · .* WITHOUT 1/√d \(u: with\)'
after=$(cat_weight "$kw3")
[ "$before" = "$ws" ] && [ "$after" = "$wu" ] && [ "$before" != "$after" ]
check $? "80x24 step 3, u: softmax without 1/√d, \"$kw3\" $before -> $after (dump: $ws -> $wu)"
keys u
wait_for '^┌ math · .* scaled by 1/√d \(u: without\)' && [ "$(cat_weight "$kw3")" = "$ws" ]
check $? "80x24 step 3, u again: scaled again, \"$kw3\" back to $ws"

# Drop "cat" from the sentence: the caption says a word is lost; L restores.
keys p p
wait_for "^ Lesson 1/$steps " && wait_for "^ $(re "$c1")"
keys e
wait_for 'sentence \(editing\)'
# "The cat sat ...": Home, past "The ", delete "cat ".
keys Home Right Right Right Right DC DC DC DC
wait_for "^│$(re "$(printf '%s' "$sentence" | sed "s/$kw1 //")")"
keys Enter
wait_for 'has lost one' && grep -q "\"$kw1\"" "$tmp/screen" && grep -q 'L puts' "$tmp/screen" &&
    ! grep -Fq -- "$c1" "$tmp/screen" && grep -q "^ Lesson 1/$steps " "$tmp/screen"
check $? "80x24 step 1, sentence without \"$kw1\": the caption says the sentence lost a word, L puts it back"
fits 80 24
check $? "80x24 the lost-word caption fits 80x24"
keys L
wait_for "^│<s> $(re "$sentence") *│" && wait_for "^ $(re "$c1")" &&
    head -1 "$tmp/screen" | grep -q "layer $L1  head $H1\( \|$\)"
check $? "80x24 L: the step's sentence is back, with its caption and head"
quits "80x24 q: exits 0"

# --- a plain attnscope: step 1's view and a hint --------------------------------
# The model from the environment, as no argument may name it.
intro() { # intro JSON MODEL LABEL
    step "$1" 1 >"$tmp/step"
    start 80 24 TERM=xterm-256color LANG=C.UTF-8 XDG_CONFIG_HOME=$tmp/none ATTNSCOPE_MODEL=$2 --
    wait_for "Press L for the lesson: $steps steps" && wait_for "^ query $(jnum query <"$tmp/step")  " &&
        head -1 "$tmp/screen" | grep -q "layer $(jnum layer <"$tmp/step")  head $(jnum head <"$tmp/step")\( \|$\)" &&
        ascii | grep -q "^|> $(jstr query_word <"$tmp/step") " && ! grep -q 'Lesson [0-9]' "$tmp/screen"
    check $? "$3 no arguments: step 1's view (layer $(jnum layer <"$tmp/step"), head $(jnum head <"$tmp/step"), the query on \"$(jstr query_word <"$tmp/step")\") and the hint to press L"
    fits 80 24
    check $? "$3 no arguments: fits 80x24"
    captions <"$tmp/step" >"$tmp/caption"
    keys L
    wait_for "^ Lesson 1/$steps " && wait_for "^ $(re "$(head -1 "$tmp/caption")")" &&
        caption_below "$(line_of " Lesson 1/$steps · $(jstr title <"$tmp/step")")" "$tmp/caption"
    check $? "$3 no arguments, L: the lesson's step 1 and its caption"
    quits "$3 no arguments: q exits 0"
}
intro "$tmp/bundled.json" "$bundled" bundled

# --- ref260K: a weaker model, other heads, words in pieces -----------------------
if [ -n "$ref" ] && lesson_json "$ref" "$tmp/ref.json"; then
    ok 0 "--lesson --dump json on ref260K: $steps steps"
    walk 80 24 "$tmp/ref.json" "ref260K 80x24" --model "$ref"
    quits "ref260K: q exits 0"
    intro "$tmp/ref.json" "$ref" ref260K
else
    skip_rest $((1 + 4 * steps + 1 + 4)) "ref260K not found under $shared/models"
fi

# --- 200x60: the same walk, everything whole ----------------------------------------
walk 200 60 "$tmp/bundled.json" 200x60 --model "$bundled"
quits "200x60 q: exits 0"

# --- 40x12: the box is the "Lesson k/7" line alone ---------------------------------
start 40 12 $ui -- --lesson --model "$bundled"
: >"$tmp/prev"
k=1
while [ $k -le $steps ]; do
    c=$(step "$tmp/bundled.json" $k | captions | head -1 | cut -c1-20)
    Lk=$(step "$tmp/bundled.json" $k | jnum layer) Hk=$(step "$tmp/bundled.json" $k | jnum head)
    wait_for "^ Lesson $k/$steps( |$)" && wait_for "(layer |L)$Lk  head $Hk( |$)" && fits 40 12 &&
        ! grep -Fq -- "$c" "$tmp/screen" && ! cmp -s "$tmp/screen" "$tmp/prev"
    check $? "40x12 step $k: 'Lesson $k/$steps' in one line, no caption, fits, differs from the step before"
    cp "$tmp/screen" "$tmp/prev"
    [ $k -lt $steps ] && keys n
    k=$((k + 1))
done
keys Escape
wait_for 'left the' && ! grep -q 'Lesson [0-9]' "$tmp/screen" && fits 40 12
check $? "40x12 Esc: out of the lesson, fits"
quits "40x12 q: exits 0"

finish
