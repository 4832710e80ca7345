/*
 * fuzz_shell.c - fuzz target for what the firmware reads as text: the boot
 * arguments and the console shell (apps/shell.c, compiled as it is).
 *
 * Input: byte 0 says which devices the firmware has (bit 0 a network
 * interface, bit 1 a block device, bit 2 an entropy device, bit 3 drivers
 * on the listed devices; bits 4-7 pick the block device's size and what
 * the stand-ins answer); then the boot arguments up to the first NUL (or
 * the end); then the keystrokes typed at the console.  Seeds are text:
 * "7ip=dhcp netq=64\0help\r" (test/fuzz/seeds-shell).
 *
 * Boot arguments: every word and key the firmware asks for goes through
 * app_bootarg / app_bootarg_value (apps/bootargs.c) with buffers from 1 to
 * 64 bytes, netq= through app_parse_queue_size, ip= through
 * net_parse_ip_arg (ip1= to ip3= through net_parse_ip_arg_index) and,
 * when ip= parses, net_ipcfg_apply on a fake
 * interface (test/unit/fake_netif.c).  Checked: a value is NUL-terminated
 * inside its buffer and is the start of a word of the arguments; an
 * accepted queue size is a power of two from 2 to 1024 written as that
 * number; a static ip= leaves that address configured.
 *
 * Shell: the keystrokes go to shell_poll() through board_getc().  What the
 * commands call is stood in for here (devices, interfaces, the block and
 * entropy devices, ping): each stand-in checks that the shell only passes
 * what its argument checks promise (a host address and a count of 1-1000
 * for ping, 1-8 sectors for blk read, a byte for blk write, 1-64 bytes for
 * rng), and its answers (errors included) come from byte 0.  Every line
 * the shell prints goes through kprintf into a sink that reads it.
 *
 * Two builds, as fuzz_netif.c: -DFUZZ_LIBFUZZER for libFuzzer, otherwise
 * the seed runner (seed_runner.c) over test/fuzz/seeds-shell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "bench.h"
#include "blkapp.h"
#include "fake_netif.h"
#include "ipcfg.h"
#include "kprintf.h"
#include "netapp.h"
#include "netif.h"
#include "seed_runner.h"
#include "virtio/virtio.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_net.h"
#include "virtio/virtqueue.h"


static uint8_t cfg;
static const uint8_t *keys;
static size_t nkeys, keypos;
static struct board_info binfo;
static struct fake_netif fnif; /* the shell's network interface */
static bool have_net;

/* Totals for the seed runner's coverage check. */
static unsigned long n_cmds_ok, n_ping, n_blk_read, n_blk_write, n_rng, n_ip_static, n_ip_dhcp, n_netq, n_lines;

/* ---- the firmware around the shell: stand-ins ------------------------------ */

const struct board_info *board(void) { return &binfo; }
int board_getc(void) { return keypos < nkeys ? keys[keypos++] : -1; }
uint64_t board_irq_count(void) { return 12345; }

static struct board_virtio_slot slots[4];
static struct app_device devs[4];
static struct virtio_dev vdev[4];
static struct virtio_net vnet;
static struct virtio_blk vblk;

const struct app_device *app_devices(int *n)
{
    *n = (cfg & 8) ? 4 : (cfg & 1) ? 1 : 0;
    return devs;
}

/* As apps/main.c writes it (main.c itself needs the whole firmware). */
const char *app_irq_str(const struct board_virtio_slot *s, char *buf, size_t size)
{
    if (s->intid == VIRTIO_NO_IRQ)
        ksnprintf(buf, size, "none");
    else
        ksnprintf(buf, size, "%u%s", s->intid, s->irq_flags == PLAT_IRQ_LEVEL ? " level" : "");
    return buf;
}

