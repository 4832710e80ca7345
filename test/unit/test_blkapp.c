/*
 * test_blkapp.c - the demo's block devices (apps/blkapp.c) on the real
 * virtio-blk driver against the simulated device and its disk model: the
 * boot-time whole-disk pass (blk=check) sums the disk on a device that
 * answers, and returns with its error said in words - instead of waiting
 * forever - when the device needs a reset in the middle of it, or stops
 * answering; the shell's blk read and write after one that timed out use
 * a buffer the late completion cannot write.  The start line's serial
 * (GET_ID) and discard / write-zeroes limits, and the helpers behind the
 * shell's blk id, discard and zero.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "forked_cases.h"

#include "blkapp.h"
#include "kprintf.h"
#include "sim_blk.h"
#include "sim_plat.h"
#include "sim_virtio.h"
#include "virtio/virtio.h"
#include "virtio/virtio_blk.h"

static struct sim_virtio *sim;
static struct sim_blk *model;
static enum { SERVE, RESET_THEN_SILENT, SILENT, HOLD } device; /* HOLD: silent from the start */
static unsigned idle_calls;
static unsigned queue_size = 64;
static char out[16384];
static size_t out_len;

static void serve(void)
{
    sim_virtio_process(sim, 0);
    sim_run_irqs();
}

/* The firmware's sleeps: 10 ms pass, and the device does what the test says. */
static void idle_step(void)
{
    if (++idle_calls > 100000)
        fail_msg("the pass still waits after %u sleeps", idle_calls);
    sim_time_advance(10ull * 1000 * 1000);
    if (device == SERVE || (device != HOLD && idle_calls < 3))
        serve();
    else if (device == RESET_THEN_SILENT && idle_calls == 3) {
        sim_virtio_set_needs_reset(sim);
        sim_run_irqs();
    }
}
void board_idle(void) { idle_step(); }
void board_idle_unless(bool (*work)(void *), void *arg)
{
    if (!work(arg))
        idle_step();
}

static void sink(const char *s, size_t n)
{
    if (n > sizeof(out) - 1 - out_len)
        n = sizeof(out) - 1 - out_len;
    memcpy(out + out_len, s, n);
    out_len += n;
    out[out_len] = '\0';
}

/* The disk the next start_disk() makes, and the features it offers. */
static struct sim_blk_config disk_cfg = {.capacity = 8192}; /* 4 MiB: 16 requests of 256 sectors */
static uint64_t disk_features;

static void start_disk(uint32_t version)
{
    const struct sim_blk_config cfg = disk_cfg;
    sim_plat_reset();
    kprintf_set_sink(sink);
    uint64_t features = disk_features | (version == 1 ? 0 : VIRTIO_BIT(VIRTIO_F_VERSION_1));
    sim = sim_virtio_create(version, VIRTIO_ID_BLOCK, features, 1, queue_size);
    model = sim_blk_create(sim, &cfg);
    for (uint64_t s = 0; s < cfg.capacity; s++)
        memset(sim_blk_sector(model, s), (int)(s & 0xff), 512);
    struct board_virtio_slot slot = {.base = sim->base, .intid = sim->irq, .irq_flags = PLAT_IRQ_LEVEL,
                                     .dma_coherent = true};
    assert_int_equal(blkapp_start(&slot), 0);
    /* The start's GET_ID took its sleeps: the device scripts count from
     * here, as before the start asked for the serial. */
    idle_calls = 0;
    out_len = 0;
}

/* FNV-1a 64 over the model's first n sectors, written here from its
 * definition (as tools/blk-image.py checksum computes it on the host, which
 * test_blk.sh compares with the line blk=check prints). */
static uint64_t ref_fnv(uint64_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint64_t s = 0; s < n; s++) {
        const uint8_t *d = sim_blk_sector(model, s);
        for (unsigned i = 0; i < 512; i++) {
            h ^= d[i];
            h *= 0x100000001b3ull;
        }
    }
    return h;
}

