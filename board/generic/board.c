/*
 * board.c (generic) - from reset to app_main on any ARM machine its device
 * tree describes: find the tree (x0/r2, else the base of RAM), read RAM,
 * reservations, console, GIC, timer, power-off and the virtio-mmio nodes
 * from it, turn the MMU on, place the DMA pool in free RAM, bring up the
 * console, the GIC and the timer.  Nothing depends on one board's addresses
 * but the documented QEMU virt fallback table, used only when no valid tree
 * is found (docs/PORTING.md).
 */
#include <string.h>

#include "arch.h"
#include "board.h"
#include "gic/gic.h"
#include "kprintf.h"
#include "memmap.h"
#include "plat.h"
#include "timer/timer.h"
#include "uart/pl011.h"

void plat_dma_pool_init(uintptr_t base, uintptr_t end);

/* The documented fallback: QEMU virt's fixed layout. */
#define FB_DTB 0x40000000u
#define FB_RAM_BASE 0x40000000u
#define FB_RAM_SIZE (128u << 20)
#define FB_UART 0x09000000u
#define FB_GICD 0x08000000u
#define FB_GICC 0x08010000u
#define FB_GICR 0x080a0000u
#define FB_GICR_SIZE 0xf60000u
#define FB_TIMER_INTID 27u
#define FB_VIRTIO_BASE 0x0a000000u
#define FB_VIRTIO_STRIDE 0x200u
#define FB_VIRTIO_SLOTS 32
#define FB_VIRTIO_INTID 48u

#define DT_MAX_SIZE (2u << 20)

extern char __image_start[], __heap_start[];

/* A register range the CPU can address: on arm (no LPAE) one above 4 GiB
 * would be truncated onto some other device. */
static bool reachable(uint64_t a, uint64_t size)
{
#if UINTPTR_MAX < UINT64_MAX
    return a <= UINTPTR_MAX && (size == 0 || size - 1 <= UINTPTR_MAX - a);
#else
    (void)a;
    (void)size;
    return true;
#endif
}

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
static enum { PSCI_NONE, PSCI_HVC, PSCI_SMC } psci_conduit = PSCI_HVC; /* QEMU virt's, for the board table */
static uintptr_t vexpress_sysreg; /* Versatile Express system registers, for power-off */
static bool pmu; /* the PMU exists: only then are its registers read */
static bool ram_from_table, ram_image_added;

const struct board_info *board(void) { return &info; }

/* Console output from code that runs with interrupts enabled (the firmware
 * after boot_main) is held in RAM until board_console_release(): every byte
 * written to the PL011 is a trap into the hypervisor, and the lines the
 * drivers print would otherwise lie between reset and the first packet the
 * network answers (docs/PERFORMANCE.md, boot to network).  What runs with
 * interrupts masked (boot_main, an interrupt handler, a crash report)
 * writes through, after anything held, so lines keep their order and a
 * crash shows everything before it.  A full buffer is written out too. */
static char console_held[2048];
static size_t console_nheld;
static bool console_released;

/* Whole lines even when an interrupt handler prints too (plat_log). */
static void console_sink(const char *s, size_t n)
{
    arch_irqstate_t st = arch_irq_save();
    if (!console_released && !st && n <= sizeof(console_held) - console_nheld) {
        memcpy(console_held + console_nheld, s, n);
        console_nheld += n;
    } else {
        pl011_write(console_held, console_nheld);
        console_nheld = 0;
        pl011_write(s, n);
    }
    arch_irq_restore(st);
}

