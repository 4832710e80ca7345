# Host tests of checksum offload end to end: the virtio-net driver and the
# IP stack (net/) together against the simulated device with the net model.
# The driver's sources are whatever test/unit/vnet.mk links (deferred: the
# fragments are read in any order).
UNIT_TESTS += vnet_stack
UNIT_vnet_stack_SRCS = test/unit/test_vnet_stack.c \
	$(filter-out test/unit/test_virtio_net.c,$(UNIT_virtio_net_SRCS)) $(sort $(wildcard net/*.c))
