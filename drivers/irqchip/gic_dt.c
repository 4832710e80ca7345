/*
 * gic_dt.c - the GIC's device-tree bindings (Linux's
 * Documentation/devicetree/bindings/interrupt-controller/arm,gic.yaml and
 * arm,gic-v3.yaml): which node, which registers, what a specifier means,
 * and the arithmetic of gic.c's walk over the redistributors that
 * "redistributor-stride" steers.  See gic.h.  Reads only the tree, never
 * the hardware, so it builds anywhere (the host tests link it).
 */
#include "gic.h"

#include "plat.h"

#define SPI_MAX 988u /* SPIs 0..987: INTIDs 32..1019 */
#define PPI_MAX 16u  /* PPIs 0..15: INTIDs 16..31 */

#define GICR_TYPER_VLPIS (1u << 1)
#define GICR_TYPER_LAST (1u << 4)

static const char *const v3_compat[] = {"arm,gic-v3", NULL};
static const char *const v2_compat[] = {"arm,cortex-a15-gic", "arm,gic-400", "arm,cortex-a9-gic",
                                        "arm,cortex-a7-gic", NULL};

/* The first okay node of the first compatible string that has one. */
static int first_okay(const struct dt *dt, const char *const *compat)
{
    for (int c = 0; compat[c]; c++) {
        int n;
        for (n = dt_find_compatible(dt, -1, compat[c]); n >= 0; n = dt_find_compatible(dt, n, compat[c]))
            if (dt_status_okay(dt, n))
                return n;
        if (n != -DT_ERR_NOTFOUND)
            return n;
    }
    return -DT_ERR_NOTFOUND;
}

static bool stride_usable(uint64_t v) { return v >= GIC_RD_FRAMES && v % GIC_RD_FRAME == 0; }

/* arm,gic-v3.yaml's "redistributor-stride": a uint64 (8 bytes, two cells:
 * Linux reads it with of_property_read_u64, and ignores a one-cell value
 * too), a multiple of 64 KiB, above 0.  At least the two frames every
 * redistributor has is asked for here as well: a smaller step would read
 * a redistributor's SGI_base frame as the next one's RD_base. */
static void redist_stride(const struct dt *dt, struct gic_dt *d)
{
    int len;
    const uint8_t *p = dt_getprop(dt, d->node, "redistributor-stride", &len);
    if (!p)
        return; /* absent */
    if (len != 8) {
        d->rd_stride_err = GIC_STRIDE_BADLEN;
        return;
    }
    d->rd_stride_raw = dt_be64(p);
    if (d->rd_stride_raw == 0)
        d->rd_stride_err = GIC_STRIDE_ZERO;
    else if (d->rd_stride_raw % GIC_RD_FRAME != 0)
        d->rd_stride_err = GIC_STRIDE_UNALIGNED;
    else if (!stride_usable(d->rd_stride_raw))
        d->rd_stride_err = GIC_STRIDE_SMALL;
    else
        d->rd_stride = d->rd_stride_raw;
}

int gic_dt_find(const struct dt *dt, int version, struct gic_dt *out)
{
    struct gic_dt d;
    uint32_t nrd = 1;
    int err;

    if (!dt || !out || (version != 2 && version != 3))
        return -DT_ERR_BADARG;
    d.version = version;
    d.nregions = 0;
    d.rd_stride = d.rd_stride_raw = 0;
    d.rd_stride_err = GIC_STRIDE_OK;
    d.node = first_okay(dt, version == 3 ? v3_compat : v2_compat);
    if (d.node < 0)
        return d.node;
    err = dt_reg(dt, d.node, 0, &d.dist, &d.dist_size);
    if (err < 0)
        return err;
    if (version == 3) {
        /* reg: the distributor, then #redistributor-regions regions
         * (QEMU virt has a second one beyond 123 CPUs); GITS and the
         * rest follow, and are not ours. */
        (void)dt_prop_u32(dt, d.node, "#redistributor-regions", &nrd);
        redist_stride(dt, &d);
    }
    for (uint32_t r = 1; r <= nrd && r <= GIC_DT_MAX_REGIONS; r++)
        if (dt_reg(dt, d.node, r, &d.region[d.nregions][0], &d.region[d.nregions][1]) == 0)
            d.nregions++;
    if (d.nregions == 0)
        return -DT_ERR_NOTFOUND;
    *out = d;
    return 0;
}

int gic_dt_decode(const uint32_t *cells, int ncells, unsigned *irq, unsigned *flags)
{
    if (!cells || !irq || !flags)
        return -DT_ERR_BADARG;
    /* arm,gic-v3.yaml: #interrupt-cells 3 or 4; the 4th cell is a PPI
     * partition's phandle, 0 for an interrupt of every CPU. */
    if (ncells != 3 && !(ncells == 4 && cells[3] == 0))
        return -DT_ERR_BADVALUE;
    uint32_t type = cells[0], num = cells[1], trig = cells[2] & 0xfu;
    unsigned intid, fl;
    if (type == 0 && num < SPI_MAX)
        intid = num + 32;
    else if (type == 1 && num < PPI_MAX)
        intid = num + 16;
    else
        return -DT_ERR_BADVALUE; /* also GICv3's extended ranges (2, 3) */
    if (trig == 1 || trig == 2)
        fl = PLAT_IRQ_EDGE;
    else if (trig == 4 || trig == 8)
        fl = PLAT_IRQ_LEVEL;
    else
        return -DT_ERR_BADVALUE; /* none, or several at once */
    *irq = intid;
    *flags = fl;
    return 0;
}

int gic_rd_next(uint64_t *off, uint64_t size, uint64_t stride, uint64_t typer)
{
    if (!off || (typer & GICR_TYPER_LAST))
        return -1;
    /* The stride when usable (gic_dt_find passes on no other), else the
     * frames GICR_TYPER says this redistributor has. */
    uint64_t step = stride_usable(stride) ? stride : (typer & GICR_TYPER_VLPIS) ? 2u * GIC_RD_FRAMES : GIC_RD_FRAMES;
    /* In that order, without overflow: *off within the region, the step
     * within what is left, and two frames after it. */
    if (*off > size || size - *off < step || size - *off - step < GIC_RD_FRAMES)
        return -1;
    *off += step;
    return 0;
}
