# The thread-safety stress test (test/unit/test_threads.c): virtio-net's
# real sources against the simulated device from four threads, built twice -
# under ASan + UBSan (threads) and under ThreadSanitizer (threads_tsan,
# UNIT_threads_tsan_SAN, see the Makefile's host tests).  Each runs about
# a second per ring variant.
UNIT_TESTS += threads threads_tsan

UNIT_threads_SRCS := test/unit/test_threads.c drivers/virtio/virtio_net.c drivers/virtio/virtio_blk.c drivers/virtio/virtio.c \
	drivers/virtio/virtio_mmio.c drivers/virtio/virtqueue.c drivers/virtio/virtqueue_split.c \
	drivers/virtio/virtqueue_packed.c test/sim/sim_virtio.c test/sim/sim_packed.c test/sim/sim_plat.c \
	test/sim/sim_net.c test/sim/sim_blk.c
UNIT_threads_tsan_SRCS := $(UNIT_threads_SRCS)
UNIT_threads_tsan_SAN := thread
