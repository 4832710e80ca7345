/*
 * fuzz_dt.c - fuzz target for everything that reads the device tree: one
 * input is one blob, as a loader would pass it.
 *
 * Three stages per input:
 *  1. The reader (drivers/fdt).  dt_open(); if the blob opens, every node
 *     the walk finds is asked every question the reader answers (names,
 *     properties, parents and children, reg with and without translation,
 *     cells, status, dma-coherent, dma-ranges, interrupt parent and specifiers,
 *     phandles, paths), plus the board-level helpers (memory, reservations,
 *     bootargs, stdout-path, cpu nodes).  Then the same again with a node
 *     index (dt_index), and the answers must be identical (fdt.h promises
 *     so); an index too small for the tree must fail cleanly and leave the
 *     answers unchanged too.  Offsets that are no node's are asked too
 *     (only for memory safety).  The blob is the fuzzer's exactly-sized
 *     buffer, so ASan sees any read past it.
 *  2. The interrupt controllers' device-tree halves: gic_dt_find (v2, v3,
 *     with v3's redistributor-stride walked by gic_rd_next over each
 *     region, which must stay inside it) and plic_dt_find for harts 0-2,
 *     with their specifier decoders on every interrupt the tree gives.
 *  3. The board's parse: board/generic/board.c itself is compiled into this
 *     file (the host's arch.h is test/fuzz/host/arch.h; the 32-bit ARM
 *     port's path, since the host is not RISC-V) and boot_main() runs on
 *     the blob: find_dtb, RAM, UART, timer, PSCI, the GIC (gic_from_dt
 *     here is its device-tree half, gic_dt_find, since gic.c programs
 *     hardware), the virtio-mmio nodes and the DMA pool's placement.  The
 *     board's app_main() is this file's: it checks the probe table the
 *     board built (slot count and accounting, window sizes, interrupts,
 *     names, order; no more slots than virtio-mmio nodes whose DMA no
 *     dma-ranges translates), runs the firmware's probe of each slot
 *     (virtio_mmio_identify against a fake register file) and jumps back.
 *     The DMA pool the board places must lie in RAM and clear of the
 *     image, the blob and every reserved range.  Only blobs that open are
 *     given to the board: for others it reads the board table's fixed
 *     address, which the host does not have.
 *
 * Two builds, as fuzz_netif.c: -DFUZZ_LIBFUZZER for libFuzzer, otherwise
 * the seed runner (seed_runner.c) over test/fuzz/seeds-dt.
 *
 * Host differences: uintptr_t is 64 bits, so memmap_reachable() accepts
 * every address (the 32-bit port's "out of reach" checks are not
 * exercised), and the image sits at a fixed 0x40080000.
 */
/* The linker's symbols, as board.c declares them: a fixed image range here. */
#define __image_start (*fuzz_image_start)
#define __heap_start (*fuzz_heap_start)
#include "../../board/generic/board.c"
#include "board_reset.h"
#undef __image_start
#undef __heap_start

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "irqchip/plic.h"
#include "seed_runner.h"
#include "virtio/mmio_probe.h"
#include "virtio/virtio_mmio_regs.h"

#define IMG_BASE 0x40080000u
#define IMG_END 0x40100000u
char (*fuzz_image_start)[] = (char (*)[])(uintptr_t)IMG_BASE;
char (*fuzz_heap_start)[] = (char (*)[])(uintptr_t)IMG_END;

/* ---- what board.c calls: the host's stand-ins ----------------------------- */

bool host_irq_on;
static jmp_buf back;
static bool in_board;
static const uint8_t *cur_blob;
static size_t cur_size;
static bool pool_placed, mmu_on;

/* Totals for the seed runner's coverage check. */
static unsigned long n_opened, n_indexed, n_index_nospace, n_boards, n_slots, n_slots_irq, n_rsv, n_pools,
    n_gic2, n_gic3, n_plic, n_irq_decoded, n_ns16550, n_probed_present, n_gic_stride, n_dma_refused;


static void uart_putc(char c) { (void)c; }
static void uart_write(const char *s, size_t n)
{
    /* Touch every byte: a bad length or pointer from kprintf shows. */
    volatile char sink = 0;
    for (size_t i = 0; i < n; i++)
        sink ^= s[i];
    (void)sink;
}
static int uart_getc(void) { return -1; }
const struct uart_ops pl011_ops = {"PL011", uart_putc, uart_write, uart_getc};
const struct uart_ops ns16550_ops = {"16550", uart_putc, uart_write, uart_getc};
void pl011_init(uintptr_t base) { CHECK(base != 0); }
void pl011_init_sbsa(uintptr_t base) { CHECK(base != 0); }
void ns16550_init(uintptr_t base, unsigned reg_shift, unsigned reg_io_width)
{
    CHECK(base != 0 && reg_shift <= 4 && (reg_io_width == 1 || reg_io_width == 4));
    n_ns16550++;
}

static uint32_t timer_hz_set;
void timer_init(uint32_t hz)
{
    CHECK(hz != 0);
    timer_hz_set = hz;
}
uint32_t timer_freq(void) { return timer_hz_set; }
void timer_irq(void *arg) { (void)arg; }

void arch_mmu_enable(const uint64_t (*ram)[2], int nram, bool null_guard)
{
    (void)null_guard;
    CHECK(ram == (const uint64_t(*)[2])info.ram && nram >= 1 && nram <= BOARD_MAX_RAM + 1);
    /* Every bank the tree gives (the first BOARD_MAX_RAM) is mapped as it
     * says, and the image is RAM too. */
    struct dt_mem mem[BOARD_MAX_RAM];
    int n = dt_memory(&dt, mem, BOARD_MAX_RAM);
    if (n == -DT_ERR_NOSPACE)
        n = BOARD_MAX_RAM;
    for (int i = 0; info.dt && i < n; i++)
        CHECK(ram[i][0] == mem[i].base && ram[i][1] == mem[i].size);
    bool image = false;
    for (int i = 0; i < nram; i++)
        if (ram[i][0] <= IMG_BASE && IMG_END - ram[i][0] <= ram[i][1])
            image = true;
    CHECK(image);
    mmu_on = true;
}

/* The GIC driver's device-tree half; gic.c itself programs the hardware. */
static void gic_ops_none(unsigned irq) { (void)irq; }
static void gic_config_none(unsigned irq, bool edge)
{
    (void)irq;
    (void)edge;
}
static uint32_t gic_claim_none(void) { return 1023; }
static unsigned gic_irq_of_none(uint32_t t) { return t; }
static void gic_complete_none(uint32_t t) { (void)t; }
static struct irqchip fake_gic = {"GIC", -1, 288, 32, gic_dt_decode, gic_config_none, gic_ops_none,
                                  gic_ops_none, gic_claim_none, gic_irq_of_none, gic_complete_none};

const struct irqchip *gic_from_dt(const struct dt *d)
{
    struct gic_dt g;
    if (gic_dt_find(d, 3, &g) == 0) {
        CHECK(g.version == 3 && g.nregions >= 1 && g.nregions <= GIC_DT_MAX_REGIONS);
        if (g.rd_stride)
            n_gic_stride++;
        fake_gic.name = "GICv3";
    } else if (gic_dt_find(d, 2, &g) == 0) {
        CHECK(g.version == 2 && g.nregions == 1);
        fake_gic.name = "GICv2";
    } else {
        return NULL;
    }
    fake_gic.dt_node = g.node;
    /* As if GICD_TYPER said so: QEMU virt's 288 lines, or 96 (some
     * interrupts then lie beyond the last), by the blob's last byte. */
    fake_gic.nirqs = cur_size && (cur_blob[cur_size - 1] & 0x80) ? 96 : 288;
    return &fake_gic;
}
const struct irqchip *gic_from_table(uintptr_t dist, uintptr_t gicc, uintptr_t gicr, uint64_t gicr_size)
{
    (void)dist, (void)gicc, (void)gicr, (void)gicr_size;
    fuzz_fail("gic_from_table: the board table is never used here");
    return NULL;
}

