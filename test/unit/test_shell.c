/*
 * test_shell.c - the console shell (apps/shell.c) compiled as it is, fed
 * keystrokes as a terminal sends them (board_getc) and read through
 * kprintf.  What is asserted: Enter as CR LF (telnet, many serial
 * terminals) is one line end, as a lone CR or a lone LF is, and as the
 * TCP shell reads them (apps/svcparse.c) - one prompt per line, not two;
 * `devices` names every feature the drivers can negotiate, not a bare bit
 * number.  What the commands call outside the shell is stood in for here.
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
static struct board_virtio_slot slots[4];
static struct app_device devs[4];
static struct virtio_dev vdev[4];
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

/* Interfaces started; every one stopped (its device failed: netapp.c's
 * netapp_netif_at() is NULL for it) unless a test says otherwise. */
static unsigned nnet;
static struct netif *net0; /* net0 running, when a test sets it */
static int ping_calls;
struct netif *netapp_netif(void) { return NULL; }
struct virtio_net *netapp_dev(void) { return NULL; }
unsigned netapp_count(void) { return nnet; }
struct netif *netapp_netif_at(unsigned i)
{
    return i == 0 ? net0 : NULL;
}
struct virtio_net *netapp_dev_at(unsigned i)
{
    (void)i;
    return NULL;
}
unsigned virtio_net_mtu(const struct virtio_net *n) /* never called: no device above */
{
    (void)n;
    return 1500;
}
/* What the ping's interrupt check said when the stand-in asked it once, as
 * netapp.c's loop asks after each poll: 1 true, 0 false, -1 no check. */
static int ping_interrupted;
static uint32_t ping_dst; /* the address the last ping was asked for */
int netapp_ping(uint32_t dst, unsigned count, bool (*interrupted)(void *arg), void *arg)
{
    (void)count;
    ping_calls++;
    ping_dst = dst;
    ping_interrupted = interrupted ? interrupted(arg) : -1;
    return 0;
}
/* Disks started (none unless a test says otherwise); every read refused
 * as the driver refuses one past the end (VIRTIO_EINVAL). */
static unsigned nblk;
static struct virtio_blk disks[2];
unsigned blkapp_count(void) { return nblk; }
struct virtio_blk *blkapp_dev_at(unsigned i) { return i < nblk ? &disks[i] : NULL; }
struct virtio_blk *blkapp_dev(void) { return NULL; }
const struct virtio_blk_info *virtio_blk_info(const struct virtio_blk *b) { return &b->info; }
/* ... unless a test says reads succeed: then they bring read_data. */
static bool read_ok;
static uint8_t read_data[8 * 512];
static uint64_t read_lba; /* what the last read asked for */
static unsigned read_count;
int blkapp_read(unsigned disk, uint64_t lba, unsigned count, uint8_t **data)
{
    read_lba = lba;
    read_count = count;
    if (disk < nblk && read_ok) {
        *data = read_data;
        return 0;
    }
    return disk < nblk ? VIRTIO_EINVAL : VIRTIO_ENODEV;
}
/* Writes: what the last one asked for, and its answer (set by a test). */
static uint64_t write_lba;
static unsigned write_count;
static int write_byte = -1;
static int write_result = VIRTIO_ENODEV;
int blkapp_write_pattern(unsigned disk, uint64_t lba, unsigned count, uint8_t byte)
{
    (void)disk;
    write_lba = lba;
    write_count = count;
    write_byte = byte;
    return write_result;
}
/* GET_ID, DISCARD, WRITE_ZEROES: what the last one asked for, and the
 * answer (set by a test). */