/* The LBA pattern blk=write puts on the disk, written here from its
 * definition (tools/blk-image.py, which verifies the image on the host in
 * test_blk.sh): bytes 0-7 of sector L are L, little-endian; byte i >= 8 is
 * (L*31 + i*7 + (L >> 8)) mod 256. */
static void ref_pattern(uint64_t lba, uint8_t *s)
{
    for (unsigned i = 0; i < 8; i++)
        s[i] = (uint8_t)(lba >> (8 * i));
    for (unsigned i = 8; i < 512; i++)
        s[i] = (uint8_t)((lba * 31u + (lba >> 8) + i * 7u) & 0xff);
}

static void check_served(uint32_t version)
{
    start_disk(version);
    device = SERVE;
    assert_int_equal(blkapp_boot_mode("check"), 0);
    /* the sum of what is on the disk, not just a line that has one */
    char want[96];
    snprintf(want, sizeof(want), "blk: checksum %016llx over 8192 sectors (ok, 0)\n",
             (unsigned long long)ref_fnv(8192));
    if (!strstr(out, want))
        fail_msg("no '%s' in the log:\n%s", want, out);
}

static void check_needs_reset(uint32_t version)
{
    start_disk(version);
    device = RESET_THEN_SILENT;
    int err = blkapp_boot_mode("check");
    assert_int_equal(err, VIRTIO_ECANCELED);
    char want[128];
    snprintf(want, sizeof(want), "blk: checksum over 8192 sectors failed: %s (%d)\n", virtio_strerror(err), err);
    assert_non_null(strstr(out, want));
}

static void check_silent(uint32_t version)
{
    start_disk(version);
    device = SILENT;
    int err = blkapp_boot_mode("check");
    assert_int_equal(err, VIRTIO_ETIMEDOUT);
    char want[128];
    snprintf(want, sizeof(want), "blk: checksum over 8192 sectors failed: %s (%d)\n", virtio_strerror(err), err);
    assert_non_null(strstr(out, want));
}

/* A ring that holds fewer requests than the pass keeps in flight (8
 * descriptors, no indirect tables: two requests of three): the pass waits
 * for one to complete instead of failing with requests still out. */
static void check_small_ring(uint32_t version)
{
    queue_size = 8;
    check_served(version);
    assert_true(blkapp_dev()->stats.max_inflight >= 2);
}

/* The shell's blk read and write (blkapp_read, blkapp_write_pattern) after
 * one that timed out: the device still holds that request, and its buffer,
 * and completes it late - into memory that must not be the next
 * transfer's.  Here a read of sector 1 is held past the timeout; then a
 * write of 0xab to sector 7 must put 0xab there, not what the late read
 * brought (sector 1's bytes), and a read after it reads what is on disk. */
static void shell_after_timeout(uint32_t version)
{
    uint8_t *data;
    start_disk(version);
    device = HOLD;
    assert_int_equal(blkapp_read(0, 1, 1, &data), VIRTIO_ETIMEDOUT);
    device = SERVE; /* the held read completes with what follows */
    assert_int_equal(blkapp_write_pattern(0, 7, 1, 0xab), 0);
    const uint8_t *s7 = sim_blk_sector(model, 7);
    for (unsigned i = 0; i < 512; i++)
        if (s7[i] != 0xab)
            fail_msg("sector 7 byte %u is 0x%02x, not the 0xab written: a late completion wrote the buffer", i,
                     s7[i]);
    assert_int_equal(blkapp_read(0, 5, 2, &data), 0);
    for (unsigned i = 0; i < 1024; i++)
        if (data[i] != (i < 512 ? 5 : 6))
            fail_msg("byte %u of sectors 5-6 read as 0x%02x", i, data[i]);
    assert_int_equal(blkapp_dev()->stats.sync_abandoned_done, 1); /* the held read did complete, late */
}

/* The buffer a timed-out request kept comes back once the request has
 * completed (each timeout took 128 KiB of the DMA pool for good before). */
