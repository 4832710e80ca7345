# Host test of the demo's network glue (apps/netapp.c, with
# apps/bootargs.c) on the real IP stack; the virtio-net driver and the
# firmware around it are stood in for in the test.
UNIT_TESTS += netapp
UNIT_netapp_SRCS := test/unit/test_netapp.c apps/netapp.c apps/features.c apps/bootargs.c lib/kprintf.c $(NET_TEST_SRCS)
UNIT_netapp_CFLAGS := -Iapps -Iboard/generic
