#!/bin/sh
# test_tui_heatmap.sh - the heatmap readable at every size (issue 15):
# masked cells drawn as "cannot see" in every palette, a weight above 0
# never blank, a legend, a long text's query row and its strongest key on
# screen, cells and whole-word labels that grow with the terminal, the
# compare view stacked when side by side is too narrow, and the multi-head
# view under the same rules.  At 40x12, 80x24, 120x40 and 200x60.
. "$(dirname "$0")/tui/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux not installed"; exit 0
fi
bundled=${ATTNSCOPE_SRCDIR:-..}/data/tinystories-2m.gguf
if [ ! -f "$bundled" ]; then
    echo "1..0 # SKIP the bundled model is not at $bundled"; exit 0
fi

# The screen with each box, marker and shade glyph as one ASCII byte, so
# that awk's byte columns are screen columns: shades 1-4, masked ".".
norm() {
    sed 's/│/|/g; s/[┌┐└┘─]/+/g; s/▶/>/g; s/[▴▾◂▸]/^/g; s/░/1/g; s/▒/2/g; s/▓/3/g;
         s/█/4/g; s/·/./g; s/→/>/g; s/×/x/g' "$@"
}
# body TITLE: the lines inside the panel whose top border begins with TITLE
# (normalised: "·" is "."), up to its bottom border, without the sidebar.
body() {
    norm "$tmp/screen" | awk -v t="+ $1 " 'on && /^\+/ { exit }
        on { sub(/\|\|.*/, "|"); print } index($0, t) == 1 { on = 1 }'
}
# bottom TITLE: that panel's bottom border.
bottom() {
    norm "$tmp/screen" | awk -v t="+ $1 " 'on && /^\+/ { print; exit } index($0, t) == 1 { on = 1 }'
}
# check_row TITLE ROW QUERY WEIGHTS: in panel TITLE (the default sentence,
# columns found from the labels "<s>" and "The" in its header), the row
# labelled ROW has, for each key J, a non-blank cell where WEIGHTS[J] > 0
# and J <= QUERY, and the masked glyph "." where J > QUERY.
check_row() {
    body "$1" | awk -v row="$2" -v q="$3" -v ws="$4" '
        NR <= 2 { if ((p = index($0, "<s>")) > 0) x0 = p; if ((p = index($0, "The")) > 0) x1 = p }
        /^\|(>| |\^|v) [^ ]/ { s = $0; sub(/^\|(>| |\^|v) /, "", s); split(s, f, " ") }
        /^\|(>| |\^|v) [^ ]/ && f[1] == row && !line { line = $0 }
        END {
            n = split(ws, w, ","); cw = x1 - x0
            if (!line || cw < 3) { print "# no row " row " or no columns (x0 " x0 ", cw " cw ")"; exit 1 }
            for (j = 0; j < n; j++) {
                c = substr(line, x0 + j * cw, cw - 1)
                if (j > q && (c !~ /\./ || c ~ /[1-4]/)) { print "# key " j ": \"" c "\" is not masked"; bad++ }
                if (j <= q && w[j + 1] > 0 && c !~ /[1-4\[\]]/) { print "# key " j " (" w[j + 1] "): \"" c "\" is blank"; bad++ }
            }
            exit bad > 0
        }'
}
# count_in ROW CHAR TITLE: how many CHAR the panel's row ROW has after its label.
count_in() {
    body "$3" | awk -v row="$1" -v ch="$2" '!/^\|(>| |\^|v) [^ ]/ { next }
        { s = $0; sub(/^\|(>| |\^|v) /, "", s); split(s, f, " ") }
        f[1] == row { sub(/^[^ ]+/, "", s); print gsub("[" ch "]", "", s); exit }'
}
# weights L H Q [TEXTFILE]: the query row of layer L, head H from --dump json.
weights() {
    "$bin" --model "$bundled" ${4:+--text-file "$4"} --dump json --layer "$1" --head "$2" --query "$3" |
        sed -n 's/.*"weight":\[\([^]]*\)\].*/\1/p'
}
# argmax_label L H Q TEXTFILE: the text of the row's strongest key.
argmax_label() {
    "$bin" --model "$bundled" --text-file "$4" --dump json --layer "$1" --head "$2" --query "$3" >"$tmp/q.json"
    best=$(sed -n 's/.*"weight":\[\([^]]*\)\].*/\1/p' "$tmp/q.json" |
        awk -F, '{ b = 1; for (i = 2; i <= NF; i++) if ($i + 0 > $b + 0) b = i; print b }')
    sed -n 's/.*"pieces":\["\(.*\)"\],"spans".*/\1/p' "$tmp/q.json" | awk -v b="$best" -F '","' '{ print $b }' |
        sed 's/^▁//'
}
# to_query Q: from wherever PgDn left it, the query onto token Q by arrows.
to_query() {
    screen >"$tmp/screen"
    at=$(sed -n 's/^ query \([0-9]*\) .*/\1/p' "$tmp/screen")
    [ -n "$at" ] || return 1
    while [ "$at" -lt "$1" ]; do keys Right; at=$((at + 1)); done
    while [ "$at" -gt "$1" ]; do keys Left; at=$((at - 1)); done
    wait_for " query $1 "
}
sentence_w=$(weights 0 2 8) # "it" in layer 0, head 2: cat 0.86, every other key under 0.04

