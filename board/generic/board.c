/*
 * board.c (generic) - from reset to app_main on any machine its device tree
 * describes: find the tree (the register the loader passed, else the base
 * of RAM), read RAM, reservations, console, interrupt controller, timer,
 * power-off and the virtio-mmio nodes from it, turn the MMU on, place the
 * DMA pool in free RAM, bring up the console, the interrupt controller and
 * the timer.  What differs between ISAs is behind boot/<arch>/arch.h (CPU
 * primitives), drivers/irqchip (GIC or PLIC, chosen from the tree) and
 * drivers/uart (PL011 or 16550, chosen by /chosen/stdout-path).  Nothing
 * depends on one board's addresses but the documented QEMU virt fallback
 * table of each ISA, used only when no valid tree is found
 * (docs/PORTING.md).
 */
#include <string.h>

#include "arch.h"
#include "board.h"
#include "irqchip/irqchip.h"
#include "kprintf.h"
#include "memmap.h"
#include "plat.h"
#include "timer/timer.h"
#include "uart/ns16550.h"
#include "uart/pl011.h"
#include "uart/uart.h"
#if defined(__riscv)
#include "irqchip/plic.h"
#include "sbi.h"
#else
#include "irqchip/gic.h"
#endif

void plat_dma_pool_init(uintptr_t base, uintptr_t end);

/* The documented fallback: QEMU virt's fixed layout, per ISA. */
#if defined(__riscv)
#define FB_DTB 0u /* none: OpenSBI always passes the tree in a1 */
#define FB_RAM_BASE 0x80000000u
#define FB_UART 0x10000000u /* NS16550A, byte registers */
#define FB_PLIC 0x0c000000u
#define FB_PLIC_NDEV 96u /* QEMU 7.2's riscv,ndev */
#define FB_PLIC_CONTEXT(hart) (2u * (unsigned)(hart) + 1u) /* its S-mode context on QEMU virt */
#define FB_TICK_NEEDS_IRQCHIP 0 /* the supervisor timer interrupt is the CPU's own */
#define FB_TIMER_HZ 10000000u
#define FB_VIRTIO_BASE 0x10001000u
#define FB_VIRTIO_STRIDE 0x1000u
#define FB_VIRTIO_SLOTS 8
#define FB_VIRTIO_IRQ 1u
#define FB_VIRTIO_TRIGGER PLAT_IRQ_LEVEL /* the PLIC's sources are level */
#else
#define FB_DTB 0x40000000u
#define FB_RAM_BASE 0x40000000u
#define FB_UART 0x09000000u /* PL011 */
#define FB_GICD 0x08000000u
#define FB_GICC 0x08010000u
#define FB_GICR 0x080a0000u
#define FB_GICR_SIZE 0xf60000u
#define FB_TIMER_INTID 27u
#define FB_TICK_NEEDS_IRQCHIP 1 /* the timer is a PPI of the GIC */
#define FB_TIMER_HZ 62500000u /* a hypervisor that leaves CNTFRQ unset: QEMU's */
#define FB_VIRTIO_BASE 0x0a000000u
#define FB_VIRTIO_STRIDE 0x200u
#define FB_VIRTIO_SLOTS 32
#define FB_VIRTIO_IRQ 48u
#define FB_VIRTIO_TRIGGER PLAT_IRQ_EDGE
#endif
#define FB_RAM_SIZE (128u << 20)
#if defined(__riscv)
#define FB_UART_OPS ns16550_ops
#else
#define FB_UART_OPS pl011_ops
#endif

#define DT_MAX_SIZE (2u << 20)

extern char __image_start[], __heap_start[];

static struct board_info info;
static struct dt dt;
/* Every node's offset, parent, depth, phandle and where its properties
 * start, recorded by dt_index() in one walk right after dt_open(), so that
 * reading each virtio slot (reg: the parent's cells; interrupts: the
 * interrupt parent by phandle; dma-coherent: the ancestors) is a search in
 * this table instead of walks over the whole tree, which made reading
 * QEMU's 32 slots quadratic (7.8 M of a 10 M-instruction boot).  512
 * entries (10 KiB of .bss) is nine times QEMU's tree; a bigger tree is read
 * without the index, as before.  Filled with the MMU off: plain aligned
 * 32-bit stores. */
#define DT_INDEX_NODES 512
static struct dt_node_info dt_nodes[DT_INDEX_NODES];
static int dt_index_err;
#if !defined(__riscv)
static enum { PSCI_NONE, PSCI_HVC, PSCI_SMC } psci_conduit = PSCI_HVC; /* QEMU virt's, for the board table */
static uintptr_t vexpress_sysreg; /* Versatile Express system registers, for power-off */
static int timer_node = -1; /* the ARM generic timer's node: its interrupt is decoded once the GIC is up */
#endif
static const struct irqchip *ic; /* the boot CPU's interrupt controller */
static const struct uart_ops *uart = &FB_UART_OPS;
static uint32_t uart_shift, uart_width = 1; /* a 16550's reg-shift and reg-io-width */
static bool uart_sbsa_only; /* the PL011 is an SBSA generic UART: no control registers */
static uint32_t timer_hz; /* from the device tree, or 0 */
static bool pmu; /* the PMU exists: only then are its registers read */
static bool ram_from_table, ram_image_added;
static int dt_memory_err; /* a valid tree's memory nodes unreadable: why */
static bool ram_cut;      /* the tree names more RAM ranges than BOARD_MAX_RAM */
static bool guard; /* the lowest ARCH_NULL_GUARD bytes are unmapped */
static bool bootargs_cut; /* longer than BOARD_BOOTARGS_MAX - 1 bytes */

const struct board_info *board(void) { return &info; }

/* The console output is held in RAM from the moment boot_main sets the sink
 * until board_console_release(): every byte written to the PL011 is a trap
 * into the hypervisor, and the boot log would otherwise lie between reset
 * and the first packet the network answers (docs/PERFORMANCE.md, boot to
 * network).  Interrupt handlers' lines are held too, in the order they
 * come.  Three things let it out, before anything else is written, so lines
 * keep their order: the firmware's release once the network has had its
 * first turn; a crash report (the exception vector's arch_crash() calls
 * board_console_release() before its first line, so a crash shows
 * everything before it, even inside boot_main); and a full buffer.  Should
 * boot stall after interrupts are enabled, the tick releases it
 * (apps/main.c); boot_main before that runs bounded loops only. */
