# Device-tree reader (drivers/fdt) against libfdt as an oracle.  Needs the
# DTBs from tools/dump-dtbs.sh in $DT_DTB_DIR (default build/dtb).
UNIT_TESTS += fdt
UNIT_fdt_SRCS := test/unit/test_fdt.c drivers/fdt/fdt.c
UNIT_fdt_LIBS := -lfdt
