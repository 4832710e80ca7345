/*
 * aarch64.S - the VHE hand-over pre-loader of test/system/test_el2_vhe.sh:
 * a stand-in for a loader that runs at EL2 with HCR_EL2.E2H set (a Linux
 * host with VHE that kexecs the image, a VHE-only CPU) and leaves EL1's
 * own SCTLR as a guest last had it, MMU on.
 *
 * QEMU virt (virtualization=on, a CPU with FEAT_VHE) loads this ELF
 * (-kernel, at 0x40200000) and the firmware image with its generic loader
 * at IMAGE, without starting a CPU there.  At EL2, this program
 *  1. sets HCR_EL2 to E2H | RW and reads E2H back;
 *  2. writes EL1's SCTLR through its E2H name, SCTLR_EL12, with M, C and I
 *     set (TTBR0_EL1 0: a guest's stale state, no usable map), and reads it
 *     back;
 *  3. prints both on the PL011 and jumps to IMAGE at EL2, MMU off, with
 *     x0 = the device tree.
 * An image that writes SCTLR_EL1 at EL2 before it clears E2H writes
 * SCTLR_EL2 instead, and then runs at EL1 with this SCTLR: it never boots.
 */
    .equ    UART, 0x09000000        // QEMU virt's PL011
    .equ    DTB, 0x40000000         // where QEMU virt puts the device tree for an ELF
    .equ    IMAGE, 0x40400000       // -device loader,addr=IMAGE (2 MiB aligned)
    .equ    HCR_E2H_RW, (1 << 34) | (1 << 31)
    .equ    SCTLR_STALE, 0x30d00800 | (1 << 12) | (1 << 2) | 1   // RES1 bits, M, C, I

    .section .text.boot, "ax"
    .global _start
_start:
    msr     daifset, #0xf
    ldr     x0, =stack_top
    mov     sp, x0
    mrs     x1, CurrentEL
    ubfx    x1, x1, #2, #2
    cmp     x1, #2
    b.ne    not_el2

    /* 1. E2H on. */
    ldr     x1, =HCR_E2H_RW
    msr     hcr_el2, x1
    isb
    mrs     x19, hcr_el2
    tbz     x19, #34, no_e2h

    /* 2. EL1's SCTLR, MMU on, through its E2H name. */
    msr     ttbr0_el1, xzr          // with E2H: TTBR0_EL2; EL1's own below
    msr     s3_5_c2_c0_0, xzr       // TTBR0_EL12
    ldr     x1, =SCTLR_STALE
    msr     s3_5_c1_c0_0, x1        // SCTLR_EL12
    isb
    mrs     x20, s3_5_c1_c0_0

    /* 3. Say so and hand over. */
    ldr     x0, =msg_e2h
    bl      puts
    mov     x0, x19
    bl      puthex
    ldr     x0, =msg_sctlr
    bl      puts
    mov     x0, x20
    bl      puthex
    ldr     x0, =msg_jump
    bl      puts
    ldr     x0, =DTB
    mov     x1, xzr
    mov     x2, xzr
    mov     x3, xzr
    ldr     x4, =IMAGE
    br      x4

not_el2:
    ldr     x0, =msg_not_el2
    b       fail
no_e2h:
    ldr     x0, =msg_no_e2h
fail:
    bl      puts
1:  wfi
    b       1b

#include "../loader-lib/aarch64-uart.S"

    .section .rodata
msg_e2h:     .asciz "vhe-loader: EL2, HCR_EL2="
msg_sctlr:   .asciz ", SCTLR_EL12="
msg_jump:    .asciz ", jumping to 0x40400000 at EL2 with x0=0x40000000\n"
msg_not_el2: .asciz "vhe-loader: FAILED: not at EL2 (virtualization=on?)\n"
msg_no_e2h:  .asciz "vhe-loader: FAILED: HCR_EL2.E2H does not stick (no FEAT_VHE?)\n"

    .bss
    .balign 16
    .space  4096
stack_top:
