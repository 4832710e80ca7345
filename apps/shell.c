/*
 * shell.c - the console shell on the UART.  Polled from the main loop; one
 * line at a time with backspace editing.  Every command checks its
 * arguments and answers a bad one with the reason in words, then its
 * one-line usage.  Every error names what went wrong in words, then the
 * error number when there is one: "blk: write of sector 0 with 0xab
 * refused: read-only device (-30)".
 */
#include <string.h>

#include "app.h"
#include "bench.h"
#include "blkapp.h"
#include "kprintf.h"
#include "net_stats.h"
#include "netapp.h"
#include "netif.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_console.h"
#include "virtio/virtio_net.h"

#define LINE_MAX 96
#define ARGS_MAX 6
#define PROMPT "vbare> "

static char line[LINE_MAX];
static size_t len;
static bool overflow; /* the line lost characters: refuse it at Enter */
static bool after_cr; /* the last line ended with CR: an LF or NUL next is its end's */
/* The running command's interrupt check (shell_run_line), NULL when none. */
static bool (*cmd_interrupted)(void *arg);
static void *cmd_arg;
/* Keys typed on the console while a command ran, other than Ctrl-C: read
 * in looking for one, and fed to the line editor after the command. */
#define TYPEAHEAD 64
static unsigned char typeahead[TYPEAHEAD];
static unsigned ta_head, ta_len;
/* Keys were dropped after the last one kept: the line they were typed in
 * (the one in the editor once the typeahead is read) is not whole. */
static bool ta_lost;
static bool line_lost; /* the line in the editor lost keys: refuse it at Enter */

/* ---- argument parsing ---------------------------------------------------- */

static bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

/* Say why an argument is refused; false, for the caller to return. */
static bool bad_arg(const char *cmd, const char *arg, const char *why)
{
    kprintf("%s: bad argument '%s': %s\n", cmd, arg, why);
    return false;
}

/* A number from lo to hi; false (after saying why) otherwise. */
static bool arg_number(const char *cmd, const char *arg, uint64_t lo, uint64_t hi, const char *what, uint64_t *out)
{
    uint64_t v;
    if (!parse_u64(arg, &v) || v < lo || v > hi)
        return bad_arg(cmd, arg, what);
    *out = v;
    return true;
}

/* Commands that take no arguments. */
static bool no_args(int argc, char **argv)
{
    if (argc == 1)
        return true;
    kprintf("%s: too many arguments: it takes none\n", argv[0]);
    return false;
}

/* A strict dotted quad, as ip= takes one (net/ipcfg.c): four decimal parts
 * 0-255 without leading zeros - ping(8) and inet_aton read "010.0.0.1" as
 * octal, 8.0.0.1, so reading it as 10.0.0.1 would ping another host. */
static bool parse_ip(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int part = 0; part < 4; part++) {
        unsigned n = 0, digits = 0;
        const char *first = s;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            n = n * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (!digits || n > 255 || (digits > 1 && *first == '0') || (part < 3 && *s++ != '.'))
            return false;
        v = (v << 8) | n;
    }
    if (*s)
        return false;
    *out = v;
    return true;
}

/* ---- commands -------------------------------------------------------------- */

static void cmd_help(int argc, char **argv);

static void cmd_devices(int argc, char **argv)
{
    if (!no_args(argc, argv))
        return;
    int n;
    const struct app_device *d = app_devices(&n);
    for (int i = 0; i < n; i++) {
        char irq[24];
        kprintf("virtio-mmio@0x%08lx irq %s v%u dev %u (%s)", (unsigned long)d[i].slot->base,
                app_irq_str(d[i].slot, irq, sizeof(irq)), (unsigned)d[i].id.version, (unsigned)d[i].id.device_id,
                virtio_device_name(d[i].id.device_id));
        if (!d[i].dev) {
            kprintf(" no driver\n");
            continue;
        }
        kprintf(" features 0x%llx:", (unsigned long long)d[i].dev->features);
        for (unsigned b = 0; b < 64; b++) {
            if (!(d[i].dev->features & (1ull << b)))
                continue;
            const char *name = app_feature_name(d[i].id.device_id, b);
            if (name)
                kprintf(" %s", name);
            else
                kprintf(" bit%u", b);
        }
        kprintf(", %u interrupts\n", (unsigned)d[i].dev->stats.interrupts);
    }
    if (n == 0)
        kprintf("no virtio devices\n");
}

