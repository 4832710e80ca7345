/*
 * arm.S - the MMU hand-over pre-loader of test/system/test_mmu_handover.sh
 * (ARCH=arm): a stand-in for U-Boot's `go`/`bootelf`, which jump to an image
 * with the MMU and the caches still on.  See aarch64.S for the AArch64 one.
 *
 * QEMU virt loads this ELF (-kernel, linked at 0x40200000: QEMU's device tree
 * sits at the base of RAM, 0x40000000) and the firmware image with its generic
 * loader at SRC, without starting a CPU there.  This program, in the mode
 * QEMU starts it in (SVC; HYP with -M virt,virtualization=on, where U-Boot
 * stays too), stays there:
 *  1. builds an identity map of the 4 GiB: normal write-back write-allocate
 *     shareable for 0x40000000-0x7fffffff (QEMU virt's RAM), device
 *     elsewhere.  SVC: short-descriptor 1 MiB sections; HYP (long
 *     descriptors only): four 1 GiB level-1 blocks;
 *  2. SVC: programs TTBCR 0, TTBR0 and DACR (every domain client) and sets
 *     SCTLR M, C, Z and I; HYP: HMAIR0, HTCR, HTTBR and HSCTLR M, C and I.
 *     It reads the SCTLR back and stops unless M, C and I are set;
 *  3. copies the image (end - start of its zImage header) from SRC to DST
 *     through the D-cache, as a loader does, and cleans it to the point of
 *     unification only (DCCMVAU + ICIALLU: what instruction fetch needs with
 *     the caches on; dirty lines may stay in caches beyond the PoU, so the
 *     image must clean to the PoC itself before it turns the MMU off);
 *  4. prints what it did on the PL011, makes RAM read-only in its map (still
 *     identity, still normal write-back) and jumps to DST with r0 = 0,
 *     r1 = ~0, r2 = the device tree, MMU and caches on.
 * QEMU's TCG models no caches, so the copy is coherent whatever the image
 * does.  What step 4's read-only RAM checks, under TCG too, is the entry
 * contract: the image turns the MMU off before it writes anything.  A write
 * made under this map (an entry that relocates, stacks or zeroes .bss with
 * the MMU still on) takes a permission fault, and the fault - like any
 * exception before the image has installed its own vectors - lands in ours
 * and is reported ("mmu-loader: exception ...") with the MMU off.
 */
    .syntax unified
    .arch   armv7-a
    .arch_extension virt
    .arm

    .equ    VIRTIO, 0x0a000000      @ QEMU virt's virtio-mmio slots
    .equ    VIRTIO_SLOTS, 32
    .equ    UART, 0x09000000        @ QEMU virt's PL011
    .equ    DTB, 0x40000000         @ where QEMU virt puts the device tree for an ELF
    .equ    SRC, 0x40400000         @ -device loader,addr=SRC
    .equ    DST, 0x40800000
    .equ    MAXSIZE, DST - SRC      @ the copy must not overlap its source

    .equ    SEC_NORMAL, (1 << 16) | (1 << 12) | (3 << 10) | (1 << 3) | (1 << 2) | 2 @ S, TEX 1 C B: WBWA, AP full
    .equ    SEC_DEVICE, (3 << 10) | (1 << 4) | (1 << 2) | 2     @ AP full, XN, B: shareable device
    /* HYP: long-descriptor level-1 blocks (low word; AP[1] is RES1 in the
     * one-mode HYP regime), XN in the high word. */
    .equ    BLK_NORMAL, (1 << 10) | (3 << 8) | (1 << 6) | (1 << 2) | 1 @ AF, inner shareable, attr1
    .equ    BLK_DEVICE, (1 << 10) | (1 << 6) | 1                   @ AF, attr0
    .equ    BLK_XN_HI, 1 << (54 - 32)
    .equ    HTCR, (1 << 31) | (1 << 23) | (3 << 12) | (1 << 10) | (1 << 8) @ T0SZ 0, walks WBWA inner shareable
    .equ    HSCTLR_RES1, 0x30c50818

    .section .text.boot, "ax"
    .global _start
