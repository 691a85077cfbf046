#!/bin/sh
# screens.sh - the screens in doc/SCREENS.md, taken again: attnscope run in
# a private tmux server at a given size, its screen captured as text.
#
#   tools/screens.sh BIN > doc/SCREENS.md       (BIN: e.g. build/src/attnscope)
#
# Uses the bundled model (data/tinystories-2m.gguf) and --palette mono, so
# that the text shows the shades a colour terminal shows as colours.
set -eu
bin=${1:?usage: tools/screens.sh BIN}
top=$(cd "$(dirname "$0")/.." && pwd)
model=$top/data/tinystories-2m.gguf
tmp=$(mktemp -d)
sock=attnscope-screens-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

# shot W H ARGS...: the first screen of attnscope ARGS once it holds still.
shot() {
    w=$1 h=$2; shift 2
    tmux -L "$sock" kill-server 2>/dev/null || true
    tmux -L "$sock" -f /dev/null new-session -d -x "$w" -y "$h" \
        "env LANG=C.UTF-8 TERM=xterm-256color XDG_CONFIG_HOME=$tmp $bin --model $model --palette mono $*; sleep 60"
    prev="" i=0
    while [ $i -lt 100 ]; do
        sleep 0.1
        cur=$(tmux -L "$sock" capture-pane -p)
        case $cur in *computing*) ;; *) [ -n "$prev" ] && [ "$cur" = "$prev" ] && break ;; esac
        prev=$cur i=$((i + 1))
    done
    echo '```'
    tmux -L "$sock" capture-pane -p
    echo '```'
}

s='Once upon a time there was a little girl named Lily. She loved to play in the park with her dog Max. One day the sun was hot and the sky was blue.'
printf '%s %s %s %s %s %s' "$s" "$s" "$s" "$s" "$s" "$s" >"$tmp/long.txt"
n=$("$bin" --model "$model" --text-file "$tmp/long.txt" --dump json --layer 0 --head 0 |
    sed -n 's/.*"tokens":\[\([^]]*\)\].*/\1/p' | tr ',' '\n' | wc -l)

cat <<EOF
# Screens

Taken by \`tools/screens.sh build/src/attnscope > doc/SCREENS.md\`: the
bundled model, \`--palette mono\` (a colour terminal shows the shades as a
colour ramp), captured from tmux as text.

## The lesson's sentence, 80×24

\`attnscope -l 0 -H 2 -q it\`: layer 0, head 2, the query on "it", which
puts 0.86 of its weight on "cat".  \`·\` marks what a word cannot see: the
model is causal, each word sees only the words before it.

$(shot 80 24 -l 0 -H 2 -q it)

## A long text, the query in the middle

The same story sentence six times, $n tokens, the query on token 100
("sun", in the fourth "One day the sun was hot"); layer 4, head 0, which
looks back at the girl of the story ("girl", "She", "Lily").  The
columns pan to keep the query row's strongest keys in view; \`◂\` says
there is more to the left.

\`attnscope --text-file long.txt -l 4 -H 0 -q 100\`, 80×24:

$(shot 80 24 --text-file "$tmp/long.txt" -l 4 -H 0 -q 100)

The same at 200×60:

$(shot 200 60 --text-file "$tmp/long.txt" -l 4 -H 0 -q 100)
EOF
