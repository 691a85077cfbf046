#!/bin/sh
# test_tui_options.sh - the explorer opens where the options and the config
# file say (--layer, --head, --query as a number or a word), reads its keys
# from the terminal when the text comes down a pipe, follows the terminal
# conventions (NO_COLOR, COLORTERM, --palette ascii, 8 colours in 8 steps),
# keeps the context-limit message until the text fits, keeps the query on
# its word across an edit, and saves what is on screen to new numbered files
# whose SVG has a legend and named axes.  At 80x24 and 200x60.
. "$(dirname "$0")/tui/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux not installed"; exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # SKIP python3 not installed (it reads the colour escapes)"; exit 0
fi
bundled=${ATTNSCOPE_SRCDIR:-$(dirname "$0")/..}/data/tinystories-2m.gguf
if [ ! -f "$bundled" ]; then
    echo "1..0 # SKIP the bundled model is not found ($bundled)"; exit 0
fi
U="TERM=xterm-256color LANG=C.UTF-8 XDG_CONFIG_HOME=$tmp/none"

# start_piped W H INPUT ENV... -- ARGS...: as start, with INPUT on the
# explorer's standard input through a pipe.
start_piped() {
    pw=$1 ph=$2
    printf '%s' "$3" >"$tmp/input"
    shift 3
    start_input=$tmp/input
    start "$pw" "$ph" "$@"
    start_input=
}

# sgr_cells LINE: the cells of screen line LINE (1-based) of `capture-pane
# -e`, one per output line: the character, a tab, the colour and attribute
# parameters in force (sorted).
sgr_cells() {
    screen -e | python3 -c '
import re, sys
line = sys.stdin.read().split("\n")[int(sys.argv[1]) - 1]
state = {}
for tok in re.findall(r"\x1b\[[0-9;:]*m|.", line):
    if tok.startswith("\x1b["):
        ps = tok[2:-1].split(";") if tok[2:-1] else ["0"]
        i = 0
        while i < len(ps):
            p = int(ps[i] or 0)
            if p == 0: state = {}
            elif p in (38, 48):
                n = 3 if ps[i + 1] == "5" else 5
                state["fg" if p == 38 else "bg"] = ":".join(ps[i:i + n]); i += n - 1
            elif p == 39: state.pop("fg", None)
            elif p == 49: state.pop("bg", None)
            elif 30 <= p <= 37 or 90 <= p <= 97: state["fg"] = str(p)
            elif 40 <= p <= 47 or 100 <= p <= 107: state["bg"] = str(p)
            elif p == 22: state.pop("1", None); state.pop("2", None)
            elif p in (23, 24, 25, 27): state.pop(str(p - 20), None)
            else: state[str(p)] = str(p)
            i += 1
    else:
        print(tok + "\t" + " ".join(sorted(state.values())))
' "$1"
}

# colours: does `capture-pane -e` hold any colour (SGR 30-37, 38, 40-47,
# 48, 90-97, 100-107)?  39 and 49, back to the default, are no colour.
colours() {
    screen -e | grep -o "$(printf '\033')\[[0-9;]*m" | tr -d '\033[m' | tr ';' '\n' |
        grep -Eqx '3[0-8]|4[0-8]|9[0-7]|10[0-7]'
}

