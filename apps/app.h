/*
 * app.h - what the demo firmware's parts share: the probed devices, the
 * entropy source and the boot arguments.
 */
#ifndef APP_H
#define APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "virtio/mmio_probe.h"

struct virtio_rng;
struct virtio_dev;

struct app_device {
    const struct board_virtio_slot *slot;
    struct virtio_mmio_ident id;
    struct virtio_dev *dev; /* the driver's device, once one runs it */
};

const struct app_device *app_devices(int *n);
void app_set_driver(uint32_t device_id, struct virtio_dev *dev);
uint32_t app_random(void);
/* Up to len random bytes from virtio-rng; the count read or a negative error. */
int app_rng_read(void *buf, size_t len);
bool app_bootarg(const char *word);
/* key=value's value (cut to size - 1 characters), the last such word's
 * when there are several, as ip= (net/ipcfg.c) and Linux take it; NULL if
 * there is none. */
const char *app_bootarg_value(const char *key, char *buf, size_t size);
/* Says, one line each, which words of the boot arguments this firmware
 * does not read (a typo such as tcp_shel=off, or a Linux argument a loader
 * added): "boot: WARNING: boot argument 'X' is not one this firmware
 * reads; ignored".  The number of such words. */
unsigned app_bootargs_check(void);
/* A queue size argument (netq=): its value when the whole string is a
 * decimal power of two from 2 to max, else 0. */
unsigned app_parse_queue_size(const char *s, unsigned max);
/* A slot's interrupt as the GIC is set up for it: "79" (edge), "79 level",
 * or "none" (its drivers poll). */
const char *app_irq_str(const struct board_virtio_slot *s, char *buf, size_t size);

/* A feature bit's name ("csum", "ring_packed"), for a device of device_id;
 * NULL for a bit no driver here negotiates.  apps/features.c. */
const char *app_feature_name(uint32_t device_id, unsigned bit);

void shell_init(void);
void shell_poll(void); /* feed any waiting console input to the shell */
/* Run one command line (split in place) as the console shell would; its
 * output goes through kprintf.  For other front ends (apps/shellsrv.c).
 * A command that waits on the network (ping) asks interrupted(arg) between
 * its waits and stops when it says true: the person who started it pressed
 * Ctrl-C, or went away.  NULL: the command runs to its end. */
void shell_run_line(char *line, bool (*interrupted)(void *arg), void *arg);

#endif