static char console_held[4096];
static size_t console_nheld;
static bool console_released;

/* Whole lines even when an interrupt handler prints too (plat_log). */
static void console_sink(const char *s, size_t n)
{
    arch_irqstate_t st = arch_irq_save();
    if (!console_released && n <= sizeof(console_held) - console_nheld) {
        memcpy(console_held + console_nheld, s, n);
        console_nheld += n;
    } else {
        uart->write(console_held, console_nheld);
        console_nheld = 0;
        uart->write(s, n);
    }
    arch_irq_restore(st);
}

/* Also the crash report's first step (boot/<arch>/cpu.c): it must not
 * fault itself, whatever state the firmware is in. */
void board_console_release(void)
{
    arch_irqstate_t st = arch_irq_save();
    console_released = true;
    size_t n = console_nheld <= sizeof(console_held) ? console_nheld : sizeof(console_held);
    console_nheld = 0;
    uart->write(console_held, n);
    arch_irq_restore(st);
}

/* ---------------------------------------------------------------- boot stages */

static struct {
    const char *name;
    uint64_t t;
} stages[BOARD_STAGES];
static unsigned nstages;

void board_stage(const char *name)
{
    if (nstages < BOARD_STAGES) {
        stages[nstages].name = name;
        stages[nstages++].t = arch_counter();
    }
}

void board_stages_print(void)
{
    uint64_t hz = timer_freq();
    if (!nstages || !hz)
        return;
    /* The origin, boot_main's entry, on the counter's own scale: on QEMU
     * the time since the machine's clock started (before the image was
     * loaded), on a board whatever the firmware before this one left. */
    uint64_t t0 = stages[0].t, us = t0 / hz * 1000000 + t0 % hz * 1000000 / hz;
    /* long long: on arm, unsigned long's milliseconds wrap after 49.7
     * days of a counter that a board's earlier firmware left running. */
    kprintf("bootstage: %s at %llu.%03u ms of the counter\n", stages[0].name, (unsigned long long)(us / 1000),
            (unsigned)(us % 1000));
    for (unsigned i = 1; i < nstages; i++) {
        uint64_t d = stages[i].t - t0;
        us = d / hz * 1000000 + d % hz * 1000000 / hz;
        kprintf("bootstage: %5llu.%03u ms  %s\n", (unsigned long long)(us / 1000), (unsigned)(us % 1000),
                stages[i].name);
    }
}

/* ---------------------------------------------------------------- device tree */

static int find_dtb(uintptr_t reg)
{
    uintptr_t cand[2] = {reg, FB_DTB};
    int err = -DT_ERR_NOTFOUND;
    for (int i = 0; i < 2; i++) {
        uint32_t size;
        if (!cand[i] || (i == 1 && cand[0] == FB_DTB))
            continue;
        /* The header is 40 bytes; the size it claims is capped before trusting it. */
        err = dt_header_totalsize((const void *)cand[i], 40, &size);
        if (err == 0 && size > DT_MAX_SIZE)
            err = -DT_ERR_TRUNCATED;
        if (err == 0)
            err = dt_open(&dt, (const void *)cand[i], size);
        if (err == 0) {
            /* Only a cache: if it fails (-DT_ERR_NOSPACE), dt works without. */
            int nodes = dt_index(&dt, dt_nodes, DT_INDEX_NODES);
            dt_index_err = nodes < 0 ? nodes : 0;
            info.dt = &dt;
            info.dtb_addr = cand[i];
            info.dtb_size = size;
            return 0;
        }
        info.dtb_addr = cand[i];
    }
    return err;
}

/* A string from the device tree, for the console: at most size - 1 bytes,
 * and a byte that is not printable ASCII (an escape sequence would reach
 * the terminal) as '?' - or, with words, a tab or line end as a space (it
 * separates words either way). */
static void printable_copy(char *out, size_t size, const char *s, size_t len, bool words)
{
    if (len >= size)
        len = size - 1;
    for (size_t i = 0; i < len; i++)
        out[i] = s[i] >= 0x20 && s[i] <= 0x7e                            ? s[i]
                 : words && (s[i] == '\t' || s[i] == '\n' || s[i] == '\r') ? ' '
                                                                          : '?';
    out[len] = '\0';
}

/* Registers this CPU can reach once the MMU is on: addressable at all
 * (memmap_reachable: a 32-bit CPU without LPAE), and on a 64-bit CPU below
 * ARCH_ADDR_LIMIT, where boot/<arch>/cpu.c's identity map ends: every
 * access above it is a translation fault. */
static bool mmio_reachable(uint64_t a, uint64_t size)
{
#if UINTPTR_MAX > 0xffffffffu
    if (a >= ARCH_ADDR_LIMIT || (size != 0 && size - 1 >= ARCH_ADDR_LIMIT - a))
        return false;
#endif
    return memmap_reachable(a, size);
}

/* The same, and clear of the unmapped NULL guard once it is decided: for
 * the interrupt controller's registers (irqchip.h). */
bool board_mmio_reachable(uint64_t a, uint64_t size)
{
    return mmio_reachable(a, size) && !(guard && a < ARCH_NULL_GUARD);
}

static int first_okay_compatible(const char *const *compat)
{
    for (int c = 0; compat[c]; c++)
        for (int n = dt_find_compatible(&dt, -1, compat[c]); n >= 0; n = dt_find_compatible(&dt, n, compat[c]))
            if (dt_status_okay(&dt, n))
                return n;
    return -1;
}

/* The console: the node /chosen/stdout-path names, else the first UART of
 * a kind this firmware drives.  PL011 and 16550 are devices, not ISAs:
 * either may turn up on any board. */
static const char *const uart_pl011[] = {"arm,pl011", NULL};
static const char *const uart_sbsa[] = {"arm,sbsa-uart", NULL}; /* a PL011 without its control registers */
static const char *const uart_16550[] = {"ns16550a", "ns16550", "snps,dw-apb-uart", NULL};

