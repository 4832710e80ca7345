# Host unit tests of drivers/virtio (see test/unit/unit.mk for the scheme).
# Each runs every device-facing test once per virtio-mmio version (v1, v2)
# against the simulated device in test/sim.
UNIT_TESTS += virtio_transport virtqueue virtqueue_packed virtio_rng virtio_errno

VIRTIO_CORE_SRCS := drivers/virtio/virtio.c drivers/virtio/virtio_mmio.c drivers/virtio/virtqueue.c \
	drivers/virtio/virtqueue_split.c drivers/virtio/virtqueue_packed.c
VIRTIO_SIM_SRCS := test/sim/sim_plat.c test/sim/sim_virtio.c test/sim/sim_packed.c test/sim/sim_fixture.c

UNIT_virtio_transport_SRCS := test/unit/test_virtio_transport.c $(VIRTIO_CORE_SRCS) $(VIRTIO_SIM_SRCS)
UNIT_virtqueue_SRCS := test/unit/test_virtqueue.c $(VIRTIO_CORE_SRCS) $(VIRTIO_SIM_SRCS)
UNIT_virtqueue_packed_SRCS := test/unit/test_virtqueue_packed.c $(VIRTIO_CORE_SRCS) $(VIRTIO_SIM_SRCS)
UNIT_virtio_rng_SRCS := test/unit/test_virtio_rng.c drivers/virtio/virtio_rng.c $(VIRTIO_CORE_SRCS) $(VIRTIO_SIM_SRCS)
# virtio_strerror() lives in virtio.c, which needs the rest of the core to link.
UNIT_virtio_errno_SRCS := test/unit/test_virtio_errno.c $(VIRTIO_CORE_SRCS) $(VIRTIO_SIM_SRCS)
# The simulator's memory-ordering model on its own (test/sim/sim_plat.h).
UNIT_TESTS += sim_order
UNIT_sim_order_SRCS := test/unit/test_sim_order.c test/sim/sim_plat.c
