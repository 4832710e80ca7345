/*
 * start.S (AArch32) - entry, relocation, mode stacks and exception vectors.
 *
 * The image starts with the fields of Linux's zImage header that loaders
 * check (U-Boot bootz: magic 0x016f2818 at 0x24, start and end), so every
 * loader that boots an arm Linux zImage boots it, and the same bytes are the
 * ELF's first section, so QEMU -kernel and U-Boot bootelf take the ELF too.
 *
 * Entry contract (Linux's arm boot protocol, plus what bootelf and go do):
 *   r0 = 0, r2 = physical address of the device tree (or 0: QEMU, for an
 *   ELF); ARM state, SVC or HYP mode (a HYP entry drops to SVC); the image at
 *   any 32 KiB-aligned address (any 4-byte-aligned one works); MMU and
 *   D-cache off - or on, as U-Boot's bootelf and go leave them: then the
 *   data cache is cleaned and invalidated by set/way and the MMU and caches
 *   are turned off before anything is written.
 * The image is linked position-independent (-pie) at LOAD_ADDR; the entry
 * applies its own R_ARM_RELATIVE relocations for wherever it runs.  Until
 * then only PC-relative addressing is used (adr_l below).
 */
    .syntax unified
    .arm

/* reg = the run-time address of sym, from a PC-relative offset the static
 * linker resolves (a plain `ldr reg, =sym` would need a relocation). */
.macro adr_l reg, sym
    ldr     \reg, 8887f
8886:
    add     \reg, pc, \reg
    b       8888f
8887:
    .word   \sym - (8886b + 8)
8888:
.endm

    .section .text.boot, "ax"
    .global _start
_start:
    /* zImage header (the layout of arch/arm/boot/compressed/head.S). */
    .rept   8
    mov     r0, r0
    .endr
    b       entry                   @ 0x20
    .word   0x016f2818              @ 0x24: zImage magic
    .word   0                       @ 0x28: start: 0, runs where it is loaded
    .word   __image_end - . + 0x2c  @ 0x2c: end: all the image occupies, .bss and stacks too
                                    @ (PC-relative: the linker resolves it, no relocation)
    .word   0x04030201              @ 0x30: little-endian

entry:
    cpsid   aif
    mov     r4, r2                  @ keep the DTB pointer across set-up

    /* A loader that ran with the MMU and caches on may have left them on
     * (identity mapped, as U-Boot does): write back what sits only in the
     * cache, then turn both off in the current mode's SCTLR (HSCTLR in HYP). */
    mrs     r0, cpsr
    and     r0, r0, #0x1f
    cmp     r0, #0x1a
    mrceq   p15, 4, r1, c1, c0, 0   @ HSCTLR
    mrcne   p15, 0, r1, c1, c0, 0   @ SCTLR
    tst     r1, #0x5                @ M or C
    beq     12f
    bl      dcache_clean_inval_all
    mrs     r0, cpsr
    and     r0, r0, #0x1f
    cmp     r0, #0x1a
    mrceq   p15, 4, r1, c1, c0, 0
    mrcne   p15, 0, r1, c1, c0, 0
    bic     r1, r1, #0x5            @ M, C
    bic     r1, r1, #0x1000         @ I
    mcreq   p15, 4, r1, c1, c0, 0
    mcrne   p15, 0, r1, c1, c0, 0
    isb
    mov     r1, #0
    mcr     p15, 0, r1, c7, c5, 0   @ ICIALLU
    mcr     p15, 0, r1, c7, c5, 6   @ BPIALL
    dsb
    isb
12:
    /* Relocate: each R_ARM_RELATIVE entry names a word that holds a
     * link-time address; it moves by the load offset.  link_start holds
     * _start's link-time address (REL: the value sits in place). */
    adr     r5, _start
    adr_l   r1, link_start
    ldr     r1, [r1]
    subs    r5, r5, r1              @ load offset
    beq     14f
    adr_l   r1, __rel_start
    adr_l   r2, __rel_end
13: cmp     r1, r2
    bhs     14f
    ldmia   r1!, {r6, r7}           @ r_offset, r_info
    and     r7, r7, #0xff
    cmp     r7, #23                 @ R_ARM_RELATIVE (the only kind a static PIE has)
    bne     13b
    ldr     r7, [r6, r5]
    add     r7, r7, r5
    str     r7, [r6, r5]
    b       13b
14:
    mrs     r0, cpsr
    and     r0, r0, #0x1f
    cmp     r0, #0x1a               @ HYP mode?
    bne     1f
    mov     r1, #0                  @ no traps or routing to HYP
    mcr     p15, 4, r1, c1, c1, 0   @ HCR
    mcr     p15, 4, r1, c1, c1, 3   @ HSTR
    mrc     p15, 4, r1, c1, c1, 1   @ HDCR: keep HPMN, PL1 may use the PMU
    and     r1, r1, #0x1f
    mcr     p15, 4, r1, c1, c1, 1
    mrc     p15, 0, r0, c0, c1, 1   @ ID_PFR1
    ubfx    r1, r0, #16, #4         @ generic timer: CNTVOFF is UNKNOWN at reset
    cmp     r1, #0
    movne   r1, #0
    mcrrne  p15, 4, r1, r1, c14     @ CNTVOFF = 0
    ubfx    r1, r0, #28, #4         @ GICv3 system registers?
    cmp     r1, #0
    mrcne   p15, 4, r1, c12, c9, 5  @ ICC_HSRE: let PL1 use them (SRE | Enable)
    orrne   r1, r1, #0x9
    mcrne   p15, 4, r1, c12, c9, 5
    isb
    mrs     r0, cpsr
    bic     r0, r0, #0x1f
    orr     r0, r0, #0x13 | 0xc0    @ SVC, IRQ+FIQ masked
    msr     spsr_cxsf, r0           @ SPSR_hyp (the banked form UNDEFs in HYP mode)
    adr     r0, 1f
    msr     elr_hyp, r0
    eret
