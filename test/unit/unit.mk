# Host unit tests.  Each fragment test/unit/<group>.mk adds names to UNIT_TESTS
# and, for each name N, sets UNIT_N_SRCS (the test file plus the real sources
# under test) and optionally UNIT_N_LIBS.  The test binary lands at
# build/host/unit/N and runs from the top of the tree.