static bool uart_kind(int node, const char *const *compat)
{
    for (int c = 0; compat[c]; c++)
        if (dt_node_is_compatible(&dt, node, compat[c]))
            return true;
    return false;
}

static void uart_from_dt(void)
{
    int node = dt_stdout_node(&dt);
    if (node < 0 || !(uart_kind(node, uart_pl011) || uart_kind(node, uart_sbsa) || uart_kind(node, uart_16550))) {
        node = first_okay_compatible(uart_pl011);
        if (node < 0)
            node = first_okay_compatible(uart_sbsa);
        if (node < 0)
            node = first_okay_compatible(uart_16550);
    }
    uint64_t a, s;
    if (node < 0 || dt_reg(&dt, node, 0, &a, &s) != 0 || !mmio_reachable(a, 0x100))
        return;
    info.uart = (uintptr_t)a;
    if (uart_kind(node, uart_pl011)) {
        uart = &pl011_ops;
    } else if (uart_kind(node, uart_sbsa)) {
        uart = &pl011_ops;
        uart_sbsa_only = true;
    } else {
        uint32_t shift = 0, width = 1;
        (void)dt_prop_u32(&dt, node, "reg-shift", &shift);
        (void)dt_prop_u32(&dt, node, "reg-io-width", &width);
        /* Every register reg_io_width-aligned: the driver's 32-bit
         * accesses at base + (i << shift) are misaligned otherwise (an
         * alignment fault on Device memory, with the MMU still off). */
        if (shift > 4 || (width != 1 && width != 4) || (1u << shift) < width || a % width != 0) {
            info.uart = 0; /* not one this driver reads: the board table's console */
            return;
        }
        uart = &ns16550_ops;
        uart_shift = shift;
        uart_width = width;
    }
}

static void read_platform_from_dt(void)
{
    struct dt_mem mem[BOARD_MAX_RAM];
    int n = dt_memory(&dt, mem, BOARD_MAX_RAM);
    if (n == -DT_ERR_NOSPACE) {
        n = BOARD_MAX_RAM; /* more regions than that: the first ones are filled in */
        ram_cut = true;
    }
    else if (n < 0)
        dt_memory_err = n; /* said with the board table's RAM, below */
    for (int i = 0; i < n; i++) {
        info.ram[info.nram][0] = mem[i].base;
        info.ram[info.nram][1] = mem[i].size;
        info.nram++;
    }
    const char *args = dt_bootargs(&dt);
    if (args) {
        /* A copy for everyone who prints a word of it. */
        static char buf[BOARD_BOOTARGS_MAX];
        size_t len = strlen(args);
        bootargs_cut = len >= sizeof(buf);
        printable_copy(buf, sizeof(buf), args, len, true);
        info.bootargs = buf;
    }
    uart_from_dt();

    int node;
    uint32_t hz;
#if defined(__riscv)
    int cpus = dt_path_offset(&dt, "/cpus", 5);
    if (cpus >= 0 && dt_prop_u32(&dt, cpus, "timebase-frequency", &hz) == 0 && hz)
        timer_hz = hz; /* the frequency of the time CSR */
    /* The boot hart's ISA string: the extensions (Svpbmt, Sstc) the MMU and
     * timer may use. */
    node = dt_cpu_node(&dt, arch_boot_hartid);
    const char *isa = node >= 0 ? dt_prop_string(&dt, node, ARCH_CPU_ISA_PROP) : NULL;
    if (isa)
        arch_cpu_isa(isa);
#else
    static const char *const timers[] = {"arm,armv8-timer", "arm,armv7-timer", NULL};
    timer_node = first_okay_compatible(timers);
    if (timer_node >= 0 && dt_prop_u32(&dt, timer_node, "clock-frequency", &hz) == 0 && hz)
        timer_hz = hz; /* firmware that leaves CNTFRQ wrong says so here */

    uint64_t a, s;
    static const char *const psci[] = {"arm,psci-1.0", "arm,psci-0.2", "arm,psci", NULL};
    node = first_okay_compatible(psci);
    if (node >= 0) {
        const char *m = dt_prop_string(&dt, node, "method");
        psci_conduit = (m && strcmp(m, "smc") == 0) ? PSCI_SMC : PSCI_HVC;
    } else {
        psci_conduit = PSCI_NONE; /* an HVC or SMC nobody implements is UNDEFINED */
        /* Versatile Express (QEMU vexpress-a15) powers off through its
         * motherboard's system registers instead. */
        static const char *const sysreg[] = {"arm,vexpress-sysreg", NULL};
        node = first_okay_compatible(sysreg);
        if (node >= 0 && dt_reg(&dt, node, 0, &a, &s) == 0 && s >= 0x100 && mmio_reachable(a, s))
            vexpress_sysreg = (uintptr_t)a;
    }
#endif
    /* The root's offset, not 0: an FDT_NOP may come first (spec 5.4.2). */
    const char *model = dt_prop_string(&dt, dt.root, "model");
    if (model) {
        static char buf[80];
        printable_copy(buf, sizeof(buf), model, strlen(model), false);
        info.model = buf;
    }
}

/* One interrupt of a node, as the boot CPU's controller numbers it:
 * 0 when it has none usable, with the reason in *why. */
static unsigned irq_from_dt(int node, unsigned idx, unsigned *flags, const char **why, int *err)
{
    uint32_t cells[IRQCHIP_MAX_CELLS];
    int ctrl, ncells;
    unsigned irq;
    *err = dt_irq_spec(&dt, node, idx, &ctrl, cells, IRQCHIP_MAX_CELLS, &ncells);
    *why = NULL;
    /* through any interrupt nexus (a bus's interrupt-map) to its controller;
     * not from the controller we drive, where every walk ends (and which
     * all 32 virtio nodes of QEMU's virt name: each lookup reads its
     * properties) */
    if (*err == 0 && ctrl != ic->dt_node)
        *err = dt_irq_map(&dt, node, &ctrl, cells, IRQCHIP_MAX_CELLS, &ncells);
    if (*err != 0)
        return 0;
    if (ctrl != ic->dt_node) {
        *why = "goes to another interrupt controller";
        return 0;
    }
    *err = ic->dt_decode(cells, ncells, &irq, flags);
    if (*err != 0)
        return 0;
    return irq;
}

