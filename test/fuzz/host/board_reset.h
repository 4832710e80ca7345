/*
 * board_reset.h - every static of board/generic/board.c back to its value
 * at reset, for the host programs that #include board.c and run
 * boot_main() again and again (test/fuzz/fuzz_dt.c, test/unit/test_board.c).
 * One list: a static added to board.c is added here, once.  Include it
 * after board.c.
 */
#ifndef BOARD_RESET_H
#define BOARD_RESET_H

static void board_reset_statics(void)
{
    memset(&info, 0, sizeof(info));
    memset(&dt, 0, sizeof(dt));
    memset(dt_nodes, 0, sizeof(dt_nodes));
    dt_index_err = 0;
    psci_conduit = PSCI_HVC;
    vexpress_sysreg = 0;
    timer_node = -1;
    ic = NULL;
    uart = &FB_UART_OPS;
    uart_shift = 0;
    uart_width = 1;
    uart_sbsa_only = false;
    timer_hz = 0;
    pmu = false;
    ram_from_table = ram_image_added = guard = false;
    dt_memory_err = 0;
    ram_cut = false;
    console_nheld = 0;
    console_released = false;
    memset(handlers, 0, sizeof(handlers));
    irq_count = irq_spurious = irq_unhandled = 0;
    memset(irq_stamp_fresh, 0, sizeof(irq_stamp_fresh));
    kprintf_set_sink(NULL);
}

#endif
