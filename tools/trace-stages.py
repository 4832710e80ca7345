#!/usr/bin/env python3
"""trace-stages.py LOG ELF NM - where one echo's guest instructions go, by stage.

Reads QEMU's `-d in_asm,exec,nochain` log of a firmware that answered pings
and UDP echoes (tools/trace-echo.sh writes it) and cuts it into the stretches
that begin at the interrupt vector and end when the main loop next reaches
the WFI in board_idle_unless(): everything one received frame costs, from
the interrupt to the CPU going idle again, the reply's TX descriptors, the
kick and the RX buffer's re-post included.  A stretch that contains the
ICMP input is an ICMP echo, one with the UDP input a UDP echo; a stretch a
timer interrupt, an ARP exchange or a second frame joined is left out.

Every executed instruction (the log's in_asm part lists each block's)
counts against the innermost function of its inline chain that names a
stage: the firmware is linked with LTO, which inlines across files, so the
chain comes from the DWARF inline information (addr2line -i), not from the
symbol table; assembly falls back to its symbol.  Out-of-line helpers that
serve several stages (memcpy/memset, the division routines) count against
the stage of the instruction that ran before them.  The TX reaping
(reclaim_tx, tx_done, rx_post_locked) takes everything it calls - the used
ring pop and the RX re-post's add - until control is back in the poll or
the main loop, so "used ring" and "TX add" hold the echo's own work.  Prints a Markdown table: per stage, the
median over the echoes of each kind, and the functions in it.
"""
import bisect
import re
import collections
import statistics
import subprocess
import sys

STAGES = [
    ("interrupt entry and exit: vector, controller acknowledge and completion",
     {"vectors", "irq_entry", "irq_dispatch", "irq_return", "gic_ack", "gic_eoi", "gic_intid",
      "plic_claim", "plic_complete", "plic_irq_of", "trap_entry", "arch_trap", "virtio_dev_irq_handler",
      "board_irq_stamp_take"}),
    ("interrupt status: read and acknowledge until 0",
     {"virtio_dev_interrupt", "mmio_irq_status", "mmio_irq_ack"}),
    ("used ring: callback, pop, validate",
     {"virtqueue_interrupt", "virtqueue_more_used", "virtqueue_get_used", "vq_ring_next_used",
      "vq_split_next_used", "vq_packed_next_used", "vq_ring_pending", "vq_split_pending",
      "vq_packed_pending", "vq_ring_used_done", "vq_split_used_done", "vq_packed_used_done",
      "virtqueue_disable_cb", "vq_ring_disable_cb", "vq_split_disable_cb", "vq_packed_disable_cb",
      "vq_free_chain", "rx_callback"}),
    ("driver RX poll: header, length and buffer checks, hand-up",
     {"virtio_net_poll", "rx_up", "rx_one"}),
    ("parse: Ethernet, IPv4, ICMP/UDP, checksum verification",
     {"netif_input", "ip4_input", "icmp_input", "udp_input", "net_sum", "net_ip4_is_bcast",
      "net_l4_csum_trusted", "arp_note", "arp_input", "net_udp_echo", "net_clock_read"}),
    ("reply: in place, addresses, checksum update, headers",
     {"ip4_reply", "ip4_fill", "eth_output", "net_csum_update16", "icmp_reply", "udp_reply",
      "udp_csum_out", "net_pseudo_sum"}),
    ("TX add: driver and descriptors",
     {"drv_output", "virtio_net_tx", "tx_owned_locked", "tx_refuse", "virtqueue_add",
      "vq_ring_publish", "vq_split_publish", "vq_packed_publish", "plat_bus_addr"}),
    ("kick decision and notify",
     {"virtio_net_flush", "virtqueue_kick", "virtqueue_kick_prepare", "vq_ring_kick_needed",
      "vq_split_kick_needed", "vq_packed_kick_needed", "virtqueue_notify", "mmio_notify", "dev_notify"}),
    ("TX reclaim and RX re-post, callbacks re-armed",
     {"reclaim_tx", "tx_done", "rx_post_locked", "rx_fill", "rx_release", "netbuf_release",
      "virtqueue_enable_cb", "virtqueue_enable_cb_delayed", "vq_arm", "vq_ring_arm", "vq_split_arm",
      "vq_packed_arm"}),
    ("main loop: the other pollers, the clock, the stack's 10 ms timers, the idle check",
     {"app_main", "netapp_poll", "console_poll", "blkapp_poll", "shell_poll", "shellsrv_poll",
      "httpapp_poll", "tcpapp_poll", "check_tick_report", "board_idle_unless", "net_work",
      "netapp_busy", "shellsrv_busy", "httpapp_busy", "virtio_net_check", "virtio_net_link_changed",
      "virtio_net_pending", "timer_ns", "timer_us", "timer_ms", "counter_to", "udiv64_by1000",
      "timer_ticks", "net_tick", "now_us", "now_ms", "net_now_ms", "net_now_us", "arp_tick",
      "dhcp_tick", "tcp_tick", "ping_tick", "pl011_getc", "ns16550_getc", "board_getc",
      "virtqueue_is_broken", "app_rng_read"}),
]
# Serve whoever called them.
HELPERS = {"plat_mmio_read32", "plat_mmio_write32", "plat_mmio_read16", "plat_mmio_write16",
           "plat_lock", "plat_unlock", "memcpy", "memset", "memcmp", "net_fold", "plat_dma_mb",
           "plat_dma_rmb", "plat_dma_wmb", "__aeabi_uldivmod", "__udivmoddi4", "__aeabi_ldivmod"}
