# lib.sh - what the tests that compare attnscope with the independent float64
# reference (tools/golden/reference.py) share.  Sourced by
# tests/test_{random,ablate,importance}_reference.sh: the paths, the skip
# when /usr/bin/python3 has no numpy, a temporary folder, TAP's ok, and the
# 64-token text the s15M random-weight models are checked on.

bin=${ATTNSCOPE_BIN:-../src/attnscope}
src=${ATTNSCOPE_SRCDIR:-..}
build=${ATTNSCOPE_BUILDDIR:-..}
mkmodel=$build/tests/mkmodel
python=/usr/bin/python3
# Bytecode next to reference.py would litter a source tree (read-only in distcheck).
PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE

if ! "$python" -c 'import numpy' >/dev/null 2>&1; then
    echo "1..0 # SKIP $python with numpy not available (Debian: python3-numpy)"
    exit 0
fi

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }

# 64 tokens with mkmodel's toy tokenizer: <s>, then "▁" + a letter,
# two-letter pieces and single letters (each test checks the count).
s15m_text="the quick brown fox jumps over the lazy dog while seven small birds sing in tall green tree near the old mill"