# --- 80x24, shade glyphs: masked, tiny weights, legend, labels ---------------
start 80 24 TERM=xterm-256color LANG=C.UTF-8 -- --model "$bundled" --palette mono
wait_for '^ \. → '
keys Left Left Left Tab Tab
wait_for '^ it →  cat 0\.86' && wait_for '┌ layer 0 · head 2 ─'
check_row 'layer 0 . head 2' it 8 "$sentence_w"
ok $? "80x24 mono: 'it' in head 2 - every key above 0 shaded (0.004..0.03 included), the later ones masked"
[ "$(count_in '<s>' . 'layer 0 . head 2')" = 11 ]
ok $? "80x24 mono: the first row shows the masked glyph on the 11 keys right of the diagonal"
bottom 'layer 0 . head 2' | grep -q '+ rows = query, columns = key; a word only sees earlier words +'
ok $? "80x24: the heatmap's bottom border says rows = query, columns = key, and that the model is causal"
grep -q ' · cannot see  >0 ░░▒▒▓▓██ 1 *$' "$tmp/screen"
ok $? "80x24: the status legend gives the masked glyph and the scale from above 0"
body 'layer 0 . head 2' | head -2 >"$tmp/header"
grep -q ' because ' "$tmp/header" && grep -q ' tired ' "$tmp/header" && grep -q '<s>' "$tmp/header"
ok $? "80x24: column labels are whole words (because, tired), over two lines"
# Rows shown = what PgDn moves: the 12 rows all fit, and one page from the
# top is a page of rows.
rows=$(body 'layer 0 . head 2' | grep -Ec '^\|(>| |\^|v) [^ ]')
[ "$rows" -eq 12 ]
ok $? "80x24: all 12 rows of the sentence are shown (saw $rows)"
keys m
wait_for 'all 5 heads · query 8'
check_row 'layer 0 . all 5 heads . query 8' H2 8 "$sentence_w"
ok $? "80x24 m: the multi-head view shades every key above 0 and masks the later ones"
keys q
wait_for 'STTY-DONE'

