# Host unit test of apps/svcparse.c: the TCP shell's line assembler (line
# ends, telnet IAC commands, editing, overlong lines) and the HTTP request
# parser (request-line forms, 400/404/405/505, the end of the head).
UNIT_TESTS += svcparse
UNIT_svcparse_SRCS := test/unit/test_svcparse.c apps/svcparse.c
UNIT_svcparse_CFLAGS := -Iapps
