/*
 * cpu.c (RISC-V 64, S-mode) - traps and the crash report, the CPU's
 * optional extensions, the timer, the counters and the MMU.
 *
 * Why paging at all, with every address mapped to itself: without it every
 * address is reachable and executable, so a NULL dereference reads or
 * writes whatever sits at 0 (QEMU virt: a debug ROM and the test device)
 * instead of faulting, and a jump into a device region executes it.  Sv39
 * gives both a fault: the first 2 MiB stay unmapped and device regions are
 * never executable; with Svpbmt they are also marked I/O (strongly ordered,
 * uncached) in the page table rather than only by the platform's PMAs.
 *
 * The map is Sv39's lower half, 0-256 GiB, in 1 GiB pages: a gigabyte that
 * RAM covers entirely is one normal page (R W X); a gigabyte that RAM covers
 * in part is split into 2 MiB pages; everything else is I/O (R W, never X).
 * Every leaf has A and D set (hardware need not set them: Svade faults) and
 * G (one address space).
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "kprintf.h"
#include "memmap.h"
#include "sbi.h"

unsigned long arch_boot_hartid; /* written by start.S after .bss is cleared */

_Static_assert(sizeof(struct trap_frame) == 288, "the frame start.S's trap_entry builds");

/* start.S's probes: a read that may trap, returned in a0 (value) and a1
 * (trapped), which is how the psABI returns a two-word struct. */
struct arch_probe {
    unsigned long value;
    unsigned long trapped;
};
struct arch_probe arch_probe_instret(void);
struct arch_probe arch_probe_cycle(void);
struct arch_probe arch_probe_stimecmp(void);
struct arch_probe arch_probe_load(uintptr_t addr);
extern const char arch_probe_start[], arch_probe_end[];

#define SCAUSE_INTERRUPT (1ul << 63)
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9

#define CSR_STIMECMP 0x14d

static bool has_svpbmt, has_sstc; /* what the ISA string says */
static bool use_stimecmp;         /* Sstc and M-mode let S-mode write stimecmp */
static bool use_pbmt;             /* Svpbmt and M-mode enabled it (menvcfg.PBMTE) */

/* ---------------------------------------------------------------- traps */

static const char *exception_name(unsigned long code)
{
    switch (code) {
    case 0: return "instruction address misaligned";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "load address misaligned";
    case 5: return "load access fault";
    case 6: return "store/AMO address misaligned";
    case 7: return "store/AMO access fault";
    case 8: return "environment call from U-mode";
    case 9: return "environment call from S-mode";
    case 12: return "instruction page fault";
    case 13: return "load page fault";
    case 15: return "store/AMO page fault";
    case 18: return "software check";
    case 19: return "hardware error";
    default: return "unknown exception";
    }
}