static char id_answer[21];
static int id_result = VIRTIO_ENODEV;
static unsigned dwz_disk;
static uint64_t dwz_lba, dwz_count;
static char dwz_op; /* 'd' discard, 'z' zero, 0: none */
static int dwz_result = VIRTIO_ENODEV;
int blkapp_get_id(unsigned disk, char id[21])
{
    (void)disk;
    memcpy(id, id_answer, sizeof(id_answer));
    return id_result;
}
int blkapp_discard(unsigned disk, uint64_t lba, uint64_t count)
{
    dwz_disk = disk, dwz_lba = lba, dwz_count = count, dwz_op = 'd';
    return dwz_result;
}
int blkapp_zero(unsigned disk, uint64_t lba, uint64_t count)
{
    dwz_disk = disk, dwz_lba = lba, dwz_count = count, dwz_op = 'z';
    return dwz_result;
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

/* ---- devices ------------------------------------------------------------------ */

/* Every feature a driver accepts (virtio.c's core and ring bits, and each
 * driver's own), by name. */
static void test_devices_feature_names(void **state)
{
    (void)state;
    const uint64_t core = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM) |
                          VIRTIO_BIT(VIRTIO_F_ORDER_PLATFORM) | VIRTIO_BIT(VIRTIO_F_RING_PACKED) |
                          VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
    static const struct {
        uint32_t id;
        uint64_t features;
        const char *names;
    } cases[] = {
        {VIRTIO_ID_NET,
         VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_MAC) |
             VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) |
             VIRTIO_BIT(VIRTIO_NET_F_GUEST_ANNOUNCE) | VIRTIO_BIT(VIRTIO_F_ANY_LAYOUT),
         "csum guest_csum mac mrg_rxbuf status ctrl_vq guest_announce any_layout"},
        {VIRTIO_ID_BLOCK,
         VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_RO) |
             VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) | VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) | VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) |
             VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES),
         "size_max seg_max ro blk_size flush discard write_zeroes"},
        {VIRTIO_ID_CONSOLE, VIRTIO_BIT(VIRTIO_CONSOLE_F_EMERG_WRITE), "emerg_write"},
        {VIRTIO_ID_RNG, 0, ""},
    };
    ndev = 4;
    for (int i = 0; i < ndev; i++) {
        slots[i].base = 0x0a000000u + 0x200u * (unsigned)i;
        slots[i].intid = 48u + (unsigned)i;
        devs[i].slot = &slots[i];
        devs[i].id.version = 2;
        devs[i].id.device_id = cases[i].id;
        devs[i].dev = &vdev[i];
        vdev[i].features = cases[i].features | core;
    }
    const char *o = TYPE("devices\r");
    if (strstr(o, " bit"))
        fail_msg("a feature without a name:\n%s", o);
    static const char *const core_names[] = {"version_1", "access_platform", "order_platform", "ring_packed",
                                             "indirect_desc", "event_idx"};
    for (int i = 0; i < ndev; i++) {
        char dev_line[512], want[64];
        const char *l = strstr(o, "virtio-mmio@"), *e;
        for (int k = 0; k < i && l; k++)
            l = strstr(l + 1, "virtio-mmio@");
        assert_non_null(l);
        e = strchr(l, '\n');
        assert_non_null(e);
        snprintf(dev_line, sizeof(dev_line), "%.*s", (int)(e - l), l);
        for (size_t k = 0; k < sizeof(core_names) / sizeof(core_names[0]); k++) {
            snprintf(want, sizeof(want), " %s", core_names[k]);
            if (!strstr(dev_line, want))
                fail_msg("no '%s' in: %s", core_names[k], dev_line);
        }
        char names[128];
        snprintf(names, sizeof(names), "%s", cases[i].names);
        for (char *w = strtok(names, " "); w; w = strtok(NULL, " ")) {
            snprintf(want, sizeof(want), " %s", w);
            if (!strstr(dev_line, want))
                fail_msg("no '%s' in: %s", w, dev_line);
        }
    }
}

/* ---- ifconfig --------------------------------------------------------------- */

/* The link MTU, and when a DHCP lease limits it (option 26) the two limits
 * it is the smaller of; the line as before without one (test_multi.sh
 * reads it). */
static void test_ifconfig_mtu(void **state)
{
    static const uint8_t mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    static struct netif nif;
    (void)state;
    netif_init(&nif, mac, NULL, NULL);
    netif_set_link(&nif, true);
    net0 = &nif;
    nnet = 1;
    const char *o = TYPE("ifconfig\r");
    if (!strstr(o, "net0: mac 52:54:00:12:34:56 link up mtu 1500\n"))
        fail_msg("ifconfig said:\n%s", o);
    netif_set_mtu_cfg(&nif, 1400);
    o = TYPE("ifconfig\r");
    if (!strstr(o, "net0: mac 52:54:00:12:34:56 link up mtu 1400 (device 1500, dhcp 1400)\n"))
        fail_msg("ifconfig said:\n%s", o);
    netif_set_mtu(&nif, 1280);
    o = TYPE("ifconfig\r");
    if (!strstr(o, " link up mtu 1280 (device 1280, dhcp 1400)\n"))
        fail_msg("ifconfig said:\n%s", o);
}

