/*
 * aarch64.S - the MMU hand-over pre-loader of test/system/test_mmu_handover.sh
 * (ARCH=aarch64): a stand-in for U-Boot's `go`/`bootelf`, which jump to an
 * image with the MMU and the caches still on.  See arm.S for the AArch32 one.
 *
 * QEMU virt loads this ELF (-kernel, linked at 0x40200000: QEMU's device tree
 * sits at the base of RAM, 0x40000000) and the firmware image with its generic
 * loader at SRC, without starting a CPU there.  This program, at whichever EL
 * QEMU starts it (EL1; EL2 with -M virt,virtualization=on), stays there:
 *  1. builds an identity map of the low 4 GiB with 1 GiB level-1 blocks
 *     (4 KiB granule, T0SZ 32): device-nGnRnE for 0-1 GiB, normal write-back
 *     inner-shareable for RAM at 1-2 GiB, device above;
 *  2. programs MAIR, TCR and TTBR0 of that EL and sets SCTLR M, C and I,
 *     reads SCTLR back and stops unless all three are set;
 *  3. copies the image (image_size bytes of its arm64 header) from SRC to
 *     DST through the D-cache, as a loader does, and cleans it to the point
 *     of unification only (DC CVAU + IC IALLU: what instruction fetch needs
 *     with the caches on; dirty lines may stay in caches beyond the PoU, so
 *     the image must clean to the PoC itself before it turns the MMU off);
 *  then leaves the first virtio-mmio device it finds running (Status
 *     ACKNOWLEDGE | DRIVER | DRIVER_OK), as a loader's virtio driver can;
 *  4. prints what it did on the PL011, makes RAM read-only in its map (still
 *     identity, still normal write-back) and jumps to DST with x0 = the
 *     device tree, MMU and caches on.
 * QEMU's TCG models no caches, so the copy is coherent whatever the image
 * does.  What step 4's read-only RAM checks, under TCG too, is the entry
 * contract: the image turns the MMU off before it writes anything.  A write
 * made under this map (an entry that relocates, stacks or zeroes .bss with
 * the MMU still on) takes a permission fault, and the fault - like any
 * exception before the image has installed its own vectors - lands in ours
 * and is reported ("mmu-loader: exception ...") with the MMU off.
 */
    .equ    UART, 0x09000000        // QEMU virt's PL011
    .equ    DTB, 0x40000000         // where QEMU virt puts the device tree for an ELF
    .equ    SRC, 0x40400000         // -device loader,addr=SRC
    .equ    DST, 0x40800000         // 2 MiB aligned, as the arm64 boot protocol asks
    .equ    MAXSIZE, DST - SRC      // the copy must not overlap its source
    .equ    VIRTIO, 0x0a000000      // QEMU virt's virtio-mmio slots
    .equ    VIRTIO_SLOTS, 32

    .equ    BLK_DEVICE, (1 << 54) | (1 << 10) | (0 << 2) | 1        // XN, AF, attr0, block
    .equ    BLK_NORMAL, (1 << 10) | (3 << 8) | (1 << 2) | 1         // AF, inner shareable, attr1, block
    .equ    MAIR, 0xff00            // attr0 device-nGnRnE, attr1 normal WB read/write-allocate
    /* T0SZ 32 (4 GiB, walks start at level 1), walks inner/outer WBWA inner
     * shareable, 4 KiB granule, 32-bit physical addresses. */
    .equ    TCR_EL1, (1 << 23) | (3 << 12) | (1 << 10) | (1 << 8) | 32     // EPD1: no TTBR1 walks
    .equ    TCR_EL2, (1 << 31) | (1 << 23) | (3 << 12) | (1 << 10) | (1 << 8) | 32  // RES1 bits
    .equ    SCTLR_MCI, (1 << 12) | (1 << 2) | 1
    .equ    SCTLR_EL2_RES1, 0x30c50830

    .section .text.boot, "ax"
    .global _start