static const char *const reg_name[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
    "a6",   "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static void __attribute__((noreturn)) arch_crash(const struct trap_frame *f)
{
    board_console_release(); /* the held log first, then this report, written through */
    unsigned long code = f->scause & ~SCAUSE_INTERRUPT;
    kprintf("\n*** CRASH: %s at pc 0x%016lx on hart %lu (sstatus 0x%lx)\n", exception_name(code), f->sepc,
            arch_boot_hartid, f->sstatus);
    /* stval: the faulting address for misaligned, access and page faults,
     * the instruction's bits (or 0) for an illegal instruction. */
    const char *what = "stval";
    if (code == 2)
        what = "instruction bits";
    else if (code <= 7 || code == 12 || code == 13 || code == 15)
        what = "fault address";
    kprintf("*** scause 0x%016lx, %s 0x%016lx\n", f->scause, what, f->stval);
    for (int i = 1; i < 32; i++)
        kprintf("%-4s 0x%016lx%s", reg_name[i], f->x[i], (i % 4 == 3) ? "\n" : "  ");
    kprintf("*** halted\n");
    CSR_WRITE(sie, 0);
    for (;;)
        arch_wfi();
}

void arch_trap(struct trap_frame *f)
{
    unsigned long cause = f->scause;
    if (cause & SCAUSE_INTERRUPT) {
        unsigned long irq = cause & ~SCAUSE_INTERRUPT;
        switch (irq) {
        case IRQ_S_TIMER:
            /* One-shot: off until the handler re-arms it, so a handler that
             * does not cannot leave sip.STIP firing forever. */
            CSR_CLEAR(sie, SIE_STIE);
            board_timer_irq();
            return;
        case IRQ_S_EXT:
            irq_dispatch();
            return;
        case IRQ_S_SOFT:
            CSR_CLEAR(sip, 1ul << IRQ_S_SOFT);
            return;
        default:
            /* Nobody enabled it on purpose (a counter overflow, say): masked,
             * so it cannot fire again. */
            if (irq < 64)
                CSR_CLEAR(sie, 1ul << irq);
            kprintf("*** unexpected interrupt %lu: masked\n", irq);
            return;
        }
    }
    /* A probe (start.S): the access trapped, so report that and go on. */
    if (f->sepc >= (uintptr_t)arch_probe_start && f->sepc < (uintptr_t)arch_probe_end) {
        f->x[11] = 1; /* a1: trapped */
        f->sepc += 4; /* every probe instruction is 4 bytes (norvc) */
        return;
    }
    arch_crash(f);
}

/* ---------------------------------------------------------------- CPU features */

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

/* Is the multi-letter extension `ext` one of the '_'-separated names after
 * the single letters ("rv64imafdch_zicsr_..._sstc")?  Case-insensitive; a
 * version suffix ("sstc1p0") is accepted. */
static bool isa_has(const char *isa, const char *ext)
{
    const char *p = isa;
    for (;;) {
        while (*p && *p != '_')
            p++;
        if (!*p)
            return false;
        p++; /* the start of one name */
        const char *e = ext;
        while (*e && lower(*p) == *e) {
            p++;
            e++;
        }
        if (*e)
            continue; /* not this name: on to the next '_' */
        /* The whole name matched: nothing, or only a version, may follow. */
        const char *q = p;
        while ((*q >= '0' && *q <= '9') || lower(*q) == 'p')
            q++;
        if ((*q == '_' || *q == '\0') && (q == p || (*p >= '0' && *p <= '9')))
            return true;
    }
}

void arch_cpu_isa(const char *isa)
{
    if (!isa)
        return;
    has_svpbmt = isa_has(isa, "svpbmt");
    has_sstc = isa_has(isa, "sstc");
    /* Sstc's stimecmp is S-mode's only once M-mode set menvcfg.STCE (OpenSBI
     * 1.1 and later do when they find Sstc); otherwise reading it is an
     * illegal instruction, which the probe survives.  Without it the timer
     * goes through SBI set_timer (which OpenSBI then implements with
     * stimecmp itself, or with the CLINT). */
    use_stimecmp = has_sstc && !arch_probe_stimecmp().trapped;
}

unsigned arch_cpu_features(void)
{
    return (use_stimecmp ? ARCH_FEAT_SSTC : 0) | (use_pbmt ? ARCH_FEAT_SVPBMT : 0);
}

/* ---------------------------------------------------------------- timer */

void arch_timer_set(uint64_t deadline)
{
    if (use_stimecmp)
        CSR_WRITE(0x14d, deadline); /* also clears sip.STIP once deadline > time */
    else
        sbi_set_timer(deadline); /* also clears sip.STIP */
    CSR_SET(sie, SIE_STIE);
}

void arch_timer_stop(void)
{
    CSR_CLEAR(sie, SIE_STIE);
    if (use_stimecmp)
        CSR_WRITE(0x14d, UINT64_MAX);
    else
        sbi_set_timer(UINT64_MAX);
}

/* ---------------------------------------------------------------- counters */

uint64_t arch_pmu_base_instret, arch_pmu_base_cycle;

int arch_pmu_present(void)
{
    struct arch_probe a = arch_probe_instret();
    if (a.trapped || arch_probe_cycle().trapped)
        return 0; /* mcounteren.IR or .CY clear: M-mode keeps them */
    /* Readable but inhibited (mcountinhibit.IR) reads the same value forever. */
    struct arch_probe b = arch_probe_instret();
    return !b.trapped && b.value != a.value;
}

void arch_pmu_init(void)
{
    arch_pmu_base_instret = CSR_READ(instret);
    arch_pmu_base_cycle = CSR_READ(cycle);
}

/* ---------------------------------------------------------------- MMU */

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_G (1ull << 5)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PBMT_NC (1ull << 61) /* Svpbmt: non-cacheable, idempotent, weakly ordered */
#define PTE_PBMT_IO (2ull << 61) /* Svpbmt: non-cacheable, non-idempotent, strongly ordered */
#define PTE_PBMT_MASK (3ull << 61)
#define PTE_PPN(pa) (((uint64_t)(pa) >> 12) << 10)
#define LEAF_RAM (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_G)
/* Without Svpbmt (PBMT = 0) the PMAs decide: QEMU virt's device regions are I/O. */
#define LEAF_IO (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G)
#define SATP_MODE_SV39 (8ull << 60)
#define GIB (1ull << 30)
#define MIB2 (1ull << 21)
#define L1_IDENTITY 256 /* entries 0-255: VA bit 38 clear, the identity-mapped half */
#define L1_PROBE 511    /* an upper-half gigabyte (VA 0xffffffffc0000000), for the PBMT probe */
#define PROBE_VA 0xffffffffc0000000ull
#define L2_TABLES 4

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2[L2_TABLES][512] __attribute__((aligned(4096)));

static void sfence_vma(void) { __asm__ volatile("sfence.vma zero, zero" ::: "memory"); }

void arch_mmu_enable(const uint64_t (*ram)[2], int nram, bool null_guard)
{
    uint64_t io = LEAF_IO | (has_svpbmt ? PTE_PBMT_IO : 0);
    int used_l2 = 0;
    for (uint64_t i = 0; i < L1_IDENTITY; i++) {
        uint64_t lo = i * GIB;
        bool partial;
        bool any = memmap_overlaps(ram, nram, lo, lo + GIB, &partial);
        bool split = ((i == 0 && null_guard) || (any && partial)) && used_l2 < L2_TABLES;
        if (!split) {
            l1[i] = PTE_PPN(lo) | (any ? LEAF_RAM : io); /* out of level-2 tables: RAM wins */
            continue;
        }
        uint64_t *t = l2[used_l2++];
        for (uint64_t j = 0; j < 512; j++) {
            uint64_t a = lo + j * MIB2;
            bool p;
            t[j] = PTE_PPN(a) | (memmap_overlaps(ram, nram, a, a + MIB2, &p) ? LEAF_RAM : io);
        }
        if (i == 0 && null_guard)
            t[0] = 0; /* the first 2 MiB fault, so a NULL dereference is caught */
        l1[i] = PTE_PPN((uintptr_t)t) | PTE_V;
    }
    /* Svpbmt named in the ISA string is usable only if M-mode also set
     * menvcfg.PBMTE (OpenSBI 1.1 and later do); if not, a leaf with PBMT bits
     * is a page fault.  The probe reads the gigabyte holding these tables
     * through a PBMT=NC alias in the upper half: a fault there says the bits
     * must go, before anything touches an I/O page. */
    uintptr_t probe_pa = (uintptr_t)l1;
    if (has_svpbmt)
        l1[L1_PROBE] = PTE_PPN(probe_pa & ~(GIB - 1)) | PTE_V | PTE_R | PTE_A | PTE_G | PTE_PBMT_NC;

    /* The fence orders the table stores before the walks that follow. */
    sfence_vma();
    CSR_WRITE(satp, SATP_MODE_SV39 | ((uintptr_t)l1 >> 12)); /* ASID 0, the root's PPN */
    sfence_vma();
    if ((CSR_READ(satp) >> 60) != 8) {
        /* satp keeps its old value when a mode is not implemented. */
        kprintf("mmu: WARNING: no Sv39: running with paging off (no NULL guard)\n");
        return;
    }
    if (has_svpbmt) {
        use_pbmt = !arch_probe_load(PROBE_VA + (probe_pa & (GIB - 1))).trapped;
        l1[L1_PROBE] = 0;
        if (!use_pbmt) {
            for (int i = 0; i < L1_IDENTITY; i++)
                l1[i] &= ~PTE_PBMT_MASK;
            for (int t = 0; t < used_l2; t++)
                for (int j = 0; j < 512; j++)
                    l2[t][j] &= ~PTE_PBMT_MASK;
        }
        sfence_vma();
    }
}