void board_console_release(void)
{
    arch_irqstate_t st = arch_irq_save();
    console_released = true;
    pl011_write(console_held, console_nheld);
    console_nheld = 0;
    arch_irq_restore(st);
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

static int first_okay_compatible(const char *const *compat)
{
    for (int c = 0; compat[c]; c++)
        for (int n = dt_find_compatible(&dt, -1, compat[c]); n >= 0; n = dt_find_compatible(&dt, n, compat[c]))
            if (dt_status_okay(&dt, n))
                return n;
    return -1;
}

static void read_platform_from_dt(void)
{
    struct dt_mem mem[BOARD_MAX_RAM];
    int n = dt_memory(&dt, mem, BOARD_MAX_RAM);
    if (n == -DT_ERR_NOSPACE)
        n = BOARD_MAX_RAM; /* more regions than that: the first ones are filled in */
    for (int i = 0; i < n; i++) {
        info.ram[info.nram][0] = mem[i].base;
        info.ram[info.nram][1] = mem[i].size;
        info.nram++;
    }
    info.bootargs = dt_bootargs(&dt);

    uint64_t a, s;
    int node = dt_stdout_node(&dt);
    if (node < 0 || !dt_node_is_compatible(&dt, node, "arm,pl011")) {
        static const char *const pl011[] = {"arm,pl011", NULL};
        node = first_okay_compatible(pl011);
    }
    if (node >= 0 && dt_reg(&dt, node, 0, &a, &s) == 0 && reachable(a, 0x1000))
        info.uart = (uintptr_t)a;

    static const char *const timers[] = {"arm,armv8-timer", "arm,armv7-timer", NULL};
    struct dt_irq irq;
    node = first_okay_compatible(timers);
    if (node >= 0 && dt_irq_gic(&dt, node, 2, &irq) == 0) /* index 2: the virtual timer */
        info.timer_intid = irq.intid;

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
        if (node >= 0 && dt_reg(&dt, node, 0, &a, &s) == 0 && s >= 0x100 && reachable(a, s))
            vexpress_sysreg = (uintptr_t)a;
    }
    info.model = dt_prop_string(&dt, 0, "model");
}

static int gic_from_dt(void)
{
    static const char *const v3[] = {"arm,gic-v3", NULL};
    static const char *const v2[] = {"arm,cortex-a15-gic", "arm,gic-400", "arm,cortex-a9-gic",
                                     "arm,cortex-a7-gic", NULL};
    uint64_t d, ds, c, cs;
    int node = first_okay_compatible(v3);
    if (node >= 0 && dt_reg(&dt, node, 0, &d, &ds) == 0) {
        /* reg: the distributor, then #redistributor-regions regions (QEMU virt
         * has a second one beyond 123 CPUs); this CPU's may be in any. */
        uint32_t nrd = 1;
        int gv = -1;
        (void)dt_prop_u32(&dt, node, "#redistributor-regions", &nrd);
        for (uint32_t r = 1; r <= nrd && r < 16 && gv < 0; r++)
            if (dt_reg(&dt, node, r, &c, &cs) == 0 && reachable(c, cs))
                gv = gic_init(3, (uintptr_t)d, (uintptr_t)c, cs);
        if (gv >= 0)
            return gv;
    }
    node = first_okay_compatible(v2);
    if (node >= 0 && dt_reg(&dt, node, 0, &d, &ds) == 0 && dt_reg(&dt, node, 1, &c, &cs) == 0)
        return gic_init(2, (uintptr_t)d, (uintptr_t)c, cs);
    return -1;
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
    if (!name)
        len = 0;
    if (len >= (int)size)
        len = (int)size - 1;
    if (len > 0)
        memcpy(out, name, (size_t)len);
    out[len] = '\0';
}

/* A transport's interrupt: an SPI the GIC has, from "interrupts-extended"
 * or "interrupts" (dt_irq_gic: inherited interrupt-parent, trigger flags).
 * Anything else leaves intid 0, "no interrupt": never an SGI or PPI, and
 * never INTID 0; the drivers then poll the device, and the log says why.
 * Runs after gic_init(), which knows how many lines there are. */
static void virtio_irq_from_dt(int n, struct board_virtio_slot *v)
{
    struct dt_irq irq;
    int err = dt_irq_gic(&dt, n, 0, &irq);
    v->intid = 0;
    v->irq_flags = PLAT_IRQ_EDGE;
    if (err == 0 && irq.intid >= 32 && irq.intid < gic_num_irqs()) {
        v->intid = irq.intid;
        v->irq_flags = irq.flags == DT_IRQ_LEVEL ? PLAT_IRQ_LEVEL : PLAT_IRQ_EDGE;
        return;
    }
    if (err == 0 && irq.intid >= 32)
        kprintf("virtio: WARNING: %s: interrupt %u is beyond the GIC's %u lines; the device will be polled\n",
                v->name, (unsigned)irq.intid, gic_num_irqs());
    else if (err == 0)
        kprintf("virtio: WARNING: %s: interrupt %u is a%s, not an SPI; the device will be polled\n", v->name,
                (unsigned)irq.intid, irq.intid < 16 ? "n SGI" : " PPI");
    else if (err == -DT_ERR_NOTFOUND && !dt_has_prop(&dt, n, "interrupts") &&
             !dt_has_prop(&dt, n, "interrupts-extended"))
        kprintf("virtio: WARNING: %s: no interrupts property; the device will be polled\n", v->name);
    else
        kprintf("virtio: WARNING: %s: interrupts unusable (%s); the device will be polled\n", v->name,
                dt_strerror(err));
}

