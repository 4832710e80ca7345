/*
 * start.S (AArch64) - entry, relocation, stack and exception vectors.
 *
 * The image starts with the arm64 Linux Image header, so every loader that
 * boots Linux boots it (QEMU -kernel, U-Boot booti, Firecracker, kvmtool,
 * crosvm), and the same bytes are the ELF's first section, so QEMU -kernel
 * and U-Boot bootelf take the ELF too.
 *
 * Entry contract (Linux's arm64 boot protocol, plus what bootelf and go do):
 *   x0 = physical address of the device tree, or 0 (QEMU, for an ELF);
 *   EL2 or EL1 (EL1h or EL1t: the stack is SP_EL1 either way; an EL3 entry,
 *   as QEMU's -M virt,secure=on gives an image without TF-A, runs on at EL3
 *   with a warning: no vectors, MMU or interrupts there); the image at
 *   any 2 MiB-aligned address (text_offset 0);
 *   MMU and D-cache off - or on, as U-Boot's bootelf and go leave them:
 *   then the data cache is cleaned and invalidated by set/way and the MMU
 *   and caches are turned off before anything is written.
 * The image is linked position-independent (-static-pie) at LOAD_ADDR; the
 * entry applies its own R_AARCH64_RELATIVE relocations for wherever it runs.
 * Until then only PC-relative addressing is used.  An EL2 entry drops to EL1
 * with the timer and GIC system registers opened.
 */
    .section .text.boot, "ax"
    .global _start
_start:
    /* arm64 Image header (Documentation/arch/arm64/booting.rst). */
    b       entry                   // code0
    .long   0                       // code1
    .quad   0                       // text_offset: at the 2 MiB-aligned load address itself
    .quad   __image_end - . + 0x10  // image_size: all the image occupies, .bss and stacks too
                                    // (PC-relative: the linker resolves it, no relocation)
    .quad   0xa                     // flags: little-endian, 4 KiB pages, anywhere in memory
    .quad   0, 0, 0
    .ascii  "ARM\x64"               // magic
    .long   0                       // no PE/COFF header

entry:
    msr     daifset, #0xf
    mov     x19, x0
    mrs     x23, CurrentEL          // kept for arch_entry_el (.bss is cleared below)

    /* A loader that ran with the MMU and caches on may have left them on
     * (identity mapped, as U-Boot does): what sits only in the cache is
     * written back, then both are turned off at the current EL. */
    mov     x21, #0x5               // SCTLR M and C
    mov     x22, #0x1005            // M, C and I
    mrs     x2, CurrentEL
    lsr     x2, x2, #2
    cmp     x2, #2
    b.eq    10f
    mrs     x1, sctlr_el1
    tst     x1, x21
    b.eq    12f
    bl      dcache_clean_inval_all
    mrs     x1, sctlr_el1
    bic     x1, x1, x22
    msr     sctlr_el1, x1
    b       11f
10: mrs     x1, sctlr_el2
    tst     x1, x21
    b.eq    12f
    bl      dcache_clean_inval_all
    mrs     x1, sctlr_el2
    bic     x1, x1, x22
    msr     sctlr_el2, x1
11: isb
    ic      iallu
    dsb     sy
    isb
12:
    /* Relocate: each R_AARCH64_RELATIVE entry says "the word at r_offset
     * holds link-time address r_addend"; both move by the load offset.
     * link_start holds _start's link-time address: the static linker fills
     * in every dynamic relocation's link-time value (the ld default). */
    adr     x20, _start
    adrp    x1, link_start
    ldr     x1, [x1, :lo12:link_start]
    sub     x20, x20, x1            // load offset
    cbz     x20, 14f
    adrp    x1, __rela_start
    add     x1, x1, :lo12:__rela_start
    adrp    x2, __rela_end
    add     x2, x2, :lo12:__rela_end
13: cmp     x1, x2
    b.hs    14f
    ldp     x3, x4, [x1], #16       // r_offset, r_info
    ldr     x5, [x1], #8            // r_addend
    cmp     w4, #1027               // R_AARCH64_RELATIVE (the only kind a static PIE has)
    b.ne    13b
    add     x5, x5, x20
    str     x5, [x3, x20]
    b       13b
14:
    /* SCTLR_EL1 resets to an UNKNOWN value: MMU and caches off, little
     * endian, no WXN or alignment checks, RES1 bits of ARMv8.0 set. */
    ldr     x1, =0x30d00800
    mrs     x2, CurrentEL
    lsr     x2, x2, #2
    cmp     x2, #2
    b.eq    0f
    msr     sctlr_el1, x1
    isb
    b       1f
    /* HCR_EL2 first: while E2H is set (a VHE host that kexecs us leaves
     * it so), "sctlr_el1" at EL2 names SCTLR_EL2, and EL1's own would keep
     * what a guest last had there (its MMU on, say).  Where E2H is RES1 (a
     * VHE-only CPU) EL1's SCTLR is only reached as SCTLR_EL12. */
0:  mov     x2, #(1 << 31)          // HCR_EL2.RW: EL1 is AArch64; E2H, TGE clear
    msr     hcr_el2, x2
    isb
    mrs     x2, hcr_el2
    tbnz    x2, #34, 6f
    msr     sctlr_el1, x1
    b       7f
