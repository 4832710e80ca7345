# Host unit tests of the virtio-net driver against the simulated device
# (test/sim) with the net model (test/sim/sim_net.c), each test once per
# virtio-mmio version (v1 legacy, v2 modern).
UNIT_TESTS += virtio_net

UNIT_virtio_net_SRCS := test/unit/test_virtio_net.c drivers/virtio/virtio_net.c drivers/virtio/virtio.c \
	drivers/virtio/virtio_mmio.c drivers/virtio/virtqueue.c drivers/virtio/virtqueue_split.c drivers/virtio/virtqueue_packed.c \
	test/sim/sim_virtio.c test/sim/sim_packed.c test/sim/sim_plat.c \
	test/sim/sim_fixture.c test/sim/sim_net.c

# The same against a CPU with 128-byte cache lines (a port's
# PLAT_DMA_LINE, the modelled cache's line): see blkcon.mk.
UNIT_TESTS += virtio_net_line128
UNIT_virtio_net_line128_SRCS := $(UNIT_virtio_net_SRCS)
UNIT_virtio_net_line128_CFLAGS := -DPLAT_DMA_LINE=128u
