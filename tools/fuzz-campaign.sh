#!/usr/bin/env bash
# fuzz-campaign.sh - a long fuzzing campaign over every libFuzzer target, one
# process at a time (one core), niced, and a table of what it did.
#
#   tools/fuzz-campaign.sh [--san SECONDS] [--nosan SECONDS] [--rounds N]
#                          [--targets "t1 t2"] [--log DIR]
#
# Each round runs every target for --san seconds with ASan and UBSan (the
# `make fuzz` binaries) and then for --nosan seconds with libFuzzer alone
# (`make fuzz FUZZ_SAN=`, several times faster), both growing the same
# corpus in build/fuzz/corpus-<target>.  A crash stops that run and leaves
# build/fuzz/crash-<target>-*; the campaign goes on with the next one.  At
# the end (or when interrupted) it prints, per target and flavour: runs,
# executions, coverage (libFuzzer's "cov:" at the start and at the end) and
# crash files, as the Markdown table docs/RELIABILITY.md keeps.
set -uo pipefail
cd "$(dirname "$0")/.."

san=600 nosan=1800 rounds=1 targets="" logdir=""
while (($#)); do
    case $1 in
    --san | --nosan | --rounds | --targets | --log)
        (($# >= 2)) || { echo "fuzz-campaign.sh: $1 needs a value (try --help)" >&2; exit 2; } ;;&
    --san) san=$2; shift 2 ;;
    --nosan) nosan=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --log) logdir=$2; shift 2 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "fuzz-campaign.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    esac
done
for v in "$san" "$nosan" "$rounds"; do
    [[ $v =~ ^[0-9]+$ ]] || { echo "fuzz-campaign.sh: '$v' is not a whole number of seconds/rounds" >&2; exit 2; }
done
[[ -n $targets ]] || targets="fuzz_netif fuzz_netseq fuzz_dt fuzz_shell fuzz_device"
logdir=${logdir:-build/fuzz/campaign-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$logdir"

tools/deps.sh fuzz || exit 1
# Both flavours built before the clock starts.
for t in $targets; do
    make --no-print-directory -s "build/fuzz/$t" || exit 1
    make --no-print-directory -s FUZZ_SAN= "build/fuzz-nosan/$t" || exit 1
done

summary() {
    echo
    echo "campaign logs: $logdir (commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ', with local changes'))"
    echo
    echo "| target | sanitizers | runs | executions | cov at start → end | crash files |"
    echo "|---|---|---:|---:|---|---:|"
    local t f logs execs first last runs crashes total=0 total_san=0
    for t in $targets; do
        for f in san nosan; do
            logs=$(ls "$logdir"/"$t"-"$f"-*.log 2>/dev/null) || continue
            [[ -n $logs ]] || continue
            runs=$(wc -w <<<"$logs")
            execs=$(cat $logs | sed -n 's/^stat::number_of_executed_units: *//p' | awk '{s+=$1} END {print s+0}')
            first=$(grep -h -m1 -o 'INITED cov: [0-9]*' $(head -1 <<<"$logs") | grep -o '[0-9]*$')
            last=$(grep -h -o 'cov: [0-9]*' $(tail -1 <<<"$logs") | tail -1 | grep -o '[0-9]*$')
            crashes=$(grep -h -c 'Test unit written to' $logs | awk '{s+=$1} END {print s+0}')
            total=$((total + execs))
            [[ $f == san ]] && total_san=$((total_san + execs))
            printf '| `%s` | %s | %d | %d | %s → %s | %d |\n' "$t" \
                "$([[ $f == san ]] && echo 'ASan+UBSan' || echo 'none')" "$runs" "$execs" "${first:-?}" "${last:-?}" "$crashes"
        done
    done
    echo
    echo "In all: $total executions, $total_san of them with ASan and UBSan."
}
trap 'summary; exit 130' INT TERM

for ((r = 1; r <= rounds; r++)); do
    for t in $targets; do
        for f in san nosan; do
            secs=$san
            [[ $f == nosan ]] && secs=$nosan
            ((secs > 0)) || continue
            echo "round $r: $t ($f) for $secs s"
            nice -n 19 make --no-print-directory -s fuzz-run-"$t" FUZZ_RUN_TIME="$secs" \
                $([[ $f == nosan ]] && echo FUZZ_SAN=) >"$logdir/$t-$f-$r.log" 2>&1
            tail -1 "$logdir/$t-$f-$r.log" | sed 's/^/    /'
        done
    done
done
summary | tee "$logdir/summary.md"