static void cmd_ifconfig(int argc, char **argv)
{
    if (!no_args(argc, argv))
        return;
    unsigned n = netapp_count();
    if (n == 0) {
        kprintf("ifconfig: no network interface\n");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        struct netif *nif = netapp_netif_at(i);
        if (!nif) {
            kprintf("net%u: stopped (its device failed; see the boot log)\n", i);
            continue;
        }
        char a[16], m[16], g[16];
        /* the link MTU, and when a DHCP lease limits it too (option 26)
         * both limits: the link's is the smaller (netif.h) */
        char lim[48] = "";
        if (nif->mtu_cfg)
            ksnprintf(lim, sizeof(lim), " (device %u, dhcp %u)", (unsigned)nif->mtu_dev, (unsigned)nif->mtu_cfg);
        kprintf("net%u: mac %02x:%02x:%02x:%02x:%02x:%02x link %s mtu %u%s\n", i, nif->mac[0], nif->mac[1],
                nif->mac[2], nif->mac[3], nif->mac[4], nif->mac[5], nif->link_up ? "up" : "down", nif->mtu, lim);
        kprintf("      inet %s netmask %s gateway %s\n", net_ip4_str(nif->ipv4.addr, a),
                net_ip4_str(nif->ipv4.netmask, m), net_ip4_str(nif->ipv4.gw, g));
        kprintf("      rx %u frames, tx %u frames\n", (unsigned)nif->stats.rx_frames, (unsigned)nif->stats.tx_frames);
    }
}

static void cmd_ping(int argc, char **argv)
{
    uint32_t ip = 0;
    uint64_t count = 4;
    bool ok = true;
    if (argc < 2) {
        kprintf("ping: missing argument: the address to ping\n");
        ok = false;
    } else if (argc > 3) {
        kprintf("ping: too many arguments\n");
        ok = false;
    } else if (!parse_ip(argv[1], &ip)) {
        ok = bad_arg("ping", argv[1], "not an address a.b.c.d");
    } else if (ip == 0 || ip == 0xffffffffu || (ip >> 28) >= 0xe) {
        ok = bad_arg("ping", argv[1], "not a host address (0, broadcast, multicast or reserved)");
    } else if (argc == 3) {
        ok = arg_number("ping", argv[2], 1, 1000, "not a count from 1 to 1000", &count);
    }
    if (!ok) {
        kprintf("usage: ping <a.b.c.d> [count 1-1000]\n");
        return;
    }
    /* Any interface, not net0's: with net0 stopped (its device failed),
     * netapp_ping() routes by net1 and later. */
    if (netapp_count() == 0) {
        kprintf("ping: no network interface\n");
        return;
    }
    int err = netapp_ping(ip, (unsigned)count, cmd_interrupted, cmd_arg);
    if (err == -NET_EBUSY)
        kprintf("ping: cannot start: another ping is still running (%d)\n", err);
    else if (err)
        kprintf("ping: cannot start: %s (%d)\n", net_strerror(err), err);
}

static void print_line(const char *l) { kprintf("  %s\n", l); }

static void print_vq(const char *dev, struct virtqueue *vq)
{
    struct vq_stats s = {0};
    if (!vq)
        return;
    virtqueue_get_stats(vq, &s);
    kprintf("  %s/%s: %u/%u descriptors free, %u added, %u completed, %u kicks (%u suppressed), %u interrupts%s\n",
            dev, virtqueue_name(vq), s.num_free, s.num, (unsigned)s.added, (unsigned)s.completed, (unsigned)s.kicks,
            (unsigned)s.kicks_suppressed, (unsigned)s.interrupts, s.broken ? ", BROKEN" : "");
    if (s.bad_id || s.not_head || s.dup || s.bad_len || s.idx_jump)
        kprintf("    device faults: bad_id %u not_head %u dup %u bad_len %u idx_jump %u\n", (unsigned)s.bad_id,
                (unsigned)s.not_head, (unsigned)s.dup, (unsigned)s.bad_len, (unsigned)s.idx_jump);
}

static void cmd_stats(int argc, char **argv)
{
    if (!no_args(argc, argv))
        return;
    kprintf("interrupts: %llu total\n", (unsigned long long)board_irq_count());
    int ndev;
    const struct app_device *d = app_devices(&ndev);
    for (int i = 0; i < ndev; i++) {
        if (!d[i].dev)
            continue;
        const struct virtio_dev_stats *vs = &d[i].dev->stats;
        kprintf("virtio-mmio@0x%08lx (%s): interrupts %u, spurious %u, unknown bits %u, never cleared %u, "
                "config %u, needs reset %u\n",
                (unsigned long)d[i].slot->base, virtio_device_name(d[i].id.device_id), (unsigned)vs->interrupts,
                (unsigned)vs->spurious, (unsigned)vs->unknown_irq_bits, (unsigned)vs->irq_stuck,
                (unsigned)vs->config_irqs, (unsigned)vs->needs_reset);
    }
    /* net0's lines as with one interface; net1's and later name theirs. */
    for (unsigned i = 0; i < netapp_count(); i++) {
        struct netif *nif = netapp_netif_at(i);
        struct virtio_net *vn = netapp_dev_at(i);
        char name[8] = "";
        if (i)
            ksnprintf(name, sizeof(name), " net%u", i);
        if (nif) {
            kprintf("net%s stack counters:\n", name);
            net_stats_print(nif, print_line);
        }
        if (!vn)
            continue;
        const struct virtio_net_stats *s = &vn->stats;
        kprintf("virtio-net%s: rx %u tx %u, rx interrupts %u, polls %u, budget exhausted %u, rearm races %u\n", name,
                (unsigned)s->rx_frames, (unsigned)s->tx_frames, (unsigned)s->rx_interrupts, (unsigned)s->polls,
                (unsigned)s->budget_exhausted, (unsigned)s->rearm_races);
        kprintf("  drops: rx_short %u rx_too_long %u rx_bad_num_buffers %u rx_merged_dropped %u tx_no_buffer %u "
                "tx_ring_full %u tx_too_long %u\n",
                (unsigned)s->rx_short, (unsigned)s->rx_too_long, (unsigned)s->rx_bad_num_buffers,
                (unsigned)s->rx_merged_dropped, (unsigned)s->tx_no_buffer, (unsigned)s->tx_ring_full,
                (unsigned)s->tx_too_long);
        kprintf("  checksums: rx_bad_csum %u tx_bad_csum %u tx_csum_sw %u (offload: csum %s, guest_csum %s)\n",
                (unsigned)s->rx_bad_csum, (unsigned)s->tx_bad_csum, (unsigned)s->tx_csum_sw,
                vn->tx_csum ? "on" : "off", vn->guest_csum ? "on" : "off");
        kprintf("  config: mtu %u%s, mtu_declined %u, mac_invalid %u\n", virtio_net_mtu(vn),
                virtio_has_feature(&vn->dev, VIRTIO_NET_F_MTU) ? " (the device's)" : "", (unsigned)s->mtu_declined,
                (unsigned)s->mac_invalid);
        kprintf("  control: ctrl_cmds %u ctrl_err %u ctrl_bad_ack %u ctrl_bad_len %u ctrl_timeouts %u ctrl_late %u, "
                "announce_requests %u announce_acked %u\n",
                (unsigned)s->ctrl_cmds, (unsigned)s->ctrl_err, (unsigned)s->ctrl_bad_ack, (unsigned)s->ctrl_bad_len,
                (unsigned)s->ctrl_timeouts, (unsigned)s->ctrl_late, (unsigned)s->announce_requests,
                (unsigned)s->announce_acked);
        print_vq(i ? name + 1 : "net", vn->rxq);
        print_vq(i ? name + 1 : "net", vn->txq);
        print_vq(i ? name + 1 : "net", vn->ctrlq); /* none without CTRL_VQ */
    }
    for (unsigned i = 0; i < blkapp_count(); i++) {
        struct virtio_blk *b = blkapp_dev_at(i);
        char name[8] = "";
        if (i)
            ksnprintf(name, sizeof(name), " disk%u", i);
        const struct virtio_blk_stats *s = &b->stats;
        kprintf("virtio-blk%s: %u reads, %u writes, %u flushes, %u errors, %u max in flight\n", name,
                (unsigned)s->reads, (unsigned)s->writes, (unsigned)s->flushes,
                (unsigned)(s->errors_io + s->errors_unsupp + s->bad_status), (unsigned)s->max_inflight);
        if (s->discards || s->write_zeroes || s->get_ids || s->refused_unsupp)
            kprintf("  %u discards, %u write zeroes, %u serial requests, %u refused as not offered\n",
                    (unsigned)s->discards, (unsigned)s->write_zeroes, (unsigned)s->get_ids,
                    (unsigned)s->refused_unsupp);
        print_vq(i ? name + 1 : "blk", b->vq);
    }
}

/* n bytes read from sector lba on, each line headed by its offset in bytes
 * from the start of the disk: lba * 512 + i.  Past sector 2^55 (a capacity
 * the device gives, whatever it is) that takes more than 64 bits, so it is
 * printed in two parts, not wrapped round to a small offset that names
 * another sector's bytes.  lba + i / 512 does not wrap: the read covered
 * it. */
static void hexdump(const uint8_t *p, unsigned n, uint64_t lba)
{
    for (unsigned i = 0; i < n; i += 16) {
        uint64_t s = lba + i / 512u;
        unsigned long long hi = s >> 55, lo = (s << 9) | (i % 512u);
        if (hi)
            kprintf("%llx%016llx ", hi, lo);
        else
            kprintf("%08llx ", lo);
        for (unsigned j = 0; j < 16; j++)
            kprintf(" %02x", p[i + j]);
        kprintf("  |");
        for (unsigned j = 0; j < 16; j++)
            kprintf("%c", p[i + j] >= 32 && p[i + j] < 127 ? p[i + j] : '.');
        kprintf("|\n");
    }
}

/* "blk: <what> refused|failed: <why> (<err>)".  The driver refuses a
 * transfer that reaches past the end of the disk, or one that is not whole
 * blocks of a disk whose blocks are larger than a sector, with
 * VIRTIO_EINVAL: say which, and where the end is or what a block is. */
static void blk_failed(const char *what, uint64_t lba, uint64_t n, int err, const struct virtio_blk *b)
{
    uint64_t cap = virtio_blk_info(b)->capacity;
    uint32_t bs = virtio_blk_info(b)->blk_size, spb = bs / 512u;
    if (err == VIRTIO_EINVAL && spb > 1 && ((lba | n) & (spb - 1))) {
        kprintf("blk: %s refused: the disk's blocks are %u bytes, so the sector and the count must be multiples "
                "of %u (%d)\n",
                what, (unsigned)bs, (unsigned)spb, err);
    } else if (err == VIRTIO_EINVAL && (lba >= cap || n > cap - lba)) {
        if (cap)
            kprintf("blk: %s refused: past the end of the disk, whose last sector is %llu (%d)\n", what,
                    (unsigned long long)(cap - 1), err);
        else
            kprintf("blk: %s refused: the disk is empty (%d)\n", what, err);
    } else {
        kprintf("blk: %s %s: %s (%d)\n", what, err == VIRTIO_EROFS ? "refused" : "failed", virtio_strerror(err),
                err);
    }
}

