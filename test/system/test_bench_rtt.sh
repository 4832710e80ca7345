#!/usr/bin/env bash
# test_bench_rtt.sh - the smoke run of make bench's round-trip half
# (tools/bench-rtt.sh --short): the firmware on both ARCHes, and the Linux
# guest when build/linux-guest is already built, each boot on a TAP device in
# a private namespace answers pings, UDP echo and a short stream.  Prints the
# table and PASS:/FAIL:/SKIP: lines; what this machine cannot do is a SKIP.
cd "$(dirname "$0")/../.." || exit 1
exec tools/bench-rtt.sh --short
