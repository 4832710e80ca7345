/*
 * test_shell.c - the console shell (apps/shell.c) compiled as it is, fed
 * keystrokes as a terminal sends them (board_getc) and read through
 * kprintf.  What is asserted: Enter as CR LF (telnet, many serial
 * terminals) is one line end, as a lone CR or a lone LF is, and as the
 * TCP shell reads them (apps/svcparse.c) - one prompt per line, not two.
 * What the commands call outside the shell is stood in for here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"
#include "bench.h"
#include "blkapp.h"
#include "kprintf.h"
#include "netapp.h"
#include "netif.h"
#include "virtio/virtio.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_console.h"
#include "virtio/virtio_net.h"
#include "virtio/virtqueue.h"

/* ---- the firmware around the shell, stood in for --------------------------- */

static const char *keys;
static size_t nkeys, keypos;
static char out[8192];
static size_t out_len;

int board_getc(void) { return keypos < nkeys ? (unsigned char)keys[keypos++] : -1; }
uint64_t board_irq_count(void) { return 0; }

static int ndev;
static struct app_device devs[4];
const struct app_device *app_devices(int *n)
{
    *n = ndev;
    return devs;
}
const char *app_irq_str(const struct board_virtio_slot *s, char *buf, size_t size)
{
    ksnprintf(buf, size, "%u", s->intid);
    return buf;
}
const char *virtio_device_name(uint32_t id)
{
    return id == VIRTIO_ID_NET ? "net" : id == VIRTIO_ID_BLOCK ? "block" : id == VIRTIO_ID_CONSOLE ? "console" : "rng";
}

struct netif *netapp_netif(void) { return NULL; }
struct virtio_net *netapp_dev(void) { return NULL; }
unsigned netapp_count(void) { return 0; }
struct netif *netapp_netif_at(unsigned i)
{
    (void)i;
    return NULL;
}
struct virtio_net *netapp_dev_at(unsigned i)
{
    (void)i;
    return NULL;
}
int netapp_ping(uint32_t dst, unsigned count)
{
    (void)dst;
    (void)count;
    return 0;
}
unsigned blkapp_count(void) { return 0; }
struct virtio_blk *blkapp_dev_at(unsigned i)
{
    (void)i;
    return NULL;
}
struct virtio_blk *blkapp_dev(void) { return NULL; }
const struct virtio_blk_info *virtio_blk_info(const struct virtio_blk *b) { return &b->info; }
int blkapp_read(unsigned disk, uint64_t lba, unsigned count, uint8_t **data)
{
    (void)disk, (void)lba, (void)count, (void)data;
    return VIRTIO_ENODEV;
}
int blkapp_write_pattern(unsigned disk, uint64_t lba, unsigned count, uint8_t byte)
{
    (void)disk, (void)lba, (void)count, (void)byte;
    return VIRTIO_ENODEV;
}
int app_rng_read(void *buf, size_t len)
{
    (void)buf, (void)len;
    return VIRTIO_ENODEV;
}
void bench_print(void) {}
const char *virtio_strerror(int err) { return err ? "an error" : "ok"; }
const char *virtqueue_name(const struct virtqueue *vq)
{
    (void)vq;
    return "";
}
void virtqueue_get_stats(const struct virtqueue *vq, struct vq_stats *s)
{
    (void)vq;
    memset(s, 0, sizeof(*s));
}

static void sink(const char *s, size_t n)
{
    if (n > sizeof(out) - 1 - out_len)
        n = sizeof(out) - 1 - out_len;
    memcpy(out + out_len, s, n);
    out_len += n;
    out[out_len] = '\0';
}

/* Type s (len bytes: it may hold a NUL) at the console; the shell's output. */
static const char *type(const char *s, size_t len)
{
    keys = s;
    nkeys = len;
    keypos = 0;
    out_len = 0;
    out[0] = '\0';
    shell_poll();
    assert_int_equal(keypos, nkeys);
    return out;
}
#define TYPE(lit) type(lit, sizeof(lit) - 1)

static size_t count(const char *s, const char *w)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, w)) != NULL; p += strlen(w))
        n++;
    return n;
}

/* ---- line ends -------------------------------------------------------------- */

/* CR LF is one line end, as CR alone and LF alone are: every line gets one
 * prompt, whatever its terminal sends for Enter, and the first Enter (which
 * only asks for the prompt) too. */
static void test_line_ends(void **state)
{
    (void)state;
    static const struct {
        const char *keys;
        size_t len;
        size_t prompts; /* one a line */
        size_t runs;    /* lines run: each answered "unknown command" */
    } cases[] = {
        {"\r\n", 2, 1, 0},
        {"x\r\n", 3, 1, 1},
        {"x\r\ny\r\n", 6, 2, 2},
        {"x\ry\r", 4, 2, 2},
        {"x\ny\n", 4, 2, 2},
        {"x\r\n\r\n", 5, 2, 1}, /* two lines, the second empty: not four */
        {"x\r\n\n", 4, 2, 1},   /* only one LF belongs to the CR */
        {"x\n\r", 3, 2, 1},     /* LF CR is two line ends */
        {"x\r\0y\r", 5, 2, 2},  /* telnet's CR NUL, as the TCP shell reads it */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        TYPE("\x15\r"); /* a clean line; the CR's LF may follow */
        TYPE("\n");
        const char *o = type(cases[i].keys, cases[i].len);
        if (count(o, "vbare> ") != cases[i].prompts || count(o, "unknown command") != cases[i].runs)
            fail_msg("case %zu: %zu prompts and %zu commands, want %zu and %zu:\n%s", i, count(o, "vbare> "),
                     count(o, "unknown command"), cases[i].prompts, cases[i].runs, o);
    }
}

/* The first Enter only asks for the prompt: as CR LF, one prompt too. */
static void test_first_enter(void **state)
{
    (void)state;
    assert_int_equal(count(TYPE("\r\n"), "vbare> "), 1);
    assert_int_equal(count(TYPE("x\r\n"), "vbare> "), 1);
}

/* The LF of a CR LF may come in a later read of the UART. */
static void test_cr_lf_split(void **state)
{
    (void)state;
    TYPE("\x15\r\n");
    assert_int_equal(count(TYPE("x\r"), "vbare> "), 1);
    assert_int_equal(count(TYPE("\n"), "vbare> "), 0);
    assert_int_equal(count(TYPE("\n"), "vbare> "), 1); /* an LF of its own: an empty line */
}

static int setup(void **state)
{
    (void)state;
    kprintf_set_sink(sink);
    ndev = 0;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_first_enter, setup), /* first: the shell has not prompted yet */
        cmocka_unit_test_setup(test_line_ends, setup),
        cmocka_unit_test_setup(test_cr_lf_split, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
