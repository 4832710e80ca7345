# Host test of the demo's block devices (apps/blkapp.c) on the virtio-blk
# driver against the simulated device and its disk model.
UNIT_TESTS += blkapp
UNIT_blkapp_SRCS = test/unit/test_blkapp.c apps/blkapp.c lib/kprintf.c drivers/virtio/virtio_blk.c \
	$(BLKCON_CORE_SRCS) test/sim/sim_blk.c
UNIT_blkapp_CFLAGS := -Iapps -Iboard/generic