struct netif *netapp_netif(void) { return have_net ? &fnif.nif : NULL; }
struct virtio_net *netapp_dev(void) { return have_net ? &vnet : NULL; }
unsigned netapp_count(void) { return have_net ? 1 : 0; }
struct netif *netapp_netif_at(unsigned i) { return i == 0 ? netapp_netif() : NULL; }
struct virtio_net *netapp_dev_at(unsigned i) { return i == 0 ? netapp_dev() : NULL; }
unsigned virtio_net_mtu(const struct virtio_net *n) { return n->mtu; }
int netapp_ping(uint32_t dst, unsigned count, bool (*interrupted)(void *arg), void *arg)
{
    CHECK(have_net);
    if (interrupted)
        (void)interrupted(arg); /* reads the keys typed meanwhile: kept for the next line, or Ctrl-C */
    CHECK(dst != 0 && dst != 0xffffffffu && (dst >> 28) < 0xe);
    CHECK(count >= 1 && count <= 1000);
    n_ping++;
    switch ((cfg >> 4) & 3) {
    case 0: return 0;
    case 1: return -NET_EBUSY;
    case 2: return -NET_ELINKDOWN;
    default: return -NET_EINVAL;
    }
}

/* Two disks (disk0, disk1) that share one stand-in device. */
struct virtio_blk *blkapp_dev(void) { return (cfg & 2) ? &vblk : NULL; }
unsigned blkapp_count(void) { return (cfg & 2) ? 2 : 0; }
struct virtio_blk *blkapp_dev_at(unsigned i) { return i < blkapp_count() ? &vblk : NULL; }
const struct virtio_blk_info *virtio_blk_info(const struct virtio_blk *b)
{
    CHECK(b == &vblk);
    return &vblk.info;
}
static int blk_answer(uint64_t lba, uint64_t n)
{
    uint64_t cap = vblk.info.capacity;
    if (lba >= cap || n > cap - lba)
        return VIRTIO_EINVAL;
    if (cfg & 0x40)
        return VIRTIO_EIO;
    if ((cfg & 0x80) && vblk.info.read_only)
        return VIRTIO_EROFS;
    return 0;
}
int blkapp_read(unsigned disk, uint64_t lba, unsigned count, uint8_t **data)
{
    static uint8_t *buf;
    CHECK(cfg & 2);
    CHECK(disk < blkapp_count());
    CHECK(count >= 1 && count <= 8);
    n_blk_read++;
    int err = blk_answer(lba, count);
    if (err)
        return err;
    free(buf);
    buf = malloc(count * 512u); /* exactly: the hexdump must stay inside */
    CHECK(buf != NULL);
    for (unsigned i = 0; i < count * 512u; i++)
        buf[i] = (uint8_t)(i * 7 + lba);
    *data = buf;
    return 0;
}
int blkapp_write_pattern(unsigned disk, uint64_t lba, unsigned count, uint8_t byte)
{
    (void)byte;
    CHECK(cfg & 2);
    CHECK(disk < blkapp_count());
    CHECK(count == 1);
    n_blk_write++;
    return blk_answer(lba, count);
}
/* blk id, discard, zero: what blkapp_get_id/_discard/_zero promise the
 * shell (a printable serial of at most 20, "" with an error; a count of 1
 * or more, checked against the disk as the driver does). */
int blkapp_get_id(unsigned disk, char id[21])
{
    CHECK(cfg & 2);
    CHECK(disk < blkapp_count());
    id[0] = '\0';
    if (cfg & 0x40)
        return (cfg & 0x80) ? VIRTIO_ENOTSUP : VIRTIO_ETIMEDOUT;
    strcpy(id, (cfg & 0x80) ? "ABCDEFGHIJKLMNOPQRST" : "");
    return 0;
}
int blkapp_discard(unsigned disk, uint64_t lba, uint64_t count)
{
    CHECK(cfg & 2);
    CHECK(disk < blkapp_count());
    CHECK(count >= 1);
    return (cfg & 0x80) && !(cfg & 0x40) ? VIRTIO_ENOTSUP : blk_answer(lba, count);
}
int blkapp_zero(unsigned disk, uint64_t lba, uint64_t count)
{
    CHECK(cfg & 2);
    CHECK(disk < blkapp_count());
    CHECK(count >= 1);
    return blk_answer(lba, count);
}

