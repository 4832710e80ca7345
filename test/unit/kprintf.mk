# Host unit test of lib/kprintf.c's formatter (kvsnprintf through
# ksnprintf) and of kprintf's bounded line: conversions, flags, length
# modifiers, width and precision, truncation and the return value.
UNIT_TESTS += kprintf
UNIT_kprintf_SRCS := test/unit/test_kprintf.c lib/kprintf.c