/* The virtio-mmio register window: 0x100 bytes of registers, then up to
 * 0x100 of device configuration (virtio 1.2, 4.2.2). */
#define VIRTIO_MMIO_WINDOW 0x200u

/* The node's name with its unit address ("virtio_mmio@a003e00"), for the
 * slot and for warnings. */
static void virtio_node_name(int n, char *out, size_t size)
{
    int len;
    const char *name = dt_node_name(&dt, n, &len);
    printable_copy(out, size, name ? name : "", name && len > 0 ? (size_t)len : 0, false);
}

/* A transport's interrupt: one the boot CPU's controller delivers and a
 * device may use (a GIC SPI, a PLIC source), from "interrupts-extended" or
 * "interrupts" with an inherited interrupt-parent.  Anything else leaves
 * intid 0, "no interrupt": never a GIC SGI or PPI, never the PLIC's source
 * 0; the drivers then poll the device, and the log says why.  Runs after
 * the controller is up, which knows how many lines there are. */
static void virtio_irq_from_dt(int n, struct board_virtio_slot *v)
{
    const char *why;
    int err;
    unsigned flags = PLAT_IRQ_LEVEL;
    unsigned irq = irq_from_dt(n, 0, &flags, &why, &err);
    v->intid = 0;
    v->irq_flags = PLAT_IRQ_EDGE;
    if (err == 0 && !why && irq >= ic->first_device && irq < ic->nirqs) {
        v->intid = irq;
        v->irq_flags = flags;
        return;
    }
    if (why)
        kprintf("virtio: WARNING: %s: the interrupt %s; the device will be polled\n", v->name, why);
    else if (err == 0 && irq >= ic->nirqs)
        kprintf("virtio: WARNING: %s: interrupt %u is beyond the %s's %u lines; the device will be polled\n",
                v->name, irq, ic->name, ic->nirqs);
    else if (err == 0)
        kprintf("virtio: WARNING: %s: interrupt %u is %s; the device will be polled\n", v->name, irq,
                ic->first_device != 32 ? "not a device interrupt" : irq < 16 ? "an SGI, not an SPI" : "a PPI, not an SPI");
    else if (err == -DT_ERR_NOTFOUND && !dt_has_prop(&dt, n, "interrupts") &&
             !dt_has_prop(&dt, n, "interrupts-extended"))
        kprintf("virtio: WARNING: %s: no interrupts property; the device will be polled\n", v->name);
    else
        kprintf("virtio: WARNING: %s: interrupts unusable (%s); the device will be polled\n", v->name,
                dt_strerror(err));
}

/* DMA coherence: ARM's device-tree default is non-coherent ("dma-coherent"
 * says otherwise); RISC-V's is coherent, and the nearest node (the device
 * or an ancestor) with "dma-coherent" or "dma-noncoherent" decides, as
 * Linux reads it. */
static bool virtio_coherent(int n)
{
#if defined(__riscv)
    for (int a = n; a >= 0; a = dt_parent(&dt, a)) {
        if (dt_has_prop(&dt, a, "dma-coherent"))
            return true;
        if (dt_has_prop(&dt, a, "dma-noncoherent"))
            return false;
    }
    return true;
#else
    return dt_dma_coherent(&dt, n);
#endif
}

/* The drivers hand a device CPU physical addresses (plat_bus_addr, the
 * identity on every board).  A bus above the node whose "dma-ranges"
 * (Devicetree Specification 2.3.9) puts the device's view of memory
 * elsewhere (a bus address that is not the CPU's) would have it read and
 * write other memory than the buffers meant: refused, never driven, and so
 * is a device under a "dma-ranges" that cannot be read (dt_dma_translated).
 * Absent, empty (1:1) and identity windows change nothing: QEMU's trees
 * have none.  The answer depends on the node's ancestors only, so virtio_from_dt()
 * keeps the last one for the next node of the same bus (QEMU virt's 32
 * under the root: one walk to the root, not 32 - 31 k instructions of
 * boot on aarch64). */
struct dma_memo {
    int parent, bus, r; /* parent -1: nothing kept */
};

static bool virtio_dma_untranslated(int n, const char *name, uint64_t a, struct dma_memo *m)
{
    int bus, r, parent = dt_parent(&dt, n);
    if (parent >= 0 && parent == m->parent) {
        r = m->r;
        bus = m->bus;
    } else {
        r = dt_dma_translated(&dt, n, &bus);
        *m = (struct dma_memo){parent, bus, r};
    }
    if (r == 0)
        return true;
    char buf[sizeof(info.virtio[0].name)];
    const char *busname = bus == dt.root ? "/" : bus >= 0 ? buf : "a bus above it";
    if (busname == buf)
        virtio_node_name(bus, buf, sizeof(buf));
    if (r == 1)
        kprintf("virtio: WARNING: %s (registers at 0x%llx): the device's DMA addresses are translated by dma-ranges "
                "(of %s), which this firmware does not support; skipped\n", name, (unsigned long long)a, busname);
    else
        kprintf("virtio: WARNING: %s (registers at 0x%llx): the dma-ranges of %s cannot be read (%s), so the "
                "device's DMA addresses may be translated, which this firmware does not support; skipped\n", name,
                (unsigned long long)a, busname, dt_strerror(r));
    return false;
}

/* Past dma-ranges, the device's DMA addresses are the CPU's physical ones,
 * as the drivers hand them out (plat_bus_addr), unless the tree puts it
 * behind an IOMMU ("iommus"), which this firmware does not program.  Xen's
 * grant DMA ("xen,grant-dma": the backend maps grant references, never guest
 * addresses) cannot work so: refused.  Any other IOMMU may have been left
 * in bypass by the firmware before us: used, with a warning. */
