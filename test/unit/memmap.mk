# Host unit test of lib/memmap.c (the largest free stretch of RAM for the
# DMA pool), table cases plus a brute-force cross-check against a bitmap.
UNIT_TESTS += memmap
UNIT_memmap_SRCS := test/unit/test_memmap.c lib/memmap.c
