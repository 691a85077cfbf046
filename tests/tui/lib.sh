# lib.sh - drive attnscope in a private tmux server, for the end-to-end tests.
# Sourced by tests/test_tui*.sh. Polls for what the screen should show;
# never sleeps a fixed time to "let it settle".

bin=${ATTNSCOPE_BIN:-../src/attnscope}
shared=${ATTNSCOPE_SHARED:-../shared}
model=$shared/models/ref260K.gguf
# Each session gets a server of its own: starting one right after killing
# the last on the same socket races with that server's exit.
sock_base=attnscope-test-$$
sessions=0
sock=$sock_base-0
tmp=$(mktemp -d) || exit 1
n=0 failed=0

tm() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() {
    stop_app
    i=0
    while [ $i -le $sessions ]; do tmux -L "$sock_base-$i" kill-server 2>/dev/null; i=$((i + 1)); done
    rm -rf "$tmp"
}
trap cleanup EXIT

ok() { # ok STATUS DESCRIPTION
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
skip_rest() { # skip_rest COUNT REASON
    i=0
    while [ $i -lt "$1" ]; do n=$((n + 1)); i=$((i + 1)); echo "ok $n # SKIP $2"; done
}
finish() { echo "1..$n"; [ $failed -eq 0 ]; }

# stop_app: end the explorer of the last session, if it still runs, as a
# user would (Ctrl-C quits in every mode), and wait for it to exit.  Killing
# its terminal instead is test_tui_life.sh's subject; done after every
# session it leaves processes exiting under a hang-up, and under
# LeakSanitizer in a chroot one was seen never to finish its exit.
stop_app() {
    tm has-session 2>/dev/null || return 0
    tm send-keys C-c 2>/dev/null
    j=0
    while [ $j -lt 100 ]; do
        screen 2>/dev/null | grep -q 'STTY-DONE' && return 0
        tm has-session 2>/dev/null || return 0
        sleep 0.05
        j=$((j + 1))
    done
}

# start W H ENV... -- ARGS...: run attnscope in a new session of that size.
# After it exits the pane prints EXIT=<status> and the terminal's modes.
# With $start_input naming a file, that file is piped to its standard input.
start() {
    w=$1 h=$2; shift 2
    envs=""
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs="$envs $1"; shift; done
    [ "$1" = "--" ] && shift
    stop_app
    tm kill-server 2>/dev/null
    sessions=$((sessions + 1))
    sock=$sock_base-$sessions
    pipe=""
    [ -n "${start_input:-}" ] && pipe="cat \"$start_input\" | "
    cat >"$tmp/run.sh" <<EOS
$pipe env $envs "$bin" $* 2>"$tmp/stderr"
echo "EXIT=\$?"
stty -a | tr ' ;' '\n\n' | grep -x -e '-*icanon' -e '-*echo' | tr '\n' ' '
echo STTY-DONE
exec sleep 600
EOS
    # In $tmp, so files the explorer saves land there.
    tm new-session -d -c "$tmp" -x "$w" -y "$h" "sh $tmp/run.sh"
}

screen() { tm capture-pane -p "$@"; }

# settle: capture until two captures in a row agree, so a screen caught in
# the middle of a redraw (a slow sanitizer build) is not what gets checked.
settle() {
    j=0
    while [ $j -lt 40 ]; do
        sleep 0.05
        screen >"$tmp/screen2" 2>/dev/null
        cmp -s "$tmp/screen" "$tmp/screen2" && return 0
        mv "$tmp/screen2" "$tmp/screen"
        j=$((j + 1))
    done
}

# wait_for PATTERN [SECONDS]: poll the screen until grep -E finds PATTERN.
wait_for() {
    limit=$(( ${2:-20} * 20 ))
    i=0
    while [ $i -lt $limit ]; do
        screen >"$tmp/screen" 2>/dev/null
        grep -Eq -- "$1" "$tmp/screen" && { settle; return 0; }
        sleep 0.05
        i=$((i + 1))
    done
    echo "# waited for: $1"
    sed 's/^/# | /' "$tmp/screen"
    return 1
}

keys() { tm send-keys "$@"; }

# wait_screen FILE [SECONDS]: poll until the whole screen equals FILE; on
# failure print the difference. For a screen that must come back exactly,
# where one that merely holds still (settle) may be a stale frame.
wait_screen() {
    limit=$(( ${2:-10} * 20 ))
    i=0
    while [ $i -lt $limit ]; do
        screen >"$tmp/screen" 2>/dev/null
        cmp -s "$1" "$tmp/screen" && return 0
        sleep 0.05
        i=$((i + 1))
    done
    diff "$1" "$tmp/screen" | sed 's/^/# /'
    return 1
}

# wait_gone PATTERN [SECONDS]: poll until PATTERN is no longer on the screen.
wait_gone() {
    limit=$(( ${2:-20} * 20 ))
    i=0
    while [ $i -lt $limit ]; do
        screen >"$tmp/screen" 2>/dev/null
        grep -Eq -- "$1" "$tmp/screen" || return 0
        sleep 0.05
        i=$((i + 1))
    done
    echo "# still on screen: $1"
    return 1
}

# check STATUS DESCRIPTION: ok, and after a failure the screen judged.
check() { ok "$1" "$2"; [ "$1" -eq 0 ] || sed 's/^/# | /' "$tmp/screen"; }

# quits DESCRIPTION: q ends the explorer with status 0 and nothing on its
# standard error (a sanitizer's report, a warning).
quits() {
    keys q
    wait_for 'STTY-DONE' && grep -q 'EXIT=0' "$tmp/screen" && [ ! -s "$tmp/stderr" ]
    check $? "$1, nothing on stderr"
    [ -s "$tmp/stderr" ] && head -20 "$tmp/stderr" | sed 's/^/# stderr: /'
    return 0
}