static bool virtio_dma_direct(int n, const char *name)
{
    int len;
    const uint8_t *p = dt_getprop(&dt, n, "iommus", &len);
    if (p == NULL)
        return true;
    int mmu = len >= 4 ? dt_node_by_phandle(&dt, dt_be32(p)) : -1;
    if (mmu >= 0 && dt_node_is_compatible(&dt, mmu, "xen,grant-dma") > 0) {
        kprintf("virtio: WARNING: %s: its DMA goes through Xen grants (iommus: xen,grant-dma), which this firmware "
                "does not use; skipped\n", name);
        return false;
    }
    kprintf("virtio: WARNING: %s: the device tree puts it behind an IOMMU (iommus), which this firmware does not "
            "program: its DMA uses physical addresses\n", name);
    return true;
}

/* Unusable virtio-mmio nodes reported one by one before the rest are
 * only counted. */
#define VIRTIO_DT_WARN_MAX 8

static void virtio_from_dt(void)
{
    int warned = 0, unread = 0;
    struct dma_memo memo = {-1, -1, 0};
    for (int n = dt_find_compatible(&dt, -1, "virtio,mmio"); n >= 0; n = dt_find_compatible(&dt, n, "virtio,mmio")) {
        uint64_t a, s;
        char name[sizeof(info.virtio[0].name)];
        /* "disabled", the node or a bus above it: not ours to use, nothing to say */
        if (!dt_available(&dt, n)) {
            info.virtio_skipped++;
            continue;
        }
        /* Enough read: a tree of thousands of such nodes (too many for the
         * node index) would otherwise cost a walk from the root for each
         * one's reg and a warning line each - minutes under emulation. */
        if (info.nvirtio == BOARD_MAX_VIRTIO || warned == VIRTIO_DT_WARN_MAX) {
            unread++;
            info.virtio_skipped++;
            continue;
        }
        virtio_node_name(n, name, sizeof(name));
        int err = dt_reg(&dt, n, 0, &a, &s);
        bool usable = false;
        if (err != 0)
            kprintf("virtio: WARNING: %s: no usable reg (%s); skipped\n", name, dt_strerror(err));
        else if (s < VIRTIO_MMIO_WINDOW)
            kprintf("virtio: WARNING: %s: register window 0x%llx bytes, less than virtio-mmio's 0x%x; skipped\n",
                    name, (unsigned long long)s, VIRTIO_MMIO_WINDOW);
        else if (!mmio_reachable(a, s))
            kprintf("virtio: WARNING: %s: registers at 0x%llx are out of this CPU's reach; skipped\n", name,
                    (unsigned long long)a);
        else if (guard && a < ARCH_NULL_GUARD)
            kprintf("virtio: WARNING: %s: registers at 0x%llx lie in the unmapped NULL guard (the lowest %u KiB); "
                    "skipped\n", name, (unsigned long long)a, (unsigned)(ARCH_NULL_GUARD >> 10));
        else
            usable = true;
        if (usable && (!virtio_dma_untranslated(n, name, a, &memo) || !virtio_dma_direct(n, name)))
            usable = false;
        if (!usable) {
            warned++;
            info.virtio_skipped++;
            continue;
        }
#if defined(__riscv)
        /* Cache maintenance without Zicbom is no-ops here (arch.h): a
         * non-coherent device would read stale memory.  Refused, not
         * corrupted. */
        if (!virtio_coherent(n)) {
            kprintf("virtio: WARNING: %s: dma-noncoherent, and this port has no cache maintenance (Zicbom); "
                    "skipped\n", name);
            warned++;
            info.virtio_skipped++;
            continue;
        }
#endif
        struct board_virtio_slot *v = &info.virtio[info.nvirtio++];
        v->base = (uintptr_t)a;
        v->size = s;
        memcpy(v->name, name, sizeof(v->name));
        virtio_irq_from_dt(n, v);
        v->dma_coherent = virtio_coherent(n);
    }
    if (unread)
        kprintf("virtio: WARNING: %d more virtio-mmio node%s not read (this firmware takes %d and reports %d "
                "unusable ones)\n",
                unread, unread == 1 ? "" : "s", BOARD_MAX_VIRTIO, VIRTIO_DT_WARN_MAX);
    /* Ascending addresses: the order a reader of the boot log expects. */
    for (int i = 1; i < info.nvirtio; i++)
        for (int j = i; j > 0 && info.virtio[j - 1].base > info.virtio[j].base; j--) {
            struct board_virtio_slot t = info.virtio[j];
            info.virtio[j] = info.virtio[j - 1];
            info.virtio[j - 1] = t;
        }
}

static void virtio_from_table(void)
{
    for (int i = 0; i < FB_VIRTIO_SLOTS; i++) {
        struct board_virtio_slot *v = &info.virtio[info.nvirtio++];
        v->base = FB_VIRTIO_BASE + (uintptr_t)i * FB_VIRTIO_STRIDE;
        v->size = FB_VIRTIO_STRIDE;
        v->intid = FB_VIRTIO_IRQ + (unsigned)i;
        v->irq_flags = FB_VIRTIO_TRIGGER;
        v->dma_coherent = true;
        ksnprintf(v->name, sizeof(v->name), "table slot %d", i);
    }
}

/* ---------------------------------------------------------------- memory */

static const char *const rsv_kind[] = {"/memreserve/", "/reserved-memory", "initrd"};

/* The DMA pool: the largest stretch of RAM clear of the image (stacks and
 * page tables are inside it), the device tree blob, every range the tree
 * reserves (/memreserve/, /reserved-memory, the initrd) and the unmapped
 * NULL guard.  A tree whose reservations cannot all be read gets no pool:
 * memory a loader or another core owns is never handed to a device on a
 * guess (the devices then fail to start, with ENOMEM, and say so). */
static struct dt_rsv dt_rsv[BOARD_MAX_RSV];
static struct mem_range rsv[3 + BOARD_MAX_RSV];

