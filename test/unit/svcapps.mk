# Host test of the network services as a peer sees them: apps/httpapp.c
# (port 80) and apps/shellsrv.c (port 23) on the real TCP stack over the
# fake driver; the firmware around them is stood in for in the test.
UNIT_TESTS += svcapps
UNIT_svcapps_SRCS := test/unit/test_svcapps.c apps/httpapp.c apps/shellsrv.c apps/svcparse.c lib/kprintf.c \
	$(NET_TEST_SRCS)
UNIT_svcapps_CFLAGS := -Iapps -Iboard/generic