static void shell_buffer_taken_back(uint32_t version)
{
    uint8_t *a, *b, *data;
    start_disk(version);
    assert_int_equal(blkapp_read(0, 1, 1, &a), 0);
    device = HOLD;
    assert_int_equal(blkapp_read(0, 1, 1, &data), VIRTIO_ETIMEDOUT); /* a: the device's */
    device = SERVE;
    assert_int_equal(blkapp_read(0, 2, 1, &b), 0); /* the held read completes meanwhile */
    assert_ptr_not_equal(b, a);
    assert_int_equal(blkapp_dev()->stats.sync_abandoned_done, 1);
    device = HOLD;
    assert_int_equal(blkapp_read(0, 3, 1, &data), VIRTIO_ETIMEDOUT); /* b: the device's */
    device = SERVE;
    assert_int_equal(blkapp_read(0, 5, 1, &data), 0);
    assert_ptr_equal(data, a); /* a is back */
    assert_int_equal(data[0], 5);
}

/* A capacity that ends inside a block: QEMU gives one for an image whose
 * size is not whole blocks of its logical_block_size.  No request may
 * touch the tail (the driver refuses one that is not whole blocks, as the
 * device would fail it), so the passes cover the whole blocks, say so,
 * and succeed - instead of failing at the last request (VIRTIO_EINVAL). */
static void partial_last_block(uint32_t version)
{
    disk_cfg = (struct sim_blk_config){.capacity = 8195, .blk_size = 4096};
    disk_features = VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE);
    start_disk(version);
    device = SERVE;
    assert_int_equal(blkapp_boot_mode("write"), 0);
    assert_int_equal(blkapp_boot_mode("verify"), 0);
    assert_int_equal(blkapp_boot_mode("check"), 0);
    if (!strstr(out, "blk: pattern write of 8192 sectors in ") ||
        !strstr(out, "blk: pattern verify of 8192 sectors: 0 bad sectors (ok, 0)\n") ||
        !strstr(out, " over 8192 sectors (ok, 0)\n") ||
        !strstr(out, "blk: the last 3 sectors are not a whole block of 4096 bytes: left out\n"))
        fail_msg("the log:\n%s", out);
    assert_int_equal(blkapp_dev()->stats.refused_align, 0);
    assert_int_equal(model->ioerr_align + model->ioerr_range, 0);
    /* on the disk: the pattern over the whole blocks, the tail untouched */
    uint8_t want[512];
    for (uint64_t s = 0; s < 8195; s++) {
        if (s < 8192)
            ref_pattern(s, want);
        else
            memset(want, (int)(s & 0xff), sizeof(want)); /* as start_disk left it */
        if (memcmp(sim_blk_sector(model, s), want, sizeof(want)) != 0)
            fail_msg("sector %llu is not what blk=write puts there", (unsigned long long)s);
    }
}

/* blk=rowrite on a disk of 4096-byte blocks: the write is the block at
 * sector 0 (one 512-byte sector is not whole blocks: the driver refuses
 * it, VIRTIO_EINVAL, and the mode said "failed" on a writable disk); a
 * read-only one still refuses it as read-only. */
static void rowrite_block_size(uint32_t version)
{
    disk_cfg = (struct sim_blk_config){.capacity = 64, .blk_size = 4096};
    disk_features = VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE);
    start_disk(version);
    device = SERVE;
    assert_int_equal(blkapp_boot_mode("rowrite"), 0);
    if (!strstr(out, "blk: write to sectors 0-7: accepted (0)\n"))
        fail_msg("the log:\n%s", out);
    uint8_t want[512];
    for (unsigned s = 0; s < 8; s++) {
        ref_pattern(s, want);
        assert_memory_equal(sim_blk_sector(model, s), want, 512);
    }
}