# A stretch with one of these is not one echo alone (ping_input: a reply to
# the firmware's own ping, not an echo it answers).
FOREIGN = {"timer_irq", "on_tick", "arp_output", "arp_send", "tcp_input", "dhcp_input", "ping_input"}
BENCH = {"bench_tx_begin", "bench_tx_queued", "board_instructions", "board_irq_stamp"}
# The reaping of completed TX frames (and the RX re-post of an in-place
# reply's buffer): everything it calls belongs to its stage.
REAP = {"reclaim_tx", "tx_done", "rx_post_locked"}
REAP_STAGE = next(i for i, (n, _) in enumerate(STAGES) if n.startswith("TX reclaim"))
REAP_EXIT = {"virtio_net_poll", "virtio_net_flush"} | STAGES[-1][1]


def stage_of(chain):
    """The stage of an instruction: the innermost function of its inline
    chain (innermost first) that belongs to one, and that function."""
    for fn in chain:
        base = fn.split(".")[0]
        for i, (_, names) in enumerate(STAGES):
            if base in names:
                return i, base
    return None, chain[0].split(".")[0] if chain else "?"


def inline_chains(tool, elf, addrs):
    """addr -> the names of the functions it lies in, innermost first, from
    the DWARF inline information (an LTO build inlines across files: the
    symbol table alone would put nearly every stage in one function)."""
    addrs = sorted(addrs)
    if not addrs:
        return {}
    out = subprocess.run([tool, "-a", "-f", "-i", "-e", elf], input="\n".join(f"{a:#x}" for a in addrs),
                         capture_output=True, text=True, check=True).stdout.splitlines()
    chains, cur, i = {}, None, 0
    while i < len(out):
        line = out[i]
        if line.startswith("0x"):
            cur = int(line, 16)
            chains[cur] = []
            i += 1
            continue
        if cur is not None and line != "??":
            chains[cur].append(line)
        i += 2  # the function, then its file:line
    return chains


