/*
 * sim_fixture.h - cmocka fixture shared by the virtio unit tests: one
 * simulated virtio-mmio device plus the driver's struct virtio_dev, run
 * once per transport version (VFIX_TEST expands a test into a "/v1" and a
 * "/v2" entry; a "/v2p" entry with state &vfix_v2p is the modern transport
 * with the device also offering VIRTIO_F_RING_PACKED, so the queues are
 * packed - VFIX_TEST_PACKED adds one).
 *
 * Teardown shuts the device down and then checks, for every test: the
 * simulated device saw no protocol violation (unless allow_violations),
 * no DMA memory leaked, no platform misuse (sim_plat_ok).
 */
#ifndef SIM_FIXTURE_H
#define SIM_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include "sim_plat.h"
#include "sim_virtio.h"
#include "virtio/virtio.h"

#define VFIX_DEV_ID 42u /* a device type no driver claims */
#define VFIX_MAX_TOKENS 1024

struct vfix {
    uint32_t version;
    struct sim_virtio *sim;
    struct virtio_dev dev;
    bool attached;
    struct virtio_feature_spec spec;
    struct virtio_driver_ops drv;
    struct virtqueue *vq;
    bool allow_violations;
    bool packed; /* "/v2p": the device offers VIRTIO_F_RING_PACKED */
    /* bookkeeping by the default hooks */
    unsigned cb_calls;
    unsigned ncancel;
    void *cancelled[VFIX_MAX_TOKENS];
    unsigned config_changed_calls;
    unsigned needs_reset_calls;
    unsigned restart_calls;
    /* test-private */
    void *user;
};

extern uint32_t vfix_v1, vfix_v2, vfix_v2p;

/* Is the test state (before setup replaced it) the packed variant? */
static inline bool vfix_state_packed(void *const *state)
{
    return *state == (void *)&vfix_v2p;
}

#define VFIX_TEST(f)                                                                  \
    {#f "/v1", f, vfix_setup, vfix_teardown, &vfix_v1},                               \
    {                                                                                 \
        #f "/v2", f, vfix_setup, vfix_teardown, &vfix_v2                              \
    }

#define VFIX_TEST_PACKED(f) {#f "/v2p", f, vfix_setup, vfix_teardown, &vfix_v2p}

int vfix_setup(void **state);
int vfix_teardown(void **state);

/* Create the simulated device (version from the fixture) and attach to it. */
void vfix_create(struct vfix *fx, uint32_t device_id, uint64_t dev_features, unsigned nq,
                 uint32_t num_max);
/* Negotiate `supported`, create queue 0 (qnum entries, max_ind indirect),
 * attach the interrupt and set DRIVER_OK.  Returns the first error. */
int vfix_up(struct vfix *fx, uint64_t supported, uint16_t qnum, uint16_t max_ind);

/* Default queue callback / cancel (count and record). */
void vfix_vq_cb(struct virtqueue *vq, void *priv);
void vfix_vq_cancel(struct virtqueue *vq, void *token, void *priv);

/* Last status the driver wrote, and whether the sequence of status writes
 * equals `expect` (n entries). */
bool vfix_status_seq(const struct vfix *fx, const uint8_t *expect, unsigned n);

#endif /* SIM_FIXTURE_H */
