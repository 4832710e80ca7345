# Host unit test of board/generic/board.c's reading of the platform from the
# device tree: board.c is compiled into the test with the host's arch.h
# (test/fuzz/host, the 32-bit ARM port's path), and boot_main() runs on
# hand-made trees against stand-ins for the hardware.
UNIT_TESTS += board
UNIT_board_SRCS := test/unit/test_board.c drivers/fdt/fdt.c drivers/irqchip/gic_dt.c lib/kprintf.c lib/memmap.c
UNIT_board_CFLAGS := -Itest/fuzz/host
# board.c is #included by the test, not compiled on its own
$(HOST_BUILD)/unit/board: board/generic/board.c test/fuzz/host/arch.h test/fuzz/host/board_reset.h
