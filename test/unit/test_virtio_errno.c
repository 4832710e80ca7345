/*
 * test_virtio_errno.c - virtio_strerror() (drivers/virtio/virtio.c): every
 * VIRTIO_E* code, VIRTIO_EROFS included, has its own non-empty words; 0 is
 * "ok"; any other value, positive or negative, is "unknown error".  The
 * words the shell and the boot log print for the common errors are pinned
 * here too, so a change to them is a deliberate one (test/system/test_shell.sh
 * and test_blk.sh match them on the serial console).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>
#include <cmocka.h>

#include "virtio/virtio.h"
#include "virtio/virtio_blk.h"

static const int codes[] = {
    VIRTIO_EIO,    VIRTIO_E2BIG,  VIRTIO_EAGAIN,  VIRTIO_ENOMEM,  VIRTIO_EBUSY,     VIRTIO_ENODEV,    VIRTIO_EINVAL,
    VIRTIO_ENOSPC, VIRTIO_ENOENT, VIRTIO_ENOTSUP, VIRTIO_ETIMEDOUT, VIRTIO_ECANCELED, VIRTIO_EROFS,
    VIRTIO_ENXIO,
};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

static void test_every_code_has_its_own_words(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODES; i++) {
        const char *m = virtio_strerror(codes[i]);
        assert_non_null(m);
        assert_true(strlen(m) >= 3);
        assert_string_not_equal(m, "unknown error");
        assert_string_not_equal(m, "ok");
        assert_true(codes[i] < 0);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(codes[i], codes[j]);
            if (strcmp(m, virtio_strerror(codes[j])) == 0)
                fail_msg("codes %d and %d share the words '%s'", codes[i], codes[j], m);
        }
    }
}

static void test_words_of_the_common_errors(void **state)
{
    (void)state;
    assert_string_equal(virtio_strerror(VIRTIO_EROFS), "read-only device");
    assert_int_equal(VIRTIO_EROFS, -30);
    assert_string_equal(virtio_strerror(VIRTIO_EIO), "I/O error");
    assert_string_equal(virtio_strerror(VIRTIO_EINVAL), "bad argument");
    assert_string_equal(virtio_strerror(VIRTIO_ENODEV), "no such device");
    assert_string_equal(virtio_strerror(VIRTIO_ETIMEDOUT), "device did not answer in time");
    assert_string_equal(virtio_strerror(VIRTIO_ENXIO), "no interrupt line");
    assert_int_equal(VIRTIO_ENXIO, -6);
}

static void test_unknown_codes(void **state)
{
    static const int unknown[] = {1, 5, 30, -1, -3, -29, -31, -100, -126, INT_MIN, INT_MAX};

    (void)state;
    assert_string_equal(virtio_strerror(0), "ok");
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
        assert_string_equal(virtio_strerror(unknown[i]), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_has_its_own_words),
        cmocka_unit_test(test_words_of_the_common_errors),
        cmocka_unit_test(test_unknown_codes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
