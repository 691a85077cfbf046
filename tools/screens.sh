#!/bin/sh
# screens.sh - the screens in doc/SCREENS.md, taken again: attnscope run in
# a private tmux server at a given size, its screen captured as text.
#
#   tools/screens.sh BIN > doc/SCREENS.md       (BIN: e.g. build/src/attnscope)
#
# Uses the bundled pair (data/tinystories-2m.gguf, and the encoder
# data/tinystories-bert.gguf for its own shots) and --palette mono, so that
# the text shows the shades a colour terminal shows as colours.
set -eu
bin=${1:?usage: tools/screens.sh BIN}
top=$(cd "$(dirname "$0")/.." && pwd)
model=$top/data/tinystories-2m.gguf
tmp=$(mktemp -d)
# A tmux server per shot, ended when it is taken: starting one right after
# killing the last on the same socket races with that server's exit.  (Shots
# run in $(...): a name from a counter would not survive them.)
sock=""
trap '[ -z "$sock" ] || tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

# still: wait until the screen holds still (and is not computing).
still() {
    prev="" i=0
    while [ $i -lt 100 ]; do
        sleep 0.1
        cur=$(tmux -L "$sock" capture-pane -p)
        case $cur in *computing*|*measuring*) ;; *) [ -n "$prev" ] && [ "$cur" = "$prev" ] && break ;; esac
        prev=$cur i=$((i + 1))
    done
}

# shot W H ARGS...: the screen of attnscope ARGS once it holds still, after
# the keys in $keys (tmux send-keys names; none by default) were pressed.
keys=""
shot() {
    w=$1 h=$2; shift 2
    sock=attnscope-screens-$$-$(date +%s%N)
    tmux -L "$sock" -f /dev/null new-session -d -x "$w" -y "$h" \
        "env LANG=C.UTF-8 TERM=xterm-256color XDG_CONFIG_HOME=$tmp $bin --model $model --palette mono $*; sleep 60"
    still
    for k in $keys; do
        tmux -L "$sock" send-keys "$k"
        still
    done
    echo '```'
    tmux -L "$sock" capture-pane -p
    echo '```'
    tmux -L "$sock" kill-server 2>/dev/null || true
}

# The lesson's steps at 80×24: step I is I-1 presses of n.
lesson_shots() {
    steps=$("$bin" --model "$model" --lesson --dump json | grep -o '"index":' | wc -l)
    step=1 keys=""
    while [ "$step" -le "$steps" ]; do
        printf '\n### Step %d\n\n' "$step"
        shot 80 24 --lesson
        step=$((step + 1)) keys="$keys n"
    done
    keys=""
}

# The encoder's step-9 head, from its own lesson.
encoder=$top/data/tinystories-bert.gguf
bank='The bank by the river was steep.'
step9=$("$bin" --model "$encoder" --lesson --dump json | python3 -c '
import json, sys
s = json.load(sys.stdin)["steps"][-1]
print(s["layer"], s["head"])')
bl=${step9% *} bh=${step9#* }

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

## Knocking heads out, 80×24

\`attnscope -l 2 -H 4 -q it\`, then \`K\` (head 2.4 out), \`]\` and \`Tab\` \`Tab\`
to head 3.1, \`K\`, and \`t\`: the next-token panel with the two heads out,
and at the right what the model with every head predicted.  The status
line's meter gives the sentence's loss before and after and how many of
its next tokens are still the model's first choice; × marks the heads out.

$(keys="K ] Tab Tab K t"; shot 80 24 -l 2 -H 4 -q it)

## Rollout and value-weighted attention, 80×24

\`V\` on layer 0, head 2: each weight times the length of the value it
moves, rows normalised.  Then \`r\` and \`]\` three times: attention rollout
through layers 0-3, the heads averaged with the residual and multiplied
through the layers.

$(keys="V"; shot 80 24 -l 0 -H 2 -q it)

$(keys="r ] ] ]"; shot 80 24 -l 0 -H 2 -q it)

## The lesson, 80×24

\`attnscope --lesson\`, then \`n\` to each next step: the view, then the
step's title and its caption, measured on the bundled model.  In step 7,
\`+\` three times knocks out the three least important heads.
$(lesson_shots)

### Step 7, after + + +

$(keys="n n n n n n + + +"; shot 80 24 --lesson)

### Step 9 at 200×60

The sentence in the decoder (the head on screen) and in the bundled
encoder (the head the step measured there), every key's weight beside.

$(keys="n n n n n n n n"; shot 200 60 --lesson)

## The bundled encoder, 80×24

\`attnscope --model encoder -t "$bank" -q bank -l $bl -H $bh\`: the
encoder's head where "bank" weighs "river" most (lesson step 9 measures
it), every word seeing every word.  Then \`_\`: "bank" hidden as [MASK], and
the encoder's guesses for it.

$(model=$encoder; shot 80 24 -t "'$bank'" -q bank -l "$bl" -H "$bh")

$(model=$encoder; keys="_"; shot 80 24 -t "'$bank'" -q bank -l "$bl" -H "$bh")
EOF