int app_rng_read(void *buf, size_t len)
{
    CHECK(len >= 1 && len <= 64);
    n_rng++;
    if (!(cfg & 4))
        return VIRTIO_ENODEV;
    if (cfg & 0x40)
        return VIRTIO_ETIMEDOUT;
    size_t got = (cfg & 0x80) ? len / 2 : len;
    memset(buf, 0x5a, got);
    return (int)got;
}

void bench_print(void) { kprintf("bench: not enabled\n"); }
const char *virtio_strerror(int err) { return err ? "an error" : "ok"; }
const char *virtqueue_name(const struct virtqueue *vq)
{
    (void)vq;
    fuzz_fail("virtqueue_name: no queue here");
    return "";
}
void virtqueue_get_stats(const struct virtqueue *vq, struct vq_stats *out)
{
    (void)vq;
    (void)out;
    fuzz_fail("virtqueue_get_stats: no queue here");
}
uint32_t plat_mmio_read32(uintptr_t addr)
{
    (void)addr;
    return 0;
}

/* Every line the firmware prints: read to its end. */
static void sink(const char *s, size_t n)
{
    volatile char x = 0;
    for (size_t i = 0; i < n; i++)
        x ^= s[i];
    (void)x;
    n_lines++;
}

static void set_up_devices(void)
{
    static const uint32_t ids[4] = {VIRTIO_ID_NET, VIRTIO_ID_BLOCK, VIRTIO_ID_RNG, 77};
    memset(slots, 0, sizeof(slots));
    memset(devs, 0, sizeof(devs));
    memset(vdev, 0, sizeof(vdev));
    memset(&vnet, 0, sizeof(vnet));
    memset(&vblk, 0, sizeof(vblk));
    for (int i = 0; i < 4; i++) {
        slots[i].base = 0x0a000000u + 0x200u * (unsigned)i;
        slots[i].intid = i == 2 ? 0 : 48u + (unsigned)i;
        slots[i].irq_flags = i == 1 ? PLAT_IRQ_LEVEL : PLAT_IRQ_EDGE;
        devs[i].slot = &slots[i];
        devs[i].id.magic = 0x74726976u;
        devs[i].id.version = 2;
        devs[i].id.device_id = ids[i];
        vdev[i].features = 0xffffffffffffffffull >> (cfg >> 4);
        vdev[i].stats.interrupts = (uint32_t)i * 3;
        devs[i].dev = (cfg & 8) && i != 3 ? &vdev[i] : NULL;
    }
    /* capacity: 0, 1, 8 sectors or a large disk; read-only by bit 7 */
    static const uint64_t caps[4] = {0, 1, 8, 1ull << 40};
    vblk.info.capacity = caps[(cfg >> 4) & 3];
    vblk.info.read_only = (cfg & 0x80) != 0;
}

/* ---- boot arguments ------------------------------------------------------- */

/* Whether v (len bytes) starts a word "key=..." of the arguments. */
static bool value_of_a_word(const char *args, const char *key, const char *v)
{
    size_t k = strlen(key), vl = strlen(v);
    for (const char *p = args; (p = strstr(p, key)) != NULL; p++)
        if ((p == args || strchr(" \t\n\r", p[-1])) && p[k] == '=' && strncmp(p + k + 1, v, vl) == 0)
            return true;
    return false;
}

