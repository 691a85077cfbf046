#!/bin/sh
# test_tui_flow.sh - the heatmap's two views beyond raw weights (issue 17),
# in a real terminal, on the bundled model and the lesson sentence:
#   V shows value-weighted attention: the frame says "value-weighted · layer
#   L · head H", and the status line's weight of the key cursor is the one
#   `--dump json --view values` prints for that cell (itself checked against
#   float64 by test_flow_reference.sh); V again is back to the weights;
#   r shows attention rollout through the layer on screen ("rollout · layers
#   0-L · all heads"), its cell `--view rollout`'s, the same whatever the head
#   (Tab); Esc leaves it; a moves to the layer mean and leaves the view;
#   both views under w (whole words) keep their names; q exits 0.
. "$(dirname "$0")/tui/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux not installed"; exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # SKIP python3 not installed"; exit 0
fi
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
src=$(cd "${ATTNSCOPE_SRCDIR:-$(dirname "$0")/..}" && pwd)
bundled=$src/data/tinystories-2m.gguf
if [ ! -f "$bundled" ]; then
    echo "1..0 # SKIP data/tinystories-2m.gguf not found"; exit 0
fi
ui="TERM=xterm-256color LANG=C.UTF-8 XDG_CONFIG_HOME=$tmp/none ATTNSCOPE_MODEL="
text="The cat sat on the mat because it was tired."

# cell VIEW LAYER HEAD QUERY KEY: the dump's weight for that cell, 4 decimals.
cell() {
    "$bin" --model "$bundled" -t "$text" --dump json --view "$1" --layer "$2" --head "$3" |
        python3 -c 'import json, sys; d = json.load(sys.stdin); print("%.4f" % d["attention"][int(sys.argv[1])][int(sys.argv[2])])' "$4" "$5"
}
# status: the status line's "query Q  key K word: W" as "Q K W".
status() { sed -n 's/^ query \([0-9]*\)  key \([0-9]*\) [^:]*: \([0-9.]*\).*/\1 \2 \3/p' "$tmp/screen"; }

start 80 24 $ui -- --model "$bundled" -t "'$text'" --layer 0 --head 2
wait_for '^ query [0-9]+  key ' && set -- $(status) && q=$1 k=$2 raw=$3
[ -n "$q" ] && [ "$raw" = "$(cell attention 0 2 "$q" "$k")" ]
check $? "the plain heatmap's cell (query $q, key $k) is --dump json's ($raw)"

keys V
want=$(cell values 0 2 "$q" "$k")
wait_for '^┌ value-weighted · layer 0 · head 2 ─' && [ "$(status)" = "$q $k $want" ]
check $? "V: the frame says value-weighted, the cell is --view values' ($want, the weight was $raw)"
[ "$want" != "$raw" ]
ok $? "... and differs from the raw weight"
keys V
wait_for '^┌ layer 0 · head 2 ─' && [ "$(status)" = "$q $k $raw" ]
check $? "V again: back to the weights"

keys r ']' ']' ']'
want=$(cell rollout 3 0 "$q" "$k")
wait_for '^┌ rollout · layers 0-3 · all heads ─' && [ "$(status)" = "$q $k $want" ]
check $? "r then ] ] ]: rollout through layers 0-3, the cell is --view rollout's ($want)"
keys Tab
wait_for 'layer 3  head 3  ' && [ "$(status)" = "$q $k $want" ] && grep -q '^┌ rollout · layers 0-3' "$tmp/screen"
check $? "Tab: another head, the same rollout"
keys w
wait_for '\[words' && grep -q '^┌ rollout · layers 0-3' "$tmp/screen"
check $? "w: whole words keep the rollout view"
keys w
wait_gone '\[words'
keys Escape
wait_for '^┌ layer 3 · head 3 ─'
check $? "Esc leaves the rollout view"
keys V
wait_for '^┌ value-weighted · layer 3 · head 3' && keys a && wait_for '^┌ layer 3 · mean of 5 heads'
check $? "a (the layer mean) leaves the value-weighted view"
quits "q exits 0"

finish