_start:
    cpsid   aif
    ldr     sp, =stack_top
    ldr     r4, =l1_table
    mrs     r0, cpsr
    and     r0, r0, #0x1f
    cmp     r0, #0x1a
    beq     hyp
    cmp     r0, #0x13
    bne     bad_mode
    mrc     p15, 0, r0, c1, c0, 0
    bic     r0, r0, #(1 << 13)      @ V: vectors at VBAR
    mcr     p15, 0, r0, c1, c0, 0
    ldr     r0, =vectors
    mcr     p15, 0, r0, c12, c0, 0  @ VBAR
    isb

    /* 1. The identity map: 4096 sections of 1 MiB. */
    ldr     r5, =SEC_NORMAL
    ldr     r6, =SEC_DEVICE
    mov     r0, #0
2:  lsl     r1, r0, #20
    cmp     r1, #0x40000000
    blo     3f
    cmp     r1, #0x80000000
    orrlo   r1, r1, r5
    blo     4f
3:  orr     r1, r1, r6
4:  str     r1, [r4, r0, lsl #2]
    add     r0, r0, #1
    cmp     r0, #4096
    blo     2b
    dsb

    /* 2. MMU, D-cache and I-cache on. */
    mov     r0, #0
    mcr     p15, 0, r0, c2, c0, 2   @ TTBCR: short descriptors, TTBR0 only
    orr     r0, r4, #0x4a           @ walks: inner (IRGN 01) and outer WBWA, shareable
    mcr     p15, 0, r0, c2, c0, 0   @ TTBR0
    ldr     r0, =0x55555555
    mcr     p15, 0, r0, c3, c0, 0   @ DACR: every domain client
    mov     r0, #0
    mcr     p15, 0, r0, c8, c7, 0   @ TLBIALL
    mcr     p15, 0, r0, c7, c5, 0   @ ICIALLU
    mcr     p15, 0, r0, c7, c5, 6   @ BPIALL
    dsb
    isb
    mrc     p15, 0, r0, c1, c0, 0
    ldr     r1, =(1 << 12) | (1 << 11) | (1 << 2) | 1       @ I, Z, C, M
    orr     r0, r0, r1
    bic     r0, r0, #(1 << 1)       @ A: no alignment checks
    bic     r0, r0, #(3 << 28)      @ TRE, AFE: TEX/C/B and AP as written
    mcr     p15, 0, r0, c1, c0, 0
    isb
    mrc     p15, 0, r7, c1, c0, 0   @ read back
    mrc     p15, 0, r8, c2, c0, 0
    ldr     r9, =msg_svc
    b       on

hyp:
    ldr     r0, =vectors
    mcr     p15, 4, r0, c12, c0, 0  @ HVBAR
    isb
    /* 1. The identity map: four long-descriptor blocks of 1 GiB. */
    ldr     r0, =BLK_DEVICE
    ldr     r1, =BLK_XN_HI
    stmia   r4, {r0, r1}            @ 0-1 GiB: flash, GIC, UART, virtio-mmio
    ldr     r2, =0x40000000 | BLK_NORMAL
    mov     r3, #0
    add     r5, r4, #8
    stmia   r5, {r2, r3}            @ 1-2 GiB: RAM
    orr     r0, r0, #0x80000000
    add     r5, r4, #16
    stmia   r5, {r0, r1}            @ 2-3 GiB
    orr     r0, r0, #0x40000000
    add     r5, r4, #24
    stmia   r5, {r0, r1}            @ 3-4 GiB
    dsb
    /* 2. MMU, D-cache and I-cache on in HYP mode. */
    ldr     r0, =0xff00             @ attr0 device-nGnRnE, attr1 normal WB read/write-allocate
    mcr     p15, 4, r0, c10, c2, 0  @ HMAIR0
    ldr     r0, =HTCR
    mcr     p15, 4, r0, c2, c0, 2   @ HTCR
    mov     r1, #0
    mcrr    p15, 4, r4, r1, c2      @ HTTBR
    isb
    mcr     p15, 4, r1, c8, c7, 0   @ TLBIALLH
    mcr     p15, 0, r1, c7, c5, 0   @ ICIALLU
    mcr     p15, 0, r1, c7, c5, 6   @ BPIALL
    dsb
    isb
    mrc     p15, 4, r0, c1, c0, 0   @ HSCTLR
    ldr     r1, =HSCTLR_RES1 | (1 << 12) | (1 << 2) | 1     @ I, C, M
    orr     r0, r0, r1
    bic     r0, r0, #(1 << 1)       @ A
    bic     r0, r0, #(1 << 19)      @ WXN
    mcr     p15, 4, r0, c1, c0, 0
    isb
    mrc     p15, 4, r7, c1, c0, 0   @ read back
    mrrc    p15, 4, r8, r0, c2      @ HTTBR (low word)
    ldr     r9, =msg_hyp

on: ldr     r1, =(1 << 12) | (1 << 2) | 1
    and     r0, r7, r1
    cmp     r0, r1
    bne     not_on
    mov     r0, r9
    bl      puts
    mov     r0, r7
    bl      puthex
    ldr     r0, =msg_ttbr
    bl      puts
    mov     r0, r8
    bl      puthex
    ldr     r0, =msg_on
    bl      puts

    /* 3. Copy the image through the cache. */
    ldr     r4, =SRC
    ldr     r0, [r4, #0x24]
    ldr     r1, =0x016f2818         @ zImage magic
    cmp     r0, r1
    bne     no_image
    ldr     r0, [r4, #0x28]         @ start
    ldr     r8, [r4, #0x2c]         @ end: the whole footprint
    subs    r8, r8, r0
    bls     no_image
    cmp     r8, #MAXSIZE
    bhi     too_big
    add     r8, r8, #31
    bic     r8, r8, #31
    ldr     r5, =DST
    mov     r0, r4
    mov     r1, r5
    add     r2, r4, r8
5:  ldmia   r0!, {r3, r6, r7, r9, r10, r11, r12, lr}
    stmia   r1!, {r3, r6, r7, r9, r10, r11, r12, lr}
    cmp     r0, r2
    blo     5b
    mrc     p15, 0, r0, c0, c0, 1   @ CTR: DminLine, log2(words) of the smallest D-cache line
    ubfx    r0, r0, #16, #4
    mov     r1, #4
    lsl     r1, r1, r0
    sub     r0, r1, #1
    bic     r0, r5, r0
    add     r2, r5, r8
6:  mcr     p15, 0, r0, c7, c11, 1  @ DCCMVAU: to the point of unification only
    add     r0, r0, r1
    cmp     r0, r2
    blo     6b
    dsb
    mov     r0, #0
    mcr     p15, 0, r0, c7, c5, 0   @ ICIALLU
    mcr     p15, 0, r0, c7, c5, 6   @ BPIALL
    dsb
    isb
    ldr     r0, =msg_copied
    bl      puts
    mov     r0, r8
    bl      puthex
    ldr     r0, =msg_copied2
    bl      puts

    /* Leave the first virtio device running, as a loader's own virtio
     * driver can (Status ACKNOWLEDGE | DRIVER | DRIVER_OK): the image must
     * reset it before it uses any memory. */
    ldr     r9, =VIRTIO
    mov     r10, #VIRTIO_SLOTS
7:  ldr     r3, [r9]                @ MagicValue
    ldr     r4, =0x74726976         @ "virt"
    cmp     r3, r4
    bne     8f
    ldr     r3, [r9, #8]            @ DeviceID: 0 is an empty slot
    cmp     r3, #0
    beq     8f
    mov     r3, #7
    str     r3, [r9, #0x70]         @ Status
    ldr     r0, =msg_virtio
    bl      puts
    mov     r0, r9
    bl      puthex
    ldr     r0, =msg_virtio2
    bl      puts
    b       9f
8:  add     r9, r9, #0x200
    subs    r10, r10, #1
    bne     7b
9:

    /* 4. Hand over, MMU and caches on, RAM read-only: no memory writes
     * from here on, the stack included. */
    ldr     r0, =msg_jump
    bl      puts
    ldr     r0, =DST
    bl      puthex
    ldr     r0, =msg_jump2
    bl      puts
    ldr     r0, =DTB
    bl      puthex
    mov     r0, #'\n'
    bl      putc
    ldr     r4, =l1_table
    mov     r5, #0
    mrs     r0, cpsr
    and     r0, r0, #0x1f
    cmp     r0, #0x1a
    beq     8f
    mov     r0, #0x400              @ SVC: the RAM sections, 0x400-0x7ff
7:  ldr     r1, [r4, r0, lsl #2]
    orr     r1, r1, #(1 << 15)      @ AP[2]: read-only
    str     r1, [r4, r0, lsl #2]
    add     r0, r0, #1
    cmp     r0, #0x800
    blo     7b
    dsb
    mcr     p15, 0, r5, c8, c7, 0   @ TLBIALL
    b       9f
8:  ldr     r1, [r4, #8]            @ HYP: the RAM block
    orr     r1, r1, #(1 << 7)       @ AP[2]: read-only
    str     r1, [r4, #8]
    dsb
    mcr     p15, 4, r5, c8, c7, 0   @ TLBIALLH
9:  mcr     p15, 0, r5, c7, c5, 6   @ BPIALL
    dsb
    isb
    ldr     r4, =DST
    mov     r0, #0
    mvn     r1, #0                  @ machine type: none (device tree)
    ldr     r2, =DTB
    bx      r4

bad_mode:
    ldr     r0, =msg_bad_mode
    b       die
not_on:
    ldr     r0, =msg_not_on
    bl      puts
    mov     r0, r7
    bl      puthex
    mov     r0, #'\n'
    bl      putc
    b       halt
no_image:
    ldr     r0, =msg_no_image
    b       die
too_big:
    ldr     r0, =msg_too_big
die:
    bl      puts
halt:
    wfi
    b       halt

/* An exception, ours or the image's before it set its own vectors: turn
 * the MMU off (RAM may be read-only in our map: the stack must work), then
 * say which, with the return address and the fault status registers.  The
 * exception mode has no stack of its own: SVC mode's is borrowed. */
exception:
    mov     r4, r0
    mrs     r6, spsr
    mrs     r0, cpsr
    and     r0, r0, #0x1f
    cmp     r0, #0x1a
    beq     1f
    sub     r5, lr, #4              @ lr - 4: the faulting (abort: next) instruction
    mrc     p15, 0, r0, c1, c0, 0
    bic     r0, r0, #1              @ SCTLR.M
    mcr     p15, 0, r0, c1, c0, 0
    isb
    cps     #0x13
    mrc     p15, 0, r7, c5, c0, 0   @ DFSR
    mrc     p15, 0, r8, c6, c0, 0   @ DFAR
    mrc     p15, 0, r9, c5, c0, 1   @ IFSR
    ldr     r10, =msg_exc_svc
    b       2f
1:  mrs     r5, elr_hyp
    mrc     p15, 4, r0, c1, c0, 0
    bic     r0, r0, #1              @ HSCTLR.M
    mcr     p15, 4, r0, c1, c0, 0
    isb
    mrc     p15, 4, r7, c5, c2, 0   @ HSR
    mrc     p15, 4, r8, c6, c0, 0   @ HDFAR
    mrc     p15, 4, r9, c6, c0, 2   @ HIFAR
    ldr     r10, =msg_exc_hyp
2:  ldr     sp, =stack_top
    ldr     r0, =msg_exc
    bl      puts
    mov     r0, r4
    bl      puthex
    ldr     r0, =msg_exc_pc
    bl      puts
    mov     r0, r5
    bl      puthex
    ldr     r0, =msg_exc_spsr
    bl      puts
    mov     r0, r6
    bl      puthex
    mov     r0, r10
    bl      puts
    mov     r0, r7
    bl      puthex
    ldr     r0, =msg_exc_far
    bl      puts
    mov     r0, r8
    bl      puthex
    ldr     r0, =msg_exc_ifx
    bl      puts
    mov     r0, r9
    bl      puthex
    mov     r0, #'\n'
    bl      putc
    b       halt

/* putc(r0): one byte to the PL011 once its FIFO has room.  Clobbers r1, r2. */
putc:
    ldr     r1, =UART
1:  ldr     r2, [r1, #0x18]         @ UARTFR
    tst     r2, #(1 << 5)           @ TXFF
    bne     1b
    strb    r0, [r1]
    bx      lr

/* puts(r0): a NUL-terminated string.  Clobbers r0-r3. */
puts:
    push    {r4, lr}
    mov     r3, r0
1:  ldrb    r0, [r3], #1
    cmp     r0, #0
    beq     2f
    bl      putc
    b       1b
2:  pop     {r4, pc}

/* puthex(r0): 0x and the value in hex, no leading zeros.  Clobbers r0-r3. */
puthex:
    push    {r4, r5, r6, lr}
    mov     r4, r0
    mov     r0, #'0'
    bl      putc
    mov     r0, #'x'
    bl      putc
    mov     r5, #28                 @ shift of the highest nibble
1:  cmp     r5, #0
    beq     2f
    lsrs    r0, r4, r5
    bne     2f
    sub     r5, r5, #4
    b       1b
2:  lsr     r0, r4, r5
    and     r0, r0, #0xf
    cmp     r0, #10
    addlo   r0, r0, #'0'
    addhs   r0, r0, #'a' - 10
    bl      putc
    subs    r5, r5, #4
    bge     2b
    pop     {r4, r5, r6, pc}

    .ltorg

    .balign 32
vectors:
    b       exc_reset
    b       exc_und
    b       exc_svc
    b       exc_pabt
    b       exc_dabt
    b       exc_hyp
    b       exc_irq
    b       exc_fiq
exc_reset: mov r0, #0
    b       exception
exc_und:   mov r0, #1
    b       exception
exc_svc:   mov r0, #2
    b       exception
exc_pabt:  mov r0, #3
    b       exception
exc_dabt:  mov r0, #4
    b       exception
exc_hyp:   mov r0, #5
    b       exception
exc_irq:   mov r0, #6
    b       exception
exc_fiq:   mov r0, #7
    b       exception

    .section .rodata
msg_svc:      .asciz "mmu-loader: SVC mode, SCTLR="
msg_hyp:      .asciz "mmu-loader: HYP mode, HSCTLR="
msg_ttbr:     .asciz ", TTBR="
msg_on:       .asciz ": MMU, D-cache and I-cache on, identity map\n"
msg_copied:   .asciz "mmu-loader: copied "
msg_copied2:  .asciz " bytes from 0x40400000 to 0x40800000 through the cache, cleaned to the PoU only\n"
msg_virtio:   .asciz "mmu-loader: left virtio-mmio@"
msg_virtio2:  .asciz " running (status 0x07)\n"
msg_jump:     .asciz "mmu-loader: MMU and caches on, RAM read-only from here, jumping to "
msg_jump2:    .asciz " with r2="
msg_bad_mode: .asciz "mmu-loader: FAILED: started in neither SVC nor HYP mode\n"
msg_not_on:   .asciz "mmu-loader: FAILED: MMU and caches not on, SCTLR="
msg_no_image: .asciz "mmu-loader: FAILED: no zImage header at 0x40400000\n"
msg_too_big:  .asciz "mmu-loader: FAILED: image larger than 0x400000\n"
msg_exc:      .asciz "mmu-loader: exception, vector "
msg_exc_pc:   .asciz ", pc~"
msg_exc_spsr: .asciz ", spsr="
msg_exc_svc:  .asciz ", DFSR="
msg_exc_hyp:  .asciz ", HSR="
msg_exc_far:  .asciz ", DFAR="
msg_exc_ifx:  .asciz ", IFSR/HIFAR="

    .bss
    .balign 16384
l1_table:
    .skip   16384
stack:
    .skip   4096
stack_top:
