/*
 * start.S (RISC-V 64, S-mode) - image header, entry, hart lottery,
 * relocation, stack, trap entry and the CSR probes.
 *
 * The image starts with the RISC-V Linux Image header
 * (Documentation/arch/riscv/boot-image-header.rst), so loaders that boot a
 * RISC-V Linux Image boot it (QEMU -kernel, U-Boot booti), and the same
 * bytes are the ELF's first and lowest section: QEMU hands OpenSBI the
 * ELF's lowest load address as the entry, not e_entry.
 *
 * Entry contract (Linux's RISC-V boot protocol, SBI v0.2+):
 *   S-mode, satp = 0 (MMU off), a0 = this hart's ID, a1 = the physical
 *   address of the device tree; the image anywhere in RAM, 4 KiB-aligned
 *   (the page tables inside it must be; loaders put it 2 MiB-aligned, and
 *   text_offset asks for RAM base + 2 MiB).
 *   Any number of harts may enter, at once or later (a loader without HSM
 *   releases them all; OpenSBI with HSM sends only one): the first to win
 *   the lottery below boots, every other one is stopped through SBI HSM
 *   hart_stop, or, should that fail, sleeps with interrupts off for good.
 * The image is linked position-independent (-pie, R_RISCV_RELATIVE only) at
 * LOAD_ADDR; the entry applies its own relocations for wherever it runs.
 * Until then only PC-relative addressing is used (lla: auipc + addi).
 * Built with -mno-relax: nothing is addressed relative to gp, which the
 * firmware never sets up.
 */
#define SSTATUS_SIE 0x2
#define R_RISCV_RELATIVE 3
#define SBI_EXT_HSM 0x48534d
#define SBI_HSM_HART_STOP 1
#define FRAME 288                       /* struct trap_frame: x0-x31, sepc, sstatus, scause, stval */

    .section .text.boot, "ax"
    .option push
    .option norvc                       /* code0 is one 4-byte jump */
    .global _start
_start:
    /* RISC-V Image header: 64 bytes, little-endian. */
    j       entry                       /* code0 */
    .word   0                           /* code1 */
    .dword  0x200000                    /* text_offset: RAM base + 2 MiB (the RV64 Linux value) */
    .dword  __image_end - _start        /* image_size: all the image occupies, .bss and stacks too
                                         * (a difference: the linker resolves it, no relocation) */
    .dword  0                           /* flags: bit 0 = 0, little-endian */
    .word   (0 << 16) | 2               /* version 0.2 */
    .word   0                           /* res1 */
    .dword  0                           /* res2 */
    .ascii  "RISCV\0\0\0"               /* magic (deprecated since 0.2, still written) */
    .ascii  "RSC\x05"                   /* magic2 */
    .word   0                           /* res3: no PE/COFF header */
    .option pop

entry:
    /* Interrupts off; a trap before the trap entry is set parks the hart. */
    csrci   sstatus, SSTATUS_SIE
    csrw    sie, zero
    lla     t0, park
    csrw    stvec, t0

    /* The lottery: the first hart to add to the word boots. */
    lla     t0, boot_lottery
    li      t1, 1
    amoadd.w.aqrl t1, t1, (t0)
    bnez    t1, secondary
    mv      s0, a0                      /* hart ID */
    mv      s1, a1                      /* device tree */

    /* Relocate.  Each R_RISCV_RELATIVE entry says "the word at r_offset
     * holds link-time address r_addend"; both move by the load offset.
     * ld leaves those words 0 (it does not also store the addend, as
     * aarch64's ld does), so this runs even when the offset is 0.
     * __link_start (the linker script) holds _start's link-time address as
     * plain data, no relocation. */
    lla     t0, _start
    lla     t1, __link_start
    ld      t1, 0(t1)
    sub     s2, t0, t1                  /* load offset */
    lla     t0, __rela_start
    lla     t1, __rela_end
    li      t5, R_RISCV_RELATIVE
1:  bgeu    t0, t1, 2f
    ld      t2, 0(t0)                   /* r_offset */
    ld      t3, 8(t0)                   /* r_info: symbol 0, type RELATIVE */
    ld      t4, 16(t0)                  /* r_addend */
    addi    t0, t0, 24
    beqz    t3, 1b                      /* R_RISCV_NONE: nothing to do */
    bne     t3, t5, bad_reloc           /* anything else: a link gone wrong */
    add     t2, t2, s2
    add     t4, t4, s2
    sd      t4, 0(t2)
    j       1b
2:
    /* Stack, then .bss (arch_boot_hartid and the page tables live there). */
    lla     sp, __stack_top
    lla     t0, __bss_start
    lla     t1, __bss_end
    /* 64 bytes an iteration (the linker script aligns both ends of .bss
     * to 64), the test at the bottom: under QEMU's TCG a loop costs mostly
     * per iteration, each one execution of a translated block. */
    j       4f
3:  sd      zero, 0(t0)
    sd      zero, 8(t0)
    sd      zero, 16(t0)
    sd      zero, 24(t0)
    sd      zero, 32(t0)
    sd      zero, 40(t0)
    sd      zero, 48(t0)
    sd      zero, 56(t0)
    addi    t0, t0, 64
4:  bltu    t0, t1, 3b
    li      gp, 0                       /* never used: a stray gp access faults at 0 */
    li      tp, 0
    lla     t0, trap_entry              /* direct mode: 4-byte aligned, MODE = 0 */
    csrw    stvec, t0
    csrw    sscratch, zero
    lla     t0, arch_boot_hartid
    sd      s0, 0(t0)
    mv      a0, s1
    call    boot_main
    j       park

/* A relocation other than RELATIVE (a symbolic one: the linker script's
 * VERSION keeps them out) cannot be applied here.  Say so through the SBI
 * console (the UART is unknown yet) and stop. */
bad_reloc:
    lla     s3, bad_reloc_msg
6:  lbu     a0, 0(s3)
    beqz    a0, park
    li      a7, 1                       /* legacy console_putchar */
    ecall
    addi    s3, s3, 1
    j       6b

secondary:
    /* Not the boot hart: give it back to the SBI firmware (HSM hart_stop
     * does not return on success). */
    li      a7, SBI_EXT_HSM
    li      a6, SBI_HSM_HART_STOP
    ecall
    /* No HSM: sleep here for good, as a trap taken here (stvec = park) does. */
    .balign 4
park:
    csrci   sstatus, SSTATUS_SIE
    csrw    sie, zero
5:  wfi
    j       5b

    .section .rodata.boot, "a"
bad_reloc_msg:
    .asciz  "vbare: the image has a relocation other than R_RISCV_RELATIVE: halted\r\n"

    /* Set once per load: an entry again without reloading the image (a
     * warm restart) would stop every hart.  Not supported. */
    .data
    .balign 4
boot_lottery:
    .word   0

/* ---------------------------------------------------------------- traps */

/* Every trap, interrupt or exception, from S-mode (there is no U-mode): the
 * registers are saved on the current stack as a struct trap_frame (arch.h):
 * for an exception all of them and sepc/sstatus/scause/stval, for an
 * interrupt those a C call may change and sepc/sstatus/scause.  arch_trap()
 * (cpu.c) handles it and may change an exception's frame (a probe's sepc
 * and a1), then the registers a C call may change, sepc and sstatus are
 * restored and sret returns.  sstatus is restored too: SPP and SPIE are
 * live across a nested trap (an exception inside the handler). */
    .text
    .balign 4
trap_entry:
    /* What a C call may change first (ra, t0-t6, a0-a7), in their places
     * in the frame.  An interrupt needs no more: arch_trap() reads only
     * scause of it.  An exception also saves the rest, for the crash
     * report.  Either way only those are restored: s0-s11 are preserved
     * across the call (the psABI), gp and tp are never written, and what
     * arch_trap() may change in the frame is a probe's a1 and sepc. */
    addi    sp, sp, -FRAME
    .irp    n, 1, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31
    sd      x\n, \n*8(sp)
    .endr
    csrr    t0, scause
    sd      t0, 34*8(sp)
    bltz    t0, 1f                      /* an interrupt */
    .irp    n, 3, 4, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27
    sd      x\n, \n*8(sp)
    .endr
    sd      zero, 0(sp)
    addi    t0, sp, FRAME
    sd      t0, 2*8(sp)                 /* sp before the trap */
    csrr    t0, stval
    sd      t0, 35*8(sp)
1:  csrr    t0, sepc
    sd      t0, 32*8(sp)
    csrr    t0, sstatus
    sd      t0, 33*8(sp)
    /* Ssdbltrp: with double-trap detection on (menvcfg.DTE), a trap sets
     * sstatus.SDT and a second trap while it is set goes to M-mode as a
     * double trap, losing the crash report of a fault inside a handler.
     * sepc and sstatus are saved: clear it.  (Reads as 0 and stays 0 on a
     * hart without the extension.) */
    li      t0, 1 << 24
    csrc    sstatus, t0
    mv      a0, sp
    call    arch_trap
    ld      t0, 32*8(sp)
    csrw    sepc, t0
    ld      t0, 33*8(sp)
    csrw    sstatus, t0
    .irp    n, 1, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31
    ld      x\n, \n*8(sp)
    .endr
    addi    sp, sp, FRAME
    sret

/* ---------------------------------------------------------------- probes */

/* Reads that M-mode may not have opened to S-mode, each a function that
 * returns struct arch_probe {value, trapped} in a0/a1 (cpu.c).  When the
 * access traps (illegal instruction, a load fault), arch_trap() sees sepc
 * between arch_probe_start and arch_probe_end, sets the saved a1 to 1 and
 * resumes at the next instruction: every instruction here is 4 bytes. */
    .balign 4
    .option push
    .option norvc
    .global arch_probe_start, arch_probe_end
    .global arch_probe_instret, arch_probe_cycle, arch_probe_stimecmp, arch_probe_load
arch_probe_start:
arch_probe_instret:
    li      a1, 0
    csrr    a0, 0xc02                   /* instret */
    ret
arch_probe_cycle:
    li      a1, 0
    csrr    a0, 0xc00                   /* cycle */
    ret
arch_probe_stimecmp:
    li      a1, 0
    csrr    a0, 0x14d                   /* stimecmp (Sstc; menvcfg.STCE) */
    ret
arch_probe_load:                        /* a0: the address of a 64-bit word */
    li      a1, 0
    ld      a0, 0(a0)
    ret
arch_probe_end:
    .option pop