static void place_dma_pool(uint64_t img, uint64_t img_end, bool null_guard)
{
    struct mem_range ram[BOARD_MAX_RAM + 1];
    int nrsv = 0;
    for (int i = 0; i < info.nram; i++)
        ram[i] = (struct mem_range){info.ram[i][0], info.ram[i][1]};
    rsv[nrsv++] = (struct mem_range){img, img_end - img};
    if (null_guard)
        rsv[nrsv++] = (struct mem_range){0, ARCH_NULL_GUARD};
#if defined(__riscv)
    /* Without a tree nothing says where the SBI firmware is; by convention
     * it sits at the base of RAM, below the 2 MiB the Image header's
     * text_offset leaves it, and its PMP makes that range fault. */
    if (info.fallback)
        rsv[nrsv++] = (struct mem_range){FB_RAM_BASE, 2u << 20};
#endif
    if (info.dt) {
        rsv[nrsv++] = (struct mem_range){info.dtb_addr, info.dtb_size};
        int n = dt_reserved(&dt, dt_rsv, BOARD_MAX_RSV);
        if (n == -DT_ERR_NOSPACE) {
            kprintf("mem: WARNING: more than %d reserved ranges: no DMA pool, devices will not start\n",
                    BOARD_MAX_RSV);
            return;
        }
        if (n < 0) {
            kprintf("mem: WARNING: reserved ranges unreadable (%s): no DMA pool, devices will not start\n",
                    dt_strerror(n));
            return;
        }
        for (int i = 0; i < n; i++) {
            rsv[nrsv++] = (struct mem_range){dt_rsv[i].base, dt_rsv[i].size};
            kprintf("mem: reserved 0x%llx-0x%llx (%s)\n", (unsigned long long)dt_rsv[i].base,
                    (unsigned long long)(dt_rsv[i].base + dt_rsv[i].size - 1), rsv_kind[dt_rsv[i].kind]);
        }
    }
    struct mem_range pool;
    if (memmap_largest_free(ram, info.nram, rsv, nrsv, ARCH_ADDR_LIMIT, 4096, 4096, &pool) != 0) {
        kprintf("mem: WARNING: no free RAM for DMA: devices will not start\n");
        return;
    }
    plat_dma_pool_init((uintptr_t)pool.base, (uintptr_t)(pool.base + pool.size));
    kprintf("mem: DMA pool 0x%llx-0x%llx (%llu KiB)\n", (unsigned long long)pool.base,
            (unsigned long long)(pool.base + pool.size - 1), (unsigned long long)(pool.size >> 10));
}

/* ---------------------------------------------------------------- interrupts */

/* When no controller can be set up: no lines, so nothing is attached and
 * every device is polled. */
static int none_decode(const uint32_t *c, int n, unsigned *irq, unsigned *flags)
{
    (void)c;
    (void)n;
    (void)irq;
    (void)flags;
    return -DT_ERR_BADVALUE;
}
static void none_line(unsigned irq) { (void)irq; }
static void none_config(unsigned irq, bool edge)
{
    (void)irq;
    (void)edge;
}
static uint32_t none_claim(void) { return 0; }
static unsigned none_irq_of(uint32_t t) { return t + 1; }
static void none_complete(uint32_t t) { (void)t; }
static const struct irqchip no_irqchip = {"no interrupt controller", -1, 0, 1, none_decode, none_config,
                                          none_line, none_line, none_claim, none_irq_of, none_complete};

#define MAX_IRQS 1024 /* GIC INTIDs below 1020, PLIC sources below 1024 */
static struct {
    plat_irq_handler_t fn;
    void *arg;
} handlers[MAX_IRQS];
static volatile uint64_t irq_count, irq_spurious, irq_unhandled;
/* Retired-instruction count at the entry of the latest interrupt of each
 * line (for the firmware's self-measurement), and whether it is unread. */
static uint32_t irq_stamp[MAX_IRQS];
static bool irq_stamp_fresh[MAX_IRQS];

bool board_irq_stamp(unsigned intid, uint32_t *instructions)
{
    if (intid >= MAX_IRQS || !irq_stamp_fresh[intid])
        return false;
    irq_stamp_fresh[intid] = false;
    *instructions = irq_stamp[intid];
    return true;
}

/* The interrupt controller's line, from the vector (boot/<arch>/start.S). */
void irq_dispatch(void)
{
    uint32_t stamp = pmu ? arch_pmu_instructions() : 0;
    uint32_t token = ic->claim();
    unsigned id = ic->irq_of(token);
    if (id >= ic->nirqs || id >= MAX_IRQS) {
        irq_spurious++;
        return;
    }
    irq_count++;
    irq_stamp[id] = stamp;
    irq_stamp_fresh[id] = true;
    if (handlers[id].fn) {
        handlers[id].fn(handlers[id].arg);
    } else {
        irq_unhandled++;
        ic->disable(id); /* nobody to quiet a level-triggered line: it would fire forever */
    }
    ic->complete(token);
}

#if defined(__riscv)
/* The supervisor timer interrupt: CPU-local, not through the PLIC. */
void board_timer_irq(void)
{
    irq_count++;
    timer_irq(NULL);
}
#endif

static int attach(unsigned irq, unsigned flags, plat_irq_handler_t fn, void *arg)
{
    arch_irqstate_t s = arch_irq_save();
    handlers[irq].fn = fn;
    handlers[irq].arg = arg;
    ic->config(irq, flags == PLAT_IRQ_EDGE);
    arch_irq_restore(s);
    return 0;
}

int plat_irq_attach(unsigned irq, unsigned flags, plat_irq_handler_t fn, void *arg)
{
    /* Only a device's line: never a GIC SGI or PPI (an SGI 0 "attached"
     * from a broken device tree would fire on every IPI), never the PLIC's
     * "no interrupt" 0, nothing the controller lacks. */
    if (irq < ic->first_device || irq >= ic->nirqs || irq >= MAX_IRQS || !fn)
        return -1;
    return attach(irq, flags, fn, arg);
}

/* Masked around the controller's call: the PLIC's enables are words of 32
 * sources that it reads, modifies and writes, and a handler may change the
 * same word (irq_dispatch disables a line nobody handles). */
void plat_irq_unmask(unsigned irq)
{
    if (irq >= ic->nirqs)
        return;
    arch_irqstate_t s = arch_irq_save();
    ic->enable(irq);
    arch_irq_restore(s);
}
void plat_irq_mask(unsigned irq)
{
    if (irq >= ic->nirqs)
        return;
    arch_irqstate_t s = arch_irq_save();
    ic->disable(irq);
    arch_irq_restore(s);
}

uint64_t board_irq_count(void) { return irq_count; }
uint32_t board_instructions(void) { return pmu ? arch_pmu_instructions() : 0; }

/* ---------------------------------------------------------------- misc */

int board_getc(void) { return uart->getc(); }
void board_idle(void) { arch_wfi(); }

void board_idle_unless(bool (*work)(void *), void *arg)
{
    /* WFI wakes for a pending interrupt even with interrupts masked, so one
     * that arrives after work() has looked is taken after the WFI, not lost
     * until the next tick. */
    arch_irqstate_t s = arch_irq_save();
    if (!work(arg))
        arch_wfi();
    arch_irq_restore(s);
}

void board_poweroff(void)
{
    board_console_release(); /* nothing held is lost with the machine */
#if defined(__riscv)
    sbi_system_shutdown(); /* SBI SRST, or the legacy call */
#elif defined(__arm__) || defined(__aarch64__) /* not in a host build (test/fuzz/fuzz_dt.c) */
    register unsigned long x0 __asm__(
#if defined(__aarch64__)
        "x0"
#else
        "r0"
#endif
    ) = 0x84000008ul; /* PSCI SYSTEM_OFF */
    if (psci_conduit == PSCI_HVC) {
#if defined(__aarch64__)
        __asm__ volatile("hvc #0" : "+r"(x0)::"memory");
#else
        __asm__ volatile(".arch_extension virt\n hvc #0" : "+r"(x0)::"memory");
#endif
    } else if (psci_conduit == PSCI_SMC) {
#if defined(__aarch64__)
        __asm__ volatile("smc #0" : "+r"(x0)::"memory");
#else
        __asm__ volatile(".arch_extension sec\n smc #0" : "+r"(x0)::"memory");
#endif
    } else if (vexpress_sysreg) {
        /* SYS_CFGCTRL: start, write, function 8 (shutdown), motherboard
         * site 0, position 0, device 0 (the V2M-P1 configuration bus). */
        *(volatile uint32_t *)(vexpress_sysreg + 0xa4) = (1u << 31) | (1u << 30) | (8u << 20);
    }
#endif
    /* Still here: say so, rather than look hung. */
#if defined(__riscv)
    kprintf("boot: WARNING: cannot power off: the SBI firmware refused the shutdown; halted\n");
#else
    kprintf("boot: WARNING: cannot power off: %s; halted\n",
            psci_conduit != PSCI_NONE ? "the PSCI SYSTEM_OFF call returned"
            : vexpress_sysreg         ? "the system register block did not act"
                                      : "the device tree names no PSCI and the board has no other way");
#endif
    arch_irq_disable();
    for (;;)
        arch_wfi();
}

#if !defined(__riscv)
/* Which of the generic timer's interrupts is the virtual timer's, the one
 * this firmware runs on at EL1 (arm,arch_timer.yaml): the third (sec-phys,
 * phys, virt, hyp-phys, hyp-virt) unless "interrupt-names" says otherwise,
 * since the binding lets a tree leave sec-phys out ("phys", "virt",
 * "hyp-phys", "hyp-virt"; Linux reads them by name then).  -1 when the
 * names hold no "virt" or cannot be read. */
static int timer_virt_index(int node)
{
    int len;
    const char *names = dt_getprop(&dt, node, "interrupt-names", &len);
    if (!names)
        return len == -DT_ERR_NOTFOUND ? 2 : -1;
    size_t pos = 0;
    for (int i = 0; pos < (size_t)len; i++) {
        /* a last name without its NUL runs to the end of the value */
        const char *nul = memchr(names + pos, 0, (size_t)len - pos);
        size_t n = nul ? (size_t)(nul - (names + pos)) : (size_t)len - pos;
        if (n == 4 && memcmp(names + pos, "virt", 4) == 0)
            return i;
        pos += n + 1;
    }
    return -1;
}
#endif

static const char *ram_note(void) { return ram_from_table ? " (board table)" : ""; }

