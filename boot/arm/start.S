/*
 * start.S (AArch32) - entry, mode stacks and exception vectors.
 * Assumes: entered in ARM state in SVC or HYP mode (a HYP entry drops to SVC),
 * MMU and D-cache off, r2 = device-tree blob or 0 (Linux boot protocol; QEMU
 * leaves 0 for an ELF image).  Memory is identity mapped once boot_main has
 * read the device tree.
 */
    .syntax unified
    .arm

    .section .text.boot, "ax"
    .global _start
_start:
    cpsid   aif
    mov     r4, r2                  @ keep the DTB pointer across set-up
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
    cps     #0x12                   @ IRQ mode stack
    ldr     sp, =__irq_stack_top
    cps     #0x17                   @ abort mode stack
    ldr     sp, =__exc_stack_top
    cps     #0x1b                   @ undefined mode shares the exception stack
    ldr     sp, =__exc_stack_top
    cps     #0x13
    ldr     sp, =__stack_top

    ldr     r0, =__bss_start
    ldr     r1, =__bss_end
    mov     r2, #0
2:  cmp     r0, r1
    strlo   r2, [r0], #4
    blo     2b

    mrc     p15, 0, r0, c1, c0, 0   @ SCTLR: V=0 so VBAR is used
    bic     r0, r0, #(1 << 13)
    bic     r0, r0, #(1 << 30) | (1 << 25) @ TE, EE: exceptions in ARM state, little endian
    mcr     p15, 0, r0, c1, c0, 0
    ldr     r0, =vectors
    mcr     p15, 0, r0, c12, c0, 0  @ VBAR
    isb

    mov     r0, r4
    bl      boot_main
3:  wfi
    b       3b

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