# --- the same in 256 colours and in ASCII --------------------------------------
start 80 24 TERM=xterm-256color LANG=C.UTF-8 -- --model "$bundled" --palette 256
wait_for '^ \. → '
keys Left Left Left Tab Tab
wait_for '^ it →  cat 0\.86'
[ "$(count_in '<s>' . 'layer 0 . head 2')" = 11 ]
ok $? "80x24 256 colours: masked cells drawn as a dot, not as background"
# The same line of the screen with its attributes.
line=$(grep -n '^│▶ it ' "$tmp/screen" | cut -d: -f1)
screen -e | sed -n "${line:-0}p" >"$tmp/it-e"
cells=$(grep -o '48;5;[0-9]*' "$tmp/it-e" | wc -l)
[ "$cells" -ge 9 ]
ok $? "80x24 256 colours: all 9 keys 'it' sees have a colour, the tiny ones too (saw $cells)"
keys q
wait_for 'STTY-DONE'
start 80 24 TERM=xterm LANG=C -- --model "$bundled" --palette ascii
wait_for '^ \. -> '
keys Left Left Left Tab Tab
wait_for '^ it ->  cat 0\.86'
[ "$(count_in '<s>' - 'layer 0 . head 2')" = 11 ] && grep -q ' - cannot see  >0 \.\.::\*\*## 1 *$' "$tmp/screen"
ok $? "80x24 ascii: masked cells are '-', distinct from the '.' of the first shade, and the legend says so"
keys q
wait_for 'STTY-DONE'

# --- 40x12 -------------------------------------------------------------------
start 40 12 TERM=xterm-256color LANG=C.UTF-8 -- --model "$bundled" --palette mono
wait_for '^ \. → '
keys Left Left Left Tab Tab
wait_for '^ it →  cat 0\.86'
# One row fits: 'it', whose nine keys are all above 0 (cat 0.86, the others
# 0.004 to 0.034), then <s>, all of whose later keys are masked.
grep -Eq '^│(▶|▴|▾) it +((░░|▒▒|▓▓|██|\[\]) ){9}' "$tmp/screen" && grep -q '>0 ░░▒▒▓▓██ 1' "$tmp/screen"
ok $? "40x12: the query row shades all nine keys it sees; the scale from above 0 fits"
keys Home
wait_for '^ <s> →'
grep -Eq '^│(▶|▴|▾) <s> +\[\] (·  ){8}' "$tmp/screen"
ok $? "40x12: the first row shows its later keys masked"
keys q
wait_for 'STTY-DONE'

# --- compare at 80x24: stacked, both panels with the 0.86 cell -----------------
start 80 24 TERM=xterm-256color LANG=C.UTF-8 -- --model "$bundled" --palette mono
wait_for '^ \. → '
keys Left Left Left Tab Tab c Tab v
wait_for '┌ layer 0 · head 3 ─' && wait_for '0\.73'
! grep -q 'pinned: layer 0 · head 2.*head 3' "$tmp/screen" &&
    awk '/pinned: layer 0 · head 2/ { p = NR } /┌ layer 0 · head 3 ─/ { c = NR } END { exit !(p && c > p) }' "$tmp/screen"
ok $? "80x24 c: the pinned head is stacked above the current one"
body 'pinned: layer 0 . head 2' | grep -Eq '^\|(>|\^) it .* 0\.86 '
ok $? "80x24 c: the pinned head's 'it' row shows its 0.86 cell (cat)"
body 'layer 0 . head 3' | grep -Eq '^\|(>|\^) it .* 0\.73 '
ok $? "80x24 c: the current head's 'it' row shows its strongest cell (sat 0.73)"
keys q
wait_for 'STTY-DONE'

# --- a 12-token sentence fills 120 and 200 columns ------------------------------
for size in 120x40 200x60; do
    start "${size%x*}" "${size#*x}" TERM=xterm-256color LANG=C.UTF-8 -- --model "$bundled" --palette mono
    wait_for '^ \. → '
    body 'layer 0 . head 0' | head -2 >"$tmp/header"
    grep -q ' because ' "$tmp/header" && grep -q ' tired ' "$tmp/header" && grep -q ' The ' "$tmp/header"
    ok $? "$size: column labels are whole words (The, because, tired)"
    last=$(awk '{ sub(/ *\|$/, ""); if (length($0) > m) m = length($0) } END { print m }' "$tmp/header")
    want=$(( ${size%x*} * 6 / 10 ))
    [ "$last" -gt "$want" ]
    ok $? "$size: the columns fill the panel (last label ends at column $last, past $want)"
    keys q
    wait_for 'STTY-DONE'
