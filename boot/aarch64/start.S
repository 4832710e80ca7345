/*
 * start.S (AArch64) - entry, stack and exception vectors.
 * Assumes: entered at EL1 or EL2 (an EL2 entry drops to EL1 with the timer
 * and GIC system registers opened), MMU and D-cache off, x0 = device-tree blob
 * or 0 (QEMU leaves 0 for an ELF image).
 */
    .section .text.boot, "ax"
    .global _start
_start:
    msr     daifset, #0xf
    mov     x19, x0
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
0:  msr     sctlr_el1, x1
    mov     x1, #(1 << 31)          // HCR_EL2.RW: EL1 is AArch64
    msr     hcr_el2, x1
    mov     x1, #3                  // CNTHCTL_EL2: EL1 may use the counters
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
5:  mov     x1, #0x3c5              // EL1h, DAIF masked
    msr     spsr_el2, x1
    adr     x1, 1f
    msr     elr_el2, x1
    eret
1:
    ldr     x1, =__stack_top
    mov     sp, x1
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
2:  cmp     x1, x2
    b.hs    3f
    str     xzr, [x1], #8
    b       2b
3:
    ldr     x1, =vectors
    msr     vbar_el1, x1
    isb
    mov     x0, x19
    bl      boot_main
4:  wfi
    b       4b

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

.macro RESTORE
    ldp     x30, x0, [sp, #240]
    ldr     x1, [sp, #256]
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
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    add     sp, sp, #272
.endm

.macro CRASH kind
    .align  7
    SAVE
    mov     x0, #\kind
    mov     x1, sp
    bl      arch_crash
    b       .
.endm

/* Each vector slot holds 32 instructions: the return path lives outside. */
.macro IRQ
    .align  7
    SAVE
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
    RESTORE
    eret