for size in 80x24 200x60; do
    W=${size%x*} H=${size#*x}

    # --- -l 0 -H 2 -q it: the view a lesson hands out --------------------
    start "$W" "$H" $U -- --model "$bundled" -l 0 -H 2 -q it
    wait_for '^ it → ' && grep -q 'layer 0  head 2' "$tmp/screen"
    ok $? "$size: -l 0 -H 2 -q it opens on layer 0, head 2 with 'it' as the query"
    # Head 2 of layer 0 sends "it" to "cat" (README).
    grep -q '^ it →  cat 0\.86' "$tmp/screen"
    ok $? "$size: -q it: the status line gives its row (cat 0.86)"
    keys q
    wait_for 'STTY-DONE'

    # --- the query follows its word across an edit ------------------------
    # (Put there with keys: the same view, whatever the options do.)
    start "$W" "$H" $U -- --model "$bundled"
    wait_for '^ \. → '
    keys Left Left Left Tab Tab
    wait_for '^ it →  cat 0\.86' && grep -q 'layer 0  head 2' "$tmp/screen"
    ok $? "$size: ← ← ← Tab Tab: 'it' in head 2 of layer 0"
    keys e
    wait_for 'editing'
    keys Home
    keys -l 'Yes, one day '
    keys Enter
    wait_for '<s> .?Yes, one day The cat sat' && wait_for '^ it →  cat '
    ok $? "$size: words typed before the query: the query is still 'it'"

    # --- s saves what is on screen, to new numbered files -----------------
    rm -f "$tmp"/attnscope-*
    keys s
    wait_for 'saved attnscope-L0-H2\.csv and attnscope-L0-H2\.svg in '
    ok $? "$size: s: the status line names the files and the directory"
    keys s
    wait_for 'saved attnscope-L0-H2-2\.csv and attnscope-L0-H2-2\.svg in ' &&
        [ -s "$tmp/attnscope-L0-H2.csv" ] && [ -s "$tmp/attnscope-L0-H2-2.csv" ] &&
        [ -s "$tmp/attnscope-L0-H2.svg" ] && [ -s "$tmp/attnscope-L0-H2-2.svg" ] &&
        cmp -s "$tmp/attnscope-L0-H2.csv" "$tmp/attnscope-L0-H2-2.csv"
    ok $? "$size: s again: a second pair, attnscope-L0-H2-2, beside the first"
    # The compare pair: both matrices on screen are saved.
    keys c Tab s
    wait_for 'saved attnscope-L0-H2-3\.csv/\.svg and attnscope-L0-H3\.csv/\.svg' &&
        [ -s "$tmp/attnscope-L0-H2-3.svg" ] && [ -s "$tmp/attnscope-L0-H3.csv" ] &&
        ! cmp -s "$tmp/attnscope-L0-H2-3.csv" "$tmp/attnscope-L0-H3.csv"
    ok $? "$size: s while comparing: the pinned head and the current one"
    keys c
    if command -v xmllint >/dev/null 2>&1; then
        f=$tmp/attnscope-L0-H2.svg rows=$(($(wc -l <"$tmp/attnscope-L0-H2.csv") - 1))
        x() { xmllint --xpath "$1" "$f" 2>/dev/null; }
        [ "$(x 'string(//*[local-name()="text"][@class="axis"][1])')" = key ] &&
            [ "$(x 'string(//*[local-name()="text"][@class="axis"][2])')" = query ] &&
            [ "$(x 'count(//*[local-name()="text"][@class="legend"][.="0" or .="1"])')" = 2 ] &&
            [ "$(x 'count(//*[local-name()="rect"][@class="legend"])')" -ge 9 ] &&
            [ "$(x 'count(//*[local-name()="rect"][@class="cell"])')" = $((rows * rows)) ]
        ok $? "$size: the saved SVG: ${rows}x$rows cells, the axes named key and query, a legend 0..1"
    else
        skip_rest 1 "xmllint not installed: SVG not parsed"
    fi
    keys q
    wait_for 'STTY-DONE' && grep -q 'EXIT=0' "$tmp/screen"
    ok $? "$size: q exits 0"

    # --- the config file: layer, head, query -----------------------------
    mkdir -p "$tmp/cfg/attnscope"
    printf '[attnscope]\nlayer = 1\nhead = 3\nquery = cat\n' >"$tmp/cfg/attnscope/config.ini"
    start "$W" "$H" TERM=xterm-256color LANG=C.UTF-8 XDG_CONFIG_HOME=$tmp/cfg -- --model "$bundled"
    wait_for '^ cat → ' && grep -q 'layer 1  head 3' "$tmp/screen" && ! grep -q 'unknown key' "$tmp/screen"
    ok $? "$size: layer, head and query in the config file: opens on layer 1, head 3, query 'cat'"
    keys q
    wait_for 'STTY-DONE'

    # --- the text down a pipe, the keys from the terminal -------------------
    start_piped "$W" "$H" 'The dog ran.' $U -- --model "$bundled" -f -
    wait_for '<s> The dog ran\.' && wait_for '^ \. → '
    ok $? "$size: printf 'The dog ran.' | attnscope -f -: the explorer opens on that text"
    keys Left
    wait_for '^ ran → '
    ok $? "$size: ... and reads its keys from the terminal"
    keys q
    wait_for 'STTY-DONE' && grep -q 'EXIT=0' "$tmp/screen" && grep -q 'icanon echo' "$tmp/screen"
    ok $? "$size: ... q exits 0 with the terminal restored"
done

# --- 40x12: the smallest screen opens there too, and the save message fits ------
start 40 12 $U -- --model "$bundled" -l 0 -H 2 -q it
wait_for '^ it → ' && grep -q 'layer 0  head 2' "$tmp/screen"
ok $? "40x12: -l 0 -H 2 -q it opens there"
keys s
wait_for '^ saved attnscope-L0-H2(-[0-9]+)?\.csv/\.svg *$'
ok $? "40x12: s: the status line names the whole file name (the extensions folded)"

# --- a query number, and a word the text does not have ------------------------
start 80 24 $U -- --model "$bundled" -q 2
wait_for '^ cat → '
ok $? "-q 2: the query is token 2, 'cat'"
start 80 24 $U -- --model "$bundled" -q zebra
wait_for 'no word starting with "zebra"' && grep -q '^ \. → ' "$tmp/screen"
ok $? "-q zebra: a message says so, the query is the last token"

# --- whole words saved as words (ref260K splits "because" into five pieces) ----
if [ -f "$model" ]; then
    start 80 24 $U -- --model "$model"
    wait_for '^ \. → '
    keys w s
    wait_for 'saved attnscope-L0-H0-words\.csv and attnscope-L0-H0-words\.svg' &&
        head -n 1 "$tmp/attnscope-L0-H0-words.csv" | grep -qx 'query\\key,<s>,The,cat,sat,on,the,mat,because,it,was,tired,\.' &&
        [ "$(wc -l <"$tmp/attnscope-L0-H0-words.csv")" -eq 13 ]
    ok $? "w s: whole words saved as 12 words, labelled with the words"
else
    skip_rest 1 "../shared not found ($model)"
fi

# --- terminal conventions ------------------------------------------------------
start 80 24 $U NO_COLOR=1 -- --model "$bundled"
wait_for '^ \. → ' && ! colours
ok $? "NO_COLOR=1: no colour escape sequences at all"
start 80 24 $U NO_COLOR=1 -- --model "$bundled" --palette 256
wait_for '^ \. → ' && colours
ok $? "NO_COLOR=1 --palette 256: an explicit palette still colours"
if infocmp xterm-direct >/dev/null 2>&1; then
    start 80 24 $U COLORTERM=truecolor -- --model "$bundled"
    wait_for '^ \. → ' && screen -e | grep -q "$(printf '\033')\[[0-9;]*[34]8;2;"
    ok $? "COLORTERM=truecolor (TERM=xterm-256color): 24-bit colour sequences (38;2 / 48;2)"
else
    skip_rest 1 "no xterm-direct terminfo entry (Debian: ncurses-term)"
fi
start 80 24 $U -- --model "$bundled" --palette ascii
wait_for '^ \. → ' && grep -q '^│  <s> *##' "$tmp/screen" && ! grep -q '[░▒▓█]' "$tmp/screen"
ok $? "--palette ascii in a UTF-8 locale: weights as . : * #, no ░▒▓█"

# 8 colours: the legend on the status line shows the scale's steps, each
# weight l/levels as its own cell; at least 6 must differ.
start 80 24 TERM=xterm LANG=C.UTF-8 XDG_CONFIG_HOME=$tmp/none -- --model "$bundled"
wait_for '^ \. → '
sgr_cells 23 >"$tmp/legend"
# The cells between the legend's 0 and its 1 that carry a colour.
steps=$(awk -F '\t' '$1 == "0" && $2 == "" { on = 1; n = 0; delete seen; next }
                     on && $2 ~ /4[0-7]|48:/ { if (!seen[$0]++) n++ }
                     on && $1 == "1" { print n; exit }' "$tmp/legend")
[ "${steps:-0}" -ge 6 ]
ok $? "TERM=xterm (8 colours): the legend shows ${steps:-0} distinguishable steps (6 or more)"
# The heatmap draws those cells: the query's row holds several of them.
sgr_cells "$(grep -n '▶' "$tmp/screen" | head -n 1 | cut -d: -f1)" | awk -F '\t' '$2 ~ /4[0-7]/ { seen[$0] = 1 } END { for (k in seen) n++; exit !(n >= 3) }'
ok $? "TERM=xterm: the heatmap's cells are drawn in those steps"

# --- the context limit -----------------------------------------------------------
# 300 words: 301 tokens, over the bundled model's 256.
awk 'BEGIN { for (i = 0; i < 299; i++) printf "a "; printf "a" }' >"$tmp/long.txt"
start 80 24 $U -- --model "$bundled" --text-file "$tmp/long.txt"
wait_for "model's context of 256"
ok $? "a text over the context: the status line says so"
keys Right Tab
wait_for 'layer 0  head 1' && grep -q "model's context of 256" "$tmp/screen"
ok $? "... and still says so after keys"
keys e End
wait_for 'editing'
keys -N 200 BSpace
keys Enter
wait_gone "model's context of 256" && wait_for '^ a → '
ok $? "... until the text is cut to fit: then the message goes and the view comes"
keys q
wait_for 'STTY-DONE' && grep -q 'EXIT=0' "$tmp/screen"
ok $? "the context test: q exits 0"
finish