/* ---- ping ------------------------------------------------------------------- */

/* net0 stopped (its device failed) while net1 runs: ping goes by the
 * interface netapp_ping() routes to (net/route.c passes over the stopped
 * one), not refused as if there were no interface at all. */
static void test_ping_net0_stopped(void **state)
{
    (void)state;
    nnet = 2;
    TYPE("\x15\r\n");
    const char *o = TYPE("ping 10.0.3.2\r");
    if (ping_calls != 1)
        fail_msg("ping not started with net1 running:\n%s", o);
    nnet = 0;
    o = TYPE("ping 10.0.3.2\r");
    assert_non_null(strstr(o, "ping: no network interface"));
    assert_int_equal(ping_calls, 1);
}

/* ping's address is a strict dotted quad, as ip= takes one (net/ipcfg.c):
 * a part with a leading zero is refused, not read as decimal - inet_aton
 * and ping(8) read "010.0.0.1" as octal, 8.0.0.1, so pinging 10.0.0.1 for
 * it would answer for another host than the one typed. */
static void test_ping_address_strict(void **state)
{
    (void)state;
    static const char *const bad[] = {"010.0.0.1", "10.0.0.01", "10.00.0.1", "0010.0.0.1", "10.0.0.0001"};
    nnet = 1;
    TYPE("\x15\r\n");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char line[64];
        int n = snprintf(line, sizeof(line), "ping %s\r", bad[i]);
        const char *o = type(line, (size_t)n);
        if (ping_calls != 0 || !strstr(o, "not an address a.b.c.d"))
            fail_msg("'%s' taken as an address (%d pings):\n%s", bad[i], ping_calls, o);
    }
    TYPE("ping 10.0.0.1\r");
    assert_int_equal(ping_calls, 1);
    assert_int_equal(ping_dst, 0x0a000001u); /* the host typed, not another */
    TYPE("ping 10.0.0.0\r"); /* a 0 part alone is no leading zero */
    assert_int_equal(ping_calls, 2);
    assert_int_equal(ping_dst, 0x0a000000u);
    TYPE("ping 192.168.255.7\r");
    assert_int_equal(ping_calls, 3);
    assert_int_equal(ping_dst, 0xc0a8ff07u);
}

/* Ctrl-C typed while ping runs stops it (the check says true), and is
 * not a key of the next line; what follows it is read as usual. */
static void test_ping_ctrl_c(void **state)
{
    (void)state;
    nnet = 1;
    TYPE("\x15\r\n");
    const char *o = TYPE("ping 10.0.3.2\r\x03help\r");
    assert_int_equal(ping_calls, 1);
    if (ping_interrupted != 1)
        fail_msg("Ctrl-C during ping: the check said %d, not 1:\n%s", ping_interrupted, o);
    if (!strstr(o, "vbare> help\n  help"))
        fail_msg("the line after Ctrl-C did not run as typed:\n%s", o);
}

/* Keys other than Ctrl-C typed while ping runs are not lost: the check
 * says false and they make the next line, in order. */
static void test_ping_typeahead_kept(void **state)
{
    (void)state;
    nnet = 1;
    TYPE("\x15\r\n");
    const char *o = TYPE("ping 10.0.3.2\rhelp\r");
    assert_int_equal(ping_calls, 1);
    if (ping_interrupted != 0)
        fail_msg("keys during ping: the check said %d, not 0:\n%s", ping_interrupted, o);
    if (!strstr(o, "vbare> help\n  help"))
        fail_msg("the keys typed during ping were lost:\n%s", o);
}

/* More keys typed while ping runs than the typeahead holds: the line they
 * were cut in is not run as if it had been typed whole - here "help", its
 * Enter lost, would otherwise run joined to the next line typed. */
