/*
 * blkapp.h - the demo firmware's block devices: bring-up of every
 * virtio-blk device (up to BLKAPP_MAX: disk0, disk1, ... in probe order),
 * the boot-time integrity modes used by the system tests
 * (blk=write|check|verify|rowrite in the boot arguments, run on every
 * disk in turn; disk0's lines start "blk: ", the others' "blk: diskN: "),
 * and the helpers behind the shell's blk commands.  At start each disk's
 * line says its geometry, then (when there are) its serial and its
 * discard / write-zeroes limits.
 */
#ifndef BLKAPP_H
#define BLKAPP_H

#include <stdint.h>

#include "board.h"

/* Block devices driven at most; main.c says which it leaves out. */
#define BLKAPP_MAX 4
/* blkapp_start(): every disk slot is taken. */
#define BLKAPP_EFULL (-1000)

struct virtio_blk;

/* Start the next disk on this device: 0, a negative VIRTIO_E* code (said
 * in the log), or BLKAPP_EFULL (not said). */
int blkapp_start(const struct board_virtio_slot *slot);
unsigned blkapp_count(void);                  /* disks started */
struct virtio_blk *blkapp_dev_at(unsigned i); /* disk i, or NULL */
struct virtio_blk *blkapp_dev(void);          /* disk0, or NULL */
/* Run the boot-time mode named by blk= (if any) on every disk; returns 0
 * or the first error. */
int blkapp_boot_mode(const char *mode);
/* The LBA-dependent test pattern, also implemented by the host-side test. */
void blkapp_pattern(uint64_t lba, uint8_t *sector);
/* On disk `disk` (VIRTIO_ENODEV when there is none).  A transfer the
 * device keeps past the timeout (VIRTIO_ETIMEDOUT) keeps its buffer too:
 * the next one takes a new buffer, which a late completion cannot write. */
int blkapp_read(unsigned disk, uint64_t lba, unsigned count, uint8_t **data);
int blkapp_write_pattern(unsigned disk, uint64_t lba, unsigned count, uint8_t byte);
/* The disk's serial (virtio_blk_get_id: printable, "" when the device has
 * none; id[] holds 21 bytes), and DISCARD / WRITE_ZEROES of count sectors
 * (virtio_blk_discard / _write_zeroes, unmap allowed): 0 or a negative
 * VIRTIO_E*, VIRTIO_ENOTSUP when the device does not offer the command. */
int blkapp_get_id(unsigned disk, char id[21]);
int blkapp_discard(unsigned disk, uint64_t lba, uint64_t count);
int blkapp_zero(unsigned disk, uint64_t lba, uint64_t count);
/* Main loop: completions without an interrupt, and recovery when a
 * device needs a reset or broke its queue (virtio_blk_check), every disk. */
void blkapp_poll(void);

#endif