/* A fake register file for the PLIC driver's and the probe's reads: each
 * virtio-mmio window answers by its address (magic, version 1 or 2,
 * device IDs 0-4), everything else reads 0. */
uint32_t plat_mmio_read32(uintptr_t addr)
{
    uint32_t k = (uint32_t)(addr >> 9) * 2654435761u;
    switch (addr & 0xff) {
    case VIRTIO_MMIO_MAGIC_VALUE: return (k & 7) ? VIRTIO_MMIO_MAGIC : 0x12345678u;
    case VIRTIO_MMIO_VERSION: return 1u + ((k >> 3) & 3) % 3u;
    case VIRTIO_MMIO_DEVICE_ID: return (k >> 5) % 5u;
    case VIRTIO_MMIO_VENDOR_ID: return 0x554d4551u;
    default: return 0;
    }
}
void plat_mmio_write32(uintptr_t addr, uint32_t v)
{
    (void)addr;
    (void)v;
}

/* Whether [a, a+alen) and [b, b+blen) share a byte (lengths may run past 2^64). */
static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    if (!alen || !blen)
        return false;
    return a <= b ? b - a < alen : a - b < blen;
}

static struct dt_rsv chk_rsv[BOARD_MAX_RSV];

void plat_dma_pool_init(uintptr_t base, uintptr_t end)
{
    uint64_t cur = base;
    int n;
    CHECK(in_board && base < end && base % 4096 == 0 && end % 4096 == 0);
    /* All of it RAM: covered by the banks together (adjacent or
     * overlapping banks are one stretch of RAM, and the pool may span them). */
    for (int round = 0; round < info.nram && cur < end; round++)
        for (int i = 0; i < info.nram; i++)
            if (info.ram[i][0] <= cur && cur - info.ram[i][0] < info.ram[i][1]) {
                uint64_t bank_end = info.ram[i][0] + info.ram[i][1];
                cur = bank_end < info.ram[i][0] || bank_end > end ? end : bank_end; /* (past 2^64: all) */
                break;
            }
    CHECK(cur >= end);
    CHECK(!overlaps(base, end - base, IMG_BASE, IMG_END - IMG_BASE));
    CHECK(!overlaps(base, end - base, info.dtb_addr, info.dtb_size));
    if (guard)
        CHECK(!overlaps(base, end - base, 0, ARCH_NULL_GUARD));
    n = dt_reserved(&dt, chk_rsv, BOARD_MAX_RSV);
    CHECK(n >= 0);
    for (int i = 0; i < n; i++)
        CHECK(!overlaps(base, end - base, chk_rsv[i].base, chk_rsv[i].size));
    n_rsv += (unsigned long)n;
    pool_placed = true;
    n_pools++;
}

/* A string the boot prints from the tree: terminated, printable ASCII. */
static void check_printable(const char *s, size_t size)
{
    const char *end;
    if (!s)
        return;
    end = memchr(s, 0, size);
    CHECK(end != NULL);
    for (; s < end; s++)
        CHECK(*s >= 0x20 && *s <= 0x7e);
}