static void test_ping_typeahead_overflow(void **state)
{
    (void)state;
    nnet = 1;
    TYPE("\x15\r\n");
    static char keys_[128];
    size_t n = 0;
    memcpy(keys_, "ping 10.0.3.2\r", 14);
    n = 14;
    for (int i = 0; i < 60; i++) /* Ctrl-U, which prints nothing: 60 of the 64 */
        keys_[n++] = 0x15;
    memcpy(keys_ + n, "help\r", 5); /* its CR the 65th: lost */
    n += 5;
    type(keys_, n);
    assert_int_equal(ping_calls, 1);
    const char *o = TYPE("devices\r");
    if (strstr(o, "helpdevices") || !strstr(o, "nothing was run"))
        fail_msg("the line cut by the typeahead's end ran as:\n%s", o);
    o = TYPE("help\r"); /* and the next line is read as usual */
    assert_non_null(strstr(o, "  help"));
}

/* ---- blk ---------------------------------------------------------------------- */

/* A refused read names its sectors whole: disk1's 20-digit sector numbers
 * (the largest a 64-bit LBA has) are not cut short, which would name
 * another sector. */
static void test_blk_read_error_whole_numbers(void **state)
{
    (void)state;
    nblk = 2;
    disks[1].info.capacity = 1000;
    TYPE("\x15\r\n");
    const char *o = TYPE("blk read disk1 18446744073709551600 8\r");
    if (!strstr(o, "blk: disk1: read of sectors 18446744073709551600-18446744073709551607 refused: past the end "
                   "of the disk, whose last sector is 999 ("))
        fail_msg("the session got:\n%s", o);
}

/* A disk of 4096-byte blocks: a read that is not whole blocks is refused
 * in words that say what a block is, and a write covers the block at its
 * sector (one 512-byte sector would be refused by the driver). */
static void test_blk_block_size(void **state)
{
    (void)state;
    nblk = 1;
    disks[0].info.capacity = 1024;
    disks[0].info.blk_size = 4096;
    TYPE("\x15\r\n");
    const char *o = TYPE("blk read 3\r");
    if (!strstr(o, "blk: read of sector 3 refused: the disk's blocks are 4096 bytes, so the sector and the count "
                   "must be multiples of 8 (-22)"))
        fail_msg("the session got:\n%s", o);
    write_result = 0;
    o = TYPE("blk write 16 171\r");
    assert_int_equal(write_lba, 16);
    assert_int_equal(write_count, 8);
    assert_int_equal(write_byte, 0xab); /* the byte the answer names */
    if (!strstr(o, "blk: write of sectors 16-23 with 0xab: ok (0)"))
        fail_msg("the session got:\n%s", o);
    write_result = VIRTIO_EINVAL;
    o = TYPE("blk write 17 171\r");
    if (!strstr(o, "blk: write of sectors 17-24 with 0xab refused: the disk's blocks are 4096 bytes"))
        fail_msg("the session got:\n%s", o);
    disks[0].info.blk_size = 512;
    write_result = 0;
    o = TYPE("blk write 17 171\r");
    assert_int_equal(write_lba, 17);
    assert_int_equal(write_count, 1);
    assert_int_equal(write_byte, 0xab);
    if (!strstr(o, "blk: write of sector 17 with 0xab: ok (0)"))
        fail_msg("the session got:\n%s", o);
}

/* The hexdump's offsets are bytes from the start of the disk, lba * 512
 * on: past sector 2^55 (a capacity the device gives, whatever it is) that
 * takes more than 64 bits, and the offset wrapped round to 0 - a line
 * that named sector 0's bytes. */
static void test_blk_read_offsets_past_64_bits(void **state)
{
    (void)state;
    nblk = 1;
    disks[0].info.capacity = UINT64_MAX;
    disks[0].info.blk_size = 512;
    read_ok = true;
    memset(read_data, 0xa5, sizeof(read_data));
    TYPE("\x15\r\n");
    /* the offsets name the sectors read: each read asks for the ones typed */
    const char *o = TYPE("blk read 5 2\r"); /* as before */
    if (!strstr(o, "\n00000a00  a5 a5 ") || !strstr(o, "\n00000df0  a5 a5 "))
        fail_msg("the session got:\n%s", o);
    assert_int_equal(read_lba, 5);
    assert_int_equal(read_count, 2);
    o = TYPE("blk read 36028797018963967 2\r"); /* sectors 2^55 - 1 and 2^55 */
    if (!strstr(o, "\nfffffffffffffe00  a5 a5 ") || !strstr(o, "\nfffffffffffffff0  a5 a5 ") ||
        !strstr(o, "\n10000000000000000  a5 a5 ") || !strstr(o, "\n100000000000001f0  a5 a5 ") || strstr(o, "\n0000"))
        fail_msg("the session got:\n%s", o);
    assert_int_equal(read_lba, 36028797018963967ull);
    assert_int_equal(read_count, 2);
    o = TYPE("blk read 18446744073709551614 1\r"); /* the last sector a 64-bit LBA names but one */
    if (!strstr(o, "\n1fffffffffffffffc00  a5 a5 ") || !strstr(o, "\n1fffffffffffffffdf0  a5 a5 "))
        fail_msg("the session got:\n%s", o);
    assert_int_equal(read_lba, 18446744073709551614ull);
    assert_int_equal(read_count, 1);
    read_ok = false;
}

