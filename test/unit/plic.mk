# Host unit test of the RISC-V PLIC driver (drivers/irqchip/plic.c) against
# a model of its registers in the test (its own plat_mmio_read32/write32),
# with the device-tree reader for QEMU's riscv virt trees (tools/dump-dtbs.sh,
# $DT_DTB_DIR, default build/dtb) and hand-made ones (libfdt).
UNIT_TESTS += plic
UNIT_plic_SRCS := test/unit/test_plic.c drivers/irqchip/plic.c drivers/fdt/fdt.c lib/kprintf.c
UNIT_plic_LIBS := -lfdt