void boot_main(uintptr_t dtb_reg);
void boot_main(uintptr_t dtb_reg)
{
    board_stage("boot_main");
    pmu = arch_pmu_present();
    if (pmu)
        arch_pmu_init(); /* first, so the boot cost is counted from here */
    /* Runs with the MMU off: only the device-tree reader, which reads bytewise. */
    int err = find_dtb(dtb_reg);
    info.dt_err = err;
    if (err == 0) {
        read_platform_from_dt();
    } else {
        info.fallback = true;
        info.model = "QEMU virt (board table)";
    }
    if (info.nram == 0) {
        info.ram[0][0] = FB_RAM_BASE;
        info.ram[0][1] = FB_RAM_SIZE;
        info.nram = 1;
        ram_from_table = true;
    }
    board_stage("device tree read");
    /* The image must be normal executable memory once the MMU is on, whatever
     * the device tree says, or the first instruction fetch after it faults
     * (and so does the vector that would report it). */
    uint64_t img = (uintptr_t)__image_start, img_end = (uintptr_t)__heap_start;
    bool covered = false;
    for (int i = 0; i < info.nram; i++)
        if (info.ram[i][0] <= img && img_end - info.ram[i][0] <= info.ram[i][1])
            covered = true;
    if (!covered) {
        int i = info.nram++; /* the spare slot: no bank of the tree's is lost */
        info.ram[i][0] = img;
        info.ram[i][1] = img_end - img;
        ram_image_added = true;
    }
    if (!info.uart) {
        info.uart = FB_UART;
        uart = &FB_UART_OPS; /* a 16550 there has byte registers (the defaults) */
    }

    /* The console before the MMU, so that a fault on the way is reported. */
    if (uart == &pl011_ops && uart_sbsa_only)
        pl011_init_sbsa(info.uart);
    else if (uart == &pl011_ops)
        pl011_init(info.uart);
    else
        ns16550_init(info.uart, uart_shift, uart_width);
    kprintf_set_sink(console_sink);
    /* RAM at 0 (xlnx-versal-virt, some boards) may hold the image or the
     * device tree in the lowest block, or the console may sit there: then
     * it stays mapped. */
    bool null_guard = img >= ARCH_NULL_GUARD && (err != 0 || info.dtb_addr >= ARCH_NULL_GUARD) &&
                      info.uart >= ARCH_NULL_GUARD;
    guard = null_guard;
    arch_mmu_enable((const uint64_t(*)[2])info.ram, info.nram, null_guard);
    board_stage("MMU on");
    kprintf("\nvbare: " ARCH_NAME " firmware on %s\n", info.model ? info.model : "an unnamed board");
    kprintf("image: 0x%lx-0x%lx%s\n", (unsigned long)img, (unsigned long)(img_end - 1),
            null_guard ? "" : " (no unmapped page at 0: the image or device tree is there)");
#if defined(__aarch64__)
    /* EL3 (QEMU -M virt,secure=on without TF-A): the entry set up EL1's
     * registers, which do not govern EL3, and interrupts routed to a lower
     * level are never taken here. */
    if (arch_entry_el == 3)
        kprintf("cpu: WARNING: entered at EL3; this firmware runs at EL1 and needs a loader that enters it at EL2 or "
                "EL1 (TF-A, U-Boot): here it has no MMU, no interrupts and no crash reports\n");
#endif
#if defined(__riscv)
    unsigned feat = arch_cpu_features(); /* what arch_cpu_isa() and the MMU's probe found usable */
    kprintf("cpu: hart %lu, timer through %s, I/O pages %s\n", arch_boot_hartid,
            (feat & ARCH_FEAT_SSTC) ? "stimecmp (Sstc)" : "SBI set_timer",
            (feat & ARCH_FEAT_SVPBMT) ? "PBMT=IO (Svpbmt)" : "as the PMAs say");
#endif
    if (err == 0) {
        kprintf("dt: device tree at 0x%lx, %u bytes\n", (unsigned long)info.dtb_addr, (unsigned)info.dtb_size);
        if (dt_index_err)
            kprintf("dt: no node index (%s): lookups walk the tree\n", dt_strerror(dt_index_err));
        if (bootargs_cut)
            kprintf("dt: WARNING: boot arguments longer than %u bytes; the rest is ignored\n",
                    (unsigned)BOARD_BOOTARGS_MAX - 1);
    } else
        kprintf("dt: WARNING: no valid device tree (%s at 0x%lx); using the qemu-virt board table\n",
                dt_strerror(err), (unsigned long)info.dtb_addr);
    if (ram_from_table && err == 0)
        kprintf("mem: WARNING: %s%s; assuming the qemu-virt board table's RAM\n",
                dt_memory_err ? "the device tree's memory nodes are unreadable: " : "the device tree names no RAM",
                dt_memory_err ? dt_strerror(dt_memory_err) : "");
    for (int i = 0; i < info.nram; i++)
        kprintf("mem: 0x%llx-0x%llx%s\n", (unsigned long long)info.ram[i][0],
                (unsigned long long)(info.ram[i][0] + info.ram[i][1] - 1), ram_note());
    if (ram_cut)
        kprintf("mem: WARNING: the device tree names more than %d RAM ranges; only the first %d are used\n",
                BOARD_MAX_RAM, BOARD_MAX_RAM);
    if (ram_image_added)
        kprintf("mem: WARNING: the device tree's RAM does not hold the image at 0x%lx-0x%lx; mapped anyway\n",
                (unsigned long)(uintptr_t)__image_start, (unsigned long)((uintptr_t)__heap_start - 1));

    /* The table's controller only with the table: with a valid tree,
     * whatever sits at QEMU virt's address on this machine (an APLIC, say)
     * is not written to on a guess. */
#if defined(__riscv)
    ic = info.fallback ? plic_from_table(FB_PLIC, FB_PLIC_NDEV, FB_PLIC_CONTEXT(arch_boot_hartid))
                       : plic_from_dt(&dt, arch_boot_hartid);
#else
    ic = info.fallback ? gic_from_table(FB_GICD, FB_GICC, FB_GICR, FB_GICR_SIZE) : gic_from_dt(&dt);
#endif
    if (!ic) {
        ic = &no_irqchip;
        kprintf("irq: WARNING: no interrupt controller this firmware drives: every device will be polled%s\n",
                FB_TICK_NEEDS_IRQCHIP ? ", no timer tick" : "");
    } else {
        kprintf("irq: %s, %u interrupt lines\n", ic->name, ic->nirqs);
    }
    info.irqchip = ic->name;
    board_stage("interrupt controller");

    uint32_t hz = timer_hz ? timer_hz : arch_counter_freq();
    timer_init(hz ? hz : FB_TIMER_HZ);
#if defined(__riscv)
    info.timer_via = "the supervisor timer interrupt";
    if (ic != &no_irqchip)
        arch_local_irq_enable(); /* the PLIC's line to this hart (sie.SEIE) */
    kprintf("timer: %u Hz, the supervisor timer interrupt\n", (unsigned)timer_freq());
#else
    unsigned flags;
    const char *why;
    int terr = -DT_ERR_NOTFOUND;
    int tidx = timer_node >= 0 ? timer_virt_index(timer_node) : -1;
    if (tidx >= 0)
        info.timer_intid = irq_from_dt(timer_node, (unsigned)tidx, &flags, &why, &terr);
    if (terr != 0 || why || info.timer_intid < 16 || info.timer_intid >= 32)
        info.timer_intid = FB_TIMER_INTID; /* a PPI, or QEMU virt's */
    info.timer_via = ic->name;
    attach(info.timer_intid, PLAT_IRQ_LEVEL, timer_irq, NULL);
    ic->enable(info.timer_intid);
    kprintf("timer: %u Hz, interrupt %u\n", (unsigned)timer_freq(), info.timer_intid);
#endif

    if (info.fallback)
        virtio_from_table();
    else
        virtio_from_dt();
    place_dma_pool(img, img_end, null_guard);
    board_stage("timer, virtio nodes, DMA pool");

    arch_irq_enable();
    app_main();
    board_poweroff();
}