/* blk id: the serial in quotes, "no serial" in words when the device has
 * none or does not answer GET_ID, a failure with its reason and number. */
static void test_blk_id(void **state)
{
    (void)state;
    nblk = 2;
    TYPE("\x15\r\n");
    id_result = 0;
    strcpy(id_answer, "VBARE0001");
    const char *o = TYPE("blk id\r");
    if (!strstr(o, "blk: serial \"VBARE0001\" (0)\n"))
        fail_msg("the session got:\n%s", o);
    o = TYPE("blk id disk1\r");
    if (!strstr(o, "blk: disk1: serial \"VBARE0001\" (0)\n"))
        fail_msg("the session got:\n%s", o);
    id_answer[0] = '\0';
    o = TYPE("blk id\r");
    if (!strstr(o, "blk: no serial: the device's is empty (0)\n"))
        fail_msg("the session got:\n%s", o);
    id_result = VIRTIO_ENOTSUP;
    o = TYPE("blk id\r");
    if (!strstr(o, "blk: no serial: the device does not answer GET_ID (-95)\n"))
        fail_msg("the session got:\n%s", o);
    id_result = VIRTIO_ETIMEDOUT;
    o = TYPE("blk id disk1\r");
    if (!strstr(o, "blk: disk1: serial (GET_ID) failed: an error (-110)\n"))
        fail_msg("the session got:\n%s", o);
    o = TYPE("blk id 5\r");
    if (!strstr(o, "blk id: too many arguments\n") || !strstr(o, "usage: blk info | blk id [diskN]"))
        fail_msg("the session got:\n%s", o);
    o = TYPE("blk id disk3\r");
    if (!strstr(o, "blk: no disk3: the disks are disk0 to disk1\n"))
        fail_msg("the session got:\n%s", o);
}

/* blk discard / blk zero: the range to the driver as typed, "ok (0)" with
 * the sectors named, every refusal in words then its number. */
