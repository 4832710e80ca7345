# The thread-safety stress test (test/unit/test_threads.c): the real
# sources of virtio-net, -blk, -console and -rng against the simulated
# device from three to six threads each, built twice - under ASan + UBSan
# (threads) and under ThreadSanitizer (threads_tsan, UNIT_threads_tsan_SAN,
# see the Makefile's host tests).  A fixed number of operations per run;
# about 2 s (ASan) and 5-8 s (TSan) in all, measured on a loaded 2-core
# machine (load 8).
UNIT_TESTS += threads threads_tsan

UNIT_threads_SRCS := test/unit/test_threads.c drivers/virtio/virtio_net.c drivers/virtio/virtio_blk.c \
	drivers/virtio/virtio_console.c drivers/virtio/virtio_rng.c drivers/virtio/virtio.c \
	drivers/virtio/virtio_mmio.c drivers/virtio/virtqueue.c drivers/virtio/virtqueue_split.c \
	drivers/virtio/virtqueue_packed.c test/sim/sim_virtio.c test/sim/sim_packed.c test/sim/sim_plat.c \
	test/sim/sim_net.c test/sim/sim_blk.c test/sim/sim_console.c
UNIT_threads_tsan_SRCS := $(UNIT_threads_SRCS)
UNIT_threads_tsan_SAN := thread