static void virtio_from_dt(void)
{
    for (int n = dt_find_compatible(&dt, -1, "virtio,mmio"); n >= 0; n = dt_find_compatible(&dt, n, "virtio,mmio")) {
        uint64_t a, s;
        char name[sizeof(info.virtio[0].name)];
        if (!dt_status_okay(&dt, n)) { /* "disabled": not ours to use, nothing to say */
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
        else if (!reachable(a, s))
            kprintf("virtio: WARNING: %s: registers at 0x%llx are out of this CPU's reach; skipped\n", name,
                    (unsigned long long)a);
        else if (info.nvirtio == BOARD_MAX_VIRTIO)
            kprintf("virtio: WARNING: %s: more than %d virtio-mmio nodes; skipped\n", name, BOARD_MAX_VIRTIO);
        else
            usable = true;
        if (!usable) {
            info.virtio_skipped++;
            continue;
        }
        struct board_virtio_slot *v = &info.virtio[info.nvirtio++];
        v->base = (uintptr_t)a;
        v->size = s;
        memcpy(v->name, name, sizeof(v->name));
        virtio_irq_from_dt(n, v);
        v->dma_coherent = dt_dma_coherent(&dt, n);
    }
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
        v->intid = FB_VIRTIO_INTID + (unsigned)i;
        v->irq_flags = PLAT_IRQ_EDGE;
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
    struct mem_range ram[BOARD_MAX_RAM];
    int nrsv = 0;
    for (int i = 0; i < info.nram; i++)
        ram[i] = (struct mem_range){info.ram[i][0], info.ram[i][1]};
    rsv[nrsv++] = (struct mem_range){img, img_end - img};
    if (null_guard)
        rsv[nrsv++] = (struct mem_range){0, ARCH_NULL_GUARD};
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

static struct {
    plat_irq_handler_t fn;
    void *arg;
} handlers[1020];
static volatile uint64_t irq_count, irq_spurious, irq_unhandled;
/* Retired-instruction count at the entry of the latest interrupt of each
 * line (for the firmware's self-measurement), and whether it is unread. */
static uint32_t irq_stamp[1020];
static bool irq_stamp_fresh[1020];

bool board_irq_stamp(unsigned intid, uint32_t *instructions)
{
    if (intid >= 1020 || !irq_stamp_fresh[intid])
        return false;
    irq_stamp_fresh[intid] = false;
    *instructions = irq_stamp[intid];
    return true;
}

void irq_dispatch(void);
void irq_dispatch(void)
{
    uint32_t stamp = pmu ? arch_pmu_instructions() : 0;
    uint32_t iar = gic_ack();
    unsigned id = gic_intid(iar);
    if (id >= 1020) {
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
        gic_disable(id); /* nobody to quiet a level-triggered line: it would fire forever */
    }
    gic_eoi(iar);
}

int plat_irq_attach(unsigned irq, unsigned flags, plat_irq_handler_t fn, void *arg)
{
    /* An SGI is never a device's line (an SGI 0 "attached" from a broken
     * device tree would fire on every IPI); 1020 and up are special. */
    if (irq < 16 || irq >= 1020 || irq >= gic_num_irqs() || !fn)
        return -1;
    arch_irqstate_t s = arch_irq_save();
    handlers[irq].fn = fn;
    handlers[irq].arg = arg;
    gic_config(irq, flags == PLAT_IRQ_EDGE);
    arch_irq_restore(s);
    return 0;
}

void plat_irq_unmask(unsigned irq) { gic_enable(irq); }
void plat_irq_mask(unsigned irq) { gic_disable(irq); }

uint64_t board_irq_count(void) { return irq_count; }
uint32_t board_instructions(void) { return pmu ? arch_pmu_instructions() : 0; }

/* ---------------------------------------------------------------- misc */

int board_getc(void) { return pl011_getc(); }
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
    arch_irq_disable();
    for (;;)
        arch_wfi();
}

static const char *ram_note(void) { return ram_from_table ? " (board table)" : ""; }

void boot_main(uintptr_t dtb_reg);
void boot_main(uintptr_t dtb_reg)
{
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
    /* The image must be normal executable memory once the MMU is on, whatever
     * the device tree says, or the first instruction fetch after it faults
     * (and so does the vector that would report it). */
    uint64_t img = (uintptr_t)__image_start, img_end = (uintptr_t)__heap_start;
    bool covered = false;
    for (int i = 0; i < info.nram; i++)
        if (info.ram[i][0] <= img && img_end - info.ram[i][0] <= info.ram[i][1])
            covered = true;
    if (!covered) {
        int i = info.nram < BOARD_MAX_RAM ? info.nram++ : BOARD_MAX_RAM - 1;
        info.ram[i][0] = img;
        info.ram[i][1] = img_end - img;
        ram_image_added = true;
    }
    if (!info.uart)
        info.uart = FB_UART;
    if (!info.timer_intid)
        info.timer_intid = FB_TIMER_INTID;

    /* The console before the MMU, so that a fault on the way is reported. */
    pl011_init(info.uart);
    kprintf_set_sink(console_sink);
    /* RAM at 0 (xlnx-versal-virt, some boards) may hold the image or the
     * device tree in the lowest block: then it stays mapped. */
    bool null_guard = img >= ARCH_NULL_GUARD && (err != 0 || info.dtb_addr >= ARCH_NULL_GUARD);
    arch_mmu_enable((const uint64_t(*)[2])info.ram, info.nram, null_guard);
    kprintf("\nvbare: " ARCH_NAME " firmware on %s\n", info.model ? info.model : "an unnamed board");
    kprintf("image: 0x%lx-0x%lx%s\n", (unsigned long)img, (unsigned long)(img_end - 1),
            null_guard ? "" : " (no unmapped page at 0: the image or device tree is there)");
    if (err == 0) {
        kprintf("dt: device tree at 0x%lx, %u bytes\n", (unsigned long)info.dtb_addr, (unsigned)info.dtb_size);
        if (dt_index_err)
            kprintf("dt: no node index (%s): lookups walk the tree\n", dt_strerror(dt_index_err));
    } else
        kprintf("dt: WARNING: no valid device tree (%s at 0x%lx); using the qemu-virt board table\n",
                dt_strerror(err), (unsigned long)info.dtb_addr);
    for (int i = 0; i < info.nram; i++)
        kprintf("mem: 0x%llx-0x%llx%s\n", (unsigned long long)info.ram[i][0],
                (unsigned long long)(info.ram[i][0] + info.ram[i][1] - 1), ram_note());
    if (ram_image_added)
        kprintf("mem: WARNING: the device tree's RAM does not hold the image at 0x%lx-0x%lx; mapped anyway\n",
                (unsigned long)(uintptr_t)__image_start, (unsigned long)((uintptr_t)__heap_start - 1));

    int gv = info.fallback ? -1 : gic_from_dt();
    if (gv < 0)
        gv = gic_detect(FB_GICD) == 3 ? gic_init(3, FB_GICD, FB_GICR, FB_GICR_SIZE)
                                      : gic_init(2, FB_GICD, FB_GICC, 0);
    info.gic_version = gv;
    kprintf("gic: v%d, %u interrupt lines\n", gv, gic_num_irqs());

    timer_init();
    plat_irq_attach(info.timer_intid, PLAT_IRQ_LEVEL, timer_irq, NULL);
    plat_irq_unmask(info.timer_intid);
    kprintf("timer: %u Hz, interrupt %u\n", (unsigned)timer_freq(), info.timer_intid);

    if (info.fallback)
        virtio_from_table();
    else
        virtio_from_dt();
    place_dma_pool(img, img_end, null_guard);

    arch_irq_enable();
    app_main();
    board_poweroff();
}
