# Host unit test of lib/string.c, the C library string functions of the
# freestanding builds (ARCH=aarch64 and riscv64), renamed so they do not
# clash with the host's: every length to 300 at every alignment against a
# bytewise reference.  Well under a second.
UNIT_TESTS += string
UNIT_string_SRCS := test/unit/test_string.c
UNIT_string_CFLAGS := -fno-builtin
# test_string.c includes lib/string.c (to rename its functions): rebuild on it.
$(HOST_BUILD)/unit/string: lib/string.c
