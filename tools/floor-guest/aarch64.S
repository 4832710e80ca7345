/*
 * aarch64.S - the floor guest of make bench (ARCH=aarch64): one byte to the
 * PL011 data register at QEMU virt's UART (0x09000000), then wait forever.
 * See arm.S.
 */
    .section .text.boot, "ax"
    .global _start
_start:
    mov     x0, #0x09000000
    mov     w1, #'!'
    str     w1, [x0]
1:  wfi
    b       1b
