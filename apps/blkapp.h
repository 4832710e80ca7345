/*
 * blkapp.h - the demo firmware's block device: bring-up, the boot-time
 * integrity modes used by the system tests (blk=write|check|verify|rowrite
 * in the boot arguments), and the helpers behind the shell's blk commands.
 */
#ifndef BLKAPP_H
#define BLKAPP_H

#include <stdint.h>

#include "board.h"

struct virtio_blk;

int blkapp_start(const struct board_virtio_slot *slot);
struct virtio_blk *blkapp_dev(void);
/* Run the boot-time mode named by blk= (if any); returns 0 or an error. */
int blkapp_boot_mode(const char *mode);
/* The LBA-dependent test pattern, also implemented by the host-side test. */
void blkapp_pattern(uint64_t lba, uint8_t *sector);
int blkapp_read(uint64_t lba, unsigned count, uint8_t **data);
int blkapp_write_pattern(uint64_t lba, unsigned count, uint8_t byte);
/* Main loop: completions without an interrupt, and recovery when the
 * device needs a reset or broke its queue (virtio_blk_check). */
void blkapp_poll(void);

#endif