done
start 200 60 TERM=xterm-256color LANG=C.UTF-8 -- --model "$bundled" --palette mono
wait_for '^ \. → '
keys Left Left Left Tab Tab c Tab v
wait_for '┌ pinned: layer 0 · head 2 ─.*┌ layer 0 · head 3 ─'
ok $? "200x60 c: wide enough for the two heads side by side"
grep -q '│▶ it .* 0\.86 .*│▶ it .* 0\.73 ' "$tmp/screen"
ok $? "200x60 c: each shows its strongest cell of 'it' (0.86, 0.73)"
keys q
wait_for 'STTY-DONE'

# --- a 218-token text, the query moved back to the middle ----------------------
s='Once upon a time there was a little girl named Lily. She loved to play in the park with her dog Max. One day the sun was hot and the sky was blue.'
printf '%s %s %s %s %s %s' "$s" "$s" "$s" "$s" "$s" "$s" >"$tmp/long.txt"
ntok=$("$bin" --model "$bundled" --text-file "$tmp/long.txt" --dump json --layer 0 --head 0 |
    sed -n 's/.*"tokens":\[\([^]]*\)\].*/\1/p' | tr ',' '\n' | wc -l)
[ "$ntok" -ge 200 ]
ok $? "the long text is $ntok tokens"
# 80x24: 12 rows a page; Home, 8 pages, 4 right: query 100, whose strongest
# key in layer 1, head 2 is 29 tokens back.
want80=$(argmax_label 1 2 100 "$tmp/long.txt")
start 80 24 TERM=xterm-256color LANG=C.UTF-8 -- --model "$bundled" --palette mono --text-file "$tmp/long.txt"
wait_for '^ \. → '
keys ']' Tab Tab
wait_for '┌ layer 1 · head 2 ─'
keys Home
wait_for ' query 0 '
keys PgDn
wait_for ' query 12 '
# Rows 0-11 were shown; query 12 brings in one row: 1 (Once) to 12 (.).
body 'layer 1 . head 2' | grep -E '^\|(>| |\^|v) [^ ]' | cut -c4- | awk '{ print $1 }' >"$tmp/rows"
[ "$(wc -l <"$tmp/rows")" -eq 12 ] && [ "$(head -1 "$tmp/rows")" = Once ] && [ "$(tail -1 "$tmp/rows")" = . ]
ok $? "80x24 long text: 12 rows shown, and PgDn from the top moves the query 12 rows, just past them"
keys PgDn PgDn PgDn PgDn PgDn PgDn PgDn
wait_for ' query (9[0-9]|1[0-9][0-9]) '
to_query 100
body 'layer 1 . head 2' >"$tmp/b"
grep -Eq '^\|(>|\^) sun ' "$tmp/b"
ok $? "80x24 long text: the query row (100, sun) is on screen"
head -2 "$tmp/b" | tr '^|' '  ' | grep -qF " $want80 "
ok $? "80x24 long text: the query's strongest key ($want80, 29 back) is in the header"
keys q
wait_for 'STTY-DONE'
# 200x60: 48 rows a page; query 92, whose strongest key is <s>, 92 back.
want200=$(argmax_label 1 2 92 "$tmp/long.txt")
start 200 60 TERM=xterm-256color LANG=C.UTF-8 -- --model "$bundled" --palette mono --text-file "$tmp/long.txt"
wait_for '^ \. → '
keys ']' Tab Tab
wait_for '┌ layer 1 · head 2 ─'
keys Home
wait_for ' query 0 '
keys PgDn PgDn
wait_for ' query (9[0-9]|1[0-9][0-9]) '
to_query 92
body 'layer 1 . head 2' >"$tmp/b"
grep -Eq '^\|(>|\^) with ' "$tmp/b" && [ "$(grep -Ec '^\|(>| |\^|v) [^ ]' "$tmp/b")" -eq 48 ]
ok $? "200x60 long text: 48 rows shown, the query row (92, with) among them"
head -2 "$tmp/b" | tr '^|' '  ' | grep -qF " $want200 "
ok $? "200x60 long text: the query's strongest key ($want200, 92 back) is in the header"
keys q
wait_for 'STTY-DONE'
finish
