# Host test of the demo's console echo (apps/conecho.c) on the
# virtio-console driver against the simulated device.
UNIT_TESTS += conecho
UNIT_conecho_SRCS = test/unit/test_conecho.c apps/conecho.c drivers/virtio/virtio_console.c \
	$(BLKCON_CORE_SRCS) test/sim/sim_console.c test/sim/sim_fixture.c
UNIT_conecho_CFLAGS := -Iapps