/* "disk<N>" with N from 0 to BLKAPP_MAX - 1: true and *disk.  Not a
 * number, so `blk read disk1 5` cannot be read as `blk read <lba> <count>`. */
static bool parse_disk(const char *s, unsigned *disk)
{
    if (strncmp(s, "disk", 4) != 0 || s[4] < '0' || s[4] > '9' || s[5] != '\0')
        return false;
    *disk = (unsigned)(s[4] - '0');
    return true;
}

static void blk_info_line(unsigned i, const struct virtio_blk *b, bool named)
{
    const struct virtio_blk_info *in = virtio_blk_info(b);
    char name[10] = "";
    if (named)
        ksnprintf(name, sizeof(name), "disk%u: ", i);
    kprintf("blk: %s%llu sectors of 512 bytes (%llu MiB), block %u, seg_max %u, size_max %u, %s, flush %s\n", name,
            (unsigned long long)in->capacity, (unsigned long long)(in->capacity >> 11), (unsigned)in->blk_size,
            (unsigned)in->seg_max, (unsigned)in->size_max, in->read_only ? "read-only" : "read-write",
            in->flush ? "yes" : "no");
    if (in->discard || in->write_zeroes)
        kprintf("blk: %sdiscard %s, write zeroes %s\n", name, in->discard ? "yes" : "no",
                in->write_zeroes ? "yes" : "no");
}

/* "<what> of sector N" / "of sectors A-B" / "of N sectors at A" (when
 * A + N - 1 passes 2^64), after "diskN: " for a disk other than disk0. */
static void blk_what(char *what, size_t size, const char *name, const char *op, uint64_t lba, uint64_t n)
{
    if (n == 1)
        ksnprintf(what, size, "%s%s of sector %llu", name, op, (unsigned long long)lba);
    else if (lba > UINT64_MAX - (n - 1))
        ksnprintf(what, size, "%s%s of %llu sectors at %llu", name, op, (unsigned long long)n,
                  (unsigned long long)lba);
    else
        ksnprintf(what, size, "%s%s of sectors %llu-%llu", name, op, (unsigned long long)lba,
                  (unsigned long long)(lba + n - 1));
}

enum blk_sub { BLK_NONE, BLK_INFO, BLK_ID, BLK_READ, BLK_WRITE, BLK_DISCARD, BLK_ZERO };