1:
    adr_l   r0, __irq_stack_top
    adr_l   r1, __exc_stack_top
    adr_l   r2, __stack_top
    cps     #0x12                   @ IRQ mode stack
    mov     sp, r0
    cps     #0x17                   @ abort mode stack
    mov     sp, r1
    cps     #0x1b                   @ undefined mode shares the exception stack
    mov     sp, r1
    cps     #0x13
    mov     sp, r2

    /* .bss, 64 bytes an iteration: the linker script aligns both ends to
     * 64.  A loop's cost under QEMU's TCG is mostly per iteration (each is
     * one execution of a translated block), so fewer, longer ones. */
    adr_l   r0, __bss_start
    adr_l   r1, __bss_end
    mov     r2, #0
    mov     r3, #0
    mov     r5, #0
    mov     r6, #0
2:  cmp     r0, r1
    stmialo r0!, {r2, r3, r5, r6}
    stmialo r0!, {r2, r3, r5, r6}
    stmialo r0!, {r2, r3, r5, r6}
    stmialo r0!, {r2, r3, r5, r6}
    blo     2b

    mrc     p15, 0, r0, c1, c0, 0   @ SCTLR: V=0 so VBAR is used
    bic     r0, r0, #(1 << 13)
    bic     r0, r0, #(1 << 30) | (1 << 25) @ TE, EE: exceptions in ARM state, little endian
    mcr     p15, 0, r0, c1, c0, 0
    adr_l   r0, vectors
    mcr     p15, 0, r0, c12, c0, 0  @ VBAR
    isb

    mov     r0, r4
    bl      boot_main
3:  wfi
    b       3b

/* Clean and invalidate every data and unified cache level up to the point
 * of coherency, by set/way (ARMv7 ARM B2.2.7's loop).  Clobbers r0-r3, r5,
 * r7, r9-r11. */
dcache_clean_inval_all:
    dsb
    mrc     p15, 1, r0, c0, c0, 1   @ CLIDR
    ubfx    r3, r0, #24, #3         @ LoC
    lsl     r3, r3, #1              @ LoC * 2: the CSSELR form of the last level
    cmp     r3, #0
    beq     25f
    mov     r10, #0                 @ level * 2
20: add     r2, r10, r10, lsr #1    @ level * 3: that level's Ctype field
    mov     r1, r0, lsr r2
    and     r1, r1, #7
    cmp     r1, #2
    blt     24f                     @ no data cache at this level
    mcr     p15, 2, r10, c0, c0, 0  @ CSSELR
    isb
    mrc     p15, 1, r1, c0, c0, 0   @ CCSIDR
    and     r2, r1, #7
    add     r2, r2, #4              @ log2(line size in bytes)
    ubfx    r9, r1, #3, #10         @ ways - 1
    clz     r5, r9                  @ the way field's shift
    ubfx    r7, r1, #13, #15        @ sets - 1
21: ubfx    r9, r1, #3, #10
22: orr     r11, r10, r9, lsl r5
    orr     r11, r11, r7, lsl r2
    mcr     p15, 0, r11, c7, c14, 2 @ DCCISW
    subs    r9, r9, #1
    bge     22b
    subs    r7, r7, #1
    bge     21b
24: add     r10, r10, #2
    cmp     r3, r10
    bgt     20b
25: mov     r10, #0
    mcr     p15, 2, r10, c0, c0, 0  @ CSSELR back to level 1
    dsb
    isb
    bx      lr

    .data
    .balign 4
link_start:
    .word   _start

    .section .text.vectors, "ax"
    .align  5
    .global vectors
vectors:
    b       _start
    b       und_entry
    b       svc_entry
    b       pabt_entry
    b       dabt_entry
    b       unused_entry
    b       irq_entry
    b       fiq_entry

/* Fault frame for arch_crash: spsr, r0-r12, pc of the faulting instruction,
 * and a pad word so that sp stays 8-byte aligned for the call (AAPCS). */
.macro CRASH kind, adjust
    sub     lr, lr, #\adjust
    sub     sp, sp, #4
    push    {r0-r12, lr}
    mrs     r0, spsr
    push    {r0}
    mov     r0, #\kind
    mov     r1, sp
    bl      arch_crash
    b       .
.endm

und_entry:    CRASH 1, 4
svc_entry:    CRASH 2, 4
pabt_entry:   CRASH 3, 4
dabt_entry:   CRASH 4, 8
unused_entry: CRASH 5, 4
fiq_entry:    CRASH 6, 4

irq_entry:
    sub     lr, lr, #4
    push    {r0-r3, r12, lr}        @ 24 bytes: the stack stays 8-byte aligned
    bl      irq_dispatch
    pop     {r0-r3, r12, lr}
    movs    pc, lr
