#!/usr/bin/env bash
# run-tests.sh TEST... - run host unit test binaries (cmocka) and system test
# scripts, keep each one's output in build/test-logs/, and finish with one
# line "N passed, N failed[, N skipped]" that counts individual test cases:
# cmocka's own counts for a unit binary, PASS:/FAIL:/SKIP: lines for a script.
# A test program that exits non-zero without reporting a failure counts as
# one failure, and so does one that reports no test case at all (a loop
# that ran zero times).  Exit status: 0 only when nothing failed and
# something passed.
set -uo pipefail
# Run on its own (the README's one-test command) as under make check: what
# the tests use (QEMU, tcpdump, python3, ...) installed first.
"$(dirname "$0")/deps.sh" test || exit 1
logs=build/test-logs
mkdir -p "$logs"
passed=0 failed=0 skipped=0
for t in "$@"; do
    name=$(basename "$t")
    log=$logs/$name.log
    start=$SECONDS
    "$t" >"$log" 2>&1
    rc=$?
    if [[ $t == *.sh ]]; then
        p=$(grep -c '^PASS:' "$log"); f=$(grep -c '^FAIL:' "$log"); s=$(grep -c '^SKIP:' "$log")
        grep -E '^(FAIL|SKIP):' "$log" | sed "s/^/  $name: /"
    else
        p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
        f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
        s=0
        grep -E '^\[  (FAILED|  ERROR)  \]|^\[  ERROR   \]' "$log" | sed "s/^/  $name: /"
    fi
    if ((rc != 0 && f == 0)); then
        f=1
        echo "  $name: exited with status $rc; last lines of $log:"
        tail -15 "$log" | sed 's/^/    /'
    elif ((p + f + s == 0)); then
        f=1
        echo "  $name: reported no test case (no PASS, FAIL or SKIP line; see $log)"
    fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    printf '%-34s %4d passed %3d failed %3d skipped  (%ds)\n' "$name" "$p" "$f" "$s" $((SECONDS - start))
done
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0 && passed > 0))