static void cmd_blk(int argc, char **argv)
{
    static const char usage[] = "usage: blk info | blk id [diskN] | blk read [diskN] <lba> [count 1-8] | "
                                "blk write [diskN] <lba> <byte 0-255> | blk discard [diskN] <lba> <count> | "
                                "blk zero [diskN] <lba> <count>\n";
    static const struct {
        const char *name;
        enum blk_sub sub;
        int min, max;
    } subs[] = {{"info", BLK_INFO, 2, 2},       {"id", BLK_ID, 2, 2},        {"read", BLK_READ, 3, 4},
                {"write", BLK_WRITE, 4, 4},     {"discard", BLK_DISCARD, 4, 4}, {"zero", BLK_ZERO, 4, 4}};
    uint64_t lba = 0, n = 1, pat = 0;
    const char *sub = argc >= 2 ? argv[1] : "";
    enum blk_sub op = BLK_NONE;
    int min = 0, max = 0;
    for (unsigned i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        if (strcmp(sub, subs[i].name) == 0) {
            op = subs[i].sub;
            min = subs[i].min;
            max = subs[i].max;
        }
    /* An optional disk after every subcommand but info: taken out of argv,
     * so what follows is checked as without one (disk0). */
    unsigned disk = 0;
    char *args[ARGS_MAX + 1];
    if (argc >= 3 && op != BLK_NONE && op != BLK_INFO && strncmp(argv[2], "disk", 4) == 0) {
        if (!parse_disk(argv[2], &disk) || disk >= BLKAPP_MAX) {
            bad_arg("blk", argv[2], "not a disk: disk0 to disk3");
            kprintf("%s", usage);
            return;
        }
        int k = 0;
        for (int a = 0; a < argc; a++)
            if (a != 2)
                args[k++] = argv[a];
        argc = k;
        argv = args;
    }
    struct virtio_blk *b = blkapp_dev_at(disk);
    bool ok = true;
    if (argc < 2) {
        kprintf("blk: missing argument: info, id, read, write, discard or zero\n");
        ok = false;
    } else if (op == BLK_NONE) {
        kprintf("blk: unknown subcommand '%s': info, id, read, write, discard or zero\n", sub);
        ok = false;
    } else if (argc < min) {
        kprintf("blk %s: missing argument: %s\n", sub,
                argc == 2 ? "the sector number" : op == BLK_WRITE ? "the byte to write" : "the sector count");
        ok = false;
    } else if (argc > max) {
        kprintf("blk %s: too many arguments\n", sub);
        ok = false;
    } else if (argc >= 3 && !arg_number("blk", argv[2], 0, UINT64_MAX, "not a sector number", &lba)) {
        ok = false;
    } else if (argc == 4 && op == BLK_READ) {
        ok = arg_number("blk", argv[3], 1, 8, "not a count from 1 to 8", &n);
    } else if (argc == 4 && op == BLK_WRITE) {
        ok = arg_number("blk", argv[3], 0, 255, "not a byte from 0 to 255", &pat);
    } else if (argc == 4) {
        ok = arg_number("blk", argv[3], 1, UINT64_MAX, "not a sector count (1 or more)", &n);
    }
    if (!ok) {
        kprintf("%s", usage);
        return;
    }
    if (blkapp_count() == 0) {
        kprintf("blk: no block device\n");
        return;
    }
    if (!b) {
        if (blkapp_count() == 1)
            kprintf("blk: no disk%u: there is only disk0\n", disk);
        else
            kprintf("blk: no disk%u: the disks are disk0 to disk%u\n", disk, blkapp_count() - 1);
        return;
    }
    /* disk0's lines as with one disk; the others name theirs. */
    char name[10] = "";
    if (disk)
        ksnprintf(name, sizeof(name), "disk%u: ", disk);
    if (op == BLK_INFO) {
        /* Every disk; with several, each line names its disk. */
        unsigned nd = blkapp_count();
        for (unsigned i = 0; i < nd; i++)
            blk_info_line(i, blkapp_dev_at(i), nd > 1);
    } else if (op == BLK_ID) {
        char id[VIRTIO_BLK_ID_BYTES + 1];
        int err = blkapp_get_id(disk, id);
        if (err == VIRTIO_ENOTSUP)
            kprintf("blk: %sno serial: the device does not answer GET_ID (%d)\n", name, err);
        else if (err)
            kprintf("blk: %sserial (GET_ID) failed: %s (%d)\n", name, virtio_strerror(err), err);
        else if (!id[0])
            kprintf("blk: %sno serial: the device's is empty (0)\n", name);
        else
            kprintf("blk: %sserial \"%s\" (0)\n", name, id); /* printable only: the driver replaced the rest */
    } else if (op == BLK_READ) {
        uint8_t *data;
        int err = blkapp_read(disk, lba, (unsigned)n, &data);
        if (err) {
            char what[80]; /* "disk3: read of sectors " and two 20-digit numbers: 64 characters */
            blk_what(what, sizeof(what), name, "read", lba, n);
            blk_failed(what, lba, n, err, b);
        } else {
            hexdump(data, (unsigned)n * 512u, lba);
        }
    } else if (op == BLK_WRITE) {
        /* One sector, or the block that starts there on a disk whose blocks
         * are larger (the smallest write such a disk takes). */
        uint32_t spb = virtio_blk_info(b)->blk_size / 512u;
        if (spb == 0)
            spb = 1; /* (the driver keeps 512 to 65536: up to 128 sectors, within blkapp's buffer) */
        int err = blkapp_write_pattern(disk, lba, spb, (uint8_t)pat);
        char what[96]; /* "disk3: write of sectors ", two 20-digit numbers, " with 0xab" */
        blk_what(what, sizeof(what), name, "write", lba, spb);
        ksnprintf(what + strlen(what), sizeof(what) - strlen(what), " with 0x%02x", (unsigned)pat);
        if (err)
            blk_failed(what, lba, spb, err, b);
        else
            kprintf("blk: %s: ok (0)\n", what);
    } else {
        /* DISCARD / WRITE_ZEROES: the driver splits at the device's
         * maximum and checks the whole range first. */
        bool discard = op == BLK_DISCARD;
        int err = discard ? blkapp_discard(disk, lba, n) : blkapp_zero(disk, lba, n);
        char what[96]; /* "disk3: zeroing of sectors " and two 20-digit numbers */
        blk_what(what, sizeof(what), name, discard ? "discard" : "zeroing", lba, n);
        if (err == VIRTIO_ENOTSUP)
            kprintf("blk: %s refused: the device does not offer %s (%d)\n", what,
                    discard ? "DISCARD" : "WRITE_ZEROES", err);
        else if (err)
            blk_failed(what, lba, n, err, b);
        else
            kprintf("blk: %s: ok (0)\n", what);
    }
}

static void cmd_rng(int argc, char **argv)
{
    uint64_t n;
    uint8_t buf[64];
    bool ok = true;
    if (argc < 2) {
        kprintf("rng: missing argument: how many bytes\n");
        ok = false;
    } else if (argc > 2) {
        kprintf("rng: too many arguments\n");
        ok = false;
    } else {
        ok = arg_number("rng", argv[1], 1, sizeof(buf), "not a count from 1 to 64", &n);
    }
    if (!ok) {
        kprintf("usage: rng <bytes 1-64>\n");
        return;
    }
    int got = app_rng_read(buf, (size_t)n);
    if (got == VIRTIO_ENODEV) {
        kprintf("rng: no entropy device\n");
        return;
    }
    if (got < 0) {
        kprintf("rng: read failed: %s (%d)\n", virtio_strerror(got), got);
        return;
    }
    for (int i = 0; i < got; i++)
        kprintf("%02x%s", buf[i], i + 1 < got ? " " : "\n");
    if (got < (int)n)
        kprintf("rng: only %d of %u bytes came within 1 s\n", got, (unsigned)n);
}

static void cmd_bench(int argc, char **argv)
{
    if (!no_args(argc, argv))
        return;
    bench_print();
}

static const struct {
    const char *name;
    void (*fn)(int argc, char **argv);
    const char *help;
} cmds[] = {
    {"help", cmd_help, "this list"},
    {"devices", cmd_devices, "the virtio devices with their negotiated features"},
    {"ifconfig", cmd_ifconfig, "every network interface (net0, net1, ...)"},
    {"ping", cmd_ping, "ping <a.b.c.d> [count]: by the interface whose subnet holds it, else the gateway's"},
    {"stats", cmd_stats, "drop counters, queue fill levels, interrupt counts"},
    {"blk", cmd_blk,
     "blk info | blk id | blk read [diskN] <lba> [n] | blk write [diskN] <lba> <byte> | blk discard|zero [diskN] "
     "<lba> <count> (disk0 by default)"},
    {"rng", cmd_rng, "rng <n>: n random bytes from virtio-rng"},
    {"bench", cmd_bench, "instructions per packet (boot with 'bench')"},
};

static void cmd_help(int argc, char **argv)
{
    if (!no_args(argc, argv))
        return;
    for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        kprintf("  %-9s %s\n", cmds[i].name, cmds[i].help);
}

static void run_line(char *l)
{
    char *argv[ARGS_MAX + 1];
    int argc = 0;
    while (*l) {
        while (*l == ' ')
            *l++ = '\0';
        if (!*l)
            break;
        if (argc == ARGS_MAX) {
            kprintf("too many arguments: a command takes at most %d\n", ARGS_MAX - 1);
            return;
        }
        argv[argc++] = l;
        while (*l && *l != ' ')
            l++;
    }
    if (argc == 0)
        return;
    for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(argv[0], cmds[i].name) == 0) {
            cmds[i].fn(argc, argv);
            return;
        }
    kprintf("unknown command '%s'; try help\n", argv[0]);
}

