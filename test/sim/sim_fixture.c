/*
 * sim_fixture.c - see sim_fixture.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_fixture.h"

uint32_t vfix_v1 = 1, vfix_v2 = 2, vfix_v2p = 2;

static void fx_config_changed(struct virtio_dev *dev)
{
    ((struct vfix *)dev->drv_priv)->config_changed_calls++;
}

static void fx_needs_reset(struct virtio_dev *dev)
{
    ((struct vfix *)dev->drv_priv)->needs_reset_calls++;
}

static int fx_restart(struct virtio_dev *dev)
{
    ((struct vfix *)dev->drv_priv)->restart_calls++;
    return 0;
}

int vfix_setup(void **state)
{
    struct vfix *fx = calloc(1, sizeof(*fx));

    if (!fx)
        return -1;
    sim_plat_reset();
    fx->version = *(uint32_t *)*state;
    fx->packed = vfix_state_packed(state);
    fx->drv.name = "test";
    fx->drv.config_changed = fx_config_changed;
    fx->drv.needs_reset = fx_needs_reset;
    fx->drv.restart = fx_restart;
    *state = fx;
    return 0;
}

int vfix_teardown(void **state)
{
    struct vfix *fx = *state;
    bool allow = fx->allow_violations;
    unsigned violations = 0;
    bool clean;

    if (fx->attached && fx->dev.ops)
        virtio_dev_shutdown(&fx->dev);
    if (fx->sim) {
        violations = fx->sim->violations;
        if (violations && !allow)
            fprintf(stderr, "sim violation: %s\n", fx->sim->last_violation);
        sim_virtio_destroy(fx->sim);
    }
    clean = sim_plat_finish();
    free(fx);
    if ((violations && !allow) || !clean)
        return -1;
    return 0;
}

void vfix_create(struct vfix *fx, uint32_t device_id, uint64_t dev_features, unsigned nq,
                 uint32_t num_max)
{
    if (fx->version != 1)
        dev_features |= VIRTIO_BIT(VIRTIO_F_VERSION_1);
    else
        dev_features &= 0xffffffffull; /* legacy: 32 feature bits */
    if (fx->packed)
        dev_features |= VIRTIO_BIT(VIRTIO_F_RING_PACKED);
    fx->sim = sim_virtio_create(fx->version, device_id, dev_features, nq, num_max);
    assert_int_equal(virtio_mmio_attach(&fx->dev, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true),
                     0);
    fx->attached = true;
    virtio_dev_set_driver(&fx->dev, &fx->drv, fx);
}

void vfix_vq_cb(struct virtqueue *vq, void *priv)
{
    (void)vq;
    ((struct vfix *)priv)->cb_calls++;
}

void vfix_vq_cancel(struct virtqueue *vq, void *token, void *priv)
{
    struct vfix *fx = priv;

    (void)vq;
    if (fx->ncancel < VFIX_MAX_TOKENS)
        fx->cancelled[fx->ncancel] = token;
    fx->ncancel++;
}

int vfix_up(struct vfix *fx, uint64_t supported, uint16_t qnum, uint16_t max_ind)
{
    struct virtio_vq_params p;
    int err;

    fx->spec.supported = supported;
    err = virtio_dev_negotiate(&fx->dev, &fx->spec);
    if (err)
        return err;
    memset(&p, 0, sizeof(p));
    p.name = "test.q0";
    p.num = qnum;
    p.max_indirect = max_ind;
    p.callback = vfix_vq_cb;
    p.cancel = vfix_vq_cancel;
    p.priv = fx;
    err = virtio_dev_setup_vq(&fx->dev, 0, &p, &fx->vq);
    if (err)
        return err;
    err = virtio_dev_attach_irq(&fx->dev);
    if (err)
        return err;
    return virtio_dev_driver_ok(&fx->dev);
}

bool vfix_status_seq(const struct vfix *fx, const uint8_t *expect, unsigned n)
{
    unsigned i;

    if (fx->sim->n_status != n)
        goto differ;
    for (i = 0; i < n; i++)
        if (fx->sim->status_log[i] != expect[i])
            goto differ;
    return true;
differ:
    fprintf(stderr, "status writes:");
    for (i = 0; i < fx->sim->n_status; i++)
        fprintf(stderr, " %#x", fx->sim->status_log[i]);
    fprintf(stderr, "\nexpected:     ");
    for (i = 0; i < n; i++)
        fprintf(stderr, " %#x", expect[i]);
    fprintf(stderr, "\n");
    return false;
}
