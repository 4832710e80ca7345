/*
 * aarch64.S - the EL1t hand-over pre-loader of test/system/test_el1t.sh: a
 * stand-in for a loader that enters the image at EL1 with SPSel 0 (EL1t,
 * the stack pointer SP_EL0) and SP_EL1 never set.
 *
 * QEMU virt (no virtualization: the CPU starts at EL1) loads this ELF
 * (-kernel, at 0x40200000) and the firmware image with its generic loader
 * at IMAGE.  This program
 *  1. prints on the PL011 that it runs at EL1, on its own stack (SP_EL1);
 *  2. sets SP_EL1 to 0 (unset: nothing is mapped there once the image's
 *     NULL guard is up), selects SP_EL0 (msr spsel, #0) and reads SPSel
 *     back;
 *  3. says so and jumps to IMAGE at EL1t, MMU off, x0 = the device tree.
 * An image that sets its stack with `mov sp` without selecting SP_EL1
 * sets SP_EL0 and takes its first exception (the first interrupt) on
 * SP_EL1 = 0: a fault on the exception's own stack, and another, forever.
 */
    .equ    UART, 0x09000000        // QEMU virt's PL011
    .equ    DTB, 0x40000000         // where QEMU virt puts the device tree for an ELF
    .equ    IMAGE, 0x40400000       // -device loader,addr=IMAGE (2 MiB aligned)

    .section .text.boot, "ax"
    .global _start
_start:
    msr     daifset, #0xf
    ldr     x0, =stack_top
    mov     sp, x0                  // SPSel 1 at reset: SP_EL1
    mrs     x1, CurrentEL
    ubfx    x1, x1, #2, #2
    cmp     x1, #1
    b.ne    not_el1

    /* 2. SP_EL1 unset, then EL1t on a stack of its own. */
    mov     x1, xzr
    mov     sp, x1                  // SP_EL1 = 0
    msr     spsel, #0
    isb
    ldr     x0, =stack_top
    mov     sp, x0                  // SP_EL0
    mrs     x19, spsel

    /* 3. Say so and hand over. */
    ldr     x0, =msg_el1t
    bl      puts
    mov     x0, x19
    bl      puthex
    ldr     x0, =msg_jump
    bl      puts
    ldr     x0, =DTB
    mov     x1, xzr
    mov     x2, xzr
    mov     x3, xzr
    ldr     x4, =IMAGE
    br      x4

not_el1:
    ldr     x0, =msg_not_el1
    bl      puts
1:  wfi
    b       1b

#include "../loader-lib/aarch64-uart.S"

    .section .rodata
msg_el1t:    .asciz "el1t-loader: EL1, SP_EL1=0, SPSel="
msg_jump:    .asciz ", jumping to 0x40400000 at EL1t with x0=0x40000000\n"
msg_not_el1: .asciz "el1t-loader: FAILED: not at EL1\n"

    .bss
    .balign 16
    .space  4096
stack_top:
