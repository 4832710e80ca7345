# Host unit test of the NS16550A UART driver (drivers/uart/ns16550.c)
# against a model of its registers in the test (its own plat_mmio_*).
UNIT_TESTS += ns16550
UNIT_ns16550_SRCS := test/unit/test_ns16550.c drivers/uart/ns16550.c