static void rowrite_read_only_block_size(uint32_t version)
{
    disk_cfg = (struct sim_blk_config){.capacity = 64, .blk_size = 4096, .read_only = true};
    disk_features = VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) | VIRTIO_BIT(VIRTIO_BLK_F_RO);
    start_disk(version);
    device = SERVE;
    assert_int_equal(blkapp_boot_mode("rowrite"), VIRTIO_EROFS);
    if (!strstr(out, "blk: write to sectors 0-7 refused: read-only device (-30)\n"))
        fail_msg("the log:\n%s", out);
}

/* The start says the serial when the device has one (a 20-byte one has no
 * NUL; junk is never printed as is), and the discard / write-zeroes limits
 * when the device offers them; nothing of either otherwise. */
static void start_lines(uint32_t version)
{
    static const struct {
        const char *serial;
        unsigned len;
        bool unsupp;
        uint64_t features;
        const char *want, *not;
    } t[] = {
        {"VBARE0001", 10, false, 0, "blk: serial \"VBARE0001\"\n", "blk: discard"},
        {"ABCDEFGHIJKLMNOPQRST", 20, false, 0, "blk: serial \"ABCDEFGHIJKLMNOPQRST\"\n", NULL},
        {"a\x1b[2Jb\xff", 7, false, 0, "blk: serial \"a?[2Jb?\"\n", "\x1b"},
        {"", 1, false, 0, NULL, "serial"},
        {"X", 2, true, 0, NULL, "serial"},
        {"", 0, false, VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) | VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES),
         "blk: discard up to 64 sectors a request, in units of 8; write zeroes up to 32 sectors a request, may "
         "unmap\n",
         "serial"},
        {"", 0, false, VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES), "blk: discard no; write zeroes up to 32 sectors a "
         "request, may unmap\n", NULL},
    };
    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        pid_t pid = fork(); /* blkapp keeps its disks in statics: one start per process */
        if (pid == 0) {
            disk_cfg = (struct sim_blk_config){.capacity = 64, .max_discard_sectors = 64, .max_discard_seg = 1,
                                               .discard_sector_alignment = 8, .max_write_zeroes_sectors = 32,
                                               .max_write_zeroes_seg = 1, .write_zeroes_may_unmap = 1,
                                               .serial_len = t[i].len, .no_get_id = t[i].unsupp};
            memcpy(disk_cfg.serial, t[i].serial, t[i].len);
            disk_features = t[i].features;
            sim_plat_reset();
            kprintf_set_sink(sink);
            out_len = 0;
            uint64_t features = disk_features | (version == 1 ? 0 : VIRTIO_BIT(VIRTIO_F_VERSION_1));
            sim = sim_virtio_create(version, VIRTIO_ID_BLOCK, features, 1, queue_size);
            model = sim_blk_create(sim, &disk_cfg);
            struct board_virtio_slot slot = {.base = sim->base, .intid = sim->irq, .irq_flags = PLAT_IRQ_LEVEL,
                                             .dma_coherent = true};
            int ok = blkapp_start(&slot) == 0 && (!t[i].want || strstr(out, t[i].want)) &&
                     (!t[i].not || !strstr(out, t[i].not)) && strstr(out, "blk: virtio-blk at ");
            if (!ok)
                fprintf(stderr, "case %u: the log:\n%s", i, out);
            _exit(ok ? 0 : 1);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            fail_msg("start_lines case %u", i);
    }
}

/* The shell's blk id, discard and zero (blkapp_get_id, _discard, _zero)
 * on the device: the serial, the sectors zeroed on the disk, the refusals. */
