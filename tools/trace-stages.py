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

Every executed translated block counts its instructions (the log's in_asm
part gives each block's length) against the function it lies in, and each
function against a stage.  Helpers that serve several stages (MMIO access,
locks, memcpy/memset, the checksum fold) count against the stage of the
function that ran before them.  Prints a Markdown table: per stage, the
median over the echoes of each kind, and the functions in it.
"""
import bisect
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
     {"virtqueue_interrupt", "virtqueue_more_used", "virtqueue_get_used", "sp_next_used",
      "sp_pending", "sp_used_done", "pk_next_used", "pk_pending", "pk_used_done",
      "virtqueue_disable_cb", "sp_disable_cb", "pk_disable_cb", "vq_free_chain", "rx_callback"}),
    ("driver RX poll: header, length and buffer checks, hand-up",
     {"virtio_net_poll", "rx_up", "rx_one"}),
    ("parse: Ethernet, IPv4, ICMP/UDP, checksum verification",
     {"netif_input", "ip4_input", "icmp_input", "udp_input", "net_sum", "net_ip4_is_bcast",
      "net_l4_csum_trusted", "arp_note", "arp_input", "net_udp_echo", "net_clock_read"}),
    ("reply: in place, addresses, checksum update, headers",
     {"ip4_reply", "ip4_fill", "eth_output", "net_csum_update16", "icmp_reply", "udp_reply",
      "udp_csum_out", "net_pseudo_sum"}),
    ("TX add: driver and descriptors",
     {"drv_output", "virtio_net_tx", "virtqueue_add", "sp_add", "pk_add", "sp_publish",
      "pk_publish", "tx_prepare", "plat_bus_addr"}),
    ("kick decision and notify",
     {"virtio_net_flush", "virtqueue_kick", "virtqueue_kick_prepare", "sp_kick_needed",
      "pk_kick_needed", "virtqueue_notify", "mmio_notify", "dev_notify"}),
    ("TX reclaim and RX re-post, callbacks re-armed",
     {"reclaim_tx", "tx_done", "rx_post_locked", "rx_fill", "rx_release", "netbuf_release",
      "virtqueue_enable_cb", "virtqueue_enable_cb_delayed", "vq_arm", "sp_arm", "pk_arm"}),
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


def stage_of(fn):
    base = fn.split(".")[0]
    for i, (_, names) in enumerate(STAGES):
        if base in names:
            return i
    return None


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

    def fn(a):
        i = bisect.bisect_right(keys, a) - 1
        return syms[i][1] if i >= 0 else "?"

    if arch == "aarch64":
        start = addr["vectors"] + 0x280 if "vectors" in addr else None  # IRQ, current EL, SP_ELx
    else:
        start = addr.get({"arm": "irq_entry", "riscv64": "trap_entry"}.get(arch, ""))
    # The WFI of board_idle_unless(): the stretch ends at the block holding it.
    objdump = nm.replace("nm", "objdump")
    wfi = None
    dis = subprocess.run([objdump, "-d", "--no-show-raw-insn", elf], capture_output=True,
                         text=True, check=True).stdout
    inside = False
    for line in dis.splitlines():
        if line.endswith("<board_idle_unless>:"):
            inside = True
        elif inside and line.strip() == "":
            break
        elif inside and "\twfi" in line:
            wfi = int(line.split(":")[0], 16)
    if start is None or wfi is None:
        sys.exit("trace-stages.py: no vector or no WFI in board_idle_unless")

    tb_len, tb_end = {}, {}
    kinds = {"icmp": [], "udp": []}
    cur, seg, last_stage, skipped = None, None, None, 0
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
                    tb_len[a] = 0
                tb_len[cur] += 1
                tb_end[cur] = a
                continue
            cur = None
            if not line.startswith("Trace"):
                continue
            a = int(line.split("/")[1], 16)
            if a == start:
                if seg is not None:
                    skipped += 1  # a second interrupt before idle
                seg = {"fn": collections.Counter(), "names": set()}
                last_stage = 0
            if seg is None:
                continue
            f_ = fn(a)
            seg["names"].add(f_.split(".")[0])
            if f_ not in BENCH:
                st = stage_of(f_)
                if st is None and f_ in HELPERS:
                    st = last_stage
                key = (st, f_)
                seg["fn"][key] += tb_len.get(a, 0)
                if st is not None and f_ not in HELPERS:
                    last_stage = st
            if a <= wfi <= tb_end.get(a, -1):
                names = seg["names"]
                kind = "icmp" if "icmp_input" in names else "udp" if "udp_input" in names else None
                if kind and not (names & FOREIGN) and not ("icmp_input" in names and "udp_input" in names):
                    kinds[kind].append(seg["fn"])
                else:
                    skipped += 1
                seg = None

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
