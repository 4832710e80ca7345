# Host unit tests of lib/udiv64.h (exact 64-by-32-bit division by a
# precomputed reciprocal) and of drivers/timer/timer.c's counter-to-time
# conversions built on it, against an exact 128-bit reference.  Built twice:
# udiv64 with the host's own 64-bit divide and 128-bit multiply (the aarch64
# and riscv64 firmware's path), udiv64_recip with UDIV64_RECIP, the code a
# 32-bit CPU runs (reciprocal, four 32x32 products).  About a second each.
UNIT_TESTS += udiv64 udiv64_recip
UNIT_udiv64_SRCS := test/unit/test_udiv64.c drivers/timer/timer.c
UNIT_udiv64_CFLAGS := -Itest/unit/timer_arch
UNIT_udiv64_recip_SRCS := $(UNIT_udiv64_SRCS)
UNIT_udiv64_recip_CFLAGS := -Itest/unit/timer_arch -DUDIV64_RECIP