static void shell_id_discard_zero(uint32_t version)
{
    char id[21];
    disk_cfg = (struct sim_blk_config){.capacity = 8192, .max_discard_sectors = 64, .max_discard_seg = 1,
                                       .max_write_zeroes_sectors = 16, .max_write_zeroes_seg = 1,
                                       .serial = "SN-42", .serial_len = 6};
    disk_features = VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) | VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES);
    start_disk(version);
    device = SERVE;
    assert_int_equal(blkapp_get_id(0, id), 0);
    assert_string_equal(id, "SN-42");
    assert_int_equal(blkapp_get_id(1, id), VIRTIO_ENODEV);
    assert_string_equal(id, "");
    assert_int_equal(blkapp_zero(0, 10, 40), 0); /* 3 requests of at most 16 */
    assert_int_equal(blkapp_discard(0, 100, 100), 0);
    for (uint64_t s = 9; s <= 200; s++) {
        bool zero = (s >= 10 && s < 50) || (s >= 100 && s < 200);
        if ((sim_blk_sector(model, s)[3] == 0) != zero)
            fail_msg("sector %llu: 0x%02x", (unsigned long long)s, sim_blk_sector(model, s)[3]);
    }
    assert_int_equal(model->write_zeroes, 3);
    assert_int_equal(model->discards, 2);
    assert_int_equal(model->rec[2].type, SIM_BLK_T_WRITE_ZEROES); /* after the start's GET_ID and ours */
    assert_int_equal(model->rec[2].dwz_flags, 1);                 /* unmap allowed */
    assert_int_equal(blkapp_zero(0, 8190, 3), VIRTIO_EINVAL);
    assert_int_equal(blkapp_discard(1, 0, 1), VIRTIO_ENODEV);
}

static void shell_id_discard_zero_v1(void) { shell_id_discard_zero(1); }
static void shell_id_discard_zero_v2(void) { shell_id_discard_zero(2); }
static void start_lines_v1(void) { start_lines(1); }
static void start_lines_v2(void) { start_lines(2); }
static void check_served_v1(void) { check_served(1); }
static void check_served_v2(void) { check_served(2); }
static void check_needs_reset_v1(void) { check_needs_reset(1); }
static void check_needs_reset_v2(void) { check_needs_reset(2); }
static void check_silent_v1(void) { check_silent(1); }
static void check_silent_v2(void) { check_silent(2); }
static void check_small_ring_v1(void) { check_small_ring(1); }
static void check_small_ring_v2(void) { check_small_ring(2); }
static void shell_after_timeout_v1(void) { shell_after_timeout(1); }
static void shell_after_timeout_v2(void) { shell_after_timeout(2); }
static void shell_buffer_taken_back_v1(void) { shell_buffer_taken_back(1); }
static void shell_buffer_taken_back_v2(void) { shell_buffer_taken_back(2); }
static void partial_last_block_v1(void) { partial_last_block(1); }
static void partial_last_block_v2(void) { partial_last_block(2); }
static void rowrite_block_size_v1(void) { rowrite_block_size(1); }
static void rowrite_block_size_v2(void) { rowrite_block_size(2); }
static void rowrite_read_only_block_size_v1(void) { rowrite_read_only_block_size(1); }
static void rowrite_read_only_block_size_v2(void) { rowrite_read_only_block_size(2); }

static const struct forked_case cases[] = {
    FORKED(check_served_v1),
    FORKED(check_served_v2),
    FORKED(check_needs_reset_v1),
    FORKED(check_needs_reset_v2),
    FORKED(check_silent_v1),
    FORKED(check_silent_v2),
    FORKED(shell_after_timeout_v1),
    FORKED(shell_after_timeout_v2),
    FORKED(shell_buffer_taken_back_v1),
    FORKED(shell_buffer_taken_back_v2),
    FORKED(check_small_ring_v1),
    FORKED(check_small_ring_v2),
    FORKED(partial_last_block_v1),
    FORKED(partial_last_block_v2),
    FORKED(rowrite_block_size_v1),
    FORKED(rowrite_block_size_v2),
    FORKED(rowrite_read_only_block_size_v1),
    FORKED(rowrite_read_only_block_size_v2),
    FORKED(start_lines_v1),
    FORKED(start_lines_v2),
    FORKED(shell_id_discard_zero_v1),
    FORKED(shell_id_discard_zero_v2),
};

/* Each case in a child process: blkapp.c keeps its state in statics. */
int main(void)
{
    return run_forked_cases("blkapp", cases, FORKED_N(cases));
}