def main():
    log, elf, nm = sys.argv[1:4]
    arch = sys.argv[4] if len(sys.argv) > 4 else "aarch64"
    syms = []
    for line in subprocess.run([nm, "-n", "--defined-only", elf], capture_output=True,
                               text=True, check=True).stdout.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "tTwW" and not p[2].startswith("$"):
            syms.append((int(p[0], 16), p[2]))
    keys = [a for a, _ in syms]
    addr = {n: a for a, n in syms}

    def sym(a):
        i = bisect.bisect_right(keys, a) - 1
        return syms[i][1] if i >= 0 else "?"

    if arch == "aarch64":
        start = addr["vectors"] + 0x280 if "vectors" in addr else None  # IRQ, current EL, SP_ELx
    else:
        start = addr.get({"arm": "irq_entry", "riscv64": "trap_entry"}.get(arch, ""))
    a2l = nm[:-2] + "addr2line"
    # The WFI of board_idle_unless() (inlined or not): the stretch ends at
    # the block holding it.
    objdump = nm[:-2] + "objdump"
    dis = subprocess.run([objdump, "-d", "--no-show-raw-insn", elf], capture_output=True,
                         text=True, check=True).stdout
    wfis = [int(line.split(":")[0], 16) for line in dis.splitlines()
            if re.match(r"^\s*[0-9a-f]+:\s+wfi\b", line)]
    wchains = inline_chains(a2l, elf, wfis)
    wfis = [a for a in wfis if "board_idle_unless" in wchains.get(a, []) or sym(a) == "board_idle_unless"]
    if start is None or not wfis:
        sys.exit("trace-stages.py: no vector or no WFI in board_idle_unless")

    # Pass 1: each translated block's instructions, and the stretches as
    # lists of executed blocks.
    tb_insns = {}
    stretches = []
    cur, seg = None, None
    with open(log, errors="replace") as f:
        for line in f:
            if line.startswith("IN:"):
                cur = "new"
                continue
            if line.startswith("Priv:"):  # riscv64: the privilege level of the block
                continue
            if cur is not None and line.startswith("0x"):
                a = int(line.split(":")[0], 16)
                if cur == "new":
                    cur = a
                    tb_insns[a] = []
                tb_insns[cur].append(a)
                continue
            cur = None
            if not line.startswith("Trace"):
                continue
            a = int(line.split("/")[1], 16)
            if a == start:
                if seg is not None:
                    stretches.append(None)  # a second interrupt before idle
                seg = []
            if seg is None:
                continue
            seg.append(a)
            insns = tb_insns.get(a, ())
            if any(w in insns for w in wfis):
                stretches.append(seg)
                seg = None

    used = {i for sg in stretches if sg for a in sg for i in tb_insns.get(a, ())}
    chains = inline_chains(a2l, elf, used)
    for i in used:
        if not chains.get(i):
            chains[i] = [sym(i)]  # assembly: the symbol it lies in

    # Pass 2: every executed instruction against its stage.
    kinds = {"icmp": [], "udp": []}
    skipped = 0
    for sg in stretches:
        if sg is None:
            skipped += 1
            continue
        counts, names, last_stage, reaping = collections.Counter(), set(), 0, False
        for a in sg:
            for i in tb_insns.get(a, ()):
                ch = chains[i]
                bases = {c.split(".")[0] for c in ch}
                names.update(bases)
                if bases & BENCH:
                    continue
                # The TX reaping, with the queue calls it makes (pop,
                # validate, re-post: out of line, so their own chains do not
                # name it), counts as reaping until control is back in the
                # poll or the main loop.
                if bases & REAP:
                    reaping = True
                elif reaping and bases & REAP_EXIT:
                    reaping = False
                st, f_ = stage_of(ch)
                if reaping:
                    st = REAP_STAGE
                elif st is None and ch[0].split(".")[0] in HELPERS:
                    st = last_stage
                counts[(st, f_)] += 1
                if st is not None and f_ not in HELPERS:
                    last_stage = st
        kind = "icmp" if "icmp_input" in names else "udp" if "udp_input" in names else None
        if kind and not (names & FOREIGN) and not ("icmp_input" in names and "udp_input" in names):
            kinds[kind].append(counts)
        else:
            skipped += 1

    print("| stage | " + " | ".join(f"{k.upper()} echo (median of {len(v)})" for k, v in kinds.items()) +
          " | functions |")
    print("|---|" + "---:|" * len(kinds) + "---|")
    rows = list(range(len(STAGES))) + [None]
    for st in rows:
        cells, fns = [], collections.Counter()
        for k, segs in kinds.items():
            vals = [sum(c for (s, _), c in sg.items() if s == st) for sg in segs]
            cells.append(str(int(statistics.median(vals))) if vals else "—")
            for sg in segs:
                for (s, f_), c in sg.items():
                    if s == st:
                        fns[f_] += c
        name = STAGES[st][0] if st is not None else "other"
        if st is None and not any(c != "0" and c != "—" for c in cells):
            continue
        print(f"| {name} | " + " | ".join(cells) + " | " +
              ", ".join(f"`{f_}`" for f_, _ in fns.most_common(8)) + " |")
    totals = [str(int(statistics.median([sum(sg.values()) for sg in segs]))) if segs else "—"
              for segs in kinds.values()]
    print("| **total, interrupt to idle** | " + " | ".join(f"**{t}**" for t in totals) + " | |")
    print(f"\n{skipped} stretch(es) left out (a timer tick, ARP, a second frame or interrupt).")


if __name__ == "__main__":
    main()