_start:
    msr     daifset, #0xf
    ldr     x0, =stack_top
    mov     sp, x0
    mrs     x19, CurrentEL
    ubfx    x19, x19, #2, #2        // x19 = the EL we run at
    adr     x0, vectors
    cmp     x19, #2
    b.eq    1f
    cmp     x19, #1
    b.ne    bad_el
    msr     vbar_el1, x0
    b       2f
1:  msr     vbar_el2, x0
2:  isb

    /* 1. The identity map: four level-1 blocks of 1 GiB. */
    ldr     x20, =l1_table
    ldr     x1, =BLK_DEVICE
    ldr     x2, =BLK_NORMAL
    cmp     x19, #2                 // EL2's one-EL regime: AP[1] is RES1
    b.ne    0f
    orr     x1, x1, #(1 << 6)
    orr     x2, x2, #(1 << 6)
0:  mov     x3, #0x40000000
    str     x1, [x20, #0]           // 0-1 GiB: flash, GIC, UART, virtio-mmio
    orr     x4, x3, x2
    str     x4, [x20, #8]           // 1-2 GiB: RAM
    orr     x4, x1, x3, lsl #1
    str     x4, [x20, #16]          // 2-3 GiB: PCIe MMIO
    add     x4, x4, x3
    str     x4, [x20, #24]          // 3-4 GiB
    dsb     sy

    /* 2. MMU, D-cache and I-cache on at this EL. */
    mov     x1, #MAIR
    mov     x3, #SCTLR_MCI
    cmp     x19, #2
    b.eq    3f
    ldr     x2, =TCR_EL1
    msr     mair_el1, x1
    msr     tcr_el1, x2
    msr     ttbr0_el1, x20
    isb
    tlbi    vmalle1
    dsb     sy
    ic      iallu
    dsb     sy
    isb
    mrs     x1, sctlr_el1
    orr     x1, x1, x3
    bic     x1, x1, #(1 << 1)       // A: no alignment checks
    bic     x1, x1, #(1 << 19)      // WXN
    msr     sctlr_el1, x1
    isb
    mrs     x21, sctlr_el1
    b       4f
3:  ldr     x2, =TCR_EL2
    msr     mair_el2, x1
    msr     tcr_el2, x2
    msr     ttbr0_el2, x20
    isb
    tlbi    alle2
    dsb     sy
    ic      iallu
    dsb     sy
    isb
    mrs     x1, sctlr_el2
    orr     x1, x1, x3
    ldr     x2, =SCTLR_EL2_RES1
    orr     x1, x1, x2
    bic     x1, x1, #(1 << 1)
    bic     x1, x1, #(1 << 19)
    msr     sctlr_el2, x1
    isb
    mrs     x21, sctlr_el2
4:  and     x1, x21, x3
    cmp     x1, x3
    b.ne    not_on
    ldr     x0, =msg_el
    bl      puts
    mov     x0, x19
    bl      putdigit
    ldr     x0, =msg_sctlr
    bl      puts
    mov     x0, x19
    bl      putdigit
    mov     w0, #'='
    bl      putc
    mov     x0, x21
    bl      puthex
    ldr     x0, =msg_ttbr
    bl      puts
    mov     x0, x19
    bl      putdigit
    mov     w0, #'='
    bl      putc
    mov     x0, x20
    bl      puthex
    ldr     x0, =msg_on
    bl      puts

    /* 3. Copy the image through the cache. */
    ldr     x1, =SRC
    ldr     w2, [x1, #0x38]
    ldr     w3, =0x644d5241         // "ARM\x64"
    cmp     w2, w3
    b.ne    no_image
    ldr     x22, [x1, #0x10]        // image_size: the whole footprint
    cbz     x22, no_image
    mov     x3, #MAXSIZE
    cmp     x22, x3
    b.hi    too_big
    add     x22, x22, #15
    bic     x22, x22, #15
    ldr     x2, =DST
    mov     x6, x2
    add     x7, x1, x22
5:  ldp     x4, x5, [x1], #16
    stp     x4, x5, [x6], #16
    cmp     x1, x7
    b.lo    5b
    mrs     x4, ctr_el0             // DminLine: log2(words) of the smallest D-cache line
    ubfx    x4, x4, #16, #4
    mov     x5, #4
    lsl     x5, x5, x4
    sub     x4, x5, #1
    bic     x1, x2, x4
    add     x3, x2, x22
6:  dc      cvau, x1                // to the point of unification only
    add     x1, x1, x5
    cmp     x1, x3
    b.lo    6b
    dsb     ish
    ic      iallu
    dsb     ish
    isb
    ldr     x0, =msg_copied
    bl      puts
    mov     x0, x22
    bl      puthex
    ldr     x0, =msg_copied2
    bl      puts

    /* Leave the first virtio device running, as a loader's own virtio
     * driver can (Status ACKNOWLEDGE | DRIVER | DRIVER_OK): the image must
     * reset it before it uses any memory. */
    ldr     x23, =VIRTIO
    mov     x24, #VIRTIO_SLOTS
7:  ldr     w3, [x23]               // MagicValue
    ldr     w4, =0x74726976         // "virt"
    cmp     w3, w4
    b.ne    8f
    ldr     w3, [x23, #8]           // DeviceID: 0 is an empty slot
    cbz     w3, 8f
    mov     w3, #7
    str     w3, [x23, #0x70]        // Status
    ldr     x0, =msg_virtio
    bl      puts
    mov     x0, x23
    bl      puthex
    ldr     x0, =msg_virtio2
    bl      puts
    b       9f
8:  add     x23, x23, #0x200
    subs    x24, x24, #1
    b.ne    7b
9:

    /* 4. Hand over, MMU and caches on, RAM read-only: no memory writes
     * from here on, the stack included. */
    ldr     x0, =msg_jump
    bl      puts
    ldr     x0, =DST
    bl      puthex
    ldr     x0, =msg_jump2
    bl      puts
    ldr     x0, =DTB
    bl      puthex
    mov     w0, #'\n'
    bl      putc
    ldr     x1, [x20, #8]
    orr     x1, x1, #(1 << 7)       // AP[2]: read-only
    str     x1, [x20, #8]
    dsb     ish
    cmp     x19, #2
    b.eq    7f
    tlbi    vmalle1
    b       8f
7:  tlbi    alle2
8:  dsb     ish
    isb
    ldr     x4, =DST
    ldr     x0, =DTB
    mov     x1, xzr
    mov     x2, xzr
    mov     x3, xzr
    br      x4

bad_el:
    ldr     x0, =msg_bad_el
    b       die
not_on:
    ldr     x0, =msg_not_on
    bl      puts
    mov     x0, x21
    bl      puthex
    mov     w0, #'\n'
    bl      putc
    b       halt
no_image:
    ldr     x0, =msg_no_image
    b       die
too_big:
    ldr     x0, =msg_too_big
die:
    bl      puts
halt:
    wfi
    b       halt

/* An exception, ours or the image's before it set its own vectors: turn
 * the MMU off (RAM may be read-only in our map: the stack must work), then
 * say which, with the syndrome and the return address of the current EL. */
exception:
    mov     x20, x0
    mov     x1, #1                  // SCTLR.M
    mrs     x19, CurrentEL
    ubfx    x19, x19, #2, #2
    cmp     x19, #2
    b.eq    1f
    mrs     x21, esr_el1
    mrs     x22, elr_el1
    mrs     x23, far_el1
    mrs     x2, sctlr_el1
    bic     x2, x2, x1
    msr     sctlr_el1, x2
    b       2f
1:  mrs     x21, esr_el2
    mrs     x22, elr_el2
    mrs     x23, far_el2
    mrs     x2, sctlr_el2
    bic     x2, x2, x1
    msr     sctlr_el2, x2
2:  isb
    ldr     x1, =stack_top
    mov     sp, x1
    ldr     x0, =msg_exc
    bl      puts
    mov     x0, x20
    bl      puthex
    ldr     x0, =msg_exc_el
    bl      puts
    mov     x0, x19
    bl      putdigit
    ldr     x0, =msg_exc_esr
    bl      puts
    mov     x0, x21
    bl      puthex
    ldr     x0, =msg_exc_elr
    bl      puts
    mov     x0, x22
    bl      puthex
    ldr     x0, =msg_exc_far
    bl      puts
    mov     x0, x23
    bl      puthex
    mov     w0, #'\n'
    bl      putc
    b       halt

/* putc(w0): one byte to the PL011 once its FIFO has room.  Clobbers x1, x2. */
putc:
    ldr     x1, =UART
1:  ldr     w2, [x1, #0x18]         // UARTFR
    tbnz    w2, #5, 1b              // TXFF
    strb    w0, [x1]
    ret

/* puts(x0): a NUL-terminated string.  Clobbers x0-x3. */
puts:
    stp     x29, x30, [sp, #-16]!
    mov     x3, x0
1:  ldrb    w0, [x3], #1
    cbz     w0, 2f
    bl      putc
    b       1b
2:  ldp     x29, x30, [sp], #16
    ret

/* putdigit(x0): one decimal digit.  Clobbers x0-x2. */
putdigit:
    add     w0, w0, #'0'
    b       putc

/* puthex(x0): 0x and the value in hex, no leading zeros.  Clobbers x0-x5. */
puthex:
    stp     x29, x30, [sp, #-16]!
    mov     x4, x0
    mov     w0, #'0'
    bl      putc
    mov     w0, #'x'
    bl      putc
    mov     x5, #60                 // shift of the highest nibble
1:  cbz     x5, 2f
    lsr     x0, x4, x5
    cbnz    x0, 2f
    sub     x5, x5, #4
    b       1b
2:  lsr     x0, x4, x5
    and     x0, x0, #0xf
    cmp     x0, #10
    add     x1, x0, #'0'
    add     x2, x0, #'a' - 10
    csel    x0, x1, x2, lo
    bl      putc
    subs    x5, x5, #4
    b.ge    2b
    ldp     x29, x30, [sp], #16
    ret

    .ltorg

.macro VEC n
    .balign 128
    mov     x0, #\n
    b       exception
.endm
    .balign 2048
vectors:
    .irp    n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    VEC     \n
    .endr

    .section .rodata
msg_el:       .asciz "mmu-loader: EL"
msg_sctlr:    .asciz ", SCTLR_EL"
msg_ttbr:     .asciz ", TTBR0_EL"
msg_on:       .asciz ": MMU, D-cache and I-cache on, identity map\n"
msg_copied:   .asciz "mmu-loader: copied "
msg_copied2:  .asciz " bytes from 0x40400000 to 0x40800000 through the cache, cleaned to the PoU only\n"
msg_virtio:   .asciz "mmu-loader: left virtio-mmio@"
msg_virtio2:  .asciz " running (status 0x07)\n"
msg_jump:     .asciz "mmu-loader: MMU and caches on, RAM read-only from here, jumping to "
msg_jump2:    .asciz " with x0="
msg_bad_el:   .asciz "mmu-loader: FAILED: started at EL3 or EL0\n"
msg_not_on:   .asciz "mmu-loader: FAILED: MMU and caches not on, SCTLR="
msg_no_image: .asciz "mmu-loader: FAILED: no arm64 Image header at 0x40400000\n"
msg_too_big:  .asciz "mmu-loader: FAILED: image_size larger than 0x400000\n"
msg_exc:      .asciz "mmu-loader: exception, vector "
msg_exc_el:   .asciz " at EL"
msg_exc_esr:  .asciz ", ESR="
msg_exc_elr:  .asciz ", ELR="
msg_exc_far:  .asciz ", FAR="

    .bss
    .balign 4096
l1_table:
    .skip   4096
stack:
    .skip   4096
stack_top:
