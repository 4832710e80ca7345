# Device-tree reader (drivers/fdt) against libfdt as an oracle, with the
# GIC driver's device-tree half (drivers/irqchip/gic_dt.c), which decodes
# the interrupt specifiers dt_irq_spec reads.  Needs the DTBs from
# tools/dump-dtbs.sh in $DT_DTB_DIR (default build/dtb).
UNIT_TESTS += fdt
UNIT_fdt_SRCS := test/unit/test_fdt.c drivers/fdt/fdt.c drivers/irqchip/gic_dt.c
UNIT_fdt_LIBS := -lfdt