void shell_run_line(char *l, bool (*interrupted)(void *arg), void *arg)
{
    cmd_interrupted = interrupted;
    cmd_arg = arg;
    run_line(l);
    cmd_interrupted = NULL;
    cmd_arg = NULL;
}

/* The serial shell's interrupt check: Ctrl-C among the keys typed since
 * the command started.  The others are kept, in order, for the line editor
 * (as many as TYPEAHEAD; a terminal's user rarely types more meanwhile). */
static bool serial_interrupted(void *arg)
{
    int c;
    (void)arg;
    while ((c = board_getc()) >= 0) {
        if (c == 0x03)
            return true;
        if (ta_len < TYPEAHEAD)
            typeahead[(ta_head + ta_len++) % TYPEAHEAD] = (unsigned char)c;
        else
            ta_lost = true;
    }
    return false;
}

static int next_key(void)
{
    if (ta_len) {
        int c = typeahead[ta_head];
        ta_head = (ta_head + 1) % TYPEAHEAD;
        ta_len--;
        return c;
    }
    if (ta_lost) { /* the keys after the last one kept: the line in progress lost them */
        ta_lost = false;
        line_lost = true;
    }
    return board_getc();
}

/* The prompt waits for the first key, so that boot and network messages
 * that arrive on their own keep whole lines for the logs. */
