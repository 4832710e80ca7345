# Host unit tests of the virtio-blk and virtio-console drivers against the
# simulated device (test/sim) with the blk and console device models, each
# test once per virtio-mmio version (v1 legacy, v2 modern).
UNIT_TESTS += virtio_blk virtio_console

BLKCON_CORE_SRCS := drivers/virtio/virtio.c drivers/virtio/virtio_mmio.c drivers/virtio/virtqueue.c \
	drivers/virtio/virtqueue_split.c drivers/virtio/virtqueue_packed.c \
	test/sim/sim_virtio.c test/sim/sim_packed.c test/sim/sim_plat.c

UNIT_virtio_blk_SRCS := test/unit/test_virtio_blk.c drivers/virtio/virtio_blk.c $(BLKCON_CORE_SRCS) \
	test/sim/sim_blk.c
UNIT_virtio_console_SRCS := test/unit/test_virtio_console.c drivers/virtio/virtio_console.c \
	$(BLKCON_CORE_SRCS) test/sim/sim_console.c test/sim/sim_fixture.c

# The same two against a CPU with 128-byte cache lines (a port's
# PLAT_DMA_LINE, the modelled cache's line): no region the device writes
# may share a line with one the CPU writes meanwhile.
UNIT_TESTS += virtio_blk_line128 virtio_console_line128
UNIT_virtio_blk_line128_SRCS := $(UNIT_virtio_blk_SRCS)
UNIT_virtio_blk_line128_CFLAGS := -DPLAT_DMA_LINE=128u
UNIT_virtio_console_line128_SRCS := $(UNIT_virtio_console_SRCS)
UNIT_virtio_console_line128_CFLAGS := -DPLAT_DMA_LINE=128u
