# Host test of the console shell (apps/shell.c) as a terminal sees it:
# keystrokes through board_getc(), output through kprintf; the devices and
# the services the commands call are stood in for in the test.
UNIT_TESTS += shell
UNIT_shell_SRCS := test/unit/test_shell.c apps/shell.c apps/features.c lib/kprintf.c $(NET_TEST_SRCS)
UNIT_shell_CFLAGS := -Iapps -Iboard/generic