static void run_bootargs(void)
{
    static const char *const words[] = {"bench", "poweroff", "csum=off", "guest_csum=off", "rng=poll",
                                        "crash=undef", "crash=abort", "tcp_echo=off", "tcp_discard=off"};
    static const char *const keys_[] = {"ip", "ip1", "netq", "blk", "crash", "rng"};
    static const size_t sizes[] = {1, 2, 8, 16, 64};
    char *buf;

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        (void)app_bootarg(words[i]);
    for (size_t k = 0; k < sizeof(keys_) / sizeof(keys_[0]); k++)
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
            buf = malloc(sizes[s]); /* exactly, for ASan */
            CHECK(buf != NULL);
            const char *v = app_bootarg_value(keys_[k], buf, sizes[s]);
            if (v) {
                CHECK(v == buf && memchr(buf, 0, sizes[s]) != NULL);
                CHECK(value_of_a_word(binfo.bootargs, keys_[k], v));
            }
            free(buf);
        }
    (void)app_bootarg_value("netq", NULL, 0);

    /* netq= as apps/netapp.c reads it */
    char q[8];
    if (app_bootarg_value("netq", q, sizeof(q))) {
        unsigned v = app_parse_queue_size(q, VIRTIO_NET_QUEUE_MAX);
        if (v) {
            char back[16];
            CHECK(v >= 2 && v <= VIRTIO_NET_QUEUE_MAX && (v & (v - 1)) == 0);
            snprintf(back, sizeof(back), "%u", v);
            /* the number as written, leading zeros aside */
            const char *d = q;
            while (*d == '0' && d[1])
                d++;
            CHECK(strcmp(d, back) == 0);
            n_netq++;
        }
    }

    /* ip= as apps/netapp.c reads it, applied to an interface */
    struct net_ipcfg ip;
    struct fake_netif *f = fake_open();
    CHECK(f != NULL);
    if (net_parse_ip_arg(binfo.bootargs, &ip) >= 0) {
        int err = net_ipcfg_apply(&f->nif, &ip, NULL, NULL);
        if (err == 0 && ip.mode == NET_IPCFG_STATIC) {
            CHECK(f->nif.ipv4.addr == ip.addr);
            n_ip_static++;
        } else if (err == 0 && ip.mode == NET_IPCFG_DHCP) {
            n_ip_dhcp++;
        }
        net_tick(&f->nif, 5000);
    } else {
        (void)net_ipcfg_strerror(net_parse_ip_arg(binfo.bootargs, &ip));
    }
    CHECK(fake_close(&f) == 0);

    /* ip1= .. ip3= (net1 .. net3) through the same parser: an error leaves
     * DHCP, and ip= never decides another interface's address. */
    for (unsigned k = 1; k < 4; k++) {
        struct net_ipcfg ipk;
        int e = net_parse_ip_arg_index(binfo.bootargs, k, &ipk);
        CHECK(e <= 0);
        if (e < 0)
            CHECK(ipk.mode == NET_IPCFG_DHCP);
        (void)net_ipcfg_strerror(e);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t reset[] = {0x15, '\r'}; /* Ctrl-U, Enter: a clean line */
    const uint8_t *nul;
    size_t alen;
    char *args;

    kprintf_set_sink(sink);
    fake_log_quiet(true);
    cfg = size ? data[0] : 0;
    if (size) {
        data++;
        size--;
    }
    nul = memchr(data, 0, size);
    alen = nul ? (size_t)(nul - data) : size;
    args = malloc(alen + 1); /* exactly, for ASan */
    CHECK(args != NULL);
    memcpy(args, data, alen);
    args[alen] = '\0';
    memset(&binfo, 0, sizeof(binfo));
    binfo.bootargs = args;
    run_bootargs();

    set_up_devices();
    have_net = (cfg & 1) != 0;
    fake_init(&fnif);
    netif_set_link(&fnif.nif, true);
    netif_set_ipv4(&fnif.nif, FAKE_IP, FAKE_MASK, FAKE_GW);
    keys = reset;
    nkeys = sizeof(reset);
    keypos = 0;
    shell_poll();
    unsigned long before = n_lines;
    keys = nul ? nul + 1 : data + size;
    nkeys = nul ? size - alen - 1 : 0;
    keypos = 0;
    shell_init();
    shell_poll();
    CHECK(keypos == nkeys);
    if (n_lines > before + 1)
        n_cmds_ok++;
    netif_flush(&fnif.nif);
    CHECK(fake_fini(&fnif, NULL, 0) == 0);
    free(args);
    binfo.bootargs = NULL;
    return 0;
}

int fuzz_seed_coverage(void)
{
    return FUZZ_REACHED(n_cmds_ok > 0) + FUZZ_REACHED(n_ping > 0) + FUZZ_REACHED(n_blk_read > 0) +
           FUZZ_REACHED(n_blk_write > 0) + FUZZ_REACHED(n_rng > 0) + FUZZ_REACHED(n_ip_static > 0) +
           FUZZ_REACHED(n_ip_dhcp > 0) + FUZZ_REACHED(n_netq > 0);
}