/* The firmware's entry: check the probe table, probe it, go back. */
void app_main(void)
{
    int nodes = 0, direct = 0;
    CHECK(in_board && mmu_on);
    for (int n = dt_find_compatible(&dt, -1, "virtio,mmio"); n >= 0; n = dt_find_compatible(&dt, n, "virtio,mmio")) {
        nodes++;
        /* the drivers hand out CPU addresses: a device whose DMA a bus's
         * dma-ranges moves (or may move) is never a slot */
        if (dt_dma_translated(&dt, n, NULL) == 0)
            direct++;
        else if (dt_available(&dt, n))
            n_dma_refused++;
    }
    CHECK(info.nvirtio >= 0 && info.nvirtio <= BOARD_MAX_VIRTIO);
    CHECK(info.nvirtio + info.virtio_skipped == nodes);
    CHECK(info.nvirtio <= direct);
    CHECK(info.nram >= 1 && info.nram <= BOARD_MAX_RAM + 1);
    CHECK(info.uart != 0);
    CHECK(info.timer_intid >= 16 && info.timer_intid < 32);
    CHECK(info.irqchip != NULL && info.timer_via != NULL);
    check_printable(info.bootargs, BOARD_BOOTARGS_MAX); /* board.c's copy */
    check_printable(info.model, 80); /* board.c's copy */
    for (int i = 0; i < info.nvirtio; i++) {
        const struct board_virtio_slot *s = &info.virtio[i];
        struct virtio_mmio_ident id;
        CHECK(s->size >= VIRTIO_MMIO_WINDOW && memmap_reachable(s->base, s->size));
        check_printable(s->name, sizeof(s->name));
        CHECK(s->irq_flags == PLAT_IRQ_EDGE || s->irq_flags == PLAT_IRQ_LEVEL);
        CHECK(s->intid == 0 || (s->intid >= ic->first_device && s->intid < ic->nirqs));
        CHECK(i == 0 || info.virtio[i - 1].base <= s->base);
        if (s->intid)
            n_slots_irq++;
        n_slots++;
        /* apps/main.c's probe_all(), on the fake register file */
        if (virtio_mmio_identify(s->base, &id) == VIRTIO_PROBE_PRESENT) {
            CHECK(virtio_device_name(id.device_id) != NULL);
            n_probed_present++;
        }
    }
    longjmp(back, 1);
}

/* Every static of board.c, as at reset: boot_main runs once per input. */
static void board_reset(void)
{
    board_reset_statics();
    host_irq_on = false;
    pool_placed = mmu_on = false;
}

static void run_board(const uint8_t *data, size_t size)
{
    board_reset();
    cur_blob = data;
    cur_size = size;
    in_board = true;
    if (setjmp(back) == 0) {
        boot_main((uintptr_t)data);
        fuzz_fail("boot_main returned");
    }
    in_board = false;
    CHECK(info.dt == &dt && info.dtb_addr == (uintptr_t)data && !info.fallback);
    n_boards++;
    if (strcmp(info.irqchip, "GICv2") == 0)
        n_gic2++;
    if (strcmp(info.irqchip, "GICv3") == 0)
        n_gic3++;
}

/* ---- stage 1: the reader, with and without an index ------------------------- */

#define MAX_NODES 2048
#define IRQS 3

struct answers {
    int parent, depth, first_child, next_sibling, next_node, next_depth;
    int name_len;
    uint32_t name_hash;
    uint32_t phandle;
    int by_phandle;
    int addr_cells, size_cells, reg_count;
    int reg_raw_err[2], reg_err[2];
    uint64_t reg_raw[2][2], reg[2][2];
    bool okay, coherent, has_reg;
    int irq_parent;
    int dma_translated, dma_bus;
    int irq_err[IRQS], irq_ctrl[IRQS], irq_ncells[IRQS];
    uint32_t irq_cells[IRQS][IRQCHIP_MAX_CELLS];
    int compat_virtio, nprops, prop_bytes, u32_err;
    uint32_t u32;
    int path_off;
    bool available;
    int map_err, map_ctrl, map_ncells; /* dt_irq_map of entry 0 */
    uint32_t map_cells[IRQCHIP_MAX_CELLS];
};

struct global_answers {
    int nmem, nrsv, nmemrsv, stdout_node, cpu0, cpu1, chosen, nvirtio, first_compat;
    struct dt_mem mem[8];
    struct dt_rsv rsv[16];
    uint64_t memrsv[4][2];
    const char *bootargs;
};

