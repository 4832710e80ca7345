# tapns.sh - a network namespace of the caller's own with one TAP device in
# it at HOST_IP/24, for the QEMU a test or bench starts inside it (sourced;
# used by test/system/tap.sh, tools/bench-rtt.sh and tools/bench-boot.sh).
#
# tapns_up NS TAP HOST_IP : create NS, TAP in it, loopback and TAP up, the
# address on TAP.  0 when ready; otherwise 1 with the reason in TAPNS_ERR
# (the caller prints its SKIP line).  The caller removes NS
# (ip netns del NS) on exit, whatever happens; tapns_up creates nothing
# else outside NS.
tapns_up() {
    local ns=$1 tap=$2 host=$3
    TAPNS_ERR=
    if [[ $(id -u) -ne 0 ]] || ! ip netns add "$ns" 2>/dev/null; then
        TAPNS_ERR="cannot create a network namespace here (needs root and netns support)"
        return 1
    fi
    if ! ip netns exec "$ns" ip tuntap add dev "$tap" mode tap 2>/dev/null; then
        TAPNS_ERR="cannot create a TAP device in the namespace"
        return 1
    fi
    ip netns exec "$ns" ip link set lo up &&
        ip netns exec "$ns" ip addr add "$host/24" dev "$tap" &&
        ip netns exec "$ns" ip link set "$tap" up || {
        TAPNS_ERR="cannot configure $tap in the namespace"
        return 1
    }
}
