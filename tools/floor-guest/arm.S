/*
 * arm.S - the floor guest of make bench (ARCH=arm): the least a guest can do
 * to be seen.  One byte to the PL011 data register at QEMU virt's UART
 * (0x09000000; QEMU sends it whether or not the UART was enabled), then
 * wait forever.  tools/bench-boot.sh builds it and times QEMU exec -> this
 * byte, the floor under which no firmware can boot.
 */
    .arch   armv7-a
    .section .text.boot, "ax"
    .global _start
_start:
    ldr     r0, =0x09000000
    mov     r1, #'!'
    str     r1, [r0]
1:  wfi
    b       1b
