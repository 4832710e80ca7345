# bench-stats.sh - sourced by the benches (bench-boot.sh, bench-rtt.sh):
# per-run values kept by key and metric, and their summary as a table cell.
# The sourcing script declares: declare -A V=()

# add KEY METRIC VALUE: one more run's value.
add() { V[$1|$2]+="${V[$1|$2]:+ }$3"; }

# stat VALUES... -> "min median max n" (nothing for no values)
stat() {
    (($#)) || return 0
    printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1}
        END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              print v[1], m, v[NR], NR }'
}

fmt() { # FORMAT VALUE
    awk -v f="$1" -v x="$2" 'BEGIN { printf f, x }'
}

# cell KEY METRIC [FORMAT]: "median (min–max, n=runs)", "— " for none;
# FORMAT is a printf format for each figure (default %.1f).
cell() {
    local f=${3:-%.1f}
    local -a vals s
    read -ra vals <<<"${V[$1|$2]:-}"
    read -ra s <<<"$(stat "${vals[@]}")"
    if ((${#s[@]} == 0)); then
        echo "—"
    elif ((s[3] == 1)); then
        echo "$(fmt "$f" "${s[1]}") (n=1)"
    else
        echo "$(fmt "$f" "${s[1]}") ($(fmt "$f" "${s[0]}")–$(fmt "$f" "${s[2]}"), n=${s[3]})"
    fi
}