static bool prompted;

void shell_init(void) { kprintf("shell: press Enter for a prompt, then try help\n"); }

void shell_poll(void)
{
    int c;
    while ((c = next_key()) >= 0) {
        /* Enter is CR, LF, CR LF or (telnet) CR NUL: one line end each, as
         * the TCP shell reads them (apps/svcparse.c). */
        bool cr_end = after_cr && (c == '\n' || c == '\0');
        after_cr = c == '\r';
        if (cr_end)
            continue;
        if (!prompted) {
            prompted = true;
            kprintf(PROMPT);
            if (c == '\r' || c == '\n')
                continue;
        }
        if (c == '\r' || c == '\n') {
            kprintf("\n");
            line[len] = '\0';
            if (line_lost)
                kprintf("keys typed while the command ran were lost (more than %d); nothing was run\n",
                        TYPEAHEAD);
            else if (overflow)
                kprintf("line too long: at most %d characters; nothing was run\n", LINE_MAX - 1);
            else
                shell_run_line(line, serial_interrupted, NULL);
            len = 0;
            overflow = false;
            line_lost = false;
            kprintf(PROMPT);
        } else if (c == 0x7f || c == 0x08) {
            if (len) {
                len--;
                kprintf("\b \b");
            }
        } else if (c == 0x15) { /* Ctrl-U: kill the line */
            while (len) {
                len--;
                kprintf("\b \b");
            }
            overflow = false;
            line_lost = false;
        } else if (c >= 32 && c < 127) {
            if (len < LINE_MAX - 1) {
                line[len++] = (char)c;
                kprintf("%c", c);
            } else {
                overflow = true;
            }
        }
    }
}