6:  msr     s3_5_c1_c0_0, x1        // SCTLR_EL12
7:  mov     x1, #3                  // CNTHCTL_EL2: EL1 may use the counters
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    mrs     x1, midr_el1            // what EL1 reads as MIDR/MPIDR (UNKNOWN at reset)
    msr     vpidr_el2, x1
    mrs     x1, mpidr_el1
    msr     vmpidr_el2, x1
    mrs     x1, mdcr_el2            // keep HPMN, no PMU or debug traps to EL2
    and     x1, x1, #0x1f
    msr     mdcr_el2, x1
    mrs     x1, id_aa64pfr0_el1     // GICv3 system registers implemented?
    ubfx    x1, x1, #24, #4
    cbz     x1, 5f                  // no: ICC_SRE_EL2 would be UNDEFINED
    mrs     x1, s3_4_c12_c9_5       // ICC_SRE_EL2: allow EL1 to use SRE
    mov     x2, #0x9                // SRE | Enable
    orr     x1, x1, x2
    msr     s3_4_c12_c9_5, x1
5:  mov     x1, #0x3c5              // EL1h (M[3:0] = 0b0101: SP_EL1), DAIF masked
    msr     spsr_el2, x1
    adr     x1, 1f
    msr     elr_el2, x1
    eret
    /* SP_EL1 for everything from here on: a loader may enter at EL1t
     * (SPSel 0), where `mov sp` would set SP_EL0, and every exception,
     * which is taken on SP_EL1, would then run on whatever SP_EL1 held. */
1:  msr     spsel, #1
    adrp    x1, __stack_top
    add     x1, x1, :lo12:__stack_top
    mov     sp, x1
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
    // 64 bytes an iteration (the linker script aligns both ends of .bss to
    // 64), the test at the bottom: under QEMU's TCG a loop costs mostly per
    // iteration, each one execution of a translated block.
    b       3f
2:  stp     xzr, xzr, [x1]
    stp     xzr, xzr, [x1, #16]
    stp     xzr, xzr, [x1, #32]
    stp     xzr, xzr, [x1, #48]
    add     x1, x1, #64
3:  cmp     x1, x2
    b.lo    2b
    adrp    x1, arch_entry_el
    lsr     x23, x23, #2
    str     x23, [x1, :lo12:arch_entry_el]
    adrp    x1, vectors
    add     x1, x1, :lo12:vectors
    msr     vbar_el1, x1
    isb
    mov     x0, x19
    bl      boot_main
4:  wfi
    b       4b

/* Clean and invalidate every data and unified cache level up to the point
 * of coherency, by set/way (ARM ARM D7.5.2's loop).  Clobbers x0-x11. */
dcache_clean_inval_all:
    dsb     sy
    mrs     x0, clidr_el1
    ubfx    x3, x0, #24, #3         // LoC
    lsl     x3, x3, #1              // LoC * 2: the CSSELR form of the last level
    cbz     x3, 25f
    mov     x10, #0                 // level * 2
20: add     x2, x10, x10, lsr #1    // level * 3: that level's Ctype field
    lsr     x1, x0, x2
    and     x1, x1, #7
    cmp     x1, #2
    b.lt    24f                     // no data cache at this level
    msr     csselr_el1, x10
    isb
    mrs     x1, ccsidr_el1
    and     x2, x1, #7
    add     x2, x2, #4              // log2(line size in bytes)
    ubfx    x4, x1, #3, #10         // ways - 1
    clz     w5, w4                  // the way field's shift
    ubfx    x7, x1, #13, #15        // sets - 1
21: mov     x9, x4
22: lsl     x6, x9, x5
    orr     x11, x10, x6
    lsl     x6, x7, x2
    orr     x11, x11, x6
    dc      cisw, x11
    subs    x9, x9, #1
    b.ge    22b
    subs    x7, x7, #1
    b.ge    21b
24: add     x10, x10, #2
    cmp     x3, x10
    b.gt    20b
25: msr     csselr_el1, xzr
    dsb     sy
    isb
    ret

    .data
    .balign 8
link_start:
    .quad   _start

/* Frame: x0-x30, elr, spsr, esr/far filled by C; 34 slots, 272 bytes. */
.macro SAVE
    sub     sp, sp, #272
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x0, elr_el1
    mrs     x1, spsr_el1
    stp     x30, x0, [sp, #240]
    str     x1, [sp, #256]
.endm

.macro CRASH kind
    .align  7
    SAVE
    mov     x0, #\kind
    mov     x1, sp
    bl      arch_crash
    b       .
.endm

/* An interrupt's frame: only what a C call may change (x0-x18, x30) and
 * elr/spsr, 176 bytes; x19-x29 are preserved by irq_dispatch itself
 * (AAPCS64).  A fault inside the handler takes CRASH's full frame. */
.macro IRQ_SAVE
    sub     sp, sp, #176
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x30, [sp, #144]
    mrs     x0, elr_el1
    mrs     x1, spsr_el1
    stp     x0, x1, [sp, #160]
.endm

.macro IRQ_RESTORE
    ldp     x0, x1, [sp, #160]
    msr     elr_el1, x0
    msr     spsr_el1, x1
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x30, [sp, #144]
    add     sp, sp, #176
.endm

/* Each vector slot holds 32 instructions: the return path lives outside. */
.macro IRQ
    .align  7
    IRQ_SAVE
    bl      irq_dispatch
    b       irq_return
.endm

    .section .text.vectors, "ax"
    .align  11
    .global vectors
vectors:
    CRASH 1     // current EL, SP_EL0: sync
    CRASH 2     //   irq
    CRASH 3     //   fiq
    CRASH 4     //   serror
    CRASH 5     // current EL, SP_ELx: sync
    IRQ         //   irq
    CRASH 7     //   fiq
    CRASH 8     //   serror
    CRASH 9     // lower EL, AArch64
    CRASH 10
    CRASH 11
    CRASH 12
    CRASH 13    // lower EL, AArch32
    CRASH 14
    CRASH 15
    CRASH 16
    .org    vectors + 0x800         // an entry that outgrows its slot fails the build
    .text
irq_return:
    IRQ_RESTORE
    eret