static void test_blk_discard_zero(void **state)
{
    (void)state;
    nblk = 2;
    disks[0].info.capacity = 1000;
    disks[0].info.blk_size = 512;
    disks[1].info.capacity = 1000;
    disks[1].info.blk_size = 4096;
    disks[0].info.discard = true;
    TYPE("\x15\r\n");
    const char *o = TYPE("blk info\r");
    if (!strstr(o, "blk: disk0: discard yes, write zeroes no\n") || strstr(o, "blk: disk1: discard"))
        fail_msg("the session got:\n%s", o);
    dwz_result = 0;
    o = TYPE("blk discard 100 50\r");
    assert_int_equal(dwz_op, 'd');
    assert_int_equal(dwz_disk, 0);
    assert_int_equal(dwz_lba, 100);
    assert_int_equal(dwz_count, 50);
    if (!strstr(o, "blk: discard of sectors 100-149: ok (0)\n"))
        fail_msg("the session got:\n%s", o);
    o = TYPE("blk zero disk1 8 1\r");
    assert_int_equal(dwz_op, 'z');
    assert_int_equal(dwz_disk, 1);
    if (!strstr(o, "blk: disk1: zeroing of sector 8: ok (0)\n"))
        fail_msg("the session got:\n%s", o);
    dwz_result = VIRTIO_ENOTSUP;
    o = TYPE("blk discard 0 8\r");
    if (!strstr(o, "blk: discard of sectors 0-7 refused: the device does not offer DISCARD (-95)\n"))
        fail_msg("the session got:\n%s", o);
    o = TYPE("blk zero 0 8\r");
    if (!strstr(o, "blk: zeroing of sectors 0-7 refused: the device does not offer WRITE_ZEROES (-95)\n"))
        fail_msg("the session got:\n%s", o);
    dwz_result = VIRTIO_EINVAL;
    o = TYPE("blk zero 990 11\r");
    if (!strstr(o, "blk: zeroing of sectors 990-1000 refused: past the end of the disk, whose last sector is 999 "
                   "(-22)\n"))
        fail_msg("the session got:\n%s", o);
    o = TYPE("blk discard disk1 3 8\r");
    if (!strstr(o, "blk: disk1: discard of sectors 3-10 refused: the disk's blocks are 4096 bytes, so the sector "
                   "and the count must be multiples of 8 (-22)\n"))
        fail_msg("the session got:\n%s", o);
    o = TYPE("blk discard 18446744073709551615 18446744073709551615\r");
    if (!strstr(o, "blk: discard of 18446744073709551615 sectors at 18446744073709551615 refused: past the end"))
        fail_msg("the session got:\n%s", o);
    dwz_result = VIRTIO_EROFS;
    o = TYPE("blk zero 0 1\r");
    if (!strstr(o, "blk: zeroing of sector 0 refused: an error (-30)\n"))
        fail_msg("the session got:\n%s", o);
    dwz_result = VIRTIO_EIO;
    o = TYPE("blk discard 0 1\r");
    if (!strstr(o, "blk: discard of sector 0 failed: an error (-5)\n"))
        fail_msg("the session got:\n%s", o);
    /* the arguments, checked before anything is asked of a disk */
    dwz_op = 0;
    o = TYPE("blk discard 5\r");
    if (!strstr(o, "blk discard: missing argument: the sector count\n"))
        fail_msg("the session got:\n%s", o);
    o = TYPE("blk zero\r");
    if (!strstr(o, "blk zero: missing argument: the sector number\n"))
        fail_msg("the session got:\n%s", o);
    o = TYPE("blk zero 5 0\r");
    if (!strstr(o, "'0': not a sector count (1 or more)") || !strstr(o, "usage: blk info"))
        fail_msg("the session got:\n%s", o);
    o = TYPE("blk discard 5 x\r");
    if (!strstr(o, "'x': not a sector count (1 or more)"))
        fail_msg("the session got:\n%s", o);
    o = TYPE("blk discard 5 6 7\r");
    if (!strstr(o, "blk discard: too many arguments\n"))
        fail_msg("the session got:\n%s", o);
    o = TYPE("blk trim 5 6\r");
    if (!strstr(o, "blk: unknown subcommand 'trim': info, id, read, write, discard or zero\n"))
        fail_msg("the session got:\n%s", o);
    o = TYPE("blk zero disk7 5 6\r");
    if (!strstr(o, "'disk7': not a disk: disk0 to disk3"))
        fail_msg("the session got:\n%s", o);
    assert_int_equal(dwz_op, 0);
}

static int setup(void **state)
{
    (void)state;
    kprintf_set_sink(sink);
    ndev = 0;
    nnet = 0;
    net0 = NULL;
    ping_calls = 0;
    ping_interrupted = -2;
    write_result = VIRTIO_ENODEV;
    memset(disks, 0, sizeof(disks));
    nblk = 0;
    id_result = dwz_result = VIRTIO_ENODEV;
    dwz_op = 0;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_first_enter, setup), /* first: the shell has not prompted yet */
        cmocka_unit_test_setup(test_line_ends, setup),
        cmocka_unit_test_setup(test_cr_lf_split, setup),
        cmocka_unit_test_setup(test_devices_feature_names, setup),
        cmocka_unit_test_setup(test_ifconfig_mtu, setup),
        cmocka_unit_test_setup(test_ping_net0_stopped, setup),
        cmocka_unit_test_setup(test_ping_address_strict, setup),
        cmocka_unit_test_setup(test_ping_ctrl_c, setup),
        cmocka_unit_test_setup(test_ping_typeahead_kept, setup),
        cmocka_unit_test_setup(test_ping_typeahead_overflow, setup),
        cmocka_unit_test_setup(test_blk_read_error_whole_numbers, setup),
        cmocka_unit_test_setup(test_blk_block_size, setup),
        cmocka_unit_test_setup(test_blk_read_offsets_past_64_bits, setup),
        cmocka_unit_test_setup(test_blk_id, setup),
        cmocka_unit_test_setup(test_blk_discard_zero, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