static struct answers ans_plain[MAX_NODES], ans_index[MAX_NODES];
static int node_off[MAX_NODES];
static struct dt_node_info table[512], small_table[4];

static uint32_t hash_bytes(const void *p, int len)
{
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    for (int i = 0; i < len; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

/* The node's path from its ancestors' names, into buf; its length. */
static size_t node_path(const struct dt *d, int node, char *buf, size_t size)
{
    int chain[DT_MAX_DEPTH + 1], n = 0;
    size_t len = 0;
    for (int a = node; a >= 0 && n <= DT_MAX_DEPTH; a = dt_parent(d, a))
        chain[n++] = a;
    for (int i = n - 2; i >= 0; i--) { /* the root (chain[n-1]) is "/" */
        int nl;
        const char *name = dt_node_name(d, chain[i], &nl);
        if (!name || nl < 0 || len + 1 + (size_t)nl > size)
            return 0;
        buf[len++] = '/';
        memcpy(buf + len, name, (size_t)nl);
        len += (size_t)nl;
    }
    if (len == 0 && size)
        buf[len++] = '/';
    return len;
}

static void ask_node(const struct dt *d, int node, struct answers *a)
{
    int len, depth = 0;
    const char *name;
    char path[512];
    size_t plen;

    memset(a, 0, sizeof(*a));
    a->parent = dt_parent(d, node);
    a->depth = dt_node_depth(d, node);
    a->first_child = dt_first_child(d, node);
    a->next_sibling = dt_next_sibling(d, node);
    a->next_node = dt_next_node(d, node, &depth);
    a->next_depth = depth;
    name = dt_node_name(d, node, &len);
    a->name_len = len;
    if (name) {
        CHECK(len >= 0 && (const uint8_t *)name >= d->blob && (const uint8_t *)name + len <= d->blob + d->totalsize);
        a->name_hash = hash_bytes(name, len);
    }
    a->phandle = dt_get_phandle(d, node);
    a->by_phandle = a->phandle ? dt_node_by_phandle(d, a->phandle) : 0;
    a->addr_cells = dt_addr_cells(d, node);
    a->size_cells = dt_size_cells(d, node);
    a->reg_count = dt_reg_count(d, node);
    for (unsigned i = 0; i < 2; i++) {
        a->reg_raw_err[i] = dt_reg_raw(d, node, i, &a->reg_raw[i][0], &a->reg_raw[i][1]);
        a->reg_err[i] = dt_reg(d, node, i, &a->reg[i][0], &a->reg[i][1]);
    }
    a->has_reg = dt_has_prop(d, node, "reg");
    a->okay = dt_status_okay(d, node);
    a->coherent = dt_dma_coherent(d, node);
    a->dma_translated = dt_dma_translated(d, node, &a->dma_bus);
    CHECK(a->dma_translated == 1 || (a->dma_translated <= 0 && a->dma_translated >= -DT_ERR_MAX_));
    CHECK((a->dma_translated == 0) == (a->dma_bus == -1));
    a->irq_parent = dt_interrupt_parent(d, node);
    /* Entry i + 1 only when entry i was there (read, or too many cells):
     * after any other answer the next entry gives the same one (no more
     * entries, a bad property, a controller that cannot be found), and the
     * search behind it - without the index, a walk of the tree for the
     * parent and another for the phandle - was much of an input's time. */
    for (unsigned i = 0; i < IRQS && (i == 0 || a->irq_err[i - 1] == 0 || a->irq_err[i - 1] == -DT_ERR_NOSPACE);
         i++) {
        int nc = 0;
        a->irq_err[i] = dt_irq_spec(d, node, i, &a->irq_ctrl[i], a->irq_cells[i], IRQCHIP_MAX_CELLS, &nc);
        a->irq_ncells[i] = nc;
        if (a->irq_err[i] == 0) {
            unsigned irq, flags;
            CHECK(nc >= 0 && nc <= IRQCHIP_MAX_CELLS);
            if (gic_dt_decode(a->irq_cells[i], nc, &irq, &flags) == 0) {
                CHECK(irq < 1020 && (flags == PLAT_IRQ_EDGE || flags == PLAT_IRQ_LEVEL));
                n_irq_decoded++;
            }
            if (plic_dt_decode(a->irq_cells[i], nc, &irq, &flags) == 0) /* the range is the board's to check */
                CHECK(irq == a->irq_cells[i][0] && flags == PLAT_IRQ_LEVEL);
        }
    }
    /* dt_irq_spec_next: the same entries, one after another */
    uint32_t cursor = 0;
    for (unsigned i = 0; i < IRQS && (i == 0 || a->irq_err[i - 1] == 0 || a->irq_err[i - 1] == -DT_ERR_NOSPACE);
         i++) {
        int nc = 0, ctrl = -1;
        uint32_t cells[IRQCHIP_MAX_CELLS];
        int r = dt_irq_spec_next(d, node, &cursor, &ctrl, cells, IRQCHIP_MAX_CELLS, &nc);
        CHECK(r == a->irq_err[i]);
        CHECK(r != 0 || (ctrl == a->irq_ctrl[i] && nc == a->irq_ncells[i] &&
                         memcmp(cells, a->irq_cells[i], sizeof(uint32_t) * (size_t)nc) == 0));
    }
    /* entry 0 on through any interrupt nexus */
    a->map_err = 1;
    if (a->irq_err[0] == 0) {
        a->map_ctrl = a->irq_ctrl[0];
        a->map_ncells = a->irq_ncells[0];
        memcpy(a->map_cells, a->irq_cells[0], sizeof(a->map_cells));
        a->map_err = dt_irq_map(d, node, &a->map_ctrl, a->map_cells, IRQCHIP_MAX_CELLS, &a->map_ncells);
        CHECK(a->map_err <= 0 && a->map_err >= -DT_ERR_MAX_);
        CHECK(a->map_err != 0 || (a->map_ncells >= 0 && a->map_ncells <= IRQCHIP_MAX_CELLS));
    }
    a->available = dt_available(d, node);
    CHECK(!a->available || a->okay);
    a->compat_virtio = dt_node_is_compatible(d, node, "virtio,mmio");
    for (int p = dt_first_prop(d, node); p >= 0 && a->nprops < 100000; p = dt_next_prop(d, p)) {
        const char *pn = NULL;
        int pl = -1;
        const uint8_t *v = dt_prop_by_offset(d, p, &pn, &pl);
        if (v) {
            CHECK(pl >= 0 && v >= d->blob && v + pl <= d->blob + d->totalsize);
            a->prop_bytes += pl;
            a->prop_bytes ^= (int)(hash_bytes(v, pl) & 0xffff);
            /* The same property by name finds the first of that name. */
            if (pn) {
                int l2;
                const void *v2 = dt_getprop(d, node, pn, &l2);
                CHECK(v2 != NULL);
            }
        }
        a->nprops++;
    }
    a->u32_err = dt_prop_u32(d, node, "#interrupt-cells", &a->u32);
    (void)dt_prop_string(d, node, "compatible");
    plen = node_path(d, node, path, sizeof(path));
    a->path_off = plen ? dt_path_offset(d, path, plen) : 0;
}

static void ask_global(const struct dt *d, struct global_answers *g)
{
    memset(g, 0, sizeof(*g));
    g->nmem = dt_memory(d, g->mem, 8);
    g->nrsv = dt_reserved(d, g->rsv, 16);
    for (unsigned i = 0; i < 4; i++)
        if (dt_mem_rsv(d, i, &g->memrsv[i][0], &g->memrsv[i][1]) == 0)
            g->nmemrsv++;
    g->bootargs = dt_bootargs(d);
    g->stdout_node = dt_stdout_node(d);
    g->cpu0 = dt_cpu_node(d, 0);
    g->cpu1 = dt_cpu_node(d, 1);
    g->chosen = dt_path_offset(d, "/chosen", 7);
    g->first_compat = dt_find_compatible(d, -1, "arm,pl011");
    for (int n = dt_find_compatible(d, -1, "virtio,mmio"); n >= 0; n = dt_find_compatible(d, n, "virtio,mmio"))
        g->nvirtio++;
    (void)dt_path_offset(d, "serial0", 7);
    (void)dt_path_offset(d, "/cpus/cpu@0", 11);
}

/* Accessors on offsets that may be no node's: inside the blob, whatever
 * they answer. */
static void ask_anywhere(const struct dt *d, const uint8_t *data, size_t size)
{
    for (size_t i = 0; i + 2 <= size && i < 64; i += 2) {
        int off = (int)((uint32_t)data[i] << 8 | data[i + 1]) % (int)(d->size_struct + 8);
        int len, ctrl, nc;
        uint32_t cells[IRQCHIP_MAX_CELLS];
        uint64_t a, s;
        const char *pn;
        (void)dt_node_name(d, off, &len);
        (void)dt_getprop(d, off, "reg", &len);
        (void)dt_first_child(d, off);
        (void)dt_next_sibling(d, off);
        (void)dt_next_node(d, off, &len);
        (void)dt_parent(d, off);
        (void)dt_reg(d, off, 0, &a, &s);
        (void)dt_irq_spec(d, off, 0, &ctrl, cells, IRQCHIP_MAX_CELLS, &nc);
        (void)dt_next_prop(d, off);
        (void)dt_prop_by_offset(d, off, &pn, &len);
        (void)dt_node_is_compatible(d, off, "virtio,mmio");
    }
}

static int walk(const struct dt *d, struct answers *out)
{
    int n = 0, depth = 0;
    for (int node = dt_next_node(d, -1, &depth); node >= 0 && n < MAX_NODES; node = dt_next_node(d, node, &depth)) {
        CHECK(depth >= 0 && depth < DT_MAX_DEPTH);
        if (out == ans_plain)
            node_off[n] = node;
        else
            CHECK(node_off[n] == node);
        ask_node(d, node, &out[n]);
        CHECK(out[n].depth == depth);
        n++;
    }
    return n;
}

static void run_reader(const uint8_t *data, size_t size)
{
    struct dt d;
    struct global_answers g0, g1;
    uint32_t total;
    int err, n0, n1, idx;

    err = dt_header_totalsize(data, size, &total);
    (void)total;
    err = dt_open(&d, data, size);
    if (err < 0) {
        static const struct dt zero;
        CHECK(err >= -DT_ERR_MAX_ && dt_strerror(err) != NULL);
        CHECK(memcmp(&d, &zero, sizeof(d)) == 0);
        return;
    }
    n_opened++;
    CHECK(d.totalsize <= size);
    n0 = walk(&d, ans_plain);
    ask_global(&d, &g0);
    ask_anywhere(&d, data, size);

    idx = dt_index(&d, table, sizeof(table) / sizeof(table[0]));
    if (idx >= 0) {
        CHECK(d.index == table && (int)d.nindex == idx);
        if (n0 < MAX_NODES)
            CHECK(idx == n0);
        n_indexed++;
        n1 = walk(&d, ans_index);
        CHECK(n1 == n0);
        for (int i = 0; i < n0; i++)
            if (memcmp(&ans_plain[i], &ans_index[i], sizeof(ans_plain[i])) != 0) {
                fprintf(stderr, "fuzz_dt: node %d (offset %d) answers differently with the index\n", i, node_off[i]);
                abort();
            }
        ask_global(&d, &g1);
        CHECK(memcmp(&g0, &g1, sizeof(g0)) == 0);
        ask_anywhere(&d, data, size);
    } else {
        CHECK(d.index == NULL && d.nindex == 0);
    }
    /* An index too small for the tree: refused, nothing written past it,
     * and the reader works without. */
    memset(small_table, 0xa5, sizeof(small_table));
    idx = dt_index(&d, small_table, 3);
    {
        static struct dt_node_info guard_entry;
        memset(&guard_entry, 0xa5, sizeof(guard_entry));
        CHECK(memcmp(&small_table[3], &guard_entry, sizeof(guard_entry)) == 0);
    }
    if (idx < 0) {
        CHECK(d.index == NULL);
        if (idx == -DT_ERR_NOSPACE)
            n_index_nospace++;
        ask_global(&d, &g1);
        CHECK(memcmp(&g0, &g1, sizeof(g0)) == 0);
    }
    (void)dt_index(&d, NULL, 0);
    CHECK(d.index == NULL);

    /* stage 2: the interrupt controllers' device-tree halves */
    {
        struct gic_dt gd;
        struct plic_dt pd;
        for (int v = 2; v <= 3; v++)
            if (gic_dt_find(&d, v, &gd) == 0) {
                CHECK(gd.version == v && gd.nregions >= 1 && gd.nregions <= GIC_DT_MAX_REGIONS);
                /* a stride is passed on only when usable, else why not */
                CHECK(gd.rd_stride == 0 || (gd.rd_stride_err == GIC_STRIDE_OK && gd.rd_stride == gd.rd_stride_raw &&
                                            gd.rd_stride % GIC_RD_FRAME == 0 && gd.rd_stride >= GIC_RD_FRAMES));
                CHECK(v == 3 || (gd.rd_stride == 0 && gd.rd_stride_err == GIC_STRIDE_OK));
                /* gic.c's walk with a GICR_TYPER that never says Last
                 * (VLPIS by the region's parity): inside the region, at
                 * least 128 KiB a step (the first 64 steps of a big one) */
                for (unsigned r = 0; v == 3 && r < gd.nregions; r++) {
                    uint64_t off = 0, size = gd.region[r][1], prev;
                    uint64_t typer = (r & 1) ? 2u : 0u;
                    for (int steps = 0; steps < 64 && size >= GIC_RD_FRAMES; steps++) {
                        prev = off;
                        if (gic_rd_next(&off, size, gd.rd_stride, typer) != 0)
                            break;
                        CHECK(off - prev >= GIC_RD_FRAMES && off <= size && size - off >= GIC_RD_FRAMES);
                    }
                }
            }
        for (unsigned long hart = 0; hart < 3; hart++)
            if (plic_dt_find(&d, hart, &pd) == 0) {
                CHECK(pd.ndev <= PLIC_MAX_NDEV);
                n_plic++;
            }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dt d;

    kprintf_set_sink(NULL);
    run_reader(data, size);
    /* The board reads the header's totalsize from the blob's address and
     * trusts it (up to 2 MiB); here it is only given a blob that opens
     * within the bytes there are. */
    if (size >= DT_HEADER_SIZE && dt_open(&d, data, size) == 0) {
        uint32_t total;
        if (dt_header_totalsize(data, size, &total) == 0 && total <= DT_MAX_SIZE && total <= size)
            run_board(data, size);
    }
    return 0;
}

int fuzz_seed_coverage(void)
{
    return FUZZ_REACHED(n_opened > 0) + FUZZ_REACHED(n_indexed > 0) + FUZZ_REACHED(n_index_nospace > 0) +
           FUZZ_REACHED(n_boards > 0) + FUZZ_REACHED(n_slots > 0) + FUZZ_REACHED(n_slots_irq > 0) +
           FUZZ_REACHED(n_pools > 0) + FUZZ_REACHED(n_rsv > 0) + FUZZ_REACHED(n_gic2 > 0) + FUZZ_REACHED(n_gic3 > 0) +
           FUZZ_REACHED(n_plic > 0) + FUZZ_REACHED(n_irq_decoded > 0) + FUZZ_REACHED(n_ns16550 > 0) +
           FUZZ_REACHED(n_probed_present > 0) + FUZZ_REACHED(n_gic_stride > 0) + FUZZ_REACHED(n_dma_refused > 0);
}
