#!/bin/sh
# run_test.sh CMD ARGS... - run one test for automake's TAP driver (it is
# the LOG_COMPILER of every test, see Makefile.am), adding two rules the
# tests themselves cannot keep:
#  - a time limit, $ATTNSCOPE_TEST_TIMEOUT seconds (default 600): a test that
#    hangs is killed and ends in "Bail out!", which the driver reports as an
#    ERROR under the test's name, instead of stalling the whole run;
#  - with ATTNSCOPE_REQUIRE_ALL=1 (CI sets it), nothing may be skipped: a
#    skipped check, or a whole test skipped for want of ../shared, tmux,
#    numpy or clang, becomes a failure saying what was missing.
# The test's standard output is its TAP stream; its exit status is kept.
limit=${ATTNSCOPE_TEST_TIMEOUT:-600}
out=$(mktemp) || exit 99
trap 'rm -f "$out"' EXIT
# -k: a test that ignores SIGTERM is killed 10 s later.
timeout -k 10 "$limit" "$@" >"$out"
rc=$?
if [ "${ATTNSCOPE_REQUIRE_ALL:-0}" = 1 ]; then
    awk '
        /^1\.\.0 *# *[Ss][Kk][Ii][Pp]/ {
            sub(/^1\.\.0 *# *[Ss][Kk][Ii][Pp] */, "")
            print "1..1"; print "not ok 1 - required, but the whole test skipped: " $0; next
        }
        /^ok [0-9]+ *# *[Ss][Kk][Ii][Pp]/ {
            n = $2; sub(/^ok [0-9]+ *# *[Ss][Kk][Ii][Pp] */, "")
            print "not ok " n " - required, but skipped: " $0; next
        }
        { print }' "$out"
else
    cat "$out"
fi
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    echo "Bail out! timed out after $limit s (ATTNSCOPE_TEST_TIMEOUT)"
fi
exit $rc
