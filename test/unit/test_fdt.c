/*
 * test_fdt.c - host tests for drivers/fdt (the device-tree reader).
 *
 * Three kinds of evidence:
 *  - an oracle: every DTB that QEMU's virt machine produces (dumped by
 *    tools/dump-dtbs.sh into $DT_DTB_DIR, default build/dtb) and every valid
 *    hand-made tree is read with our reader and with libfdt, and every node,
 *    property, path, phandle and reg entry must agree;
 *  - broken blobs, each rejected by dt_open() with a named error code, built
 *    by mangling one field at a time (after libfdt's tests/check_header.c) or
 *    by emitting a bad token stream;
 *  - accessor behaviour on small hand-made trees (cells, ranges, status,
 *    interrupts, aliases, stdout-path);
 *  - interrupts: a reading of interrupts-extended / interrupts written
 *    independently with libfdt (lib_irq_spec) must agree with dt_irq_spec
 *    (controller, cell count, cells) at every node of every tree above, and
 *    so must the GIC driver's decode of them (gic_dt_decode, as the board
 *    uses it: irq_gic below) with an independent one; a tree of the
 *    variations boards and
 *    hypervisors produce (interrupts-extended alone, beside interrupts,
 *    through controllers of several sizes, broken; interrupt-parent
 *    inherited through buses; SPI 0; virtio nodes under #address-cells 2
 *    and 1) is checked answer by answer and mutated byte by byte;
 *  - the node index (dt_index): every oracle run and every accessor test is
 *    done without and with one, and the two views of a tree are compared
 *    answer by answer at every node and at offsets across the struct block
 *    (compare_index); tables one or more entries short must be refused
 *    whole; damaged tables and damaged struct dts must only ever give
 *    answers, in bounds and in finite time (poke), and property lookups
 *    must match the property iteration API (check_getprop_ref).
 * Every blob is copied into a heap buffer of exactly its size and that size
 * is passed as avail, so AddressSanitizer reports any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <dirent.h>
#include <libfdt.h>

#include "fdt/fdt.h"
#include "irqchip/gic.h"
#include "plat.h"

/* ---- Helpers ------------------------------------------------------------ */

/* A copy in a buffer of exactly n bytes: the last valid byte sits against
 * ASan's redzone. */
static uint8_t *exact_copy(const void *src, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	if (n)
		memcpy(p, src, n);
	return p;
}

static int open_copy(const void *blob, size_t n)
{
	struct dt dt;
	uint8_t *c = exact_copy(blob, n);
	int r = dt_open(&dt, c, n);

	if (r < 0) {
		/* A failed open leaves nothing an accessor could follow. */
		assert_null(dt.blob);
		assert_int_equal(dt.totalsize, 0);
	}
	free(c);
	return r;
}

#define assert_open_err(blob, n, e) assert_int_equal(open_copy((blob), (n)), (e))

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Header words by index, as in the spec's struct fdt_header. */
enum { W_MAGIC, W_TOTALSIZE, W_OFF_STRUCT, W_OFF_STRINGS, W_OFF_RSVMAP,
       W_VERSION, W_LAST_COMP, W_BOOT_CPUID, W_SIZE_STRINGS, W_SIZE_STRUCT };

static uint32_t hget(const uint8_t *b, int w) { return get_be32(b + 4 * w); }
static void hset(uint8_t *b, int w, uint32_t v) { put_be32(b + 4 * w, v); }

/* ---- A tiny blob builder (independent of the reader under test) -------- */

#define BB_MAX (64 * 1024)

struct bb {
	uint8_t st[BB_MAX];
	uint32_t stlen;
	char strs[BB_MAX];
	uint32_t strslen;
	uint64_t rsv[8][2];
	int nrsv;
};

static struct bb *bb_new(void)
{
	struct bb *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	return b;
}

static void bb_bytes(struct bb *b, const void *p, size_t n)
{
	assert_true(b->stlen + n <= BB_MAX);
	memcpy(b->st + b->stlen, p, n);
	b->stlen += (uint32_t)n;
}

static void bb_u32(struct bb *b, uint32_t v)
{
	uint8_t w[4];

	put_be32(w, v);
	bb_bytes(b, w, 4);
}

static void bb_pad(struct bb *b)
{
	while (b->stlen % 4)
		b->st[b->stlen++] = 0;
}

static uint32_t bb_str(struct bb *b, const char *name)
{
	size_t n = strlen(name) + 1;
	uint32_t off;

	for (off = 0; off < b->strslen; off += (uint32_t)strlen(b->strs + off) + 1)
		if (strcmp(b->strs + off, name) == 0)
			return off;
	assert_true(b->strslen + n <= BB_MAX);
	memcpy(b->strs + b->strslen, name, n);
	off = b->strslen;
	b->strslen += (uint32_t)n;
	return off;
}

static void bb_begin(struct bb *b, const char *name)
{
	bb_u32(b, FDT_BEGIN_NODE);
	bb_bytes(b, name, strlen(name) + 1);
	bb_pad(b);
}

static void bb_end(struct bb *b) { bb_u32(b, FDT_END_NODE); }
static void bb_finish(struct bb *b) { bb_u32(b, FDT_END); }

static void bb_prop(struct bb *b, const char *name, const void *val,
		    uint32_t len)
{
	bb_u32(b, FDT_PROP);
	bb_u32(b, len);
	bb_u32(b, bb_str(b, name));
	if (len)
		bb_bytes(b, val, len);
	bb_pad(b);
}

static void bb_prop_str(struct bb *b, const char *name, const char *s)
{
	bb_prop(b, name, s, (uint32_t)strlen(s) + 1);
}

static void bb_prop_empty(struct bb *b, const char *name)
{
	bb_prop(b, name, NULL, 0);
}

/* bb_cells(b, name, n, c0, c1, ...) */
static void bb_cells(struct bb *b, const char *name, int n, ...)
{
	uint8_t v[64 * 4];
	va_list ap;
	int i;

	assert_true(n <= 64);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		put_be32(v + 4 * i, va_arg(ap, uint32_t));
	va_end(ap);
	bb_prop(b, name, v, (uint32_t)(4 * n));
}

/* Header (v17) | reservation map | struct | strings, as dtc lays them out. */
static uint8_t *bb_blob(const struct bb *b, size_t *size)
{
	uint32_t rsvlen = (uint32_t)(b->nrsv + 1) * 16;
	uint32_t off_rsv = 40, off_st = off_rsv + rsvlen;
	uint32_t off_str = off_st + b->stlen;
	uint32_t total = off_str + b->strslen;
	uint8_t *p = calloc(1, total);
	int i;

	assert_non_null(p);
	hset(p, W_MAGIC, FDT_MAGIC);
	hset(p, W_TOTALSIZE, total);
	hset(p, W_OFF_STRUCT, off_st);
	hset(p, W_OFF_STRINGS, off_str);
	hset(p, W_OFF_RSVMAP, off_rsv);
	hset(p, W_VERSION, 17);
	hset(p, W_LAST_COMP, 16);
	hset(p, W_BOOT_CPUID, 0);
	hset(p, W_SIZE_STRINGS, b->strslen);
	hset(p, W_SIZE_STRUCT, b->stlen);
	for (i = 0; i < b->nrsv; i++) {
		put_be32(p + off_rsv + 16 * i, (uint32_t)(b->rsv[i][0] >> 32));
		put_be32(p + off_rsv + 16 * i + 4, (uint32_t)b->rsv[i][0]);
		put_be32(p + off_rsv + 16 * i + 8, (uint32_t)(b->rsv[i][1] >> 32));
		put_be32(p + off_rsv + 16 * i + 12, (uint32_t)b->rsv[i][1]);
	}
	memcpy(p + off_st, b->st, b->stlen);
	memcpy(p + off_str, b->strs, b->strslen);
	*size = total;
	return p;
}

/* The smallest useful tree: / { compatible = "t"; c { p = <1>; }; }; */
static uint8_t *small_blob(size_t *size)
{
	struct bb *b = bb_new();
	uint8_t *p;

	b->rsv[0][0] = 0x80000000u;
	b->rsv[0][1] = 0x1000;
	b->nrsv = 1;
	bb_begin(b, "");
	bb_prop_str(b, "compatible", "t");
	bb_begin(b, "c");
	bb_cells(b, "p", 1, 1u);
	bb_end(b);
	bb_end(b);
	bb_finish(b);
	p = bb_blob(b, size);
	free(b);
	return p;
}

/* ---- The oracle: our reader against libfdt on one valid blob ----------- */

#define MAX_COMPATS 256
#define PATH_MAX_ 1024

struct oracle_stats {
	int nodes, props, paths, phandles, regs, compat_checks, path_dups, irqs;
	int irq_specs; /* dt_irq_spec entries read (irqs: of them, GIC ones) */
};

/* Copies: the blob's strings may lack their NUL. */
static void add_compat(char (*list)[64], int *n, const char *s, size_t len)
{
	int i;

	if (len == 0 || len >= 64)
		return;
	for (i = 0; i < *n; i++)
		if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
			return;
	if (*n < MAX_COMPATS) {
		memcpy(list[*n], s, len);
		list[(*n)++][len] = '\0';
	}
}

/* libfdt ignores a last compatible string that lacks its NUL; we match it. */
static int compat_unterminated(const void *fdt, int node)
{
	int len;
	const char *v = fdt_getprop(fdt, node, "compatible", &len);

	return v != NULL && len > 0 && v[len - 1] != '\0';
}

/* libfdt-side view of "the nearest node with dma-coherent or
 * dma-noncoherent decides; neither: not coherent". */
static int lib_dma_coherent(const void *fdt, int node)
{
	for (; node >= 0; node = fdt_parent_offset(fdt, node)) {
		if (fdt_getprop(fdt, node, "dma-coherent", NULL) != NULL)
			return 1;
		if (fdt_getprop(fdt, node, "dma-noncoherent", NULL) != NULL)
			return 0;
	}
	return 0;
}

static int lib_status_okay(const void *fdt, int node)
{
	int len;
	const char *s = fdt_getprop(fdt, node, "status", &len);

	if (s == NULL)
		return 1;
	if (len <= 0 || memchr(s, 0, (size_t)len) == NULL)
		return 0;
	return strcmp(s, "okay") == 0 || strcmp(s, "ok") == 0;
}

/* libfdt-side #interrupt-cells of a node: the count, or -1 if the node
 * has none (or a malformed one). */
static int lib_irq_cells(const void *fdt, int node)
{
	int len;
	const fdt32_t *c = fdt_getprop(fdt, node, "#interrupt-cells", &len);

	return c != NULL && len == 4 ? (int)fdt32_to_cpu(*c) : -1;
}

/* One interrupt as the GIC numbers it (flags PLAT_IRQ_EDGE/LEVEL): what
 * dt_irq_spec and then the GIC driver's decode give the board. */
struct gic_irq {
	uint32_t intid;
	uint32_t flags;
};

/* dt_irq_spec, then gic_dt_decode of the cells if the entry fits
 * IRQCHIP_MAX_CELLS (as the board does; it also checks the controller is
 * its GIC, which the trees here do not always have). *out only on
 * success. */
static int irq_gic(const struct dt *dt, int node, unsigned idx,
		   struct gic_irq *out)
{
	uint32_t cells[IRQCHIP_MAX_CELLS];
	unsigned irq, flags;
	int ctrl, n, r;

	r = dt_irq_spec(dt, node, idx, &ctrl, cells, IRQCHIP_MAX_CELLS, &n);
	if (r < 0)
		return r;
	r = gic_dt_decode(cells, n, &irq, &flags);
	if (r < 0)
		return r;
	out->intid = irq;
	out->flags = flags;
	return 0;
}

/* The libfdt reading of one GIC 3-cell specifier. */
static int lib_gic_spec(const fdt32_t *e, struct gic_irq *out)
{
	uint32_t type = fdt32_to_cpu(e[0]), num = fdt32_to_cpu(e[1]);
	uint32_t trig = fdt32_to_cpu(e[2]) & 0xf;

	if (type == 0 && num <= 1019 - 32)
		out->intid = num + 32;
	else if (type == 1 && num <= 15)
		out->intid = num + 16;
	else
		return -1;
	if (trig != 1 && trig != 2 && trig != 4 && trig != 8)
		return -1;
	out->flags = trig <= 2 ? PLAT_IRQ_EDGE : PLAT_IRQ_LEVEL;
	return 0;
}

/*
 * An independent reading of what dt_irq_spec documents, written with
 * libfdt (0 with the controller, the cell count and the cells, or -1):
 * "interrupts-extended" first (spec 2.4.1.3), each entry a phandle and its
 * controller's #interrupt-cells cells; else "interrupts" with the
 * controller found the Linux way (of_irq_find_parent: interrupt-parent or
 * the tree parent, until a node with #interrupt-cells), in entries of that
 * controller's size.
 */
static int lib_irq_spec(const void *fdt, int node, unsigned idx, int *ctrlp,
			const fdt32_t **cellsp, int *ncells)
{
	int len, ctrl, cells, hops, cur;
	const fdt32_t *v = fdt_getprop(fdt, node, "interrupts-extended", &len);
	const fdt32_t *ip;
	unsigned k, i = 0, n;
	uint64_t size;

	if (v != NULL) {
		if (len % 4)
			return -1;
		n = (unsigned)len / 4;
		for (k = 0; i < n; k++) {
			ctrl = fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(v[i]));
			if (ctrl < 0)
				return -1;
			cells = lib_irq_cells(fdt, ctrl);
			if (cells < 0 || (unsigned)cells > n - i - 1)
				return -1;
			if (k == idx) {
				*ctrlp = ctrl;
				*cellsp = v + i + 1;
				*ncells = cells;
				return 0;
			}
			i += 1 + (unsigned)cells;
		}
		return -1;
	}
	if (fdt_getprop(fdt, node, "interrupts-extended", &len) == NULL &&
	    len != -FDT_ERR_NOTFOUND)
		return -1;
	v = fdt_getprop(fdt, node, "interrupts", &len);
	if (v == NULL)
		return -1;
	for (cur = node, hops = 0; hops < 64; hops++) {
		ip = fdt_getprop(fdt, cur, "interrupt-parent", &cells);
		if (ip != NULL)
			cur = cells == 4 ? fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(*ip)) : -1;
		else
			cur = fdt_parent_offset(fdt, cur);
		if (cur < 0)
			return -1;
		if (fdt_getprop(fdt, cur, "#interrupt-cells", NULL) != NULL)
			break;
	}
	if (hops == 64)
		return -1;
	/* (a count of 2^31 or more reads as -1 here; the reader refuses
	 * such an entry too, by its length) */
	cells = lib_irq_cells(fdt, cur);
	if (cells <= 0)
		return -1;
	size = 4 * (uint64_t)cells;
	if ((uint64_t)len % size != 0 || idx >= (uint64_t)len / size)
		return -1;
	*ctrlp = cur;
	*cellsp = v + (uint64_t)idx * (uint32_t)cells;
	*ncells = cells;
	return 0;
}

static uint64_t lib_cells(const fdt32_t *c, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 32 | fdt32_to_cpu(c[i]);
	return v;
}

/* reg of `node`, decoded by hand from libfdt, against dt_reg_raw/dt_reg. */
static void oracle_reg(const struct dt *dt, const void *fdt, int node,
		       int parent, struct oracle_stats *st)
{
	int len, ac, sc, count, i, bus, up, rlen;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
	uint64_t a, s, want_a, want_s;
	int translatable = 1; /* 1 identity all the way, 0 untranslatable, -1 other */
	const void *rng;

	if (reg == NULL)
		return;
	ac = fdt_address_cells(fdt, parent);
	sc = fdt_size_cells(fdt, parent);
	if (ac < 1 || ac > 2 || sc < 0 || sc > 2 || len % (4 * (ac + sc)))
		return; /* shapes checked by the hand-made tests */
	count = len / (4 * (ac + sc));
	assert_int_equal(dt_reg_count(dt, node), count);

	for (bus = parent; bus >= 0; bus = up) {
		up = fdt_parent_offset(fdt, bus);
		if (up < 0)
			break; /* root */
		rng = fdt_getprop(fdt, bus, "ranges", &rlen);
		if (rng == NULL) {
			translatable = 0;
			break;
		}
		if (rlen != 0)
			translatable = -1;
	}
	for (i = 0; i < count; i++) {
		want_a = lib_cells(reg + i * (ac + sc), ac);
		want_s = lib_cells(reg + i * (ac + sc) + ac, sc);
		assert_int_equal(dt_reg_raw(dt, node, (unsigned)i, &a, &s), 0);
		assert_int_equal(a, want_a);
		assert_int_equal(s, want_s);
		if (translatable == 1) {
			assert_int_equal(dt_reg(dt, node, (unsigned)i, &a, &s), 0);
			assert_int_equal(a, want_a);
			assert_int_equal(s, want_s);
		} else if (translatable == 0) {
			assert_int_equal(dt_reg(dt, node, (unsigned)i, &a, &s),
					 -DT_ERR_NOTRANSLATION);
		}
		st->regs++;
	}
	assert_int_equal(dt_reg_raw(dt, node, (unsigned)count, &a, &s),
			 -DT_ERR_NOTFOUND);
}

static void oracle_props(const struct dt *dt, const void *fdt, int node,
			 struct oracle_stats *st)
{
	int p = dt_first_prop(dt, node), lp = fdt_first_property_offset(fdt, node);
	const char *name, *lname;
	const void *v, *lv, *byname, *lbyname;
	int len, llen, len2, llen2;

	for (; lp >= 0; lp = fdt_next_property_offset(fdt, lp)) {
		assert_int_equal(p, lp);
		v = dt_prop_by_offset(dt, p, &name, &len);
		lv = fdt_getprop_by_offset(fdt, lp, &lname, &llen);
		assert_non_null(v);
		assert_ptr_equal(v, lv);
		assert_int_equal(len, llen);
		assert_string_equal(name, lname);
		/* Lookup by name finds the same bytes (the first of that name). */
		byname = dt_getprop(dt, node, name, &len2);
		lbyname = fdt_getprop(fdt, node, name, &llen2);
		assert_ptr_equal(byname, lbyname);
		assert_int_equal(len2, llen2);
		assert_true(dt_has_prop(dt, node, name));
		st->props++;
		p = dt_next_prop(dt, p);
	}
	assert_int_equal(lp, -FDT_ERR_NOTFOUND);
	assert_int_equal(p, -DT_ERR_NOTFOUND);
	assert_null(dt_getprop(dt, node, "no-such-property", &len));
	assert_int_equal(len, -DT_ERR_NOTFOUND);
	assert_false(dt_has_prop(dt, node, "no-such-property"));
}

/* dst = parent + "/" + name, without doubling the root's slash. */
static void join_path(char *dst, const char *parent, const char *name,
		      size_t len)
{
	size_t pl = strlen(parent);

	if (pl == 1)
		pl = 0;
	assert_true(pl + 1 + len < PATH_MAX_);
	memcpy(dst, parent, pl);
	dst[pl] = '/';
	memcpy(dst + pl + 1, name, len);
	dst[pl + 1 + len] = '\0';
}

/* ---- The node index: same answers with and without it ------------------ */

static int count_nodes(const struct dt *dt)
{
	int n = 0, node;

	for (node = dt_next_node(dt, -1, NULL); node >= 0;
	     node = dt_next_node(dt, node, NULL))
		n++;
	assert_int_equal(node, -DT_ERR_NOTFOUND);
	return n;
}

/*
 * Index *dt with a heap table of exactly its node count, so ASan sees any
 * write past the end; first prove that every smaller table (all of them up
 * to 8 short, and an empty one) is refused whole: -DT_ERR_NOSPACE, no
 * index left behind, nothing written past table[max - 1].
 */
static struct dt_node_info *index_exact(struct dt *dt)
{
	int n = count_nodes(dt), m, i;
	struct dt_node_info *t;

	for (m = n - 1; m >= 0 && m >= n - 8; m--) {
		t = malloc(sizeof(*t) * (size_t)(m > 0 ? m : 1));
		assert_non_null(t);
		assert_int_equal(dt_index(dt, t, (unsigned)m), -DT_ERR_NOSPACE);
		assert_null(dt->index);
		assert_int_equal(dt->nindex, 0);
		free(t);
	}
	t = malloc(sizeof(*t) * (size_t)n);
	assert_non_null(t);
	assert_int_equal(dt_index(dt, t, (unsigned)n), n);
	assert_ptr_equal(dt->index, t);
	assert_int_equal(dt->nindex, n);
	/* what the table says, against the walk */
	assert_int_equal(t[0].off, dt->root);
	assert_int_equal(t[0].parent, DT_NO_PARENT);
	for (i = 0; i < n; i++) {
		assert_int_equal(i == 0 ? dt->root : dt_next_node(dt, (int)t[i - 1].off, NULL),
				 t[i].off);
		assert_int_equal(dt_get_phandle(dt, (int)t[i].off), t[i].phandle);
		if (i > 0)
			assert_true(t[i].parent < (uint32_t)i &&
				    t[t[i].parent].depth + 1 == t[i].depth);
	}
	return t;
}

/* Every question about offset `off`, answers as ints (pointers as offsets
 * into the blob, 64-bit values in two halves). */
#define NANS 256
static const char *const ask_names[] = { "model", "reg", "status", "phandle",
	"linux,phandle", "interrupts", "interrupt-parent", "#address-cells",
	"#size-cells", "#interrupt-cells", "ranges", "dma-coherent",
	"compatible", "device_type", "interrupts-extended", "no-such" };
static const char *const ask_compats[] = { "virtio,mmio", "arm,pl011",
	"x,one", "x,two", "simple-bus", "arm,gic-400", "arm,cortex-a15-gic",
	"" };

static int ptr_ans(const struct dt *dt, const void *p)
{
	return p == NULL ? -1 : (int)((const uint8_t *)p - dt->blob);
}

/* r[k++] = v, noting whether the answer comes from a climb from the root
 * (then it is -DT_ERR_BADOFFSET for a non-node even without an index). */
#define ANS(v, c)                              \
	do {                                   \
		if (climb != NULL)             \
			climb[k] = (c);        \
		r[k++] = (int)(v);             \
	} while (0)

static int ask(const struct dt *dt, int off, int *r, bool *climb)
{
	int k = 0, d = 7, len, p, i, bus;
	unsigned j, h;
	uint32_t u = 0;
	uint64_t a, sz;
	uint32_t cells[4];
	const void *v;

	ANS(dt_next_node(dt, off, &d), false);
	ANS(d, false);
	ANS(dt_first_child(dt, off), false);
	ANS(dt_next_sibling(dt, off), false);
	ANS(dt_parent(dt, off), true);
	ANS(dt_node_depth(dt, off), true);
	v = dt_node_name(dt, off, &len);
	ANS(ptr_ans(dt, v), false);
	ANS(len, false);
	for (j = 0; j < sizeof(ask_names) / sizeof(ask_names[0]); j++) {
		v = dt_getprop(dt, off, ask_names[j], &len);
		ANS(ptr_ans(dt, v), false);
		ANS(len, false);
	}
	v = dt_getprop_namelen(dt, off, "reg\0x", 5, &len); /* NUL inside */
	ANS(ptr_ans(dt, v), false);
	ANS(len, false);
	v = dt_getprop_namelen(dt, off, "regxyz", 3, &len);
	ANS(ptr_ans(dt, v), false);
	ANS(len, false);
	ANS(dt_has_prop(dt, off, "reg"), false);
	ANS(dt_prop_u32(dt, off, "#address-cells", &u), false);
	ANS(u, false);
	ANS(ptr_ans(dt, dt_prop_string(dt, off, "status")), false);
	p = dt_first_prop(dt, off);
	ANS(p, false);
	for (h = 0, i = 0; p >= 0 && i < 1000; p = dt_next_prop(dt, p), i++)
		h = h * 31u + (unsigned)p;
	ANS(p, false);
	ANS(h, false);
	for (j = 0; j < sizeof(ask_compats) / sizeof(ask_compats[0]); j++) {
		ANS(dt_node_is_compatible(dt, off, ask_compats[j]), false);
		ANS(dt_find_compatible(dt, off, ask_compats[j]), false);
	}
	u = dt_get_phandle(dt, off);
	ANS(u, false);
	ANS(dt_node_by_phandle(dt, u), false);
	ANS(dt_addr_cells(dt, off), false);
	ANS(dt_size_cells(dt, off), false);
	ANS(dt_reg_count(dt, off), true);
	for (j = 0; j < 3; j++) {
		a = sz = 0x5a5a;
		ANS(dt_reg_raw(dt, off, j, &a, &sz), true);
		ANS(a, true);
		ANS(a >> 32, true);
		ANS(sz, true);
		ANS(sz >> 32, true);
		a = sz = 0x5a5a;
		ANS(dt_reg(dt, off, j, &a, &sz), true);
		ANS(a, true);
		ANS(a >> 32, true);
		ANS(sz, true);
		ANS(sz >> 32, true);
	}
	ANS(dt_status_okay(dt, off), false);
	ANS(dt_dma_coherent(dt, off), true);
	bus = 0x5a5a;
	ANS(dt_dma_translated(dt, off, &bus), true);
	ANS(bus, true);
	ANS(dt_interrupt_parent(dt, off), false);
	for (j = 0; j < 4; j++) {
		int ctrl = -7, nc = -7, m;

		memset(cells, 0xa5, sizeof(cells));
		ANS(dt_irq_spec(dt, off, j, &ctrl, cells, 4, &nc), false);
		ANS(ctrl, false);
		ANS(nc, false);
		for (m = 0; m < 4; m++)
			ANS(cells[m], false);
		/* too little room: NOSPACE and the count needed */
		nc = -7;
		ANS(dt_irq_spec(dt, off, j, &ctrl, cells, 1, &nc), false);
		ANS(nc, false);
	}
	assert_true(k <= NANS);
	return k;
}

/* Answers about the whole tree. */
static int ask_tree(const struct dt *dt, int *r)
{
	static const char *const paths[] = { "/", "/chosen", "/aliases",
		"/memory", "/soc/uart", "/intc", "serial0", "serial0/x",
		"/cpus/cpu@0", "/irqs/ok", "/n", "/nowhere" };
	int k = 0, d = 7, i, n;
	unsigned j;
	struct dt_mem mem[8];

	memset(mem, 0, sizeof(mem));
	r[k++] = dt_next_node(dt, -1, &d);
	r[k++] = d;
	n = dt_memory(dt, mem, 8);
	r[k++] = n;
	for (i = 0; i < 8; i++) {
		r[k++] = (int)mem[i].base;
		r[k++] = (int)mem[i].size;
	}
	r[k++] = ptr_ans(dt, dt_bootargs(dt));
	r[k++] = dt_stdout_node(dt);
	for (j = 0; j < sizeof(paths) / sizeof(paths[0]); j++)
		r[k++] = dt_path_offset(dt, paths[j], strlen(paths[j]));
	for (j = 0; j < sizeof(ask_compats) / sizeof(ask_compats[0]); j++)
		r[k++] = dt_find_compatible(dt, -1, ask_compats[j]);
	/* phandles QEMU and the hand-made trees use, and ones nobody does */
	for (i = 0; i < 20; i++)
		r[k++] = dt_node_by_phandle(dt, (uint32_t)i);
	r[k++] = dt_node_by_phandle(dt, 0x8000);
	r[k++] = dt_node_by_phandle(dt, 0x8001);
	r[k++] = dt_node_by_phandle(dt, 0x8002);
	r[k++] = dt_node_by_phandle(dt, 0x8003);
	r[k++] = dt_node_by_phandle(dt, 0xffffffffu);
	assert_true(k <= NANS);
	return k;
}

/*
 * `plain` and `indexed` view one tree, without and with an index.  For
 * every offset in [lo, hi) (step `step`) and every node, every accessor
 * must answer the same, error codes included, if the offset is a node's
 * (or negative).
 * Otherwise, with the index, every accessor says the offset is not a node
 * (the answers for offset 1, which nobody can mistake for a node), and
 * without it the ones that climb from the root say so too.
 */
static void compare_index(const struct dt *plain, const struct dt *indexed,
			  int lo, int hi, int step)
{
	static int rp[NANS], rx[NANS], bad[NANS];
	static bool climb[NANS];
	int node, off, k, kx, i;

	k = ask_tree(plain, rp);
	assert_int_equal(ask_tree(indexed, rx), k);
	for (i = 0; i < k; i++)
		if (rp[i] != rx[i])
			fail_msg("tree answer %d: %d without index, %d with", i,
				 rp[i], rx[i]);
	k = ask(indexed, 1, bad, climb);
	assert_int_equal(ask(plain, 1, rp, NULL), k);
	for (i = 0; i < k; i++)
		assert_int_equal(rp[i], bad[i]);
	/* every node */
	for (node = dt_next_node(plain, -1, NULL); node >= 0;
	     node = dt_next_node(plain, node, NULL)) {
		k = ask(plain, node, rp, NULL);
		kx = ask(indexed, node, rx, NULL);
		assert_int_equal(k, kx);
		for (i = 0; i < k; i++)
			if (rp[i] != rx[i])
				fail_msg("node %d, answer %d: %d without index, %d with",
					 node, i, rp[i], rx[i]);
	}
	/* every offset of the range */
	for (off = lo; off < hi; off += step) {
		/* a negative offset means "from the start" to some accessors:
		 * it too must get the same answers either way */
		bool is_node = off < 0 || dt_node_depth(plain, off) >= 0;

		k = ask(plain, off, rp, NULL);
		kx = ask(indexed, off, rx, NULL);
		for (i = 0; i < k; i++) {
			if (is_node ? rp[i] != rx[i] : rx[i] != bad[i])
				fail_msg("offset %d (%s), answer %d: %d without index, %d with",
					 off, is_node ? "node" : "not a node", i,
					 rp[i], rx[i]);
			if (!is_node && climb[i] && rp[i] != bad[i])
				fail_msg("offset %d, climbing answer %d: %d, want %d", off,
					 i, rp[i], bad[i]);
		}
	}
}

/* dt_getprop as the property iteration API spells it out (which is how
 * it used to be written): the first property of that name, or the first
 * error on the way. */
static const void *ref_getprop(const struct dt *dt, int node, const char *name,
			       int *len)
{
	const char *nm;
	const void *v;
	int p;

	for (p = dt_first_prop(dt, node); p >= 0; p = dt_next_prop(dt, p)) {
		v = dt_prop_by_offset(dt, p, &nm, len);
		if (v == NULL || strcmp(nm, name) == 0)
			return v;
	}
	*len = p;
	return NULL;
}

/* dt_getprop against ref_getprop at every offset, for every name ask()
 * uses and each name found in the tree. */
static void check_getprop_ref(const struct dt *dt)
{
	int off, len, rlen, p;
	unsigned j;
	const void *v, *rv;
	const char *nm;

	for (off = -4; off < (int)dt->totalsize + 8 && off < (1 << 20); off += 4) {
		for (j = 0; j < sizeof(ask_names) / sizeof(ask_names[0]); j++) {
			v = dt_getprop(dt, off, ask_names[j], &len);
			rv = ref_getprop(dt, off, ask_names[j], &rlen);
			assert_ptr_equal(v, rv);
			assert_int_equal(len, rlen);
		}
		for (p = dt_first_prop(dt, off); p >= 0; p = dt_next_prop(dt, p)) {
			if (dt_prop_by_offset(dt, p, &nm, &len) == NULL)
				break;
			v = dt_getprop(dt, off, nm, &len);
			rv = ref_getprop(dt, off, nm, &rlen);
			assert_ptr_equal(v, rv);
			assert_int_equal(len, rlen);
		}
	}
}

/*
 * Compare everything we can ask of one valid blob with libfdt's answers.
 * `blob` need not be heap-exact; it is copied.  Runs twice: once reading
 * the tree as dt_open() leaves it, once with a node index (dt_index), and
 * then compares the two views offset by offset.
 */
static struct oracle_stats oracle_check_one(const void *blob, size_t n,
					    bool indexed);

static struct oracle_stats oracle_check(const void *blob, size_t n)
{
	struct oracle_stats a = oracle_check_one(blob, n, false);
	struct oracle_stats b = oracle_check_one(blob, n, true);

	assert_memory_equal(&a, &b, sizeof(a));
	return a;
}

static struct oracle_stats oracle_check_one(const void *blob, size_t n,
					    bool indexed)
{
	struct oracle_stats st = { 0 };
	struct dt dt;
	uint8_t *fdt = exact_copy(blob, n);
	static char path[DT_MAX_DEPTH + 1][PATH_MAX_];
	static char compats[MAX_COMPATS][64];
	int any_unterminated = 0;
	int ncompat = 0, node, lnode, d, ld, len, llen, i, j, pnode;
	const char *name, *lname, *cv;
	uint32_t ph;
	uint64_t ra, rs, la, ls;
	struct dt_node_info *table = NULL;

	assert_int_equal(fdt_check_full(fdt, n), 0);
	assert_int_equal(dt_open(&dt, fdt, n), 0);
	assert_null(dt.index);
	if (indexed) {
		struct dt plain = dt;
		size_t sz = dt.size_struct;

		table = index_exact(&dt);
		/* Every offset for small trees; nodes and props for big ones
		 * (each plain answer may walk the whole tree). */
		if (sz <= 4096)
			compare_index(&plain, &dt, -8, (int)sz + 8, 1);
		else
			compare_index(&plain, &dt, 0, (int)sz, 4 * 13);
	}
	if (dt.size_struct <= 4096)
		check_getprop_ref(&dt);
	assert_ptr_equal(dt.blob, fdt);
	assert_int_equal(dt.totalsize, fdt_totalsize(fdt));
	assert_int_equal(dt.off_struct, fdt_off_dt_struct(fdt));
	assert_int_equal(dt.off_strings, fdt_off_dt_strings(fdt));
	assert_int_equal(dt.size_strings, fdt_size_dt_strings(fdt));
	if (fdt_version(fdt) >= 17)
		assert_int_equal(dt.size_struct, fdt_size_dt_struct(fdt));

	/* Reservation map. */
	for (i = 0; i < fdt_num_mem_rsv(fdt); i++) {
		assert_int_equal(fdt_get_mem_rsv(fdt, i, &la, &ls), 0);
		assert_int_equal(dt_mem_rsv(&dt, (unsigned)i, &ra, &rs), 0);
		assert_int_equal(ra, la);
		assert_int_equal(rs, ls);
	}
	assert_int_equal(dt_mem_rsv(&dt, (unsigned)i, &ra, &rs), -DT_ERR_NOTFOUND);

	/* Walk both in lock step: same offsets, depths, names, families. */
	node = dt_next_node(&dt, -1, &d);
	lnode = 0;
	ld = 0;
	assert_int_equal(node, lnode);
	assert_int_equal(d, 0);
	for (;;) {
		st.nodes++;
		name = dt_node_name(&dt, node, &len);
		lname = fdt_get_name(fdt, lnode, &llen);
		assert_non_null(name);
		assert_int_equal(len, llen);
		assert_memory_equal(name, lname, (size_t)len);
		assert_int_equal(name[len], '\0');
		assert_int_equal(dt_node_depth(&dt, node), d);
		assert_int_equal(fdt_node_depth(fdt, node), d);

		pnode = fdt_parent_offset(fdt, node);
		if (d == 0) {
			assert_int_equal(pnode, -FDT_ERR_NOTFOUND);
			assert_int_equal(dt_parent(&dt, node), -DT_ERR_NOTFOUND);
		} else {
			assert_true(pnode >= 0);
			assert_int_equal(dt_parent(&dt, node), pnode);
		}
		i = fdt_first_subnode(fdt, node);
		assert_int_equal(dt_first_child(&dt, node),
				 i >= 0 ? i : -DT_ERR_NOTFOUND);
		i = fdt_next_subnode(fdt, node);
		assert_int_equal(dt_next_sibling(&dt, node),
				 (i >= 0 && d > 0) ? i : -DT_ERR_NOTFOUND);

		/* Full path, and the variants a path may take. */
		assert_true(d <= DT_MAX_DEPTH);
		if (d == 0)
			strcpy(path[0], "/");
		else
			join_path(path[d], path[d - 1], name, (size_t)len);
		i = fdt_path_offset(fdt, path[d]);
		assert_int_equal(dt_path_offset(&dt, path[d], strlen(path[d])), i);
		if (i != node) { /* a sibling of the same name came first */
			st.path_dups++;
			goto props;
		}
		{
			char v[PATH_MAX_ + 8];
			size_t pl = strlen(path[d]);
			char *at;

			/* pathlen, not a NUL, ends the path */
			snprintf(v, sizeof(v), "%sXYZ", path[d]);
			assert_int_equal(dt_path_offset(&dt, v, pl), node);
			/* a trailing slash, and doubled slashes */
			snprintf(v, sizeof(v), "/%s/", path[d]);
			assert_int_equal(dt_path_offset(&dt, v, strlen(v)), node);
			assert_int_equal(fdt_path_offset(fdt, v), node);
			/* unit address dropped from the last component */
			at = strrchr(path[d], '/');
			snprintf(v, sizeof(v), "%s", path[d]);
			at = strchr(v + (at - path[d]), '@');
			if (at != NULL) {
				*at = '\0';
				assert_int_equal(dt_path_offset(&dt, v, strlen(v)),
						 fdt_path_offset(fdt, v));
			}
		}
		st.paths++;
props:
		oracle_props(&dt, fdt, node, &st);

		/* Collect compatible strings for the cross-product below. */
		cv = fdt_getprop(fdt, node, "compatible", &len);
		for (i = 0; cv != NULL && i < len;
		     i += (int)strnlen(cv + i, (size_t)(len - i)) + 1)
			add_compat(compats, &ncompat, cv + i,
				   strnlen(cv + i, (size_t)(len - i)));
		any_unterminated |= compat_unterminated(fdt, node);

		ph = fdt_get_phandle(fdt, node);
		assert_int_equal(dt_get_phandle(&dt, node), ph);
		if (ph != 0 && ph != 0xffffffffu) {
			/* the first node with it, which need not be this one */
			i = fdt_node_offset_by_phandle(fdt, ph);
			assert_true(i >= 0 && i <= node);
			assert_int_equal(dt_node_by_phandle(&dt, ph), i);
			st.phandles++;
		}

		i = fdt_address_cells(fdt, node);
		if (i >= 0)
			assert_int_equal(dt_addr_cells(&dt, node), i);
		i = fdt_size_cells(fdt, node);
		if (i >= 0)
			assert_int_equal(dt_size_cells(&dt, node), i);
		if (d > 0)
			oracle_reg(&dt, fdt, node, pnode, &st);

		assert_int_equal(dt_status_okay(&dt, node), lib_status_okay(fdt, node));
		assert_int_equal(dt_dma_coherent(&dt, node), lib_dma_coherent(fdt, node));
		/* Interrupts: the same answers as the libfdt reading, in
		 * success and value (our error codes are finer); then the
		 * GIC's decode of them, the same as a decode by hand. */
		for (i = 0; i < 5; i++) {
			struct gic_irq got = { 0xa5, 0xa5 }, want = { 0x5a, 0x5a };
			uint32_t gc[IRQCHIP_MAX_CELLS];
			const fdt32_t *wc = NULL;
			int gctrl = -7, gn = -7, wctrl = -1, wn = -1, k;
			int r = dt_irq_spec(&dt, node, (unsigned)i, &gctrl, gc,
					    IRQCHIP_MAX_CELLS, &gn);
			int lr = lib_irq_spec(fdt, node, (unsigned)i, &wctrl, &wc, &wn);

			if (lr == 0 && wn > IRQCHIP_MAX_CELLS) {
				assert_int_equal(r, -DT_ERR_NOSPACE);
				assert_int_equal(gn, wn);
				assert_int_equal(gctrl, -7);
			} else if ((r == 0) != (lr == 0)) {
				fail_msg("node %s irq %d: dt_irq_spec %d (%s), libfdt reading %d",
					 path[d], i, r, dt_strerror(r), lr);
			} else if (r == 0) {
				assert_int_equal(gctrl, wctrl);
				assert_int_equal(gn, wn);
				for (k = 0; k < gn; k++)
					assert_int_equal(gc[k], fdt32_to_cpu(wc[k]));
				st.irq_specs++;
			} else {
				/* untouched on failure */
				assert_int_equal(gctrl, -7);
				assert_int_equal(gn, -7);
				assert_true(r < 0 && r >= -DT_ERR_MAX_ && r != -DT_ERR_NOSPACE);
			}
			r = irq_gic(&dt, node, (unsigned)i, &got);
			lr = lr == 0 && wn == 3 ? lib_gic_spec(wc, &want) : -1;
			if ((r == 0) != (lr == 0))
				fail_msg("node %s irq %d: GIC decode %d (%s), libfdt reading %d",
					 path[d], i, r, dt_strerror(r), lr);
			if (r == 0) {
				assert_int_equal(got.intid, want.intid);
				assert_int_equal(got.flags, want.flags);
				st.irqs++;
			} else {
				assert_int_equal(got.intid, 0xa5);
			}
		}

		node = dt_next_node(&dt, node, &d);
		lnode = fdt_next_node(fdt, lnode, &ld);
		if (lnode < 0 || ld < 0) {
			assert_int_equal(node, -DT_ERR_NOTFOUND);
			break;
		}
		assert_int_equal(node, lnode);
		assert_int_equal(d, ld);
	}
	assert_int_equal(dt_next_node(&dt, 0, NULL) >= 0, st.nodes > 1);

	/* Every compatible string against every node, and the search. */
	for (j = 0; j < ncompat; j++) {
		int last = -1, llast = -1;

		for (node = dt_next_node(&dt, -1, NULL); node >= 0;
		     node = dt_next_node(&dt, node, NULL)) {
			int lm = fdt_node_check_compatible(fdt, node, compats[j]);
			int m = dt_node_is_compatible(&dt, node, compats[j]);

			if (lm == 0)
				assert_int_equal(m, 1);
			else
				assert_int_equal(m, compat_unterminated(fdt, node) ? m : 0);
			st.compat_checks++;
		}
		for (; !any_unterminated;) {
			last = dt_find_compatible(&dt, last, compats[j]);
			llast = fdt_node_offset_by_compatible(fdt, llast, compats[j]);
			if (llast < 0) {
				assert_int_equal(last, -DT_ERR_NOTFOUND);
				break;
			}
			assert_int_equal(last, llast);
		}
	}
	assert_int_equal(dt_find_compatible(&dt, -1, "no,such-device"),
			 -DT_ERR_NOTFOUND);

	/* Aliases, stdout-path, bootargs, memory: the answers libfdt gives. */
	lnode = fdt_path_offset(fdt, "/aliases");
	if (lnode >= 0) {
		int p;

		fdt_for_each_property_offset(p, fdt, lnode) {
			const char *val = fdt_getprop_by_offset(fdt, p, &lname, &len);
			int want = fdt_path_offset(fdt, lname);
			int got = dt_path_offset(&dt, lname, strlen(lname));

			/* libfdt follows relative or unterminated targets; we
			 * refuse them. */
			if (len > 1 && val[0] == '/' && memchr(val, 0, (size_t)len) &&
			    want >= 0)
				assert_int_equal(got, want);
			else
				assert_true(got < 0);
		}
	}
	lnode = fdt_path_offset(fdt, "/chosen");
	if (lnode >= 0) {
		const char *sp = fdt_getprop(fdt, lnode, "stdout-path", &len);
		const char *ba = fdt_getprop(fdt, lnode, "bootargs", &len);

		if (sp == NULL)
			sp = fdt_getprop(fdt, lnode, "linux,stdout-path", &len);
		if (sp != NULL) {
			const char *colon = strchr(sp, ':');
			int want = fdt_path_offset_namelen(
				fdt, sp, colon ? (int)(colon - sp) : (int)strlen(sp));

			if (want >= 0)
				assert_int_equal(dt_stdout_node(&dt), want);
			else
				assert_true(dt_stdout_node(&dt) < 0);
		}
		assert_ptr_equal(dt_bootargs(&dt), ba);
	}
	{
		struct dt_mem mem[16];
		int nmem = dt_memory(&dt, mem, 16), k = 0, ac, sc;

		ac = fdt_address_cells(fdt, 0);
		sc = fdt_size_cells(fdt, 0);
		fdt_for_each_subnode(node, fdt, 0) {
			const char *type = fdt_getprop(fdt, node, "device_type", &len);
			const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &llen);

			if (type == NULL || strcmp(type, "memory") != 0 ||
			    !lib_status_okay(fdt, node) || reg == NULL)
				continue;
			for (i = 0; i < llen / (4 * (ac + sc)); i++) {
				la = lib_cells(reg + i * (ac + sc), ac);
				ls = lib_cells(reg + i * (ac + sc) + ac, sc);
				if (ls == 0)
					continue;
				assert_true(k < nmem);
				assert_int_equal(mem[k].base, la);
				assert_int_equal(mem[k].size, ls);
				k++;
			}
		}
		assert_int_equal(nmem, k);
	}
	if (indexed) {
		/* dropping the index: back to the walks, same answers */
		assert_int_equal(dt_index(&dt, NULL, 0), 0);
		assert_null(dt.index);
		assert_int_equal(dt_next_node(&dt, dt.root, NULL),
				 st.nodes > 1 ? (int)table[1].off : -DT_ERR_NOTFOUND);
		free(table);
	}
	free(fdt);
	return st;
}

/* ---- QEMU's trees ------------------------------------------------------- */

static const char *dtb_dir(void)
{
	const char *d = getenv("DT_DTB_DIR");

	return d != NULL && *d != '\0' ? d : "build/dtb";
}

static uint8_t *load_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	p = malloc((size_t)n);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return p;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of the *.dtb files in dtb_dir(); count in *n. */
static char **list_dtbs(int *n)
{
	DIR *dir = opendir(dtb_dir());
	struct dirent *e;
	char **names = NULL;
	size_t len;

	*n = 0;
	if (dir == NULL)
		return NULL;
	while ((e = readdir(dir)) != NULL) {
		len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".dtb") != 0)
			continue;
		names = realloc(names, sizeof(*names) * (size_t)(*n + 1));
		assert_non_null(names);
		names[*n] = malloc(strlen(dtb_dir()) + len + 2);
		assert_non_null(names[*n]);
		sprintf(names[*n], "%s/%s", dtb_dir(), e->d_name);
		(*n)++;
	}
	closedir(dir);
	if (*n > 1)
		qsort(names, (size_t)*n, sizeof(*names), cmp_str);
	return names;
}

static void free_list(char **names, int n)
{
	while (n-- > 0)
		free(names[n]);
	free(names);
}

/* What we know of QEMU's virt machine, asserted value by value, without
 * and with a node index. */
static void check_qemu_virt_one(const uint8_t *blob, size_t n,
				const char *file, bool indexed);

static void check_qemu_riscv_one(const uint8_t *blob, size_t n,
				 const char *file, bool indexed);

/* qemu-system-riscv64's trees are named qemu-virt-riscv64-smp<harts>-... */
static bool is_riscv(const char *file)
{
	return strstr(file, "-riscv64-") != NULL;
}

static void check_qemu_virt(const uint8_t *blob, size_t n, const char *file)
{
	if (is_riscv(file)) {
		check_qemu_riscv_one(blob, n, file, false);
		check_qemu_riscv_one(blob, n, file, true);
		return;
	}
	check_qemu_virt_one(blob, n, file, false);
	check_qemu_virt_one(blob, n, file, true);
}

static void check_qemu_virt_one(const uint8_t *blob, size_t n,
				const char *file, bool indexed)
{
	struct dt dt;
	static struct dt_node_info board_table[512]; /* as board.c has it */
	struct dt_node_info *table = NULL;
	uint8_t *c = exact_copy(blob, n);
	int node, gic, count = 0, stdout_node, timer, pl011;
	uint64_t base, size;
	struct gic_irq irq;
	struct dt_mem mem[4];
	uint32_t seen = 0;
	static const uint32_t timer_ppis[4] = { 13, 14, 11, 10 };
	unsigned i;

	assert_int_equal(dt_open(&dt, c, n), 0);
	if (indexed) {
		int nodes = count_nodes(&dt);

		/* the board's table fits with room to spare */
		assert_int_equal(dt_index(&dt, board_table, 512), nodes);
		assert_true(nodes > 40 && nodes < 512 / 4);
		table = index_exact(&dt);
	}
	assert_int_equal(dt_node_is_compatible(&dt, dt.root, "linux,dummy-virt"), 1);
	assert_int_equal(dt_addr_cells(&dt, dt.root), 2);
	assert_int_equal(dt_size_cells(&dt, dt.root), 2);

	gic = dt_find_compatible(&dt, -1, strstr(file, "gic3") ? "arm,gic-v3"
								 : "arm,cortex-a15-gic");
	assert_true(gic >= 0);
	assert_true(dt_has_prop(&dt, gic, "interrupt-controller"));
	/* what gic_from_dt initialises: QEMU virt's fixed layout */
	{
		struct gic_dt g;
		int v = strstr(file, "gic3") ? 3 : 2;

		memset(&g, 0xa5, sizeof(g));
		assert_int_equal(gic_dt_find(&dt, 5 - v, &g), -DT_ERR_NOTFOUND);
		assert_int_equal(gic_dt_find(&dt, v, &g), 0);
		assert_int_equal(g.node, gic);
		assert_int_equal(g.version, v);
		assert_int_equal(g.dist, 0x8000000);
		assert_int_equal(g.dist_size, 0x10000);
		assert_int_equal(g.nregions, 1);
		assert_int_equal(g.region[0][0], v == 3 ? 0x80a0000 : 0x8010000);
		assert_int_equal(g.region[0][1], v == 3 ? 0xf60000 : 0x10000);
		/* QEMU gives no redistributor-stride: GICR_TYPER decides */
		assert_int_equal(g.rd_stride, 0);
		assert_int_equal(g.rd_stride_err, GIC_STRIDE_OK);
	}

	for (node = dt_find_compatible(&dt, -1, "virtio,mmio"); node >= 0;
	     node = dt_find_compatible(&dt, node, "virtio,mmio")) {
		assert_int_equal(dt_reg(&dt, node, 0, &base, &size), 0);
		assert_int_equal(size, 0x200);
		assert_true(base >= 0xa000000 && base < 0xa000000 + 32 * 0x200);
		assert_int_equal(base % 0x200, 0);
		assert_int_equal(dt_interrupt_parent(&dt, node), gic);
		assert_int_equal(irq_gic(&dt, node, 0, &irq), 0);
		/* SPI 16..47, in address order */
		assert_int_equal(irq.intid, 48 + (base - 0xa000000) / 0x200);
		assert_int_equal(irq.flags, PLAT_IRQ_EDGE);
		assert_int_equal(irq_gic(&dt, node, 1, &irq), -DT_ERR_NOTFOUND);
		assert_true(dt_dma_coherent(&dt, node));
		assert_true(dt_status_okay(&dt, node));
		seen |= 1u << (irq.intid - 48);
		count++;
	}
	assert_int_equal(node, -DT_ERR_NOTFOUND);
	assert_int_equal(count, 32);
	assert_int_equal(seen, 0xffffffffu);

	assert_int_equal(dt_memory(&dt, mem, 4), 1);
	assert_int_equal(mem[0].base, 0x40000000);
	assert_int_equal(mem[0].size, 128u << 20);
	assert_int_equal(dt_memory(&dt, mem, 0), -DT_ERR_NOSPACE);
	assert_int_equal(dt_path_offset(&dt, "/memory", 7),
			 dt_path_offset(&dt, "/memory@40000000", 16));
	assert_true(dt_path_offset(&dt, "/memory", 7) > 0);

	pl011 = dt_path_offset(&dt, "/pl011@9000000", 14);
	assert_true(pl011 > 0);
	stdout_node = dt_stdout_node(&dt);
	assert_int_equal(stdout_node, pl011);
	assert_int_equal(dt_node_is_compatible(&dt, pl011, "arm,pl011"), 1);
	assert_int_equal(dt_node_is_compatible(&dt, pl011, "arm,primecell"), 1);
	assert_int_equal(dt_node_is_compatible(&dt, pl011, "arm,pl01"), 0);
	assert_int_equal(dt_reg(&dt, pl011, 0, &base, &size), 0);
	assert_int_equal(base, 0x9000000);
	assert_int_equal(size, 0x1000);
	assert_int_equal(irq_gic(&dt, pl011, 0, &irq), 0);
	assert_int_equal(irq.intid, 33);
	assert_int_equal(irq.flags, PLAT_IRQ_LEVEL);
	assert_null(dt_bootargs(&dt));

	timer = dt_find_compatible(&dt, -1, "arm,armv7-timer");
	assert_true(timer > 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(irq_gic(&dt, timer, i, &irq), 0);
		assert_int_equal(irq.intid, 16 + timer_ppis[i]);
		assert_int_equal(irq.flags, PLAT_IRQ_LEVEL);
	}
	assert_int_equal(irq_gic(&dt, timer, 4, &irq), -DT_ERR_NOTFOUND);

	/* Every interrupt of every node, against a decode by hand. */
	for (node = dt_next_node(&dt, -1, NULL); node >= 0;
	     node = dt_next_node(&dt, node, NULL)) {
		int len;
		const uint8_t *v = dt_getprop(&dt, node, "interrupts", &len);

		if (v == NULL || dt_interrupt_parent(&dt, node) != gic)
			continue;
		assert_int_equal(len % 12, 0);
		for (i = 0; i < (unsigned)len / 12; i++) {
			uint32_t type = get_be32(v + 12 * i), num = get_be32(v + 12 * i + 4);
			uint32_t trig = get_be32(v + 12 * i + 8) & 0xf;

			assert_int_equal(irq_gic(&dt, node, i, &irq), 0);
			assert_true(type <= 1);
			assert_int_equal(irq.intid, num + (type == 0 ? 32 : 16));
			assert_int_equal(irq.flags, trig <= 2 ? PLAT_IRQ_EDGE : PLAT_IRQ_LEVEL);
			count++;
		}
	}
	assert_true(count >= 32 + 1 + 4 + 2); /* virtio, pl011, timer, ... */

	/* cpus has #size-cells 0 and no ranges: a CPU id, not an address. */
	node = dt_path_offset(&dt, "/cpus/cpu@0", 11);
	assert_true(node > 0);
	assert_int_equal(dt_reg_raw(&dt, node, 0, &base, &size), 0);
	assert_int_equal(base, 0);
	assert_int_equal(size, 0);
	assert_int_equal(dt_reg(&dt, node, 0, &base, &size), -DT_ERR_NOTRANSLATION);
	free(table);
	free(c);
}

/* One interrupt of a QEMU riscv node: dt_irq_spec must name ctrl with one
 * cell, want. */
static void rv_irq(const struct dt *dt, int node, unsigned idx, int ctrl,
		   uint32_t want)
{
	uint32_t cells[IRQCHIP_MAX_CELLS];
	int c = -7, nc = -7;

	assert_int_equal(dt_irq_spec(dt, node, idx, &c, cells, IRQCHIP_MAX_CELLS, &nc), 0);
	assert_int_equal(c, ctrl);
	assert_int_equal(nc, 1);
	assert_int_equal(cells[0], want);
	/* exactly the room it needs; none: NOSPACE and the count */
	assert_int_equal(dt_irq_spec(dt, node, idx, &c, cells, 1, &nc), 0);
	c = nc = -7;
	assert_int_equal(dt_irq_spec(dt, node, idx, &c, cells, 0, &nc), -DT_ERR_NOSPACE);
	assert_int_equal(nc, 1);
	assert_int_equal(c, -7);
	assert_int_equal(dt_irq_spec(dt, node, idx, &c, NULL, 0, &nc), -DT_ERR_NOSPACE);
	assert_int_equal(dt_irq_spec(dt, node, idx, &c, NULL, 1, &nc), -DT_ERR_BADARG);
	assert_int_equal(dt_irq_spec(dt, node, idx, NULL, cells, 1, &nc), -DT_ERR_BADARG);
	assert_int_equal(dt_irq_spec(dt, node, idx, &c, cells, 1, NULL), -DT_ERR_BADARG);
	assert_int_equal(dt_irq_spec(dt, node, idx, &c, cells, -1, &nc), -DT_ERR_BADARG);
}

/* What we know of QEMU's riscv virt machine: the PLIC and its contexts,
 * the CPUs' interrupt controllers, the CLINT, the 8 virtio-mmio slots and
 * the UART, through dt_irq_spec (interrupts with an explicit
 * interrupt-parent, and interrupts-extended). */
static void check_qemu_riscv_one(const uint8_t *blob, size_t n,
				 const char *file, bool indexed)
{
	struct dt dt;
	struct dt_node_info *table = NULL;
	uint8_t *c = exact_copy(blob, n);
	int node, plic, clint, uart, intc[4], ctrl, nc, count = 0;
	unsigned harts, h, seen = 0;
	uint64_t base, size;
	uint32_t cells[IRQCHIP_MAX_CELLS], u;
	unsigned irq, flags;
	const char *smp = strstr(file, "-smp");
	char path[32];

	assert_non_null(smp);
	harts = (unsigned)atoi(smp + 4);
	assert_true(harts >= 1 && harts <= 4);
	assert_int_equal(dt_open(&dt, c, n), 0);
	if (indexed)
		table = index_exact(&dt);
	assert_int_equal(dt_node_is_compatible(&dt, dt.root, "riscv-virtio"), 1);

	plic = dt_find_compatible(&dt, -1, "sifive,plic-1.0.0");
	assert_true(plic > 0);
	assert_int_equal(dt_find_compatible(&dt, -1, "riscv,plic0"), plic);
	assert_int_equal(dt_find_compatible(&dt, plic, "sifive,plic-1.0.0"), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_prop_u32(&dt, plic, "#interrupt-cells", &u), 0);
	assert_int_equal(u, 1);
	assert_int_equal(dt_reg(&dt, plic, 0, &base, &size), 0);
	assert_int_equal(base, 0xc000000);
	assert_true(size >= 0x200000 + 2 * harts * 0x1000);
	clint = dt_find_compatible(&dt, -1, "riscv,clint0");
	assert_true(clint > 0);

	/* Each hart's intc; the PLIC has two contexts per hart (M: cause
	 * 11, S: 9), the CLINT two interrupts (M software 3, M timer 7). */
	for (h = 0; h < harts; h++) {
		int cpu, k;

		snprintf(path, sizeof(path), "/cpus/cpu@%u", h);
		cpu = dt_path_offset(&dt, path, strlen(path));
		assert_true(cpu > 0);
		assert_int_equal(dt_reg_raw(&dt, cpu, 0, &base, &size), 0);
		assert_int_equal(base, h);
		assert_int_equal(dt_cpu_node(&dt, h), cpu);
		intc[h] = -1;
		for (k = dt_first_child(&dt, cpu); k >= 0; k = dt_next_sibling(&dt, k))
			if (dt_node_is_compatible(&dt, k, "riscv,cpu-intc") == 1)
				intc[h] = k;
		assert_true(intc[h] > 0);
		rv_irq(&dt, plic, 2 * h, intc[h], 11);
		rv_irq(&dt, plic, 2 * h + 1, intc[h], 9);
		rv_irq(&dt, clint, 2 * h, intc[h], 3);
		rv_irq(&dt, clint, 2 * h + 1, intc[h], 7);
	}
	/* no such hart; the cpu-map and intc children are not cpus */
	assert_int_equal(dt_cpu_node(&dt, harts), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_cpu_node(NULL, 0), -DT_ERR_BADARG);
	assert_int_equal(dt_irq_spec(&dt, plic, 2 * harts, &ctrl, cells, 4, &nc), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_irq_spec(&dt, clint, 2 * harts, &ctrl, cells, 4, &nc), -DT_ERR_NOTFOUND);
	for (h = 1; h < harts; h++)
		assert_true(intc[h] != intc[0]);

	/* virtio-mmio: 8 slots from 0x10001000, sources 1..8 by address */
	for (node = dt_find_compatible(&dt, -1, "virtio,mmio"); node >= 0;
	     node = dt_find_compatible(&dt, node, "virtio,mmio")) {
		assert_int_equal(dt_reg(&dt, node, 0, &base, &size), 0);
		assert_int_equal(size, 0x1000);
		assert_true(base >= 0x10001000 && base < 0x10009000);
		assert_int_equal(dt_interrupt_parent(&dt, node), plic);
		u = 1 + (uint32_t)((base - 0x10001000) / 0x1000);
		rv_irq(&dt, node, 0, plic, u);
		assert_int_equal(dt_irq_spec(&dt, node, 1, &ctrl, cells, 4, &nc), -DT_ERR_NOTFOUND);
		/* not the GIC's form */
		assert_int_equal(irq_gic(&dt, node, 0, &(struct gic_irq){ 0, 0 }),
				 -DT_ERR_BADVALUE);
		seen |= 1u << u;
		count++;
	}
	assert_int_equal(node, -DT_ERR_NOTFOUND);
	assert_int_equal(count, 8);
	assert_int_equal(seen, 0x1feu);

	/* the console: stdout-path, a 16550 with source 10; the RTC 11 */
	uart = dt_stdout_node(&dt);
	assert_int_equal(uart, dt_path_offset(&dt, "/soc/serial@10000000", 20));
	assert_int_equal(dt_node_is_compatible(&dt, uart, "ns16550a"), 1);
	assert_int_equal(dt_reg(&dt, uart, 0, &base, &size), 0);
	assert_int_equal(base, 0x10000000);
	rv_irq(&dt, uart, 0, plic, 10);
	node = dt_find_compatible(&dt, -1, "google,goldfish-rtc");
	assert_true(node > 0);
	rv_irq(&dt, node, 0, plic, 11);

	/* a GIC cell triple decodes only as the GIC's */
	cells[0] = 0;
	cells[1] = 10;
	cells[2] = 4;
	assert_int_equal(gic_dt_decode(cells, 3, &irq, &flags), 0);
	assert_int_equal(irq, 42);
	assert_int_equal(flags, PLAT_IRQ_LEVEL);
	assert_int_equal(gic_dt_decode(cells, 1, &irq, &flags), -DT_ERR_BADVALUE);
	/* arm,gic-v3.yaml: #interrupt-cells 3 or 4, the 4th a PPI partition
	 * phandle or 0 (e.g. RK3399): 0 is the plain 3-cell interrupt */
	cells[3] = 0;
	irq = flags = 0;
	assert_int_equal(gic_dt_decode(cells, 4, &irq, &flags), 0);
	assert_int_equal(irq, 42);
	assert_int_equal(flags, PLAT_IRQ_LEVEL);
	cells[3] = 7; /* a partition: only some CPUs, not decoded */
	assert_int_equal(gic_dt_decode(cells, 4, &irq, &flags), -DT_ERR_BADVALUE);
	assert_int_equal(gic_dt_decode(cells, 5, &irq, &flags), -DT_ERR_BADVALUE);
	/* and no GIC here */
	{
		struct gic_dt g;

		assert_int_equal(gic_dt_find(&dt, 2, &g), -DT_ERR_NOTFOUND);
		assert_int_equal(gic_dt_find(&dt, 3, &g), -DT_ERR_NOTFOUND);
		assert_int_equal(gic_dt_find(&dt, 4, &g), -DT_ERR_BADARG);
	}
	free(table);
	free(c);
}

static void test_qemu_dtbs(void **state)
{
	int n, i, nriscv = 0;
	char **names = list_dtbs(&n);
	uint8_t *blob, *packed;
	size_t size;
	struct oracle_stats st;

	(void)state;
	if (n == 0)
		fail_msg("no .dtb files in %s: run tools/dump-dtbs.sh %s",
			 dtb_dir(), dtb_dir());
	for (i = 0; i < n; i++) {
		blob = load_file(names[i], &size);
		/* riscv virt packs its tree but dumps the whole 1 MiB
		 * buffer it was built in */
		assert_true(size >= fdt_totalsize(blob));
		if (!is_riscv(names[i]))
			assert_int_equal(size, fdt_totalsize(blob));
		size = fdt_totalsize(blob);
		st = oracle_check(blob, size);
		check_qemu_virt(blob, size, names[i]);
		/* The same tree packed tight (no free space at the end). */
		packed = exact_copy(blob, size);
		assert_int_equal(fdt_pack(packed), 0);
		oracle_check(packed, fdt_totalsize(packed));
		check_qemu_virt(packed, fdt_totalsize(packed), names[i]);
		print_message("  %s: %d nodes, %d props, %d phandles, %d reg, %d compat\n",
			      names[i], st.nodes, st.props, st.phandles, st.regs,
			      st.compat_checks);
		assert_true(st.nodes > (is_riscv(names[i]) ? 25 : 40));
		assert_int_equal(st.path_dups, 0);
		assert_true(st.irq_specs >= (is_riscv(names[i]) ? 8 + 2 : 32 + 1));
		free(packed);
		free(blob);
		nriscv += is_riscv(names[i]);
	}
	if (nriscv == 0) /* dump-dtbs.sh writes some: an old dump */
		fail_msg("no qemu-virt-riscv64-*.dtb in %s: run tools/dump-dtbs.sh %s",
			 dtb_dir(), dtb_dir());
	free_list(names, n);
}

/* Every prefix of a QEMU tree (packed, so every byte matters) is rejected
 * with TRUNCATED; with totalsize shrunk to match, still rejected. */
static void test_qemu_truncated(void **state)
{
	int n;
	char **names = list_dtbs(&n);
	uint8_t *blob, *packed;
	size_t size, len, total;

	(void)state;
	if (n == 0)
		fail_msg("no .dtb files in %s", dtb_dir());
	blob = load_file(names[0], &size);
	packed = exact_copy(blob, size);
	assert_int_equal(fdt_pack(packed), 0);
	total = fdt_totalsize(packed);
	assert_true(total < size && total > 1000);
	for (len = 0; len < total; len++) {
		assert_open_err(packed, len, -DT_ERR_TRUNCATED);
	}
	assert_open_err(packed, total, 0);
	free(packed);
	free(blob);
	free_list(names, n);
}

/* ---- Header checks --------------------------------------------------------- */

static void test_truncated_small(void **state)
{
	size_t size, len;
	uint8_t *b = small_blob(&size), *t;
	int r;

	(void)state;
	assert_open_err(b, size, 0);
	/* Every length, header included: the header's totalsize is too big. */
	for (len = 0; len < size; len++)
		assert_open_err(b, len, -DT_ERR_TRUNCATED);
	/* Every length again, with totalsize saying so: something no longer
	 * fits, and which thing decides the code. */
	for (len = DT_HEADER_SIZE; len < size; len++) {
		t = exact_copy(b, size);
		hset(t, W_TOTALSIZE, (uint32_t)len);
		r = open_copy(t, len);
		if (len < hget(b, W_OFF_STRUCT))
			assert_true(r == -DT_ERR_BADOFFSET || r == -DT_ERR_TRUNCATED);
		else
			assert_int_equal(r, -DT_ERR_BADOFFSET);
		free(t);
	}
	/* More bytes than the blob: fine, only totalsize is read. */
	t = calloc(1, size + 100);
	memcpy(t, b, size);
	assert_open_err(t, size + 100, 0);
	free(t);
	free(b);
}

static void test_header_totalsize(void **state)
{
	size_t size, len;
	uint8_t *b = small_blob(&size), *c;
	uint32_t out = 0;

	(void)state;
	for (len = 0; len < 8; len++) {
		c = exact_copy(b, len);
		assert_int_equal(dt_header_totalsize(c, len, &out), -DT_ERR_TRUNCATED);
		free(c);
	}
	c = exact_copy(b, 8);
	assert_int_equal(dt_header_totalsize(c, 8, &out), 0);
	assert_int_equal(out, size);
	c[0] ^= 1;
	assert_int_equal(dt_header_totalsize(c, 8, &out), -DT_ERR_BADMAGIC);
	c[0] ^= 1;
	hset(c, W_TOTALSIZE, 35);
	assert_int_equal(dt_header_totalsize(c, 8, &out), -DT_ERR_TRUNCATED);
	assert_int_equal(dt_header_totalsize(NULL, 8, &out), -DT_ERR_BADARG);
	free(c);
	free(b);
}

struct mangle {
	int word;
	uint32_t value; /* or, with rel, added to the original */
	int rel;
	int err;   /* expected dt_open result */
	int anyof; /* accept any rejection in {err, anyof} */
};

#define TOTAL 0x7fffffff /* stands for the blob's size in a mangle entry */

/* After libfdt's check_header: one header word at a time. */
static void test_mangle_header(void **state)
{
	static const struct mangle m[] = {
		{ W_MAGIC, 0, 0, -DT_ERR_BADMAGIC, 0 },
		{ W_MAGIC, 0xd00dfeee, 0, -DT_ERR_BADMAGIC, 0 },
		{ W_MAGIC, 0xedfe0dd0, 0, -DT_ERR_BADMAGIC, 0 },
		{ W_MAGIC, 0xffffffff, 0, -DT_ERR_BADMAGIC, 0 },
		{ W_TOTALSIZE, 0, 0, -DT_ERR_TRUNCATED, 0 },
		{ W_TOTALSIZE, 39, 0, -DT_ERR_TRUNCATED, 0 },
		{ W_TOTALSIZE, (uint32_t)-1, 1, -DT_ERR_BADOFFSET, 0 },
		{ W_TOTALSIZE, 1, 1, -DT_ERR_TRUNCATED, 0 },
		{ W_TOTALSIZE, 0x80000000u, 0, -DT_ERR_TRUNCATED, 0 },
		{ W_TOTALSIZE, 0xffffffff, 0, -DT_ERR_TRUNCATED, 0 },
		{ W_OFF_STRUCT, 0, 0, -DT_ERR_BADOFFSET, 0 },
		{ W_OFF_STRUCT, 36, 0, -DT_ERR_BADOFFSET, 0 },
		{ W_OFF_STRUCT, 1, 1, -DT_ERR_BADOFFSET, 0 },  /* misaligned */
		{ W_OFF_STRUCT, 4, 1, -DT_ERR_BADOFFSET, 0 },  /* into strings */
		{ W_OFF_STRUCT, (uint32_t)-4, 1, -DT_ERR_TRUNCATED, 0 }, /* cuts rsvmap */
		{ W_OFF_STRUCT, TOTAL, 0, -DT_ERR_BADOFFSET, 0 },
		{ W_OFF_STRUCT, 0xfffffffc, 0, -DT_ERR_BADOFFSET, 0 },
		{ W_OFF_STRINGS, 0, 0, -DT_ERR_BADOFFSET, 0 },
		{ W_OFF_STRINGS, 1, 1, -DT_ERR_BADOFFSET, 0 },
		{ W_OFF_STRINGS, (uint32_t)-1, 1, -DT_ERR_BADOFFSET, 0 }, /* overlap */
		{ W_OFF_STRINGS, TOTAL, 0, -DT_ERR_BADOFFSET, 0 },
		{ W_OFF_STRINGS, 0xffffffff, 0, -DT_ERR_BADOFFSET, 0 },
		{ W_OFF_RSVMAP, 0, 0, -DT_ERR_BADOFFSET, 0 },
		{ W_OFF_RSVMAP, 32, 0, -DT_ERR_BADOFFSET, 0 },
		{ W_OFF_RSVMAP, 4, 1, -DT_ERR_BADOFFSET, 0 }, /* misaligned */
		{ W_OFF_RSVMAP, TOTAL, 0, -DT_ERR_BADOFFSET, 0 },
		{ W_OFF_RSVMAP, 0xfffffff8, 0, -DT_ERR_BADOFFSET, 0 },
		{ W_OFF_RSVMAP, 16, 1, 0, 0 }, /* starts at the terminator */
		{ W_VERSION, 0, 0, -DT_ERR_BADVERSION, 0 },
		{ W_VERSION, 1, 0, -DT_ERR_BADVERSION, 0 },
		{ W_VERSION, 15, 0, -DT_ERR_BADVERSION, 0 },
		{ W_VERSION, 16, 0, 0, 0 },
		{ W_VERSION, 18, 0, 0, 0 },
		{ W_VERSION, 0xffffffff, 0, 0, 0 }, /* newer, v16-compatible */
		{ W_LAST_COMP, 0, 0, 0, 0 },
		{ W_LAST_COMP, 17, 0, 0, 0 },
		{ W_LAST_COMP, 18, 0, -DT_ERR_BADVERSION, 0 },
		{ W_LAST_COMP, 0xffffffff, 0, -DT_ERR_BADVERSION, 0 },
		{ W_BOOT_CPUID, 1, 0, 0, 0 },
		{ W_BOOT_CPUID, 0xffffffff, 0, 0, 0 },
		{ W_SIZE_STRINGS, 0, 0, -DT_ERR_BADOFFSET, 0 },
		{ W_SIZE_STRINGS, (uint32_t)-1, 1, -DT_ERR_BADSTRING, 0 },
		{ W_SIZE_STRINGS, 1, 1, -DT_ERR_BADOFFSET, 0 },
		{ W_SIZE_STRINGS, 0xffffffff, 0, -DT_ERR_BADOFFSET, 0 },
		{ W_SIZE_STRUCT, 0, 0, -DT_ERR_TRUNCATED, 0 },
		{ W_SIZE_STRUCT, (uint32_t)-1, 1, -DT_ERR_TRUNCATED, 0 },
		{ W_SIZE_STRUCT, (uint32_t)-4, 1, -DT_ERR_TRUNCATED, 0 },
		{ W_SIZE_STRUCT, 4, 1, -DT_ERR_BADOFFSET, 0 }, /* into strings */
		{ W_SIZE_STRUCT, 0xffffffff, 0, -DT_ERR_BADOFFSET, 0 },
	};
	size_t size, i;
	uint8_t *b = small_blob(&size), *t;
	uint32_t v;
	int r;

	(void)state;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		t = exact_copy(b, size);
		v = m[i].value == TOTAL ? (uint32_t)size : m[i].value;
		if (m[i].rel)
			v += hget(b, m[i].word);
		hset(t, m[i].word, v);
		r = open_copy(t, size);
		if (r != m[i].err && !(m[i].anyof && r == m[i].anyof))
			fail_msg("header word %d = 0x%x: got %d (%s), want %d",
				 m[i].word, v, r, dt_strerror(r), m[i].err);
		if (r == 0) /* still the same tree in libfdt's eyes */
			oracle_check(t, size);
		free(t);
	}
	free(b);
}

/* A v16 blob (no size_dt_struct): the word after the header is free. */
static void test_version16(void **state)
{
	size_t size;
	uint8_t *b = small_blob(&size), *t;
	struct dt dt;

	(void)state;
	hset(b, W_VERSION, 16);
	hset(b, W_LAST_COMP, 16);
	t = exact_copy(b, size);
	assert_int_equal(dt_open(&dt, t, size), 0);
	assert_int_equal(dt.size_struct, hget(b, W_SIZE_STRUCT));
	free(t);
	hset(b, W_SIZE_STRUCT, 0xdeadbeef);
	assert_open_err(b, size, 0);
	oracle_check(b, size);
	/* The v16 header is 36 bytes: shorter avail is truncated. */
	assert_open_err(b, 35, -DT_ERR_TRUNCATED);
	/* A v16 blob cannot claim v17 readers need nothing newer than 17. */
	hset(b, W_LAST_COMP, 17);
	assert_open_err(b, size, -DT_ERR_BADVERSION);
	free(b);
}

/* ---- Broken token streams --------------------------------------------------- */

/* Builds / { a = "x"; n { b = <1>; }; } with hooks to break it. */
enum breakage {
	BR_NONE,
	BR_NO_END,          /* FDT_END missing: block runs out */
	BR_END_AS_NOP,      /* FDT_END replaced by a NOP */
	BR_END_AS_ENDNODE,  /* FDT_END replaced by an extra END_NODE */
	BR_EXTRA_ENDNODE,   /* one END_NODE too many before END */
	BR_MISSING_ENDNODE, /* root never closed */
	BR_TRAILING,        /* a NOP after FDT_END */
	BR_PROPLEN_PAST,    /* property length beyond the block */
	BR_PROPLEN_HUGE,    /* property length 0xffffffff */
	BR_PROPLEN_ONE_OVER,/* length one byte over the last token */
	BR_NAMEOFF_PAST,    /* nameoff == size_dt_strings */
	BR_NAMEOFF_HUGE,    /* nameoff 0xffffffff */
	BR_STRINGS_NO_NUL,  /* last name loses its NUL */
	BR_NAME_UNTERM,     /* node name runs to the end of the block */
	BR_NAME_UNPADDED,   /* node name without its padding: next token misaligned */
	BR_TOKEN_0,         /* unknown tokens */
	BR_TOKEN_5,
	BR_TOKEN_FFFFFFFF,
	BR_PROP_BEFORE_ROOT,
	BR_PROP_AFTER_SUBNODE,
	BR_TWO_ROOTS,
	BR_EMPTY_NAME,
	BR_SLASH_NAME,
	BR_ONLY_END,        /* no root at all */
	BR_NOPS,            /* NOPs everywhere: valid */
	BR_NOP_BEFORE_END,  /* valid per spec 5.4.1; libfdt 1.6.1 disagrees */
	BR_NOP_BEFORE_ROOT, /* valid; libfdt assumes the root is at 0 */
	BR_ROOT_NAMED,      /* the root's name must be "" */
};

static uint8_t *broken_blob(enum breakage br, size_t *size)
{
	struct bb *b = bb_new();
	uint8_t *p;
	uint32_t prop_len_at;

	if (br == BR_NOP_BEFORE_ROOT)
		bb_u32(b, FDT_NOP);
	if (br == BR_PROP_BEFORE_ROOT)
		bb_cells(b, "early", 1, 1u);
	if (br == BR_ONLY_END) {
		bb_finish(b);
		goto out;
	}
	bb_begin(b, br == BR_ROOT_NAMED ? "/" : "");
	if (br == BR_NOPS)
		bb_u32(b, FDT_NOP);
	prop_len_at = b->stlen + 4;
	bb_prop_str(b, "a", "x");
	if (br == BR_TOKEN_0)
		bb_u32(b, 0);
	if (br == BR_TOKEN_5)
		bb_u32(b, 5);
	if (br == BR_TOKEN_FFFFFFFF)
		bb_u32(b, 0xffffffff);
	if (br == BR_NAME_UNPADDED) {
		bb_u32(b, FDT_BEGIN_NODE);
		bb_bytes(b, "ab", 3); /* 3 bytes: the END_NODE lands at +7 */
		bb_u32(b, FDT_END_NODE);
	}
	bb_begin(b, br == BR_EMPTY_NAME ? "" : br == BR_SLASH_NAME ? "a/b" : "n");
	if (br == BR_NOPS)
		bb_u32(b, FDT_NOP);
	bb_cells(b, "b", 1, 1u);
	bb_end(b);
	if (br == BR_PROP_AFTER_SUBNODE)
		bb_cells(b, "late", 1, 1u);
	if (br == BR_NOPS)
		bb_u32(b, FDT_NOP);
	if (br != BR_MISSING_ENDNODE)
		bb_end(b);
	if (br == BR_EXTRA_ENDNODE)
		bb_end(b);
	if (br == BR_TWO_ROOTS) {
		bb_begin(b, "");
		bb_end(b);
	}
	if (br == BR_NAME_UNTERM) {
		bb_u32(b, FDT_BEGIN_NODE);
		bb_bytes(b, "abcdefgh", 8); /* no NUL before the block ends */
		goto out;
	}
	if (br == BR_NOP_BEFORE_END)
		bb_u32(b, FDT_NOP);
	if (br == BR_END_AS_NOP)
		bb_u32(b, FDT_NOP);
	else if (br == BR_END_AS_ENDNODE)
		bb_u32(b, FDT_END_NODE);
	else if (br != BR_NO_END)
		bb_finish(b);
	if (br == BR_TRAILING)
		bb_u32(b, FDT_NOP);
	if (br == BR_PROPLEN_PAST)
		put_be32(b->st + prop_len_at, b->stlen);
	if (br == BR_PROPLEN_HUGE)
		put_be32(b->st + prop_len_at, 0xffffffff);
	if (br == BR_PROPLEN_ONE_OVER) /* value would end 1 byte past the block */
		put_be32(b->st + prop_len_at, b->stlen - (prop_len_at + 8) + 1);
	if (br == BR_NAMEOFF_PAST)
		put_be32(b->st + prop_len_at + 4, b->strslen);
	if (br == BR_NAMEOFF_HUGE)
		put_be32(b->st + prop_len_at + 4, 0xffffffff);
out:
	if (br == BR_STRINGS_NO_NUL)
		b->strslen--; /* "b\0" was added last: now "b" */
	p = bb_blob(b, size);
	free(b);
	return p;
}

static void test_broken_structure(void **state)
{
	static const struct {
		enum breakage br;
		int err;
	} cases[] = {
		{ BR_NONE, 0 },
		{ BR_NOPS, 0 },
		{ BR_NOP_BEFORE_END, 0 },
		{ BR_NOP_BEFORE_ROOT, 0 },
		{ BR_ROOT_NAMED, -DT_ERR_BADSTRUCTURE },
		{ BR_NO_END, -DT_ERR_TRUNCATED },
		{ BR_END_AS_NOP, -DT_ERR_TRUNCATED },
		{ BR_END_AS_ENDNODE, -DT_ERR_BADSTRUCTURE },
		{ BR_EXTRA_ENDNODE, -DT_ERR_BADSTRUCTURE },
		{ BR_MISSING_ENDNODE, -DT_ERR_BADSTRUCTURE },
		{ BR_TRAILING, -DT_ERR_BADSTRUCTURE },
		{ BR_PROPLEN_PAST, -DT_ERR_TRUNCATED },
		{ BR_PROPLEN_HUGE, -DT_ERR_TRUNCATED },
		{ BR_PROPLEN_ONE_OVER, -DT_ERR_TRUNCATED },
		{ BR_NAMEOFF_PAST, -DT_ERR_BADOFFSET },
		{ BR_NAMEOFF_HUGE, -DT_ERR_BADOFFSET },
		{ BR_STRINGS_NO_NUL, -DT_ERR_BADSTRING },
		{ BR_NAME_UNTERM, -DT_ERR_TRUNCATED },
		{ BR_NAME_UNPADDED, -DT_ERR_BADSTRUCTURE },
		{ BR_TOKEN_0, -DT_ERR_BADSTRUCTURE },
		{ BR_TOKEN_5, -DT_ERR_BADSTRUCTURE },
		{ BR_TOKEN_FFFFFFFF, -DT_ERR_BADSTRUCTURE },
		{ BR_PROP_BEFORE_ROOT, -DT_ERR_BADSTRUCTURE },
		{ BR_PROP_AFTER_SUBNODE, -DT_ERR_BADSTRUCTURE },
		{ BR_TWO_ROOTS, -DT_ERR_BADSTRUCTURE },
		{ BR_EMPTY_NAME, -DT_ERR_BADSTRUCTURE },
		{ BR_SLASH_NAME, -DT_ERR_BADSTRUCTURE },
		{ BR_ONLY_END, -DT_ERR_BADSTRUCTURE },
	};
	size_t i, size;
	uint8_t *b;
	int r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = broken_blob(cases[i].br, &size);
		r = open_copy(b, size);
		if (r != cases[i].err)
			fail_msg("breakage %d: got %d (%s), want %d (%s)",
				 (int)cases[i].br, r, dt_strerror(r), cases[i].err,
				 dt_strerror(cases[i].err));
		if (r == 0 && cases[i].br != BR_NOP_BEFORE_END &&
		    cases[i].br != BR_NOP_BEFORE_ROOT)
			oracle_check(b, size);
		free(b);
	}
}

/* A NOP ahead of the root moves the root off offset 0; everything follows. */
static void test_nop_before_root(void **state)
{
	size_t size;
	uint8_t *b = broken_blob(BR_NOP_BEFORE_ROOT, &size), *c = exact_copy(b, size);
	struct dt dt;
	int d, n;

	(void)state;
	assert_int_equal(dt_open(&dt, c, size), 0);
	assert_int_equal(dt.root, 4);
	assert_int_equal(dt_next_node(&dt, -1, &d), 4);
	assert_int_equal(d, 0);
	assert_int_equal(dt_path_offset(&dt, "/", 1), 4);
	n = dt_path_offset(&dt, "/n", 2);
	assert_true(n > 4);
	assert_int_equal(dt_parent(&dt, n), 4);
	assert_int_equal(dt_next_node(&dt, 4, &d), n);
	assert_int_equal(d, 1);
	assert_int_equal(dt_next_node(&dt, n, &d), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_first_child(&dt, 4), n);
	assert_string_equal(dt_prop_string(&dt, 4, "a"), "x");
	/* offset 0 is the NOP, not a node */
	assert_int_equal(dt_first_child(&dt, 0), -DT_ERR_BADOFFSET);
	free(c);
	free(b);
}

/* DT_MAX_DEPTH levels open; one more is refused. */
static uint8_t *deep_blob(int levels, size_t *size)
{
	struct bb *b = bb_new();
	uint8_t *p;
	int i;

	for (i = 0; i < levels; i++) {
		bb_begin(b, i == 0 ? "" : "n@10");
		bb_cells(b, "#address-cells", 1, 1u);
		bb_cells(b, "#size-cells", 1, 1u);
		bb_prop_empty(b, "ranges");
		bb_cells(b, "reg", 2, 0x10u, 0x4u);
	}
	for (i = 0; i < levels; i++)
		bb_end(b);
	bb_finish(b);
	p = bb_blob(b, size);
	free(b);
	return p;
}

static void test_depth(void **state)
{
	size_t size;
	uint8_t *b = deep_blob(DT_MAX_DEPTH, &size), *c;
	struct dt dt;
	int node, d, last = -1, n = 0;
	uint64_t a, s;
	char path[DT_MAX_DEPTH * 5 + 2] = "";

	(void)state;
	c = exact_copy(b, size);
	assert_int_equal(dt_open(&dt, c, size), 0);
	for (node = dt_next_node(&dt, -1, &d); node >= 0;
	     node = dt_next_node(&dt, node, &d)) {
		assert_int_equal(d, n);
		last = node;
		n++;
	}
	assert_int_equal(n, DT_MAX_DEPTH);
	assert_int_equal(dt_node_depth(&dt, last), DT_MAX_DEPTH - 1);
	assert_true(dt_parent(&dt, last) > 0);
	assert_int_equal(dt_reg(&dt, last, 0, &a, &s), 0);
	assert_int_equal(a, 0x10);
	assert_int_equal(s, 4);
	assert_true(dt_dma_coherent(&dt, last) == false);
	for (d = 1; d < DT_MAX_DEPTH; d++)
		strcat(path, "/n@10");
	assert_int_equal(dt_path_offset(&dt, path, strlen(path)), last);
	/* the same path without unit addresses */
	path[0] = '\0';
	for (d = 1; d < DT_MAX_DEPTH; d++)
		strcat(path, "/n");
	assert_int_equal(dt_path_offset(&dt, path, strlen(path)), last);
	free(c);
	oracle_check(b, size);
	free(b);

	b = deep_blob(DT_MAX_DEPTH + 1, &size);
	assert_open_err(b, size, -DT_ERR_DEPTH);
	free(b);
}

/* Blocks moved to offsets the spec forbids (struct not 4-aligned, map not
 * 8-aligned), with the contents moved along so nothing else is wrong: the
 * alignment rule alone must reject them. */
static void test_misaligned_blocks(void **state)
{
	size_t size, shift;
	uint8_t *b = small_blob(&size), *t;
	uint32_t off_st = 0, off_rsv = 0;
	int which;

	(void)state;
	for (which = 0; which < 2; which++) {
		for (shift = 0; shift < 8; shift++) {
			t = calloc(1, size + 8);
			off_rsv = hget(b, W_OFF_RSVMAP);
			off_st = hget(b, W_OFF_STRUCT);
			if (which == 0) { /* move struct + strings */
				memcpy(t, b, off_st);
				memcpy(t + off_st + shift, b + off_st, size - off_st);
				hset(t, W_OFF_STRUCT, off_st + (uint32_t)shift);
				hset(t, W_OFF_STRINGS, hget(b, W_OFF_STRINGS) + (uint32_t)shift);
			} else { /* move everything after the header */
				memcpy(t, b, off_rsv);
				memcpy(t + off_rsv + shift, b + off_rsv, size - off_rsv);
				hset(t, W_OFF_RSVMAP, off_rsv + (uint32_t)shift);
				hset(t, W_OFF_STRUCT, off_st + (uint32_t)shift);
				hset(t, W_OFF_STRINGS, hget(b, W_OFF_STRINGS) + (uint32_t)shift);
			}
			hset(t, W_TOTALSIZE, (uint32_t)(size + shift));
			assert_open_err(t, size + shift,
					shift % (which == 0 ? 4 : 8) == 0 ? 0
									    : -DT_ERR_BADOFFSET);
			free(t);
		}
	}
	free(b);
}

/* Reservation map that never ends. */
static void test_rsvmap(void **state)
{
	size_t size, off;
	uint8_t *b = small_blob(&size), *t;
	struct dt dt;
	uint64_t a, s;

	(void)state;
	t = exact_copy(b, size);
	assert_int_equal(dt_open(&dt, t, size), 0);
	assert_int_equal(dt_mem_rsv(&dt, 0, &a, &s), 0);
	assert_int_equal(a, 0x80000000u);
	assert_int_equal(s, 0x1000);
	assert_int_equal(dt_mem_rsv(&dt, 1, &a, &s), -DT_ERR_NOTFOUND);
	free(t);

	/* Terminator overwritten: entries run into the struct block. */
	t = exact_copy(b, size);
	put_be32(t + hget(t, W_OFF_RSVMAP) + 16 + 4, 1);
	assert_int_equal(dt_open(&dt, t, size), -DT_ERR_TRUNCATED);
	free(t);

	/* Map placed in the last 16 bytes with a non-zero entry: runs out. */
	off = (size + 7) & ~(size_t)7;
	t = calloc(1, off + 16);
	memcpy(t, b, size);
	hset(t, W_TOTALSIZE, (uint32_t)off + 16);
	hset(t, W_OFF_RSVMAP, (uint32_t)off);
	put_be32(t + off + 4, 0x1234);
	assert_open_err(t, off + 16, -DT_ERR_TRUNCATED);
	put_be32(t + off + 4, 0); /* now it is a terminator: valid */
	assert_open_err(t, off + 16, 0);
	free(t);
	free(b);
}

/* ---- Accessors on a hand-made tree ------------------------------------------ */

/*
 * / {                                  #address-cells 1, #size-cells 1
 *   aliases, chosen (stdout-path "serial0:115200n8"), memory@80000000,
 *   memory@0 (disabled), intc@8000000 (GIC, phandle 1), ic2 (phandle 2,
 *   #interrupt-cells 1), soc (2/2 cells, two ranges windows) with a uart,
 *   a bus below it (2/1) and devices, nodes for every cells shape, irq
 *   cases, compatible stringlists, status values, dma-coherent.
 * }
 */
static uint8_t *accessor_blob(size_t *size)
{
	struct bb *b = bb_new();
	uint8_t *p;

	bb_begin(b, "");
	bb_cells(b, "#address-cells", 1, 1u);
	bb_cells(b, "#size-cells", 1, 1u);
	bb_prop_str(b, "compatible", "test,board");
	bb_cells(b, "interrupt-parent", 1, 1u);

	bb_begin(b, "aliases");
	bb_prop_str(b, "serial0", "/soc/uart@1000");
	bb_prop_str(b, "soc0", "/soc");
	bb_prop_str(b, "bad", "noslash");
	bb_prop(b, "unterminated", "/soc", 4);
	bb_prop_str(b, "dangling", "/nowhere");
	bb_end(b);

	bb_begin(b, "chosen");
	bb_prop_str(b, "bootargs", "console=ttyAMA0 root=/dev/vda");
	bb_prop_str(b, "stdout-path", "serial0:115200n8");
	bb_end(b);

	bb_begin(b, "memory@80000000");
	bb_prop_str(b, "device_type", "memory");
	bb_cells(b, "reg", 6, 0x80000000u, 0x1000000u, 0x90000000u, 0u,
		 0xa0000000u, 0x2000000u); /* the empty range is skipped */
	bb_end(b);
	bb_begin(b, "memory@0");
	bb_prop_str(b, "device_type", "memory");
	bb_prop_str(b, "status", "disabled");
	bb_cells(b, "reg", 2, 0u, 0x1000u);
	bb_end(b);

	bb_begin(b, "intc@8000000");
	bb_prop_str(b, "compatible", "arm,gic-400");
	bb_prop_empty(b, "interrupt-controller");
	bb_cells(b, "#interrupt-cells", 1, 3u);
	bb_cells(b, "reg", 4, 0x8000000u, 0x10000u, 0x8010000u, 0x10000u);
	bb_cells(b, "phandle", 1, 1u);
	bb_end(b);
	bb_begin(b, "ic2");
	bb_prop_empty(b, "interrupt-controller");
	bb_cells(b, "#interrupt-cells", 1, 1u);
	bb_cells(b, "linux,phandle", 1, 2u);
	bb_end(b);
	bb_begin(b, "ic3"); /* #interrupt-cells of the wrong size */
	bb_prop_empty(b, "interrupt-controller");
	bb_cells(b, "#interrupt-cells", 2, 0u, 3u);
	bb_cells(b, "phandle", 1, 3u);
	bb_end(b);

	bb_begin(b, "soc");
	bb_prop_str(b, "compatible", "simple-bus");
	bb_cells(b, "#address-cells", 1, 2u);
	bb_cells(b, "#size-cells", 1, 2u);
	/* child (2) parent (1) size (2) */
	bb_cells(b, "ranges", 10, 0u, 0u, 0x10000000u, 0u, 0x100000u,
		 1u, 0u, 0x20000000u, 0u, 0x10000u);
	bb_prop_empty(b, "dma-coherent");
	bb_begin(b, "uart@1000");
	bb_prop(b, "compatible", "arm,pl011\0arm,primecell", 24);
	bb_cells(b, "reg", 4, 0u, 0x1000u, 0u, 0x100u);
	bb_cells(b, "interrupts", 3, 0u, 1u, 4u);
	bb_prop_str(b, "status", "okay");
	bb_end(b);
	bb_begin(b, "dev@1,0");
	bb_cells(b, "reg", 4, 1u, 0u, 0u, 0x100u);
	bb_end(b);
	bb_begin(b, "dev@2,0");
	bb_cells(b, "reg", 4, 2u, 0u, 0u, 0x100u);
	bb_end(b);
	bb_begin(b, "straddle");
	bb_cells(b, "reg", 4, 0u, 0xff000u, 0u, 0x2000u); /* crosses the end */
	bb_end(b);
	bb_begin(b, "bus@0,80000");
	bb_cells(b, "#address-cells", 1, 2u);
	bb_cells(b, "#size-cells", 1, 1u);
	/* child (2) parent (2) size (1): child 7:0 -> soc 0:0x80000 */
	bb_cells(b, "ranges", 5, 7u, 0u, 0u, 0x80000u, 0x1000u);
	bb_begin(b, "leaf@7,100");
	bb_cells(b, "reg", 3, 7u, 0x100u, 0x10u);
	bb_end(b);
	bb_end(b);
	bb_begin(b, "dis");
	bb_prop_str(b, "status", "disabled");
	bb_end(b);
	bb_begin(b, "memory@0");
	bb_prop_str(b, "device_type", "memory"); /* not a root child: ignored */
	bb_cells(b, "reg", 4, 0u, 0u, 0u, 0x1000u);
	bb_end(b);
	bb_end(b); /* soc */

	bb_begin(b, "cells22");
	bb_cells(b, "#address-cells", 1, 2u);
	bb_cells(b, "#size-cells", 1, 2u);
	bb_prop_empty(b, "ranges");
	bb_begin(b, "c");
	bb_cells(b, "reg", 8, 0x1u, 0x0u, 0x0u, 0x1000u, 0x0u, 0x5000u, 0x1u, 0x0u);
	bb_end(b);
	bb_end(b);
	bb_begin(b, "cells21");
	bb_cells(b, "#address-cells", 1, 2u);
	bb_cells(b, "#size-cells", 1, 1u);
	bb_prop_empty(b, "ranges");
	bb_begin(b, "c");
	bb_cells(b, "reg", 3, 0x0u, 0x5000u, 0x100u);
	bb_end(b);
	bb_begin(b, "badlen");
	bb_cells(b, "reg", 4, 0x0u, 0x5000u, 0x100u, 0u);
	bb_end(b);
	bb_end(b);
	bb_begin(b, "noranges");
	bb_begin(b, "c");
	bb_cells(b, "reg", 3, 0x0u, 0x10u, 0x4u); /* default cells: 2/1 */
	bb_end(b);
	bb_end(b);
	bb_begin(b, "cpus");
	bb_cells(b, "#address-cells", 1, 1u);
	bb_cells(b, "#size-cells", 1, 0u);
	bb_begin(b, "cpu@1");
	bb_cells(b, "reg", 1, 1u);
	bb_end(b);
	bb_end(b);
	bb_begin(b, "big");
	bb_cells(b, "#address-cells", 1, 3u);
	bb_cells(b, "#size-cells", 1, 1u);
	bb_prop_empty(b, "ranges");
	bb_begin(b, "a");
	bb_cells(b, "reg", 4, 0u, 1u, 2u, 0x10u);
	bb_end(b);
	bb_begin(b, "b");
	bb_cells(b, "reg", 4, 1u, 0u, 0u, 0x10u);
	bb_end(b);
	bb_begin(b, "wrap");
	bb_cells(b, "reg", 4, 0u, 0xffffffffu, 0xfffffff0u, 0x20u);
	bb_end(b);
	bb_end(b);
	bb_begin(b, "noaddr");
	bb_cells(b, "#address-cells", 1, 0u);
	bb_cells(b, "#size-cells", 1, 0u);
	bb_begin(b, "x");
	bb_prop_empty(b, "reg");
	bb_end(b);
	bb_end(b);
	bb_begin(b, "badcells");
	bb_cells(b, "#address-cells", 1, 5u);
	bb_cells(b, "#size-cells", 2, 1u, 1u);
	bb_begin(b, "x");
	bb_cells(b, "reg", 2, 0u, 0u);
	bb_end(b);
	bb_end(b);

	bb_begin(b, "irqs");
	bb_begin(b, "ok");
	bb_cells(b, "interrupts", 15, 0u, 16u, 1u, 1u, 13u, 4u, 0u, 987u, 8u,
		 1u, 15u, 2u, 1u, 14u, 0xf04u);
	bb_end(b);
	bb_begin(b, "badspi");
	bb_cells(b, "interrupts", 3, 0u, 988u, 4u);
	bb_end(b);
	bb_begin(b, "badppi");
	bb_cells(b, "interrupts", 3, 1u, 16u, 4u);
	bb_end(b);
	bb_begin(b, "badtype");
	bb_cells(b, "interrupts", 3, 2u, 0u, 4u);
	bb_end(b);
	bb_begin(b, "notrigger");
	bb_cells(b, "interrupts", 3, 0u, 1u, 0u);
	bb_end(b);
	bb_begin(b, "bothedges");
	bb_cells(b, "interrupts", 3, 0u, 1u, 3u);
	bb_end(b);
	bb_begin(b, "shortcells");
	bb_cells(b, "interrupts", 2, 0u, 1u);
	bb_end(b);
	bb_begin(b, "other-ctrl");
	bb_cells(b, "interrupt-parent", 1, 2u);
	bb_cells(b, "interrupts", 1, 5u);
	bb_end(b);
	bb_begin(b, "badcells-ctrl");
	bb_cells(b, "interrupt-parent", 1, 3u);
	bb_cells(b, "interrupts", 3, 0u, 1u, 4u);
	bb_end(b);
	bb_begin(b, "dangling");
	bb_cells(b, "interrupt-parent", 1, 0x99u);
	bb_cells(b, "interrupts", 3, 0u, 1u, 4u);
	bb_end(b);
	bb_begin(b, "loop-a");
	bb_cells(b, "phandle", 1, 0x10u);
	bb_cells(b, "interrupt-parent", 1, 0x11u);
	bb_cells(b, "interrupts", 3, 0u, 1u, 4u);
	bb_end(b);
	bb_begin(b, "loop-b");
	bb_cells(b, "phandle", 1, 0x11u);
	bb_cells(b, "interrupt-parent", 1, 0x10u);
	bb_end(b);
	bb_begin(b, "badparent");
	bb_cells(b, "interrupt-parent", 2, 1u, 1u);
	bb_cells(b, "interrupts", 3, 0u, 1u, 4u);
	bb_end(b);
	bb_begin(b, "nointerrupts");
	bb_end(b);
	bb_end(b); /* irqs */

	bb_begin(b, "compat");
	bb_begin(b, "a");
	bb_prop(b, "compatible", "x,one\0x,two", 12);
	bb_end(b);
	bb_begin(b, "b");
	bb_prop(b, "compatible", "x,one\0x,two", 11); /* no final NUL */
	bb_end(b);
	bb_begin(b, "c");
	bb_prop(b, "compatible", "", 1);
	bb_end(b);
	bb_begin(b, "d");
	bb_prop(b, "compatible", "x,one\0\0x,three", 15);
	bb_end(b);
	bb_begin(b, "e");
	bb_prop_empty(b, "compatible");
	bb_end(b);
	bb_end(b);

	bb_begin(b, "status");
	bb_begin(b, "ok");
	bb_prop_str(b, "status", "ok");
	bb_end(b);
	bb_begin(b, "okayx");
	bb_prop_str(b, "status", "okayx");
	bb_end(b);
	bb_begin(b, "fail");
	bb_prop_str(b, "status", "fail");
	bb_end(b);
	bb_begin(b, "unterm");
	bb_prop(b, "status", "okay", 4);
	bb_end(b);
	bb_begin(b, "empty");
	bb_prop_empty(b, "status");
	bb_end(b);
	bb_end(b);

	bb_begin(b, "values");
	bb_prop(b, "u32short", "\0\0\1", 3);
	bb_cells(b, "u32", 1, 0xdeadbeefu);
	bb_cells(b, "u32long", 2, 1u, 2u);
	bb_prop(b, "str", "abc", 4);
	bb_prop(b, "strunterm", "abc", 3);
	bb_prop(b, "strlist", "ab\0cd", 6);
	bb_cells(b, "phandle", 2, 5u, 5u); /* wrong size: not a phandle */
	bb_end(b);
	bb_begin(b, "odd@1@2");
	bb_end(b);
	bb_begin(b, "dup");
	bb_cells(b, "p", 1, 1u);
	bb_cells(b, "p", 1, 2u);
	bb_end(b);

	bb_end(b); /* root */
	bb_finish(b);
	p = bb_blob(b, size);
	free(b);
	return p;
}

struct fixture {
	uint8_t *blob;
	size_t size;
	struct dt dt;
	struct dt_node_info *table; /* the index, for the _indexed runs */
};

static int setup_accessor(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint8_t *b;

	assert_non_null(f);
	b = accessor_blob(&f->size);
	f->blob = exact_copy(b, f->size);
	free(b);
	assert_int_equal(dt_open(&f->dt, f->blob, f->size), 0);
	*state = f;
	return 0;
}

/* The same tests on the same tree with a node index. */
static int setup_accessor_indexed(void **state)
{
	struct fixture *f;

	setup_accessor(state);
	f = *state;
	f->table = index_exact(&f->dt);
	return 0;
}

static int teardown_accessor(void **state)
{
	struct fixture *f = *state;

	free(f->table);
	free(f->blob);
	free(f);
	return 0;
}

static int P(const struct dt *dt, const char *path)
{
	int n = dt_path_offset(dt, path, strlen(path));

	if (n < 0)
		fail_msg("path %s: %s", path, dt_strerror(n));
	return n;
}

static void test_acc_oracle(void **state)
{
	struct fixture *f = *state;
	struct oracle_stats st = oracle_check(f->blob, f->size);

	assert_true(st.nodes > 50);
	assert_int_equal(st.path_dups, 0);
	assert_true(st.phandles >= 4);
}

static void test_acc_cells_and_reg(void **state)
{
	struct fixture *f = *state;
	const struct dt *dt = &f->dt;
	uint64_t a, s;

	/* 1/1 at the root, inherited by nobody: each node states its own. */
	assert_int_equal(dt_addr_cells(dt, dt->root), 1);
	assert_int_equal(dt_size_cells(dt, dt->root), 1);
	assert_int_equal(dt_addr_cells(dt, P(dt, "/soc")), 2);
	assert_int_equal(dt_size_cells(dt, P(dt, "/soc")), 2);
	/* defaults 2/1 when absent */
	assert_int_equal(dt_addr_cells(dt, P(dt, "/noranges")), 2);
	assert_int_equal(dt_size_cells(dt, P(dt, "/noranges")), 1);
	assert_int_equal(dt_addr_cells(dt, P(dt, "/badcells")), -DT_ERR_BADVALUE);
	assert_int_equal(dt_size_cells(dt, P(dt, "/badcells")), -DT_ERR_BADVALUE);
	assert_int_equal(dt_addr_cells(dt, P(dt, "/noaddr")), 0);

	/* root's children use 1/1 */
	assert_int_equal(dt_reg_count(dt, P(dt, "/intc")), 2);
	assert_int_equal(dt_reg(dt, P(dt, "/intc"), 1, &a, &s), 0);
	assert_int_equal(a, 0x8010000);
	assert_int_equal(s, 0x10000);
	assert_int_equal(dt_reg(dt, P(dt, "/intc"), 2, &a, &s), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_reg(dt, dt->root, 0, &a, &s), -DT_ERR_NOTFOUND);

	/* 2/2 under soc, translated through the two windows */
	assert_int_equal(dt_reg_raw(dt, P(dt, "/soc/uart"), 0, &a, &s), 0);
	assert_int_equal(a, 0x1000);
	assert_int_equal(s, 0x100);
	assert_int_equal(dt_reg(dt, P(dt, "/soc/uart"), 0, &a, &s), 0);
	assert_int_equal(a, 0x10001000);
	assert_int_equal(s, 0x100);
	assert_int_equal(dt_reg_raw(dt, P(dt, "/soc/dev@1,0"), 0, &a, &s), 0);
	assert_int_equal(a, 0x100000000ull);
	assert_int_equal(dt_reg(dt, P(dt, "/soc/dev@1,0"), 0, &a, &s), 0);
	assert_int_equal(a, 0x20000000);
	assert_int_equal(dt_reg(dt, P(dt, "/soc/dev@2,0"), 0, &a, &s),
			 -DT_ERR_NOTRANSLATION);
	assert_int_equal(dt_reg(dt, P(dt, "/soc/straddle"), 0, &a, &s),
			 -DT_ERR_NOTRANSLATION);
	/* two levels: leaf 7:0x100 -> soc 0:0x80100 -> cpu 0x10080100 */
	assert_int_equal(dt_reg(dt, P(dt, "/soc/bus/leaf"), 0, &a, &s), 0);
	assert_int_equal(a, 0x10080100);
	assert_int_equal(s, 0x10);
	assert_int_equal(dt_reg_raw(dt, P(dt, "/soc/bus/leaf"), 0, &a, &s), 0);
	assert_int_equal(a, 0x700000100ull);

	/* 2/2 with identity ranges: 64-bit addresses and sizes */
	assert_int_equal(dt_reg_count(dt, P(dt, "/cells22/c")), 2);
	assert_int_equal(dt_reg(dt, P(dt, "/cells22/c"), 0, &a, &s), 0);
	assert_int_equal(a, 0x100000000ull);
	assert_int_equal(s, 0x1000);
	assert_int_equal(dt_reg(dt, P(dt, "/cells22/c"), 1, &a, &s), 0);
	assert_int_equal(a, 0x5000);
	assert_int_equal(s, 0x100000000ull);
	/* 2/1 */
	assert_int_equal(dt_reg(dt, P(dt, "/cells21/c"), 0, &a, &s), 0);
	assert_int_equal(a, 0x5000);
	assert_int_equal(s, 0x100);
	assert_int_equal(dt_reg_count(dt, P(dt, "/cells21/badlen")), -DT_ERR_BADVALUE);
	assert_int_equal(dt_reg(dt, P(dt, "/cells21/badlen"), 0, &a, &s),
			 -DT_ERR_BADVALUE);
	/* no ranges on the bus: raw works, translation does not */
	assert_int_equal(dt_reg_raw(dt, P(dt, "/noranges/c"), 0, &a, &s), 0);
	assert_int_equal(a, 0x10);
	assert_int_equal(s, 0x4);
	assert_int_equal(dt_reg(dt, P(dt, "/noranges/c"), 0, &a, &s),
			 -DT_ERR_NOTRANSLATION);
	/* size-cells 0 */
	assert_int_equal(dt_reg_raw(dt, P(dt, "/cpus/cpu@1"), 0, &a, &s), 0);
	assert_int_equal(a, 1);
	assert_int_equal(s, 0);
	/* 3 address cells: the top one must be zero */
	assert_int_equal(dt_reg(dt, P(dt, "/big/a"), 0, &a, &s), 0);
	assert_int_equal(a, 0x100000002ull);
	assert_int_equal(s, 0x10);
	assert_int_equal(dt_reg(dt, P(dt, "/big/b"), 0, &a, &s), -DT_ERR_BADVALUE);
	/* a range that wraps the 64-bit space */
	assert_int_equal(dt_reg_raw(dt, P(dt, "/big/wrap"), 0, &a, &s),
			 -DT_ERR_BADVALUE);
	/* 0 address cells, bad cells */
	assert_int_equal(dt_reg(dt, P(dt, "/noaddr/x"), 0, &a, &s), -DT_ERR_BADVALUE);
	assert_int_equal(dt_reg(dt, P(dt, "/badcells/x"), 0, &a, &s),
			 -DT_ERR_BADVALUE);
	/* no reg at all */
	assert_int_equal(dt_reg(dt, P(dt, "/chosen"), 0, &a, &s), -DT_ERR_NOTFOUND);
	/* NULL outputs are allowed */
	assert_int_equal(dt_reg(dt, P(dt, "/soc/uart"), 0, NULL, NULL), 0);
}

/*
 * #address-cells and #size-cells of 4, the most the reader accepts (5 is
 * refused, see accessor_blob's /badcells): a 4/4 bus under a 2/2 root,
 * whose "ranges" (4 child, 2 parent, 4 size cells) map a 4 GiB window at
 * child 0x1:00000000 to 0x40000000, and a 1/4 bus.  The reader keeps the
 * low two cells of each number; the upper two must be zero.
 */
static uint8_t *cells4_blob(size_t *size)
{
	struct bb *b = bb_new();
	uint8_t *p;

	bb_begin(b, "");
	bb_cells(b, "#address-cells", 1, 2u);
	bb_cells(b, "#size-cells", 1, 2u);
	bb_begin(b, "quad");
	bb_cells(b, "#address-cells", 1, 4u);
	bb_cells(b, "#size-cells", 1, 4u);
	bb_cells(b, "ranges", 10, 0u, 0u, 1u, 0u, 0u, 0x40000000u, 0u, 0u, 1u, 0u);
	bb_begin(b, "a");
	bb_cells(b, "reg", 16,
		 0u, 0u, 1u, 0x2000u, 0u, 0u, 0u, 0x100u,
		 0u, 0u, 1u, 0x80000000u, 0u, 0u, 0u, 0x80000000u);
	bb_end(b);
	bb_begin(b, "big");
	bb_cells(b, "reg", 8, 0u, 0u, 0x12345678u, 0x9abcdef0u, 0u, 0u, 1u, 0u);
	bb_end(b);
	bb_begin(b, "hiaddr"); /* a non-zero cell above the low two */
	bb_cells(b, "reg", 8, 0u, 1u, 0u, 0u, 0u, 0u, 0u, 0x10u);
	bb_end(b);
	bb_begin(b, "hisize");
	bb_cells(b, "reg", 8, 0u, 0u, 0u, 0x10u, 1u, 0u, 0u, 0x10u);
	bb_end(b);
	bb_begin(b, "badlen"); /* 7 cells: not a whole entry */
	bb_cells(b, "reg", 7, 0u, 0u, 0u, 0x10u, 0u, 0u, 0u);
	bb_end(b);
	bb_end(b);
	bb_begin(b, "mixed");
	bb_cells(b, "#address-cells", 1, 1u);
	bb_cells(b, "#size-cells", 1, 4u);
	bb_begin(b, "c");
	bb_cells(b, "reg", 5, 0x1000u, 0u, 0u, 0x2u, 0x30u);
	bb_end(b);
	bb_end(b);
	bb_end(b);
	bb_finish(b);
	p = bb_blob(b, size);
	free(b);
	return p;
}

static void check_cells4(const struct dt *dt)
{
	int quad = P(dt, "/quad"), mixed = P(dt, "/mixed");
	uint64_t a = 0, s = 0;

	/* exactly the limit: accepted, by each reader of the cells */
	assert_int_equal(dt_addr_cells(dt, quad), 4);
	assert_int_equal(dt_size_cells(dt, quad), 4);
	assert_int_equal(dt_addr_cells(dt, mixed), 1);
	assert_int_equal(dt_size_cells(dt, mixed), 4);

	assert_int_equal(dt_reg_count(dt, P(dt, "/quad/a")), 2);
	assert_int_equal(dt_reg_raw(dt, P(dt, "/quad/a"), 0, &a, &s), 0);
	assert_int_equal(a, 0x100002000ull);
	assert_int_equal(s, 0x100);
	assert_int_equal(dt_reg_raw(dt, P(dt, "/quad/a"), 1, &a, &s), 0);
	assert_int_equal(a, 0x180000000ull);
	assert_int_equal(s, 0x80000000ull);
	assert_int_equal(dt_reg_raw(dt, P(dt, "/quad/a"), 2, &a, &s), -DT_ERR_NOTFOUND);
	/* through the 4/2/4 ranges */
	assert_int_equal(dt_reg(dt, P(dt, "/quad/a"), 0, &a, &s), 0);
	assert_int_equal(a, 0x40002000ull);
	assert_int_equal(s, 0x100);
	assert_int_equal(dt_reg(dt, P(dt, "/quad/a"), 1, &a, &s), 0);
	assert_int_equal(a, 0xc0000000ull);
	assert_int_equal(s, 0x80000000ull);
	/* the full 64 bits of the low two cells, address and size */
	assert_int_equal(dt_reg_count(dt, P(dt, "/quad/big")), 1);
	assert_int_equal(dt_reg_raw(dt, P(dt, "/quad/big"), 0, &a, &s), 0);
	assert_int_equal(a, 0x123456789abcdef0ull);
	assert_int_equal(s, 0x100000000ull);
	assert_int_equal(dt_reg(dt, P(dt, "/quad/big"), 0, &a, &s), -DT_ERR_NOTRANSLATION);
	/* a non-zero upper cell, of the address or of the size */
	assert_int_equal(dt_reg_count(dt, P(dt, "/quad/hiaddr")), 1);
	assert_int_equal(dt_reg_raw(dt, P(dt, "/quad/hiaddr"), 0, &a, &s), -DT_ERR_BADVALUE);
	assert_int_equal(dt_reg(dt, P(dt, "/quad/hiaddr"), 0, &a, &s), -DT_ERR_BADVALUE);
	assert_int_equal(dt_reg_raw(dt, P(dt, "/quad/hisize"), 0, &a, &s), -DT_ERR_BADVALUE);
	assert_int_equal(dt_reg_count(dt, P(dt, "/quad/badlen")), -DT_ERR_BADVALUE);
	/* 1 address cell, 4 size cells: entries of 5 */
	assert_int_equal(dt_reg_count(dt, P(dt, "/mixed/c")), 1);
	assert_int_equal(dt_reg_raw(dt, P(dt, "/mixed/c"), 0, &a, &s), 0);
	assert_int_equal(a, 0x1000);
	assert_int_equal(s, 0x200000030ull);
}

static void test_cells_four(void **state)
{
	size_t size;
	uint8_t *b = cells4_blob(&size), *c;
	struct dt dt;
	struct dt_node_info *t;

	(void)state;
	c = exact_copy(b, size);
	assert_int_equal(dt_open(&dt, c, size), 0);
	check_cells4(&dt);
	t = index_exact(&dt); /* and with a node index */
	check_cells4(&dt);
	free(t);
	free(c);
	oracle_check(b, size);
	free(b);
}

static void test_acc_status_dma(void **state)
{
	struct fixture *f = *state;
	const struct dt *dt = &f->dt;

	assert_true(dt_status_okay(dt, dt->root));
	assert_true(dt_status_okay(dt, P(dt, "/soc/uart")));
	assert_true(dt_status_okay(dt, P(dt, "/status/ok")));
	assert_false(dt_status_okay(dt, P(dt, "/soc/dis")));
	assert_false(dt_status_okay(dt, P(dt, "/status/okayx")));
	assert_false(dt_status_okay(dt, P(dt, "/status/fail")));
	assert_false(dt_status_okay(dt, P(dt, "/status/unterm")));
	assert_false(dt_status_okay(dt, P(dt, "/status/empty")));
	assert_false(dt_status_okay(dt, 3)); /* bad offset: not okay */

	assert_true(dt_dma_coherent(dt, P(dt, "/soc")));
	assert_true(dt_dma_coherent(dt, P(dt, "/soc/uart")));
	assert_true(dt_dma_coherent(dt, P(dt, "/soc/bus/leaf")));
	assert_false(dt_dma_coherent(dt, P(dt, "/cells22/c")));
	assert_false(dt_dma_coherent(dt, dt->root));
}

static void test_acc_values(void **state)
{
	struct fixture *f = *state;
	const struct dt *dt = &f->dt;
	int n = P(dt, "/values"), len;
	uint32_t u = 0;
	const uint8_t *v;

	assert_int_equal(dt_prop_u32(dt, n, "u32", &u), 0);
	assert_int_equal(u, 0xdeadbeef);
	assert_int_equal(dt_prop_u32(dt, n, "u32short", &u), -DT_ERR_BADVALUE);
	assert_int_equal(dt_prop_u32(dt, n, "u32long", &u), -DT_ERR_BADVALUE);
	assert_int_equal(dt_prop_u32(dt, n, "nope", &u), -DT_ERR_NOTFOUND);
	assert_string_equal(dt_prop_string(dt, n, "str"), "abc");
	assert_null(dt_prop_string(dt, n, "strunterm"));
	assert_string_equal(dt_prop_string(dt, n, "strlist"), "ab");
	assert_null(dt_prop_string(dt, n, "nope"));
	assert_int_equal(dt_get_phandle(dt, n), 0);
	v = dt_getprop_namelen(dt, n, "u32xyz", 3, &len);
	assert_non_null(v);
	assert_int_equal(len, 4);
	assert_int_equal(dt_be32(v), 0xdeadbeef);
	/* the first of two same-named properties wins (as in libfdt) */
	n = P(dt, "/dup");
	assert_int_equal(dt_prop_u32(dt, n, "p", &u), 0);
	assert_int_equal(u, 1);
	/* phandle via linux,phandle */
	assert_int_equal(dt_node_by_phandle(dt, 2), P(dt, "/ic2"));
	assert_int_equal(dt_node_by_phandle(dt, 1), P(dt, "/intc@8000000"));
	assert_int_equal(dt_node_by_phandle(dt, 5), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_node_by_phandle(dt, 0), -DT_ERR_BADPHANDLE);
	assert_int_equal(dt_node_by_phandle(dt, 0xffffffff), -DT_ERR_BADPHANDLE);
}

static void test_acc_compatible(void **state)
{
	struct fixture *f = *state;
	const struct dt *dt = &f->dt;
	int a = P(dt, "/compat/a"), b = P(dt, "/compat/b");
	int c = P(dt, "/compat/c"), d = P(dt, "/compat/d"), e = P(dt, "/compat/e");

	assert_int_equal(dt_node_is_compatible(dt, a, "x,one"), 1);
	assert_int_equal(dt_node_is_compatible(dt, a, "x,two"), 1);
	assert_int_equal(dt_node_is_compatible(dt, a, "x,tw"), 0);
	assert_int_equal(dt_node_is_compatible(dt, a, "x,twox"), 0);
	assert_int_equal(dt_node_is_compatible(dt, a, "x,one\0x"), 1);
	/* the unterminated last string still matches, exactly */
	assert_int_equal(dt_node_is_compatible(dt, b, "x,one"), 1);
	assert_int_equal(dt_node_is_compatible(dt, b, "x,two"), 1);
	assert_int_equal(dt_node_is_compatible(dt, b, "x,tw"), 0);
	assert_int_equal(dt_node_is_compatible(dt, b, "x,two2"), 0);
	assert_int_equal(dt_node_is_compatible(dt, c, ""), 0);
	assert_int_equal(dt_node_is_compatible(dt, c, "x,one"), 0);
	assert_int_equal(dt_node_is_compatible(dt, d, "x,three"), 1);
	assert_int_equal(dt_node_is_compatible(dt, d, "x,one"), 1);
	assert_int_equal(dt_node_is_compatible(dt, e, "x,one"), 0);
	assert_int_equal(dt_node_is_compatible(dt, P(dt, "/values"), "x,one"), 0);
	assert_int_equal(dt_node_is_compatible(dt, 1, "x,one"), -DT_ERR_BADOFFSET);

	assert_int_equal(dt_find_compatible(dt, -1, "x,one"), a);
	assert_int_equal(dt_find_compatible(dt, a, "x,one"), b);
	assert_int_equal(dt_find_compatible(dt, b, "x,one"), d);
	assert_int_equal(dt_find_compatible(dt, d, "x,one"), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_find_compatible(dt, -1, "arm,primecell"),
			 P(dt, "/soc/uart@1000"));
}

static void test_acc_paths(void **state)
{
	struct fixture *f = *state;
	const struct dt *dt = &f->dt;
	int uart = P(dt, "/soc/uart@1000"), soc = P(dt, "/soc");

	assert_int_equal(dt_path_offset(dt, "/", 1), dt->root);
	assert_int_equal(dt_path_offset(dt, "//soc//uart", 11), uart);
	assert_int_equal(dt_path_offset(dt, "/soc/uart@100", 13), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_path_offset(dt, "/so", 3), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_path_offset(dt, "/soc/uart@1000/x", 16), -DT_ERR_NOTFOUND);
	/* "memory" takes the first node named memory@... */
	assert_int_equal(dt_path_offset(dt, "/memory", 7), P(dt, "/memory@80000000"));
	assert_int_equal(dt_path_offset(dt, "/memory@0", 9) > 0, 1);
	assert_int_equal(dt_path_offset(dt, "", 0), -DT_ERR_BADPATH);
	/* a component with a unit address must match the whole name */
	assert_int_equal(dt_path_offset(dt, "/odd@1", 6), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_path_offset(dt, "/odd", 4), P(dt, "/odd@1@2"));
	/* aliases */
	assert_int_equal(dt_path_offset(dt, "serial0", 7), uart);
	assert_int_equal(dt_path_offset(dt, "serial0/", 8), uart);
	assert_int_equal(dt_path_offset(dt, "soc0", 4), soc);
	assert_int_equal(dt_path_offset(dt, "soc0/uart", 9), uart);
	assert_int_equal(dt_path_offset(dt, "serial0:115200", 7), uart);
	assert_int_equal(dt_path_offset(dt, "serial1", 7), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_path_offset(dt, "bad", 3), -DT_ERR_BADVALUE);
	assert_int_equal(dt_path_offset(dt, "unterminated", 12), -DT_ERR_BADVALUE);
	assert_int_equal(dt_path_offset(dt, "dangling", 8), -DT_ERR_NOTFOUND);
	/* stdout-path with options; bootargs */
	assert_int_equal(dt_stdout_node(dt), uart);
	assert_string_equal(dt_bootargs(dt), "console=ttyAMA0 root=/dev/vda");
}

static void test_acc_irqs(void **state)
{
	struct fixture *f = *state;
	const struct dt *dt = &f->dt;
	struct gic_irq irq;
	int gic = P(dt, "/intc"), n = P(dt, "/irqs/ok");
	static const struct gic_irq want[5] = {
		{ 48, PLAT_IRQ_EDGE }, { 29, PLAT_IRQ_LEVEL }, { 1019, PLAT_IRQ_LEVEL },
		{ 31, PLAT_IRQ_EDGE }, { 30, PLAT_IRQ_LEVEL },
	};
	unsigned i;

	assert_int_equal(dt_interrupt_parent(dt, n), gic);
	assert_int_equal(dt_interrupt_parent(dt, P(dt, "/soc/uart")), gic);
	for (i = 0; i < 5; i++) {
		memset(&irq, 0xa5, sizeof(irq));
		assert_int_equal(irq_gic(dt, n, i, &irq), 0);
		assert_int_equal(irq.intid, want[i].intid);
		assert_int_equal(irq.flags, want[i].flags);
	}
	assert_int_equal(irq_gic(dt, n, 5, &irq), -DT_ERR_NOTFOUND);
	assert_int_equal(irq_gic(dt, P(dt, "/soc/uart"), 0, &irq), 0);
	assert_int_equal(irq.intid, 33);
	assert_int_equal(irq.flags, PLAT_IRQ_LEVEL);
	assert_int_equal(irq_gic(dt, P(dt, "/irqs/badspi"), 0, &irq), -DT_ERR_BADVALUE);
	assert_int_equal(irq_gic(dt, P(dt, "/irqs/badppi"), 0, &irq), -DT_ERR_BADVALUE);
	assert_int_equal(irq_gic(dt, P(dt, "/irqs/badtype"), 0, &irq), -DT_ERR_BADVALUE);
	assert_int_equal(irq_gic(dt, P(dt, "/irqs/notrigger"), 0, &irq), -DT_ERR_BADVALUE);
	assert_int_equal(irq_gic(dt, P(dt, "/irqs/bothedges"), 0, &irq), -DT_ERR_BADVALUE);
	assert_int_equal(irq_gic(dt, P(dt, "/irqs/shortcells"), 0, &irq), -DT_ERR_BADVALUE);
	/* a controller with #interrupt-cells 1 is not the GIC form */
	assert_int_equal(dt_interrupt_parent(dt, P(dt, "/irqs/other-ctrl")), P(dt, "/ic2"));
	assert_int_equal(irq_gic(dt, P(dt, "/irqs/other-ctrl"), 0, &irq), -DT_ERR_BADVALUE);
	/* the controller is the first with #interrupt-cells, whatever its
	 * size; the size is judged after */
	assert_int_equal(dt_interrupt_parent(dt, P(dt, "/irqs/badcells-ctrl")), P(dt, "/ic3"));
	assert_int_equal(irq_gic(dt, P(dt, "/irqs/badcells-ctrl"), 0, &irq), -DT_ERR_BADVALUE);
	assert_int_equal(irq_gic(dt, P(dt, "/irqs/dangling"), 0, &irq), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_interrupt_parent(dt, P(dt, "/irqs/loop-a")), -DT_ERR_DEPTH);
	assert_int_equal(irq_gic(dt, P(dt, "/irqs/loop-a"), 0, &irq), -DT_ERR_DEPTH);
	assert_int_equal(irq_gic(dt, P(dt, "/irqs/badparent"), 0, &irq), -DT_ERR_BADVALUE);
	assert_int_equal(irq_gic(dt, P(dt, "/irqs/nointerrupts"), 0, &irq), -DT_ERR_NOTFOUND);
}

static void test_acc_memory(void **state)
{
	struct fixture *f = *state;
	const struct dt *dt = &f->dt;
	struct dt_mem mem[3];

	memset(mem, 0, sizeof(mem));
	assert_int_equal(dt_memory(dt, mem, 3), 2);
	assert_int_equal(mem[0].base, 0x80000000u);
	assert_int_equal(mem[0].size, 0x1000000u);
	assert_int_equal(mem[1].base, 0xa0000000u);
	assert_int_equal(mem[1].size, 0x2000000u);
	memset(mem, 0, sizeof(mem));
	assert_int_equal(dt_memory(dt, mem, 1), -DT_ERR_NOSPACE);
	assert_int_equal(mem[0].base, 0x80000000u);
	assert_int_equal(mem[1].base, 0);
	assert_int_equal(dt_memory(dt, NULL, 0), -DT_ERR_NOSPACE);
}

/* Bad offsets and a dt that never opened: errors, never reads. */
static void test_acc_bad_offsets(void **state)
{
	struct fixture *f = *state;
	const struct dt *dt = &f->dt;
	static const int bad[] = { -1, -4, 1, 2, 3, 0x7ffffffc, INT32_MIN };
	int prop = dt_first_prop(dt, dt->root), len, i;
	struct dt zero;
	uint64_t a;
	const char *nm;

	assert_true(prop > 0);
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		assert_int_equal(dt_first_child(dt, bad[i]), -DT_ERR_BADOFFSET);
		assert_int_equal(dt_next_sibling(dt, bad[i]), -DT_ERR_BADOFFSET);
		assert_int_equal(dt_parent(dt, bad[i]), -DT_ERR_BADOFFSET);
		assert_null(dt_node_name(dt, bad[i], &len));
		assert_int_equal(len, -DT_ERR_BADOFFSET);
		assert_null(dt_getprop(dt, bad[i], "compatible", &len));
		assert_int_equal(len, -DT_ERR_BADOFFSET);
		assert_int_equal(dt_next_prop(dt, bad[i]), -DT_ERR_BADOFFSET);
		assert_null(dt_prop_by_offset(dt, bad[i], &nm, &len));
		assert_int_equal(len, -DT_ERR_BADOFFSET);
		if (bad[i] >= 0)
			assert_int_equal(dt_next_node(dt, bad[i], NULL), -DT_ERR_BADOFFSET);
	}
	/* a property offset is not a node, a node offset not a property */
	assert_int_equal(dt_first_child(dt, prop), -DT_ERR_BADOFFSET);
	assert_int_equal(dt_parent(dt, prop), -DT_ERR_BADOFFSET);
	assert_int_equal(dt_reg(dt, prop, 0, &a, NULL), -DT_ERR_BADOFFSET);
	assert_int_equal(dt_next_prop(dt, dt->root), -DT_ERR_BADOFFSET);
	assert_null(dt_prop_by_offset(dt, dt->root, &nm, &len));
	assert_int_equal(len, -DT_ERR_BADOFFSET);

	memset(&zero, 0, sizeof(zero));
	assert_true(dt_next_node(&zero, -1, NULL) < 0);
	assert_true(dt_path_offset(&zero, "/", 1) < 0);
	assert_true(dt_find_compatible(&zero, -1, "x") < 0);
	assert_true(dt_node_by_phandle(&zero, 1) < 0);
	assert_true(dt_memory(&zero, NULL, 0) < 0);
	assert_true(dt_stdout_node(&zero) < 0);
	assert_null(dt_bootargs(&zero));
	assert_true(dt_mem_rsv(&zero, 0, &a, &a) < 0);
	assert_int_equal(dt_open(&zero, NULL, 100), -DT_ERR_BADARG);
	assert_int_equal(dt_open(NULL, f->blob, f->size), -DT_ERR_BADARG);
}

/* stdout-path forms, each in a tree of its own. */
static uint8_t *chosen_blob(const char *prop, const char *value, bool aliases,
			    size_t *size)
{
	struct bb *b = bb_new();
	uint8_t *p;

	bb_begin(b, "");
	if (aliases) {
		bb_begin(b, "aliases");
		bb_prop_str(b, "serial0", "/uart@9000000");
		bb_end(b);
	}
	if (prop != NULL) {
		bb_begin(b, "chosen");
		bb_prop_str(b, prop, value);
		bb_end(b);
	}
	bb_begin(b, "uart@9000000");
	bb_end(b);
	bb_end(b);
	bb_finish(b);
	p = bb_blob(b, size);
	free(b);
	return p;
}

static void test_stdout_forms(void **state)
{
	static const struct {
		const char *prop, *value;
		bool aliases, found;
	} cases[] = {
		{ "stdout-path", "/uart@9000000", false, true },
		{ "stdout-path", "/uart@9000000:115200n8", false, true },
		{ "stdout-path", "/uart:115200n8", false, true },
		{ "stdout-path", "serial0:115200n8", true, true },
		{ "stdout-path", "serial0", true, true },
		{ "stdout-path", "serial0", false, false },
		{ "linux,stdout-path", "/uart@9000000", false, true },
		{ "stdout-path", "/nope", false, false },
		{ "stdout-path", ":115200", false, false },
		{ "bootargs", "x", false, false },
		{ NULL, NULL, false, false },
	};
	size_t i, size;
	uint8_t *b, *c;
	struct dt dt;
	int r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = chosen_blob(cases[i].prop, cases[i].value, cases[i].aliases, &size);
		c = exact_copy(b, size);
		assert_int_equal(dt_open(&dt, c, size), 0);
		r = dt_stdout_node(&dt);
		if (cases[i].found)
			assert_int_equal(r, dt_path_offset(&dt, "/uart@9000000", 13));
		else
			assert_true(r < 0);
		assert_int_equal(dt_bootargs(&dt) != NULL,
				 cases[i].prop && !strcmp(cases[i].prop, "bootargs"));
		oracle_check(b, size);
		free(c);
		free(b);
	}
}

/* A tree written with libfdt's sequential-write API reads the same. */
static void test_libfdt_written(void **state)
{
	size_t cap = 4096;
	uint8_t *buf = calloc(1, cap);
	struct dt dt;
	uint8_t *c;
	uint64_t a, s;
	int n;

	(void)state;
	assert_int_equal(fdt_create(buf, (int)cap), 0);
	assert_int_equal(fdt_add_reservemap_entry(buf, 0x1000, 0x2000), 0);
	assert_int_equal(fdt_add_reservemap_entry(buf, 0x48000000, 0x100000), 0);
	assert_int_equal(fdt_finish_reservemap(buf), 0);
	assert_int_equal(fdt_begin_node(buf, ""), 0);
	assert_int_equal(fdt_property_u32(buf, "#address-cells", 1), 0);
	assert_int_equal(fdt_property_u32(buf, "#size-cells", 1), 0);
	assert_int_equal(fdt_begin_node(buf, "virtio_mmio@a000000"), 0);
	assert_int_equal(fdt_property_string(buf, "compatible", "virtio,mmio"), 0);
	assert_int_equal(fdt_property_u32(buf, "reg", 0xa000000), 0);
	assert_int_equal(fdt_end_node(buf), 0);
	assert_int_equal(fdt_end_node(buf), 0);
	assert_int_equal(fdt_finish(buf), 0);

	c = exact_copy(buf, fdt_totalsize(buf));
	assert_int_equal(dt_open(&dt, c, fdt_totalsize(buf)), 0);
	assert_int_equal(dt_mem_rsv(&dt, 1, &a, &s), 0);
	assert_int_equal(a, 0x48000000);
	assert_int_equal(s, 0x100000);
	n = dt_find_compatible(&dt, -1, "virtio,mmio");
	assert_true(n > 0);
	/* reg of one cell under 1/1 cells: too short */
	assert_int_equal(dt_reg(&dt, n, 0, &a, &s), -DT_ERR_BADVALUE);
	oracle_check(buf, fdt_totalsize(buf));
	free(c);
	free(buf);
}

/*
 * Mutation sweep: each byte of a valid tree set to a few values.  Whatever
 * dt_open() accepts must be well-formed in libfdt's eyes too and read the
 * same; whatever it rejects must be rejected without an out-of-bounds read.
 */
static void test_mutations(void **state)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x09,
					0x2f, 0x40, 0x7f, 0xff };
	size_t size, i, k;
	uint8_t *b = broken_blob(BR_NONE, &size), *t;
	int accepted = 0, rejected = 0, r;
	struct dt dt;

	(void)state;
	for (i = 0; i < size; i++) {
		for (k = 0; k < sizeof(vals); k++) {
			if (b[i] == vals[k])
				continue;
			t = exact_copy(b, size);
			t[i] = vals[k];
			r = dt_open(&dt, t, size);
			if (r == 0) {
				accepted++;
				oracle_check(t, size);
			} else {
				assert_true(r < 0 && r >= -DT_ERR_MAX_);
				rejected++;
			}
			free(t);
		}
	}
	print_message("  mutations: %d accepted, %d rejected\n", accepted, rejected);
	assert_true(accepted > 0 && rejected > 0);
	free(b);
}

/* Every accessor on every node; results only need to be sane. */
/* dt_irq_spec_next gives every node's entries as dt_irq_spec(k) does for
 * k = 0, 1, ... (room for two cells, so a GIC's three are NOSPACE, which
 * moves the cursor on too), up to the first error other than NOSPACE. */
static void check_irq_next(const struct dt *dt, int node)
{
	uint32_t c1[2] = { 0, 0 }, c2[2] = { 0, 0 }, cursor = 0;
	int r1, r2, ctrl1 = -1, ctrl2 = -1, n1 = -1, n2 = -1;
	unsigned k;

	for (k = 0; k < 64; k++) {
		r1 = dt_irq_spec(dt, node, k, &ctrl1, c1, 2, &n1);
		r2 = dt_irq_spec_next(dt, node, &cursor, &ctrl2, c2, 2, &n2);
		assert_int_equal(r1, r2);
		if (r1 == 0 || r1 == -DT_ERR_NOSPACE)
			assert_int_equal(n1, n2);
		if (r1 == 0) {
			assert_int_equal(ctrl1, ctrl2);
			assert_memory_equal(c1, c2, sizeof(c1));
		}
		if (r1 < 0 && r1 != -DT_ERR_NOSPACE)
			break;
	}
	assert_int_equal(dt_irq_spec_next(dt, node, NULL, &ctrl2, c2, 2, &n2),
			 -DT_ERR_BADARG);
}

static void exercise(const struct dt *dt)
{
	int node, p, len, d = 0;
	unsigned i;
	uint64_t a, s;
	struct gic_irq irq;
	struct dt_mem mem[4];
	struct dt_rsv rsv[4];
	const char *nm;

	for (node = dt_next_node(dt, -1, &d); node >= 0;
	     node = dt_next_node(dt, node, &d)) {
		assert_true(d >= 0 && d < DT_MAX_DEPTH);
		assert_int_equal(dt_node_depth(dt, node), d);
		assert_non_null(dt_node_name(dt, node, &len));
		for (p = dt_first_prop(dt, node); p >= 0; p = dt_next_prop(dt, p))
			assert_non_null(dt_prop_by_offset(dt, p, &nm, &len));
		assert_int_equal(p, -DT_ERR_NOTFOUND);
		p = dt_parent(dt, node);
		assert_true(p >= 0 || (d == 0 && p == -DT_ERR_NOTFOUND));
		(void)dt_first_child(dt, node);
		(void)dt_next_sibling(dt, node);
		(void)dt_addr_cells(dt, node);
		(void)dt_size_cells(dt, node);
		for (i = 0; i < 3; i++) {
			uint32_t cells[2];
			int ctrl, n, r;

			(void)dt_reg(dt, node, i, &a, &s);
			(void)irq_gic(dt, node, i, &irq);
			r = dt_irq_spec(dt, node, i, &ctrl, cells, 2, &n);
			assert_true(r <= 0 && r >= -DT_ERR_MAX_);
			assert_true(r != 0 || (n >= 0 && n <= 2 && ctrl >= 0));
			assert_true(r != -DT_ERR_NOSPACE || n > 2);
			if (r == 0) {
				/* on through any interrupt nexus */
				r = dt_irq_map(dt, node, &ctrl, cells, 2, &n);
				assert_true(r <= 0 && r >= -DT_ERR_MAX_);
				assert_true(r != 0 || (n >= 0 && n <= 2 && ctrl >= 0));
				assert_true(r != -DT_ERR_NOSPACE || n > 2);
			}
			(void)dt_irq_spec(dt, node, i, &ctrl, NULL, 0, &n);
		}
		check_irq_next(dt, node);
		(void)dt_status_okay(dt, node);
		assert_true(!dt_available(dt, node) || dt_status_okay(dt, node));
		(void)dt_dma_coherent(dt, node);
		p = dt_dma_translated(dt, node, &len);
		assert_true(p == 0 || p == 1 || (p < 0 && p >= -DT_ERR_MAX_));
		assert_true(p != 0 || len == -1);
		(void)dt_node_is_compatible(dt, node, "x,one");
		(void)dt_prop_string(dt, node, "status");
	}
	assert_int_equal(node, -DT_ERR_NOTFOUND);
	(void)dt_memory(dt, mem, 4);
	(void)dt_reserved(dt, rsv, 4);
	(void)dt_stdout_node(dt);
	(void)dt_bootargs(dt);
	(void)dt_path_offset(dt, "serial0/x", 9);
	(void)dt_find_compatible(dt, -1, "arm,pl011");
}

/* The same sweep over the big hand-made tree, every byte set to 0x00, 0x01
 * and 0xff (header and struct block), only asking for sanity. */
static void test_mutations_accessor_tree(void **state)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0xff };
	size_t size, i, k;
	uint8_t *b = accessor_blob(&size), *t;
	int accepted = 0, r;
	struct dt dt;

	(void)state;
	for (i = 0; i < size; i++) {
		for (k = 0; k < sizeof(vals); k++) {
			if (b[i] == vals[k])
				continue;
			t = exact_copy(b, size);
			t[i] = vals[k];
			r = dt_open(&dt, t, size);
			if (r == 0) {
				accepted++;
				if (i % 48 == k) { /* exercise a sample: it is slow */
					struct dt plain = dt;
					struct dt_node_info *tab;

					exercise(&dt);
					/* and the same answers with an index */
					tab = index_exact(&dt);
					exercise(&dt);
					compare_index(&plain, &dt, 0,
						      (int)dt.size_struct, 4 * 11);
					free(tab);
				}
			}
			free(t);
		}
	}
	print_message("  mutations: %d of %zu accepted\n", accepted, 3 * size);
	assert_true(accepted > 0);
	free(b);
}

/* ---- Interrupt variations real boards and hypervisors produce ----------- */

/*
 * phandles of the interrupt tree below: two GICs (3 cells), controllers of
 * 0, 1, 2 and 5 cells, and a node that is no controller at all.
 */
enum { PH_GIC = 1, PH_GIC2 = 2, PH_IC1 = 3, PH_NOCELLS = 4, PH_IC2C = 5,
       PH_IC0 = 6, PH_NESTED = 7, PH_IC5 = 8 };

/*
 * A tree with every interrupt shape the board may meet: interrupts-extended
 * (alone, beside interrupts and interrupt-parent, several entries through
 * controllers of different sizes, broken), interrupt-parent inherited from
 * the nearest ancestor through buses, a parent that is itself the
 * controller, SPI 0 (kvmtool's first device), and virtio,mmio nodes under
 * parents of #address-cells 2 (the root) and 1 (a bus with ranges).
 */
static uint8_t *irq_blob(size_t *size)
{
	struct bb *b = bb_new();
	uint8_t *p;

	bb_begin(b, "");
	bb_cells(b, "#address-cells", 1, 2u);
	bb_cells(b, "#size-cells", 1, 2u);
	bb_prop_str(b, "compatible", "test,irqs");
	bb_cells(b, "interrupt-parent", 1, PH_GIC);

	bb_begin(b, "gic@8000000");
	bb_prop_str(b, "compatible", "arm,cortex-a15-gic");
	bb_prop_empty(b, "interrupt-controller");
	bb_cells(b, "#interrupt-cells", 1, 3u);
	bb_cells(b, "reg", 8, 0u, 0x8000000u, 0u, 0x10000u, 0u, 0x8010000u, 0u, 0x10000u);
	bb_cells(b, "phandle", 1, PH_GIC);
	bb_end(b);
	bb_begin(b, "gic2");
	bb_prop_empty(b, "interrupt-controller");
	bb_cells(b, "#interrupt-cells", 1, 3u);
	bb_cells(b, "phandle", 1, PH_GIC2);
	bb_end(b);
	bb_begin(b, "ic1");
	bb_prop_empty(b, "interrupt-controller");
	bb_cells(b, "#interrupt-cells", 1, 1u);
	bb_cells(b, "phandle", 1, PH_IC1);
	bb_end(b);
	bb_begin(b, "ic2c");
	bb_prop_empty(b, "interrupt-controller");
	bb_cells(b, "#interrupt-cells", 1, 2u);
	bb_cells(b, "phandle", 1, PH_IC2C);
	bb_end(b);
	bb_begin(b, "ic0");
	bb_prop_empty(b, "interrupt-controller");
	bb_cells(b, "#interrupt-cells", 1, 0u);
	bb_cells(b, "phandle", 1, PH_IC0);
	bb_end(b);
	bb_begin(b, "nocells");
	bb_cells(b, "phandle", 1, PH_NOCELLS);
	bb_end(b);
	/* more cells than IRQCHIP_MAX_CELLS */
	bb_begin(b, "ic5");
	bb_prop_empty(b, "interrupt-controller");
	bb_cells(b, "#interrupt-cells", 1, 5u);
	bb_cells(b, "phandle", 1, PH_IC5);
	bb_end(b);
	/* a wide entry first: stepped over by its size, refused for room */
	bb_begin(b, "ext-wide");
	bb_cells(b, "interrupts-extended", 10, PH_IC5, 1u, 2u, 3u, 4u, 5u,
		 PH_GIC, 0u, 9u, 4u);
	bb_end(b);
	bb_begin(b, "wide-plain");
	bb_cells(b, "interrupt-parent", 1, PH_IC5);
	bb_cells(b, "interrupts", 10, 1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u);
	bb_end(b);
	bb_begin(b, "wide-short");
	bb_cells(b, "interrupt-parent", 1, PH_IC5);
	bb_cells(b, "interrupts", 6, 1u, 2u, 3u, 4u, 5u, 6u);
	bb_end(b);
	bb_begin(b, "zero-plain");
	bb_cells(b, "interrupt-parent", 1, PH_IC0);
	bb_cells(b, "interrupts", 1, 1u);
	bb_end(b);
	bb_begin(b, "zero-empty");
	bb_cells(b, "interrupt-parent", 1, PH_IC0);
	bb_prop_empty(b, "interrupts");
	bb_end(b);

	/* QEMU's shape: a virtio node at the root, #address-cells 2 */
	bb_begin(b, "virtio_mmio@a003e00");
	bb_prop_str(b, "compatible", "virtio,mmio");
	bb_cells(b, "reg", 4, 0u, 0xa003e00u, 0u, 0x200u);
	bb_cells(b, "interrupts", 3, 0u, 47u, 1u);
	bb_prop_empty(b, "dma-coherent");
	bb_end(b);
	/* interrupts-extended alone, level */
	bb_begin(b, "ext-one");
	bb_cells(b, "interrupts-extended", 4, PH_GIC, 0u, 10u, 4u);
	bb_end(b);
	/* interrupts-extended wins over interrupts and interrupt-parent */
	bb_begin(b, "ext-prec");
	bb_cells(b, "interrupt-parent", 1, PH_IC1);
	bb_cells(b, "interrupts", 3, 0u, 99u, 4u);
	bb_cells(b, "interrupts-extended", 4, PH_GIC2, 0u, 11u, 1u);
	bb_end(b);
	/* ... even when it is broken: interrupts is not a fallback */
	bb_begin(b, "ext-broken-prec");
	bb_cells(b, "interrupts", 3, 0u, 12u, 4u);
	bb_cells(b, "interrupts-extended", 4, PH_GIC, 2u, 12u, 4u);
	bb_end(b);
	/* several entries, each sized by its own controller */
	bb_begin(b, "ext-multi");
	bb_cells(b, "interrupts-extended", 18, PH_IC1, 7u, PH_GIC, 1u, 13u, 8u,
		 PH_IC2C, 1u, 2u, PH_IC0, PH_GIC2, 0u, 20u, 2u, PH_GIC, 0u, 0u, 4u);
	bb_end(b);
	bb_begin(b, "ext-ppi-mask");
	bb_cells(b, "interrupts-extended", 4, PH_GIC, 1u, 14u, 0xf04u);
	bb_end(b);
	bb_begin(b, "ext-dangling");
	bb_cells(b, "interrupts-extended", 4, 0x99u, 0u, 1u, 4u);
	bb_end(b);
	bb_begin(b, "ext-phandle0");
	bb_cells(b, "interrupts-extended", 4, 0u, 0u, 1u, 4u);
	bb_end(b);
	bb_begin(b, "ext-nocells");
	bb_cells(b, "interrupts-extended", 4, PH_NOCELLS, 0u, 1u, 4u);
	bb_end(b);
	bb_begin(b, "ext-short");
	bb_cells(b, "interrupts-extended", 3, PH_GIC, 0u, 1u);
	bb_end(b);
	bb_begin(b, "ext-short-second");
	bb_cells(b, "interrupts-extended", 6, PH_GIC, 0u, 1u, 4u, PH_GIC, 0u);
	bb_end(b);
	bb_begin(b, "ext-odd");
	bb_prop(b, "interrupts-extended", "\0\0\0\1\0", 5);
	bb_end(b);
	bb_begin(b, "ext-empty");
	bb_prop_empty(b, "interrupts-extended");
	bb_end(b);
	bb_begin(b, "ext-notrigger");
	bb_cells(b, "interrupts-extended", 4, PH_GIC, 0u, 5u, 0u);
	bb_end(b);
	bb_begin(b, "ext-badspi");
	bb_cells(b, "interrupts-extended", 4, PH_GIC, 0u, 988u, 4u);
	bb_end(b);
	/* SPI 0 is INTID 32 */
	bb_begin(b, "spi0");
	bb_cells(b, "interrupts", 3, 0u, 0u, 4u);
	bb_end(b);
	bb_begin(b, "ppi0");
	bb_cells(b, "interrupts", 3, 1u, 0u, 4u);
	bb_end(b);
	bb_begin(b, "nointerrupts");
	bb_end(b);

	/* interrupt-parent inherited from the nearest ancestor: the outer
	 * bus routes to a 1-cell controller, the inner one to gic2; the
	 * inner bus has #address-cells 1 and maps child 0 to 0xa000000 */
	bb_begin(b, "outer");
	bb_prop_str(b, "compatible", "simple-bus");
	bb_cells(b, "#address-cells", 1, 2u);
	bb_cells(b, "#size-cells", 1, 2u);
	bb_prop_empty(b, "ranges");
	bb_cells(b, "interrupt-parent", 1, PH_IC1);
	bb_begin(b, "dev-outer");
	bb_cells(b, "interrupts", 1, 7u);
	bb_end(b);
	bb_begin(b, "inner");
	bb_prop_str(b, "compatible", "simple-bus");
	bb_cells(b, "#address-cells", 1, 1u);
	bb_cells(b, "#size-cells", 1, 1u);
	bb_cells(b, "ranges", 4, 0u, 0u, 0xa000000u, 0x4000u);
	bb_cells(b, "interrupt-parent", 1, PH_GIC2);
	bb_begin(b, "virtio_mmio@3800");
	bb_prop_str(b, "compatible", "virtio,mmio");
	bb_cells(b, "reg", 2, 0x3800u, 0x200u);
	bb_cells(b, "interrupts", 3, 0u, 44u, 4u);
	bb_end(b);
	bb_begin(b, "deeper");
	bb_begin(b, "dev-deep");
	bb_cells(b, "interrupts", 3, 0u, 45u, 8u);
	bb_end(b);
	bb_end(b);
	bb_begin(b, "dev-own");
	bb_cells(b, "interrupt-parent", 1, PH_GIC);
	bb_cells(b, "interrupts", 3, 0u, 46u, 2u);
	bb_end(b);
	bb_end(b); /* inner */
	bb_end(b); /* outer */

	/* a parent that is itself a controller takes its children's */
	bb_begin(b, "nested-ic");
	bb_prop_empty(b, "interrupt-controller");
	bb_cells(b, "#interrupt-cells", 1, 3u);
	bb_cells(b, "phandle", 1, PH_NESTED);
	bb_cells(b, "interrupts", 3, 0u, 3u, 4u); /* its own, to the root's */
	bb_begin(b, "child");
	bb_cells(b, "interrupts", 3, 0u, 6u, 1u);
	bb_end(b);
	bb_end(b);

	bb_end(b); /* root */
	bb_finish(b);
	p = bb_blob(b, size);
	free(b);
	return p;
}

static void irq_expect(const struct dt *dt, const char *path, unsigned idx,
		       int err, uint32_t intid, uint32_t flags)
{
	struct gic_irq irq = { 0xa5a5, 0xa5a5 };
	int r = irq_gic(dt, P(dt, path), idx, &irq);

	if (r != err)
		fail_msg("%s irq %u: %d (%s), want %d (%s)", path, idx, r,
			 dt_strerror(r), err, dt_strerror(err));
	if (err == 0) {
		assert_int_equal(irq.intid, intid);
		assert_int_equal(irq.flags, flags);
	} else { /* untouched */
		assert_int_equal(irq.intid, 0xa5a5);
		assert_int_equal(irq.flags, 0xa5a5);
	}
}

/* dt_irq_spec of one entry: err, or the controller at ctrl_path and n
 * cells (c[0..n-1]), read with room for maxcells. */
static void spec_expect(const struct dt *dt, const char *path, unsigned idx,
			int maxcells, int err, const char *ctrl_path, int n,
			const uint32_t *c)
{
	uint32_t cells[8];
	int ctrl = -7, nc = -7, r, i;

	memset(cells, 0xa5, sizeof(cells));
	r = dt_irq_spec(dt, P(dt, path), idx, &ctrl, cells, maxcells, &nc);
	if (r != err)
		fail_msg("%s irq %u: %d (%s), want %d (%s)", path, idx, r,
			 dt_strerror(r), err, dt_strerror(err));
	if (err == -DT_ERR_NOSPACE) {
		assert_int_equal(nc, n);
		assert_int_equal(ctrl, -7);
	} else if (err == 0) {
		assert_int_equal(ctrl, P(dt, ctrl_path));
		assert_int_equal(nc, n);
		for (i = 0; i < n; i++)
			assert_int_equal(cells[i], c[i]);
	} else {
		assert_int_equal(ctrl, -7);
		assert_int_equal(nc, -7);
	}
	for (i = err == 0 ? n : 0; i < 8; i++) /* nothing past the entry */
		assert_int_equal(cells[i], 0xa5a5a5a5u);
}

static void check_irq_specs(const struct dt *dt)
{
	static const uint32_t c7[] = { 7 }, c12[] = { 1, 2 },
			      gic_ppi13[] = { 1, 13, 8 }, c5[] = { 1, 2, 3, 4, 5 },
			      c5b[] = { 6, 7, 8, 9, 10 }, spi9[] = { 0, 9, 4 },
			      qemu[] = { 0, 47, 1 }, own[] = { 0, 3, 4 };

	/* every controller size, raw, in interrupts-extended */
	spec_expect(dt, "/ext-multi", 0, 4, 0, "/ic1", 1, c7);
	spec_expect(dt, "/ext-multi", 1, 4, 0, "/gic@8000000", 3, gic_ppi13);
	spec_expect(dt, "/ext-multi", 2, 4, 0, "/ic2c", 2, c12);
	spec_expect(dt, "/ext-multi", 3, 4, 0, "/ic0", 0, NULL);
	spec_expect(dt, "/ext-multi", 3, 0, 0, "/ic0", 0, NULL);
	spec_expect(dt, "/ext-multi", 6, 4, -DT_ERR_NOTFOUND, NULL, 0, NULL);
	/* room for exactly the entry, and one cell short */
	spec_expect(dt, "/ext-multi", 1, 3, 0, "/gic@8000000", 3, gic_ppi13);
	spec_expect(dt, "/ext-multi", 1, 2, -DT_ERR_NOSPACE, NULL, 3, NULL);
	spec_expect(dt, "/ext-multi", 0, 0, -DT_ERR_NOSPACE, NULL, 1, NULL);
	/* wider than the drivers decode: refused for room, stepped over */
	spec_expect(dt, "/ext-wide", 0, 4, -DT_ERR_NOSPACE, NULL, 5, NULL);
	spec_expect(dt, "/ext-wide", 0, 5, 0, "/ic5", 5, c5);
	spec_expect(dt, "/ext-wide", 1, 4, 0, "/gic@8000000", 3, spi9);
	spec_expect(dt, "/ext-wide", 1, 0, -DT_ERR_NOSPACE, NULL, 3, NULL);
	spec_expect(dt, "/ext-wide", 2, 4, -DT_ERR_NOTFOUND, NULL, 0, NULL);
	/* "interrupts" sized by its (inherited) parent */
	spec_expect(dt, "/wide-plain", 0, 8, 0, "/ic5", 5, c5);
	spec_expect(dt, "/wide-plain", 1, 5, 0, "/ic5", 5, c5b);
	spec_expect(dt, "/wide-plain", 1, 4, -DT_ERR_NOSPACE, NULL, 5, NULL);
	spec_expect(dt, "/wide-plain", 2, 5, -DT_ERR_NOTFOUND, NULL, 0, NULL);
	spec_expect(dt, "/wide-short", 0, 5, -DT_ERR_BADVALUE, NULL, 0, NULL);
	spec_expect(dt, "/zero-plain", 0, 4, -DT_ERR_BADVALUE, NULL, 0, NULL);
	spec_expect(dt, "/zero-empty", 0, 4, -DT_ERR_BADVALUE, NULL, 0, NULL);
	spec_expect(dt, "/outer/dev-outer", 0, 4, 0, "/ic1", 1, c7);
	spec_expect(dt, "/virtio_mmio@a003e00", 0, 4, 0, "/gic@8000000", 3, qemu);
	spec_expect(dt, "/nested-ic", 0, 4, 0, "/gic@8000000", 3, own);
	/* the reader's own errors (not the decode's) */
	spec_expect(dt, "/ext-dangling", 0, 4, -DT_ERR_NOTFOUND, NULL, 0, NULL);
	spec_expect(dt, "/ext-phandle0", 0, 4, -DT_ERR_BADPHANDLE, NULL, 0, NULL);
	spec_expect(dt, "/ext-nocells", 0, 4, -DT_ERR_BADVALUE, NULL, 0, NULL);
	spec_expect(dt, "/ext-short", 0, 4, -DT_ERR_BADVALUE, NULL, 0, NULL);
	spec_expect(dt, "/ext-odd", 0, 4, -DT_ERR_BADVALUE, NULL, 0, NULL);
	spec_expect(dt, "/ext-empty", 0, 4, -DT_ERR_NOTFOUND, NULL, 0, NULL);
	spec_expect(dt, "/ext-broken-prec", 0, 4, 0, "/gic@8000000", 3,
		    (const uint32_t[]){ 2, 12, 4 });
	spec_expect(dt, "/nointerrupts", 0, 4, -DT_ERR_NOTFOUND, NULL, 0, NULL);
}

static void check_irq_tree(const struct dt *dt)
{
	uint64_t a, sz;
	int gic = P(dt, "/gic@8000000"), gic2 = P(dt, "/gic2");

	/* QEMU's form, inherited from the root */
	assert_int_equal(dt_interrupt_parent(dt, P(dt, "/virtio_mmio@a003e00")), gic);
	irq_expect(dt, "/virtio_mmio@a003e00", 0, 0, 79, PLAT_IRQ_EDGE);
	irq_expect(dt, "/virtio_mmio@a003e00", 1, -DT_ERR_NOTFOUND, 0, 0);
	/* interrupts-extended */
	irq_expect(dt, "/ext-one", 0, 0, 42, PLAT_IRQ_LEVEL);
	irq_expect(dt, "/ext-one", 1, -DT_ERR_NOTFOUND, 0, 0);
	irq_expect(dt, "/ext-prec", 0, 0, 43, PLAT_IRQ_EDGE);
	irq_expect(dt, "/ext-prec", 1, -DT_ERR_NOTFOUND, 0, 0);
	irq_expect(dt, "/ext-broken-prec", 0, -DT_ERR_BADVALUE, 0, 0);
	irq_expect(dt, "/ext-multi", 0, -DT_ERR_BADVALUE, 0, 0); /* 1-cell controller */
	irq_expect(dt, "/ext-multi", 1, 0, 29, PLAT_IRQ_LEVEL);
	irq_expect(dt, "/ext-multi", 2, -DT_ERR_BADVALUE, 0, 0); /* 2 cells */
	irq_expect(dt, "/ext-multi", 3, -DT_ERR_BADVALUE, 0, 0); /* 0 cells */
	irq_expect(dt, "/ext-multi", 4, 0, 52, PLAT_IRQ_EDGE);
	irq_expect(dt, "/ext-multi", 5, 0, 32, PLAT_IRQ_LEVEL);
	irq_expect(dt, "/ext-multi", 6, -DT_ERR_NOTFOUND, 0, 0);
	irq_expect(dt, "/ext-ppi-mask", 0, 0, 30, PLAT_IRQ_LEVEL);
	irq_expect(dt, "/ext-dangling", 0, -DT_ERR_NOTFOUND, 0, 0);
	irq_expect(dt, "/ext-phandle0", 0, -DT_ERR_BADPHANDLE, 0, 0);
	irq_expect(dt, "/ext-nocells", 0, -DT_ERR_BADVALUE, 0, 0);
	irq_expect(dt, "/ext-short", 0, -DT_ERR_BADVALUE, 0, 0);
	irq_expect(dt, "/ext-short-second", 0, 0, 33, PLAT_IRQ_LEVEL);
	irq_expect(dt, "/ext-short-second", 1, -DT_ERR_BADVALUE, 0, 0);
	irq_expect(dt, "/ext-odd", 0, -DT_ERR_BADVALUE, 0, 0);
	irq_expect(dt, "/ext-empty", 0, -DT_ERR_NOTFOUND, 0, 0);
	irq_expect(dt, "/ext-notrigger", 0, -DT_ERR_BADVALUE, 0, 0);
	irq_expect(dt, "/ext-badspi", 0, -DT_ERR_BADVALUE, 0, 0);
	/* SPI 0 is a real interrupt; PPI 0 decodes (the board refuses it
	 * for a virtio node, not the reader) */
	irq_expect(dt, "/spi0", 0, 0, 32, PLAT_IRQ_LEVEL);
	irq_expect(dt, "/ppi0", 0, 0, 16, PLAT_IRQ_LEVEL);
	irq_expect(dt, "/nointerrupts", 0, -DT_ERR_NOTFOUND, 0, 0);

	/* inherited from the nearest ancestor that says */
	assert_int_equal(dt_interrupt_parent(dt, P(dt, "/outer/dev-outer")), P(dt, "/ic1"));
	irq_expect(dt, "/outer/dev-outer", 0, -DT_ERR_BADVALUE, 0, 0);
	assert_int_equal(dt_interrupt_parent(dt, P(dt, "/outer/inner/virtio_mmio@3800")), gic2);
	irq_expect(dt, "/outer/inner/virtio_mmio@3800", 0, 0, 76, PLAT_IRQ_LEVEL);
	assert_int_equal(dt_interrupt_parent(dt, P(dt, "/outer/inner/deeper/dev-deep")), gic2);
	irq_expect(dt, "/outer/inner/deeper/dev-deep", 0, 0, 77, PLAT_IRQ_LEVEL);
	assert_int_equal(dt_interrupt_parent(dt, P(dt, "/outer/inner/dev-own")), gic);
	irq_expect(dt, "/outer/inner/dev-own", 0, 0, 78, PLAT_IRQ_EDGE);
	assert_int_equal(dt_interrupt_parent(dt, P(dt, "/outer/inner")), P(dt, "/gic2"));
	/* the tree parent that is a controller */
	assert_int_equal(dt_interrupt_parent(dt, P(dt, "/nested-ic/child")), P(dt, "/nested-ic"));
	irq_expect(dt, "/nested-ic/child", 0, 0, 38, PLAT_IRQ_EDGE);
	assert_int_equal(dt_interrupt_parent(dt, P(dt, "/nested-ic")), gic);
	irq_expect(dt, "/nested-ic", 0, 0, 35, PLAT_IRQ_LEVEL);

	/* #address-cells 2 (root) and 1 (inner bus, through its ranges) */
	assert_int_equal(dt_addr_cells(dt, dt->root), 2);
	assert_int_equal(dt_reg(dt, P(dt, "/virtio_mmio@a003e00"), 0, &a, &sz), 0);
	assert_int_equal(a, 0xa003e00u);
	assert_int_equal(sz, 0x200u);
	assert_int_equal(dt_addr_cells(dt, P(dt, "/outer/inner")), 1);
	assert_int_equal(dt_size_cells(dt, P(dt, "/outer/inner")), 1);
	assert_int_equal(dt_reg_raw(dt, P(dt, "/outer/inner/virtio_mmio@3800"), 0, &a, &sz), 0);
	assert_int_equal(a, 0x3800u);
	assert_int_equal(dt_reg(dt, P(dt, "/outer/inner/virtio_mmio@3800"), 0, &a, &sz), 0);
	assert_int_equal(a, 0xa003800u);
	assert_int_equal(sz, 0x200u);
	assert_false(dt_dma_coherent(dt, P(dt, "/outer/inner/virtio_mmio@3800")));
	assert_true(dt_dma_coherent(dt, P(dt, "/virtio_mmio@a003e00")));
}

/* The interrupt tree: every answer as documented, without and with an
 * index; the whole tree through the libfdt oracle (whose independent
 * interrupt reading must agree at every node); every byte mutated. */
static void test_irq_variants(void **state)
{
	size_t size;
	uint8_t *blob = irq_blob(&size), *c = exact_copy(blob, size);
	struct dt dt;
	struct dt_node_info *tab;
	struct oracle_stats st;

	(void)state;
	assert_int_equal(dt_open(&dt, c, size), 0);
	check_irq_tree(&dt);
	check_irq_specs(&dt);
	exercise(&dt); /* check_irq_next on every node */
	tab = index_exact(&dt);
	check_irq_tree(&dt);
	check_irq_specs(&dt);
	exercise(&dt);
	free(tab);
	st = oracle_check(blob, size);
	/* the GIC-decodable entries 0-4 above, and /ext-wide's second */
	assert_int_equal(st.irqs, 15);
	free(c);
	free(blob);
}

/* Every byte of the interrupt tree set to 0x00, 0x01, 0x03 and 0xff: what
 * opens must be read in bounds, and the same with and without an index. */
static void test_irq_mutations(void **state)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x03, 0xff };
	size_t size, i, k;
	uint8_t *b = irq_blob(&size), *t;
	int accepted = 0;
	struct dt dt;

	(void)state;
	for (i = 0; i < size; i++) {
		for (k = 0; k < sizeof(vals); k++) {
			if (b[i] == vals[k])
				continue;
			t = exact_copy(b, size);
			t[i] = vals[k];
			if (dt_open(&dt, t, size) == 0) {
				accepted++;
				exercise(&dt);
				if (i % 16 == k) {
					struct dt plain = dt;
					struct dt_node_info *tab = index_exact(&dt);

					compare_index(&plain, &dt, 0, (int)dt.size_struct, 4 * 7);
					free(tab);
				}
				if (fdt_check_full(t, size) == 0 && i % 8 == k)
					oracle_check(t, size);
			}
			free(t);
		}
	}
	print_message("  mutations: %d of %zu accepted\n", accepted, 4 * size);
	assert_true(accepted > 0);
	free(b);
}

/* ---- Many "reg" entries ------------------------------------------------------ */

/* A hostile tree: `nodes` empty nodes (too many for a board's index), then
 * a memory node and a /reserved-memory child whose "reg" has `entries`
 * entries, every one empty but the last.  dt_memory and dt_reserved must
 * read each "reg" in one pass: entry by entry through dt_reg, each entry
 * cost a walk from the root to find the node's parent (entries x nodes:
 * 30,000 x 30,000 here, about ten seconds natively and minutes on an
 * emulated CPU at boot, for each of the two; a 2 MiB blob can hold more).
 * The bound is generous for a sanitized build on a busy machine. */
static void test_reg_many_entries(void **state)
{
	enum { NODES = 30000, ENTRIES = 30000 };
	size_t size = 16u * NODES + 16u * ENTRIES + 65536;
	void *fdt = malloc(size);
	fdt32_t *reg = calloc(ENTRIES, 8);
	struct dt_mem mem[4];
	struct dt_rsv rsv[4];
	struct dt dt;
	clock_t t0;
	double secs;
	int i, n;

	(void)state;
	assert_non_null(fdt);
	assert_non_null(reg);
	reg[2 * ENTRIES - 2] = cpu_to_fdt32(0x40000000u);
	reg[2 * ENTRIES - 1] = cpu_to_fdt32(0x1000000u);
	assert_int_equal(fdt_create(fdt, (int)size), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	assert_int_equal(fdt_property_u32(fdt, "#address-cells", 1), 0);
	assert_int_equal(fdt_property_u32(fdt, "#size-cells", 1), 0);
	for (i = 0; i < NODES; i++) {
		assert_int_equal(fdt_begin_node(fdt, "n"), 0);
		assert_int_equal(fdt_end_node(fdt), 0);
	}
	assert_int_equal(fdt_begin_node(fdt, "memory@0"), 0);
	assert_int_equal(fdt_property_string(fdt, "device_type", "memory"), 0);
	assert_int_equal(fdt_property(fdt, "reg", reg, 8 * ENTRIES), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, "reserved-memory"), 0);
	assert_int_equal(fdt_property_u32(fdt, "#address-cells", 1), 0);
	assert_int_equal(fdt_property_u32(fdt, "#size-cells", 1), 0);
	assert_int_equal(fdt_property(fdt, "ranges", NULL, 0), 0);
	assert_int_equal(fdt_begin_node(fdt, "r"), 0);
	assert_int_equal(fdt_property(fdt, "reg", reg, 8 * ENTRIES), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
	assert_int_equal(dt_open(&dt, fdt, fdt_totalsize(fdt)), 0);

	t0 = clock();
	n = dt_memory(&dt, mem, 4);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	print_message("  dt_memory: %.3f s\n", secs);
	assert_int_equal(n, 1);
	assert_true(mem[0].base == 0x40000000u && mem[0].size == 0x1000000u);
	assert_true(secs < 3.0);
	t0 = clock();
	n = dt_reserved(&dt, rsv, 4);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	print_message("  dt_reserved: %.3f s\n", secs);
	assert_int_equal(n, 1);
	assert_true(rsv[0].base == 0x40000000u && rsv[0].size == 0x1000000u &&
		    rsv[0].kind == DT_RSV_NODE);
	assert_true(secs < 3.0);
	free(reg);
	free(fdt);
}

/* A hostile /cpus: 40,000 CPU nodes (too many for a board's index), the one
 * sought last or absent.  dt_cpu_node reads each CPU's reg with /cpus's
 * cells read once: through dt_reg_raw, each CPU cost a walk from the root
 * to find its parent (40,000 x 40,000 node visits: tens of seconds
 * natively, and the RISC-V boot asks twice, for the ISA string and for
 * the PLIC's hart).  The bound is generous for a sanitized build. */
static void test_cpu_node_many(void **state)
{
	enum { CPUS = 40000 };
	size_t size = 64u * CPUS + 65536;
	void *fdt = malloc(size);
	char name[24];
	struct dt dt;
	clock_t t0;
	double secs;
	int i, last = -1, r;

	(void)state;
	assert_non_null(fdt);
	assert_int_equal(fdt_create(fdt, (int)size), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	assert_int_equal(fdt_begin_node(fdt, "cpus"), 0);
	assert_int_equal(fdt_property_u32(fdt, "#address-cells", 1), 0);
	assert_int_equal(fdt_property_u32(fdt, "#size-cells", 0), 0);
	for (i = 0; i < CPUS; i++) {
		snprintf(name, sizeof(name), "cpu@%x", i);
		assert_int_equal(fdt_begin_node(fdt, name), 0);
		assert_int_equal(fdt_property_string(fdt, "device_type", "cpu"), 0);
		assert_int_equal(fdt_property_u32(fdt, "reg", (uint32_t)i), 0);
		assert_int_equal(fdt_end_node(fdt), 0);
	}
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
	assert_int_equal(dt_open(&dt, fdt, fdt_totalsize(fdt)), 0);
	last = fdt_path_offset(fdt, "/cpus/cpu@9c3f");
	assert_true(last >= 0);

	t0 = clock();
	r = dt_cpu_node(&dt, CPUS - 1);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	print_message("  dt_cpu_node: %.3f s\n", secs);
	assert_int_equal(r, last);
	assert_true(secs < 3.0);
	t0 = clock();
	assert_int_equal(dt_cpu_node(&dt, CPUS), -DT_ERR_NOTFOUND);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_true(secs < 3.0);
	free(fdt);
}

/* ---- dt_available ------------------------------------------------------------ */

/* / { bus-off { status = "disabled"; a { status = "okay"; b { }; }; };
 *     bus-on { c { }; d { status = "fail"; e { }; }; }; } */
static void check_available(const struct dt *dt)
{
	assert_true(dt_available(dt, dt->root));
	assert_false(dt_available(dt, P(dt, "/bus-off")));
	assert_false(dt_available(dt, P(dt, "/bus-off/a")));
	assert_false(dt_available(dt, P(dt, "/bus-off/a/b")));
	assert_true(dt_available(dt, P(dt, "/bus-on")));
	assert_true(dt_available(dt, P(dt, "/bus-on/c")));
	assert_false(dt_available(dt, P(dt, "/bus-on/d")));
	assert_false(dt_available(dt, P(dt, "/bus-on/d/e")));
	/* its own status alone says okay for these */
	assert_true(dt_status_okay(dt, P(dt, "/bus-off/a")));
	assert_true(dt_status_okay(dt, P(dt, "/bus-on/d/e")));
	assert_false(dt_available(dt, 4)); /* not a node */
	assert_false(dt_available(dt, -1));
	assert_false(dt_available(NULL, 0));
}

static void test_available(void **state)
{
	struct bb *b = bb_new();
	struct dt dt;
	struct dt_node_info *tab;
	uint8_t *blob;
	size_t size;

	(void)state;
	bb_begin(b, "");
	bb_begin(b, "bus-off");
	bb_prop_str(b, "status", "disabled");
	bb_begin(b, "a");
	bb_prop_str(b, "status", "okay");
	bb_begin(b, "b");
	bb_end(b);
	bb_end(b);
	bb_end(b);
	bb_begin(b, "bus-on");
	bb_begin(b, "c");
	bb_end(b);
	bb_begin(b, "d");
	bb_prop_str(b, "status", "fail");
	bb_begin(b, "e");
	bb_end(b);
	bb_end(b);
	bb_end(b);
	bb_end(b);
	bb_finish(b);
	blob = bb_blob(b, &size);
	free(b);
	assert_int_equal(dt_open(&dt, blob, size), 0);
	check_available(&dt);
	tab = index_exact(&dt);
	check_available(&dt);
	free(tab);
	free(blob);
}

/* The root's status is asked only of the root: it is no bus that disables
 * its children (Linux populates from them and never reads it), with or
 * without the node index. */
static void test_available_root(void **state)
{
	struct bb *b = bb_new();
	struct dt dt;
	struct dt_node_info *tab;
	uint8_t *blob;
	size_t size;

	(void)state;
	bb_begin(b, "");
	bb_prop_str(b, "status", "disabled");
	bb_begin(b, "dev");
	bb_end(b);
	bb_begin(b, "bus");
	bb_prop_str(b, "status", "disabled");
	bb_begin(b, "dev");
	bb_end(b);
	bb_end(b);
	bb_end(b);
	bb_finish(b);
	blob = bb_blob(b, &size);
	free(b);
	assert_int_equal(dt_open(&dt, blob, size), 0);
	for (int pass = 0; pass < 2; pass++) {
		tab = pass ? index_exact(&dt) : NULL;
		assert_false(dt_available(&dt, dt.root));
		assert_true(dt_available(&dt, P(&dt, "/dev")));
		assert_false(dt_available(&dt, P(&dt, "/bus/dev")));
		free(tab);
	}
	free(blob);
}

/* ---- Interrupt nexus nodes (dt_irq_map) ----------------------------------- */

/* Phandles of map_blob's nodes. */
enum { MPH_GIC = 1, MPH_GIC_OFF, MPH_PIC, MPH_BUSA, MPH_BUSB, MPH_L1, MPH_L2, MPH_PIC2,
       MPH_PLAIN, MPH_BUSC };

static void map_nexus(struct bb *b, uint32_t ac, uint32_t ph)
{
	bb_cells(b, "#address-cells", 1, ac);
	bb_cells(b, "#interrupt-cells", 1, 1u);
	bb_cells(b, "phandle", 1, ph);
}

/*
 * Interrupt nexus nodes (spec 2.4.3) of every shape dt_irq_map reads: a
 * bus whose map is keyed by its children's unit address and line, behind a
 * mask; maps to controllers of 3 and 1 cells, to a disabled controller, to
 * another nexus, to the nexus itself; a nexus without a mask, with a child
 * that has no "reg"; two nexus nodes that map to each other; a map that
 * names a new parent at every entry; broken maps.
 */
static uint8_t *map_blob(size_t *size)
{
	struct bb *b = bb_new();
	uint8_t *blob;
	uint32_t alt[40 * 3];
	int i;

	bb_begin(b, "");
	bb_cells(b, "#address-cells", 1, 1u);
	bb_cells(b, "#size-cells", 1, 1u);

	bb_begin(b, "gic@1000");
	bb_cells(b, "#interrupt-cells", 1, 3u);
	bb_prop_empty(b, "interrupt-controller");
	bb_cells(b, "reg", 2, 0x1000u, 0x1000u);
	bb_cells(b, "phandle", 1, (uint32_t)MPH_GIC);
	bb_end(b);
	bb_begin(b, "gic@2000");
	bb_cells(b, "#interrupt-cells", 1, 3u);
	bb_cells(b, "#address-cells", 1, 0u);
	bb_prop_empty(b, "interrupt-controller");
	bb_prop_str(b, "status", "disabled");
	bb_cells(b, "phandle", 1, (uint32_t)MPH_GIC_OFF);
	bb_end(b);
	bb_begin(b, "pic@3000");
	bb_cells(b, "#interrupt-cells", 1, 1u);
	bb_prop_empty(b, "interrupt-controller");
	bb_cells(b, "phandle", 1, (uint32_t)MPH_PIC);
	bb_end(b);
	bb_begin(b, "pic@4000");
	bb_cells(b, "#interrupt-cells", 1, 1u);
	bb_prop_empty(b, "interrupt-controller");
	bb_cells(b, "phandle", 1, (uint32_t)MPH_PIC2);
	bb_end(b);
	bb_begin(b, "plain");
	bb_cells(b, "phandle", 1, (uint32_t)MPH_PLAIN);
	bb_end(b);

	/* A: key = unit address & 0xff00, line & 7 */
	bb_begin(b, "bus@10000");
	map_nexus(b, 1, MPH_BUSA);
	bb_cells(b, "#size-cells", 1, 1u);
	bb_prop_empty(b, "ranges");
	bb_cells(b, "interrupt-map-mask", 2, 0xff00u, 7u);
	bb_cells(b, "interrupt-map", 32,
		  0x100u, 1u, (uint32_t)MPH_GIC, 0u, 5u, 4u,
		  0x100u, 2u, (uint32_t)MPH_GIC_OFF, 0u, 6u, 4u,
		  0x100u, 2u, (uint32_t)MPH_GIC, 0u, 7u, 1u,
		  0x200u, 1u, (uint32_t)MPH_PIC, 9u,
		  0x300u, 1u, (uint32_t)MPH_BUSB, 0x40u, 3u,
		  0x400u, 1u, (uint32_t)MPH_BUSA, 0u, 2u);
	bb_begin(b, "dev@100");
	bb_cells(b, "reg", 2, 0x100u, 0x10u);
	bb_cells(b, "interrupts", 3, 1u, 2u, 3u);
	bb_end(b);
	bb_begin(b, "dev@1ff");
	bb_cells(b, "reg", 2, 0x1ffu, 0x10u);
	bb_cells(b, "interrupts", 1, 9u); /* 9 & 7: line 1 */
	bb_end(b);
	bb_begin(b, "dev@200");
	bb_cells(b, "reg", 2, 0x200u, 0x10u);
	bb_cells(b, "interrupts", 1, 1u);
	bb_end(b);
	bb_begin(b, "dev@300");
	bb_cells(b, "reg", 2, 0x300u, 0x10u);
	bb_cells(b, "interrupts", 1, 1u);
	bb_end(b);
	bb_begin(b, "dev@400");
	bb_cells(b, "reg", 2, 0x400u, 0x10u);
	bb_cells(b, "interrupts", 1, 1u);
	bb_end(b);
	bb_begin(b, "dev@500");
	bb_cells(b, "reg", 2, 0x500u, 0x10u);
	bb_cells(b, "interrupts", 1, 1u);
	bb_end(b);
	bb_end(b);

	/* B: reached from A with a one-cell unit address; no mask */
	bb_begin(b, "bus-b");
	map_nexus(b, 1, MPH_BUSB);
	bb_cells(b, "interrupt-map", 12,
		  0x41u, 3u, (uint32_t)MPH_GIC, 0u, 9u, 4u,
		  0x40u, 3u, (uint32_t)MPH_GIC, 0u, 8u, 4u);
	bb_end(b);
	/* C: a child without "reg" has unit address 0 */
	bb_begin(b, "bus-c");
	map_nexus(b, 1, MPH_BUSC);
	bb_cells(b, "interrupt-map", 6, 0u, 4u, (uint32_t)MPH_GIC, 0u, 10u, 4u);
	bb_begin(b, "noreg");
	bb_cells(b, "interrupts", 1, 4u);
	bb_end(b);
	bb_end(b);
	/* L1 and L2 map to each other */
	bb_begin(b, "loop1");
	map_nexus(b, 0, MPH_L1);
	bb_cells(b, "interrupt-map", 3, 1u, (uint32_t)MPH_L2, 1u);
	bb_end(b);
	bb_begin(b, "loop2");
	map_nexus(b, 0, MPH_L2);
	bb_cells(b, "interrupt-map", 3, 1u, (uint32_t)MPH_L1, 1u);
	bb_end(b);
	/* 40 entries, the parent changing at each, none matching line 99 */
	for (i = 0; i < 40; i++) {
		put_be32((uint8_t *)&alt[3 * i], (uint32_t)i);
		put_be32((uint8_t *)&alt[3 * i + 1], i % 2 ? MPH_PIC : MPH_PIC2);
		put_be32((uint8_t *)&alt[3 * i + 2], (uint32_t)i);
	}
	bb_begin(b, "alternating");
	map_nexus(b, 0, 20);
	bb_prop(b, "interrupt-map", alt, sizeof(alt));
	bb_end(b);
	/* broken maps, all behind nexus nodes of #address-cells 0 */
	bb_begin(b, "cut");
	map_nexus(b, 0, 21);
	bb_cells(b, "interrupt-map", 4, 1u, (uint32_t)MPH_GIC, 0u, 5u);
	bb_end(b);
	bb_begin(b, "badmask");
	map_nexus(b, 0, 22);
	bb_cells(b, "interrupt-map-mask", 2, 0u, 7u);
	bb_cells(b, "interrupt-map", 5, 1u, (uint32_t)MPH_GIC, 0u, 5u, 4u);
	bb_end(b);
	bb_begin(b, "toplain");
	map_nexus(b, 0, 23);
	bb_cells(b, "interrupt-map", 3, 1u, (uint32_t)MPH_PLAIN, 5u);
	bb_end(b);
	bb_begin(b, "tozero");
	map_nexus(b, 0, 24);
	bb_cells(b, "interrupt-map", 3, 1u, 0u, 5u);
	bb_end(b);
	bb_begin(b, "tonone");
	map_nexus(b, 0, 25);
	bb_cells(b, "interrupt-map", 3, 1u, 77u, 5u);
	bb_end(b);
	/* a controller with a map too: a controller */
	bb_begin(b, "both");
	map_nexus(b, 0, 26);
	bb_prop_empty(b, "interrupt-controller");
	bb_cells(b, "interrupt-map", 5, 1u, (uint32_t)MPH_GIC, 0u, 5u, 4u);
	bb_end(b);

	/* devices that name the nexus nodes above */
	bb_begin(b, "users");
	bb_cells(b, "#address-cells", 1, 1u);
	bb_cells(b, "#size-cells", 1, 0u);
	bb_cells(b, "interrupts-extended", 22,
		  (uint32_t)MPH_L1, 1u, 20u, 99u, 21u, 1u, 22u, 1u, 23u, 1u,
		  24u, 1u, 25u, 1u, 26u, 1u, (uint32_t)MPH_GIC, 0u, 3u, 4u,
		  (uint32_t)MPH_BUSB, 0x40u);
	bb_end(b);
	bb_end(b);
	bb_finish(b);
	blob = bb_blob(b, size);
	free(b);
	return blob;
}

/* dt_irq_spec of entry idx, then dt_irq_map with room for maxcells: err,
 * and on success the controller at ctrl_path with cells c[0..n-1]; on
 * -DT_ERR_NOSPACE n is the count it says. */
static void map_expect(const struct dt *dt, const char *path, unsigned idx,
		       int maxcells, int err, const char *ctrl_path, int n,
		       const uint32_t *c)
{
	uint32_t cells[8], before[8];
	int ctrl, ctrl0, ncells, r, i;

	r = dt_irq_spec(dt, P(dt, path), idx, &ctrl, cells, 8, &ncells);
	if (r != 0)
		fail_msg("%s[%u]: dt_irq_spec: %s", path, idx, dt_strerror(r));
	assert_true(ncells <= maxcells);
	memcpy(before, cells, sizeof(cells));
	ctrl0 = ctrl;
	r = dt_irq_map(dt, P(dt, path), &ctrl, cells, maxcells, &ncells);
	if (r != err)
		fail_msg("%s[%u]: %s, not %s", path, idx, dt_strerror(r),
			 dt_strerror(err));
	if (r == 0) {
		assert_int_equal(ctrl, P(dt, ctrl_path));
		assert_int_equal(ncells, n);
		for (i = 0; i < n; i++)
			assert_int_equal(cells[i], c[i]);
		return;
	}
	/* an error changes neither the controller nor the cells */
	assert_int_equal(ctrl, ctrl0);
	assert_memory_equal(cells, before, sizeof(cells));
	if (r == -DT_ERR_NOSPACE)
		assert_int_equal(ncells, n);
}

static void check_irq_map(const struct dt *dt)
{
	static const uint32_t spi5[] = { 0, 5, 4 }, spi7[] = { 0, 7, 1 },
			      spi8[] = { 0, 8, 4 }, spi10[] = { 0, 10, 4 },
			      spi3[] = { 0, 3, 4 }, nine[] = { 9 }, two[] = { 2 },
			      one[] = { 1 };
	uint32_t cells[4] = { 1, 2, 3, 4 };
	int ctrl = 0, n = 1;

	map_expect(dt, "/bus@10000/dev@100", 0, 4, 0, "/gic@1000", 3, spi5);
	/* the disabled controller's entry matches first: passed over */
	map_expect(dt, "/bus@10000/dev@100", 1, 4, 0, "/gic@1000", 3, spi7);
	map_expect(dt, "/bus@10000/dev@100", 2, 4, -DT_ERR_NOTFOUND, NULL, 0, NULL);
	map_expect(dt, "/bus@10000/dev@100", 0, 2, -DT_ERR_NOSPACE, NULL, 3, NULL);
	/* the mask: 0x1ff & 0xff00 is 0x100, 9 & 7 is 1 */
	map_expect(dt, "/bus@10000/dev@1ff", 0, 4, 0, "/gic@1000", 3, spi5);
	map_expect(dt, "/bus@10000/dev@200", 0, 4, 0, "/pic@3000", 1, nine);
	/* A, then B with A's entry's one-cell parent unit address */
	map_expect(dt, "/bus@10000/dev@300", 0, 4, 0, "/gic@1000", 3, spi8);
	/* an entry to the nexus itself ends there */
	map_expect(dt, "/bus@10000/dev@400", 0, 4, 0, "/bus@10000", 1, two);
	map_expect(dt, "/bus@10000/dev@500", 0, 4, -DT_ERR_NOTFOUND, NULL, 0, NULL);
	/* no "reg": unit address 0 */
	map_expect(dt, "/bus-c/noreg", 0, 4, 0, "/gic@1000", 3, spi10);
	map_expect(dt, "/users", 0, 4, -DT_ERR_DEPTH, NULL, 0, NULL);
	map_expect(dt, "/users", 1, 4, -DT_ERR_DEPTH, NULL, 0, NULL);
	map_expect(dt, "/users", 2, 4, -DT_ERR_BADVALUE, NULL, 0, NULL);
	map_expect(dt, "/users", 3, 4, -DT_ERR_BADVALUE, NULL, 0, NULL);
	map_expect(dt, "/users", 4, 4, -DT_ERR_BADVALUE, NULL, 0, NULL);
	map_expect(dt, "/users", 5, 4, -DT_ERR_BADPHANDLE, NULL, 0, NULL);
	map_expect(dt, "/users", 6, 4, -DT_ERR_NOTFOUND, NULL, 0, NULL);
	map_expect(dt, "/users", 7, 4, 0, "/both", 1, one);
	/* no nexus on the way: nothing changes */
	map_expect(dt, "/users", 8, 4, 0, "/gic@1000", 3, spi3);
	/* to B from a node without "reg": unit address 0, which B's
	 * entries (0x40, 0x41) do not map */
	map_expect(dt, "/users", 9, 4, -DT_ERR_NOTFOUND, NULL, 0, NULL);

	/* arguments */
	assert_int_equal(dt_irq_map(NULL, 0, &ctrl, cells, 4, &n), -DT_ERR_BADARG);
	assert_int_equal(dt_irq_map(dt, 0, NULL, cells, 4, &n), -DT_ERR_BADARG);
	assert_int_equal(dt_irq_map(dt, 0, &ctrl, cells, 4, NULL), -DT_ERR_BADARG);
	assert_int_equal(dt_irq_map(dt, 0, &ctrl, NULL, 4, &n), -DT_ERR_BADARG);
	n = 5;
	assert_int_equal(dt_irq_map(dt, 0, &ctrl, cells, 4, &n), -DT_ERR_BADARG);
	n = -1;
	assert_int_equal(dt_irq_map(dt, 0, &ctrl, cells, 4, &n), -DT_ERR_BADARG);
}

static void test_irq_map(void **state)
{
	size_t size;
	uint8_t *blob = map_blob(&size), *c = exact_copy(blob, size);
	struct dt dt;
	struct dt_node_info *tab;

	(void)state;
	assert_int_equal(dt_open(&dt, c, size), 0);
	check_irq_map(&dt);
	tab = index_exact(&dt);
	check_irq_map(&dt);
	free(tab);
	free(c);
	free(blob);
}

/* Every byte of the nexus tree set to 0x00, 0x01 and 0xff: what opens is
 * read in bounds (exercise() follows every interrupt through the maps). */
static void test_irq_map_mutations(void **state)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0xff };
	size_t size, i, k;
	uint8_t *b = map_blob(&size), *t;
	int accepted = 0;
	struct dt dt;

	(void)state;
	for (i = 0; i < size; i++) {
		for (k = 0; k < sizeof(vals); k++) {
			if (b[i] == vals[k])
				continue;
			t = exact_copy(b, size);
			t[i] = vals[k];
			if (dt_open(&dt, t, size) == 0) {
				accepted++;
				exercise(&dt);
			}
			free(t);
		}
	}
	print_message("  mutations: %d of %zu accepted\n", accepted, 3 * size);
	assert_true(accepted > 0);
	free(b);
}

/* ---- Reserved ranges (dt_reserved) ------------------------------------------ */

#define OK(x) assert_int_equal((x), 0)
#define RSV_MAX 16

/* libfdt's reading of what dt_reserved documents, for well-formed trees
 * whose /reserved-memory has an empty or no "ranges" and cells of at most
 * two: the oracle for the hand-made trees below and QEMU's. */
static int ref_add(struct dt_rsv *out, int max, int *n, uint64_t base,
		   uint64_t size, enum dt_rsv_kind kind)
{
	if (size == 0)
		return 0;
	if (*n >= max)
		return -DT_ERR_NOSPACE;
	out[*n].base = base;
	out[*n].size = size;
	out[*n].kind = kind;
	(*n)++;
	return 0;
}

static uint64_t ref_cells(const fdt32_t *p, int n)
{
	uint64_t v = 0;

	assert_true(n <= 2);
	while (n-- > 0)
		v = v << 32 | fdt32_ld(p++);
	return v;
}

static int ref_initrd(const void *p, int len, uint64_t *v)
{
	if (p == NULL)
		return -1;
	assert_true(len == 4 || len == 8);
	*v = len == 4 ? fdt32_ld(p) : fdt64_ld(p);
	return 0;
}

static int ref_reserved(const void *fdt, struct dt_rsv *out, int max)
{
	int n = 0, i, err, node, child, len, ac, sc, slen, elen;
	uint64_t a, s, start, end;
	const char *st;
	const fdt32_t *reg;
	const void *ps, *pe;

	/* Not fdt_num_mem_rsv: libfdt (and Linux) stop at the first entry of
	 * size 0, the spec and dt_mem_rsv at the first all-zero one. */
	for (i = 0;; i++) {
		OK(fdt_get_mem_rsv(fdt, i, &a, &s));
		if (a == 0 && s == 0)
			break;
		err = ref_add(out, max, &n, a, s, DT_RSV_MEMRESERVE);
		if (err < 0)
			return err;
	}
	node = fdt_path_offset(fdt, "/reserved-memory");
	if (node >= 0) {
		ac = fdt_address_cells(fdt, node);
		sc = fdt_size_cells(fdt, node);
		assert_true(ac > 0 && sc >= 0);
		fdt_for_each_subnode(child, fdt, node) {
			st = fdt_getprop(fdt, child, "status", &len);
			if (st != NULL && strcmp(st, "okay") != 0 &&
			    strcmp(st, "ok") != 0)
				continue;
			reg = fdt_getprop(fdt, child, "reg", &len);
			if (reg == NULL)
				continue;
			assert_int_equal(len % (4 * (ac + sc)), 0);
			for (i = 0; i < len / (4 * (ac + sc)); i++) {
				a = ref_cells(reg + i * (ac + sc), ac);
				s = ref_cells(reg + i * (ac + sc) + ac, sc);
				err = ref_add(out, max, &n, a, s, DT_RSV_NODE);
				if (err < 0)
					return err;
			}
		}
	}
	node = fdt_path_offset(fdt, "/chosen");
	if (node >= 0) {
		ps = fdt_getprop(fdt, node, "linux,initrd-start", &slen);
		pe = fdt_getprop(fdt, node, "linux,initrd-end", &elen);
		if (ref_initrd(ps, slen, &start) == 0 &&
		    ref_initrd(pe, elen, &end) == 0 && end > start) {
			err = ref_add(out, max, &n, start, end - start,
				      DT_RSV_INITRD);
			if (err < 0)
				return err;
		}
	}
	return n;
}

static void assert_rsv_equal(const struct dt_rsv *a, const struct dt_rsv *b,
			     int n)
{
	int i;

	for (i = 0; i < n; i++) {
		assert_int_equal(a[i].base, b[i].base);
		assert_int_equal(a[i].size, b[i].size);
		assert_int_equal(a[i].kind, b[i].kind);
	}
}

/*
 * dt_reserved on blob (size bytes, an exact copy) must give want[0..n-1],
 * or the error n < 0, without and with a node index; with every shorter
 * array (heap, of exactly max entries, so ASan sees a write past it) the
 * first max entries and -DT_ERR_NOSPACE.  With `oracle`, libfdt agrees.
 */
static void check_reserved(const uint8_t *blob, size_t size,
			   const struct dt_rsv *want, int n, bool oracle)
{
	struct dt dt;
	struct dt_rsv ref[RSV_MAX], *got;
	struct dt_node_info *table = NULL;
	int pass, m;

	assert_true(n <= RSV_MAX);
	OK(dt_open(&dt, blob, size));
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1)
			table = index_exact(&dt);
		got = calloc(RSV_MAX, sizeof(*got));
		assert_non_null(got);
		assert_int_equal(dt_reserved(&dt, got, RSV_MAX), n);
		if (n >= 0)
			assert_rsv_equal(got, want, n);
		free(got);
		for (m = 0; m < n; m++) {
			got = calloc((size_t)(m > 0 ? m : 1), sizeof(*got));
			assert_non_null(got);
			assert_int_equal(dt_reserved(&dt, got, m), -DT_ERR_NOSPACE);
			assert_rsv_equal(got, want, m);
			free(got);
		}
		if (n >= 0) {
			/* exactly enough room */
			got = calloc((size_t)(n > 0 ? n : 1), sizeof(*got));
			assert_non_null(got);
			assert_int_equal(dt_reserved(&dt, got, n), n);
			assert_rsv_equal(got, want, n);
			free(got);
			assert_int_equal(dt_reserved(&dt, NULL, 0),
					 n > 0 ? -DT_ERR_NOSPACE : 0);
		}
	}
	free(table);
	if (oracle) {
		assert_int_equal(ref_reserved(blob, ref, RSV_MAX), n);
		if (n > 0)
			assert_rsv_equal(ref, want, n);
	}
}

/* A property of n big-endian cells. */
static void sw_cells(void *buf, const char *name, const uint32_t *v, int n)
{
	fdt32_t be[16];
	int i;

	assert_true(n <= 16);
	for (i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(v[i]);
	OK(fdt_property(buf, name, be, 4 * n));
}

#define SW_CELLS(buf, name, ...) \
	do { \
		static const uint32_t v_[] = { __VA_ARGS__ }; \
		sw_cells((buf), (name), v_, (int)(sizeof(v_) / sizeof(v_[0]))); \
	} while (0)

/* Start a tree with libfdt's sequential-write API: the /memreserve/
 * entries, then the root (left open) with 2 address and 2 size cells and a
 * memory node. */
static void *sw_begin(const uint64_t (*mr)[2], int nmr)
{
	const size_t cap = 8192;
	void *buf = calloc(1, cap);
	int i;

	assert_non_null(buf);
	OK(fdt_create(buf, (int)cap));
	for (i = 0; i < nmr; i++)
		OK(fdt_add_reservemap_entry(buf, mr[i][0], mr[i][1]));
	OK(fdt_finish_reservemap(buf));
	OK(fdt_begin_node(buf, ""));
	OK(fdt_property_u32(buf, "#address-cells", 2));
	OK(fdt_property_u32(buf, "#size-cells", 2));
	OK(fdt_begin_node(buf, "memory@40000000"));
	OK(fdt_property_string(buf, "device_type", "memory"));
	SW_CELLS(buf, "reg", 0x0, 0x40000000, 0x0, 0x10000000);
	OK(fdt_end_node(buf));
	return buf;
}

/* Close the root and finish; an exact-size copy, its size in *size. */
static uint8_t *sw_end(void *buf, size_t *size)
{
	uint8_t *c;

	OK(fdt_end_node(buf));
	OK(fdt_finish(buf));
	*size = fdt_totalsize(buf);
	c = exact_copy(buf, *size);
	free(buf);
	return c;
}

/* A child of /reserved-memory (an open node) with a reg of cells. */
#define SW_CHILD(buf, name, ...) \
	do { \
		OK(fdt_begin_node((buf), (name))); \
		SW_CELLS((buf), "reg", __VA_ARGS__); \
		OK(fdt_end_node(buf)); \
	} while (0)

/* Everything at once, /reserved-memory with 2/2 cells: what a loader with
 * secure firmware, a shared pool and an initrd hands over. */
static void test_reserved_tree(void **state)
{
	/* the empty entry is skipped, and the map goes on after it */
	static const uint64_t mr[][2] = { { 0x1000, 0x2000 },
					  { 0x7000, 0 },
					  { 0x48000000, 0x100000 } };
	static const struct dt_rsv want[] = {
		{ 0x1000, 0x2000, DT_RSV_MEMRESERVE },
		{ 0x48000000, 0x100000, DT_RSV_MEMRESERVE },
		{ 0x4e000000, 0x100000, DT_RSV_NODE },
		{ 0x50000000, 0x2000, DT_RSV_NODE },
		{ 0x100000000ull, 0x10000, DT_RSV_NODE },
		{ 0x52000000, 0x1000, DT_RSV_NODE },
		{ 0x53000000, 0x1000, DT_RSV_NODE },
		{ 0x44000000, 0x800000, DT_RSV_INITRD },
	};
	void *buf = sw_begin(mr, 3);
	uint8_t *blob;
	size_t size;

	(void)state;
	OK(fdt_begin_node(buf, "reserved-memory"));
	OK(fdt_property_u32(buf, "#address-cells", 2));
	OK(fdt_property_u32(buf, "#size-cells", 2));
	OK(fdt_property(buf, "ranges", NULL, 0));
	OK(fdt_begin_node(buf, "secmon@4e000000"));
	SW_CELLS(buf, "reg", 0x0, 0x4e000000, 0x0, 0x100000);
	OK(fdt_property(buf, "no-map", NULL, 0));
	OK(fdt_end_node(buf));
	/* two entries, the second above 4 GiB */
	SW_CHILD(buf, "two@50000000", 0x0, 0x50000000, 0x0, 0x2000,
		 0x1, 0x0, 0x0, 0x10000);
	OK(fdt_begin_node(buf, "disabled@51000000"));
	OK(fdt_property_string(buf, "status", "disabled"));
	SW_CELLS(buf, "reg", 0x0, 0x51000000, 0x0, 0x1000);
	OK(fdt_end_node(buf));
	OK(fdt_begin_node(buf, "okay@52000000"));
	OK(fdt_property_string(buf, "status", "okay"));
	SW_CELLS(buf, "reg", 0x0, 0x52000000, 0x0, 0x1000);
	OK(fdt_end_node(buf));
	OK(fdt_begin_node(buf, "ok@53000000"));
	OK(fdt_property_string(buf, "status", "ok"));
	SW_CELLS(buf, "reg", 0x0, 0x53000000, 0x0, 0x1000);
	OK(fdt_end_node(buf));
	/* dynamic: "size" and no "reg" */
	OK(fdt_begin_node(buf, "linux,cma"));
	OK(fdt_property_string(buf, "compatible", "shared-dma-pool"));
	OK(fdt_property(buf, "reusable", NULL, 0));
	SW_CELLS(buf, "size", 0x0, 0x4000000);
	SW_CELLS(buf, "alignment", 0x0, 0x400000);
	OK(fdt_end_node(buf));
	SW_CHILD(buf, "empty@54000000", 0x0, 0x54000000, 0x0, 0x0);
	OK(fdt_end_node(buf));
	OK(fdt_begin_node(buf, "chosen"));
	OK(fdt_property_string(buf, "bootargs", "console=ttyAMA0"));
	OK(fdt_property_u32(buf, "linux,initrd-start", 0x44000000));
	OK(fdt_property_u32(buf, "linux,initrd-end", 0x44800000));
	OK(fdt_end_node(buf));
	blob = sw_end(buf, &size);
	check_reserved(blob, size, want, 8, true);
	free(blob);
}

/* Linux's of_dma_is_coherent: the nearest node (the device or an
 * ancestor) with "dma-coherent" or "dma-noncoherent" decides; a device
 * that says dma-noncoherent under a coherent bus is not coherent. */
static void test_dma_noncoherent(void **state)
{
	void *buf = sw_begin(NULL, 0);
	uint8_t *blob;
	size_t size;
	struct dt d;

	(void)state;
	OK(fdt_begin_node(buf, "soc"));
	OK(fdt_property_u32(buf, "#address-cells", 2));
	OK(fdt_property_u32(buf, "#size-cells", 2));
	OK(fdt_property(buf, "ranges", NULL, 0));
	OK(fdt_property(buf, "dma-coherent", NULL, 0));
	OK(fdt_begin_node(buf, "virtio_mmio@a000000"));
	OK(fdt_property_string(buf, "compatible", "virtio,mmio"));
	SW_CELLS(buf, "reg", 0x0, 0xa000000, 0x0, 0x200);
	OK(fdt_property(buf, "dma-noncoherent", NULL, 0));
	OK(fdt_end_node(buf));
	OK(fdt_begin_node(buf, "sub"));
	OK(fdt_property(buf, "dma-noncoherent", NULL, 0));
	OK(fdt_begin_node(buf, "dev"));
	OK(fdt_property(buf, "dma-coherent", NULL, 0));
	OK(fdt_end_node(buf));
	OK(fdt_begin_node(buf, "plain"));
	OK(fdt_end_node(buf));
	OK(fdt_end_node(buf));
	OK(fdt_end_node(buf));
	blob = sw_end(buf, &size);
	OK(dt_open(&d, blob, size));
	assert_true(dt_dma_coherent(&d, dt_path_offset(&d, "/soc", 4)));
	assert_false(dt_dma_coherent(&d, dt_path_offset(&d, "/soc/virtio_mmio@a000000", 24)));
	assert_true(dt_dma_coherent(&d, dt_path_offset(&d, "/soc/sub/dev", 12)));
	assert_false(dt_dma_coherent(&d, dt_path_offset(&d, "/soc/sub/plain", 14)));
	free(blob);
}

/* A bus below the root of a tree sw_begin started: #address-cells ac,
 * #size-cells sc (0: absent), "dma-ranges" of n cells (n < 0: absent),
 * left open. */
static void sw_bus(void *buf, const char *name, uint32_t ac, uint32_t sc,
		   const uint32_t *dr, int n)
{
	OK(fdt_begin_node(buf, name));
	OK(fdt_property_string(buf, "compatible", "simple-bus"));
	if (ac != 0)
		OK(fdt_property_u32(buf, "#address-cells", ac));
	if (sc != 0)
		OK(fdt_property_u32(buf, "#size-cells", sc));
	OK(fdt_property(buf, "ranges", NULL, 0));
	if (n >= 0)
		sw_cells(buf, "dma-ranges", dr, n);
}

/* A virtio,mmio node "v" (its reg does not matter here), closed. */
static void sw_leaf(void *buf)
{
	OK(fdt_begin_node(buf, "v"));
	OK(fdt_property_string(buf, "compatible", "virtio,mmio"));
	OK(fdt_end_node(buf));
}

/* dt_dma_translated at path: want, and the bus it names (NULL: -1). */
static void dma_expect(const struct dt *d, const char *path, int want,
		       const char *bus_path)
{
	int bus = -7, r = dt_dma_translated(d, P(d, path), &bus);

	if (r != want)
		fail_msg("%s: dt_dma_translated %d, want %d", path, r, want);
	assert_int_equal(bus, bus_path ? P(d, bus_path) : -1);
	/* *bus is optional */
	assert_int_equal(dt_dma_translated(d, P(d, path), NULL), want);
}

/*
 * "dma-ranges" (spec 2.3.9): child bus address (the bus's #address-cells),
 * parent bus address (its parent's), length (the bus's #size-cells).
 * Absent, empty and identity entries leave a device's DMA addresses the
 * CPU's; an entry with an offset, on any bus up to the root, moves them
 * (1, naming the nearest such bus); one that cannot be read is
 * -DT_ERR_BADVALUE.  Buses here have one address and one size cell under
 * the root's two and two, unless they say otherwise.
 */
static void check_dma_ranges(const struct dt *d)
{
	dma_expect(d, "/absent/v", 0, NULL);
	dma_expect(d, "/empty/v", 0, NULL);
	dma_expect(d, "/ident/v", 0, NULL);
	dma_expect(d, "/ident64/v", 0, NULL);
	dma_expect(d, "/offset/v", 1, "/offset");
	dma_expect(d, "/second/v", 1, "/second");
	dma_expect(d, "/outer/inner/v", 1, "/outer");
	dma_expect(d, "/outer-ok/inner/v", 0, NULL);
	dma_expect(d, "/outer-ok/moves/v", 1, "/outer-ok/moves");
	dma_expect(d, "/own/v", 0, NULL); /* the device's own says nothing of it */
	dma_expect(d, "/badlen/v", -DT_ERR_BADVALUE, "/badlen");
	dma_expect(d, "/short/v", -DT_ERR_BADVALUE, "/short");
	dma_expect(d, "/cells5/v", -DT_ERR_BADVALUE, "/cells5");
	dma_expect(d, "/cells-wide/v", -DT_ERR_BADVALUE, "/cells-wide");
	dma_expect(d, "/size0/v", -DT_ERR_BADVALUE, "/size0");
	dma_expect(d, "/addr0/v", -DT_ERR_BADVALUE, "/addr0");
	dma_expect(d, "/high/v", -DT_ERR_BADVALUE, "/high");
	dma_expect(d, "/wide-ident/v", 0, NULL);
	/* the buses themselves sit on the root, which has none */
	dma_expect(d, "/offset", 0, NULL);
	dma_expect(d, "/", 0, NULL);
	assert_int_equal(dt_dma_translated(d, 3, NULL), -DT_ERR_BADOFFSET);
	assert_int_equal(dt_dma_translated(d, -1, NULL), -DT_ERR_BADOFFSET);
	assert_int_equal(dt_dma_translated(NULL, d->root, NULL), -DT_ERR_BADARG);
}

static void test_dma_ranges(void **state)
{
	static const uint32_t ident[] = { 0x40000000, 0x0, 0x40000000, 0x10000000,
					  0x0, 0x0, 0x0, 0x1000 };
	static const uint32_t ident64[] = { 0x1, 0x0, 0x1, 0x0, 0x0, 0x80000000 };
	static const uint32_t offset[] = { 0x0, 0x0, 0x80000000, 0x40000000 };
	static const uint32_t second[] = { 0x0, 0x0, 0x0, 0x1000,
					   0x80000000, 0x0, 0x40000000, 0x1000 };
	static const uint32_t three[] = { 0x0, 0x0, 0x0 };
	static const uint32_t moves[] = { 0x0, 0x80000000, 0x1000 };
	static const uint32_t wide[] = { 0x1, 0x0, 0x0, 0x0, 0x0, 0x1000 };
	static const uint32_t wide_ident[] = { 0x0, 0x0, 0x40000000, 0x0,
					       0x40000000, 0x1000 };
	void *buf = sw_begin(NULL, 0);
	struct dt_node_info *table;
	uint8_t *blob;
	size_t size;
	struct dt d;
	int bus;

	(void)state;
	sw_bus(buf, "absent", 1, 1, NULL, -1);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	sw_bus(buf, "empty", 1, 1, NULL, 0);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	/* one child cell, two parent cells, one size cell: two identity
	 * windows (the second at 0, of 4 KiB) */
	sw_bus(buf, "ident", 1, 1, ident, 8);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	/* 2/2 cells: an identity window above 4 GiB */
	sw_bus(buf, "ident64", 2, 2, ident64, 6);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	/* the device's 0 is the CPU's 0x80000000 */
	sw_bus(buf, "offset", 1, 1, offset, 4);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	/* an identity window, then one that moves */
	sw_bus(buf, "second", 1, 1, second, 8);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	/* the translation two buses up: the nearest bus is fine */
	sw_bus(buf, "outer", 1, 1, offset, 4);
	sw_bus(buf, "inner", 1, 1, NULL, 0);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	OK(fdt_end_node(buf));
	/* and the other way round: the outer bus identity, a bus below it
	 * without any, and one beside that moves (one cell each side) */
	sw_bus(buf, "outer-ok", 1, 1, ident, 8);
	sw_bus(buf, "inner", 1, 1, NULL, -1);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	sw_bus(buf, "moves", 1, 1, moves, 3);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	OK(fdt_end_node(buf));
	/* "dma-ranges" on the device itself would be about its children */
	sw_bus(buf, "own", 1, 1, NULL, -1);
	OK(fdt_begin_node(buf, "v"));
	sw_cells(buf, "dma-ranges", offset, 4);
	OK(fdt_end_node(buf));
	OK(fdt_end_node(buf));
	/* three cells where an entry has four */
	sw_bus(buf, "badlen", 1, 1, three, 3);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	/* a value shorter than one cell */
	OK(fdt_begin_node(buf, "short"));
	OK(fdt_property_u32(buf, "#address-cells", 1));
	OK(fdt_property_u32(buf, "#size-cells", 1));
	OK(fdt_property(buf, "dma-ranges", "\0\0", 2));
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	/* #address-cells out of range, and not one cell */
	sw_bus(buf, "cells5", 5, 1, three, 3);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	OK(fdt_begin_node(buf, "cells-wide"));
	SW_CELLS(buf, "#address-cells", 0x0, 0x1);
	sw_cells(buf, "dma-ranges", offset, 4);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	/* no lengths, no child addresses */
	OK(fdt_begin_node(buf, "size0"));
	OK(fdt_property_u32(buf, "#address-cells", 1));
	OK(fdt_property_u32(buf, "#size-cells", 0));
	sw_cells(buf, "dma-ranges", three, 3);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	OK(fdt_begin_node(buf, "addr0"));
	OK(fdt_property_u32(buf, "#address-cells", 0));
	OK(fdt_property_u32(buf, "#size-cells", 1));
	sw_cells(buf, "dma-ranges", three, 3);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	/* three child cells whose top one is set: beyond 64 bits */
	sw_bus(buf, "high", 3, 1, wide, 6);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	/* three child cells, top one zero: read as 64 bits, identity */
	sw_bus(buf, "wide-ident", 3, 1, wide_ident, 6);
	sw_leaf(buf);
	OK(fdt_end_node(buf));
	blob = sw_end(buf, &size);
	OK(dt_open(&d, blob, size));
	check_dma_ranges(&d);
	table = index_exact(&d);
	check_dma_ranges(&d);
	free(table);
	free(blob);

	/* "dma-ranges" on the root: its parent is the CPU, in the root's own
	 * cells (as Linux reads it) */
	buf = calloc(1, 4096);
	assert_non_null(buf);
	OK(fdt_create(buf, 4096));
	OK(fdt_finish_reservemap(buf));
	OK(fdt_begin_node(buf, ""));
	OK(fdt_property_u32(buf, "#address-cells", 1));
	OK(fdt_property_u32(buf, "#size-cells", 1));
	sw_cells(buf, "dma-ranges", moves, 3);
	sw_leaf(buf);
	blob = sw_end(buf, &size);
	OK(dt_open(&d, blob, size));
	bus = -7;
	assert_int_equal(dt_dma_translated(&d, P(&d, "/v"), &bus), 1);
	assert_int_equal(bus, d.root);
	free(blob);
}

/* A tree with one GICv3 node (distributor and one redistributor region)
 * whose "redistributor-stride" is len bytes of val (len < 0: absent);
 * gic_dt_find's answer in *g. */
static void gic_stride_tree(int len, const void *val, struct gic_dt *g)
{
	void *buf = sw_begin(NULL, 0);
	uint8_t *blob;
	size_t size;
	struct dt d;

	OK(fdt_begin_node(buf, "interrupt-controller@8000000"));
	OK(fdt_property_string(buf, "compatible", "arm,gic-v3"));
	OK(fdt_property_u32(buf, "#interrupt-cells", 3));
	OK(fdt_property(buf, "interrupt-controller", NULL, 0));
	SW_CELLS(buf, "reg", 0x0, 0x8000000, 0x0, 0x10000,
		 0x0, 0x80a0000, 0x0, 0xf60000);
	if (len >= 0)
		OK(fdt_property(buf, "redistributor-stride", val, len));
	OK(fdt_end_node(buf));
	blob = sw_end(buf, &size);
	OK(dt_open(&d, blob, size));
	memset(g, 0xa5, sizeof(*g));
	OK(gic_dt_find(&d, 3, g));
	assert_int_equal(g->nregions, 1);
	assert_int_equal(g->region[0][0], 0x80a0000);
	free(blob);
}

/*
 * arm,gic-v3.yaml's "redistributor-stride": a uint64 (two cells), a
 * multiple of 64 KiB; used when it is at least a redistributor's two
 * frames (128 KiB), otherwise (and with any other length) ignored with the
 * reason, so that the walk goes by GICR_TYPER.
 */
static void test_gic_redist_stride(void **state)
{
	static const struct {
		int len;
		uint8_t val[8];
		uint64_t stride, raw;
		enum gic_stride_err err;
	} c[] = {
		{ -1, { 0 }, 0, 0, GIC_STRIDE_OK },
		{ 8, { 0, 0, 0, 0, 0, 0x04, 0, 0 }, 0x40000, 0x40000, GIC_STRIDE_OK },
		{ 8, { 0, 0, 0, 0, 0, 0x02, 0, 0 }, 0x20000, 0x20000, GIC_STRIDE_OK },
		{ 8, { 0, 0, 0, 0, 0, 0x06, 0, 0 }, 0x60000, 0x60000, GIC_STRIDE_OK },
		/* the high cell counts: 4 GiB + 256 KiB */
		{ 8, { 0, 0, 0, 1, 0, 0x04, 0, 0 }, 0x100040000ull, 0x100040000ull, GIC_STRIDE_OK },
		{ 8, { 0 }, 0, 0, GIC_STRIDE_ZERO },
		{ 8, { 0, 0, 0, 0, 0, 0x04, 0x80, 0 }, 0, 0x48000, GIC_STRIDE_UNALIGNED },
		{ 8, { 0, 0, 0, 0, 0, 0x01, 0, 0 }, 0, 0x10000, GIC_STRIDE_SMALL },
		/* one cell, as some trees write it: not the binding's uint64 */
		{ 4, { 0, 0x04, 0, 0 }, 0, 0, GIC_STRIDE_BADLEN },
		{ 0, { 0 }, 0, 0, GIC_STRIDE_BADLEN },
		{ 7, { 0, 0, 0, 0, 0, 0x04, 0 }, 0, 0, GIC_STRIDE_BADLEN },
	};
	struct gic_dt g;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		gic_stride_tree(c[i].len, c[i].val, &g);
		if (g.rd_stride != c[i].stride || g.rd_stride_raw != c[i].raw ||
		    g.rd_stride_err != c[i].err)
			fail_msg("case %zu: stride 0x%llx raw 0x%llx err %d", i,
				 (unsigned long long)g.rd_stride,
				 (unsigned long long)g.rd_stride_raw,
				 (int)g.rd_stride_err);
	}
}

/* gic_rd_next: the steps of the walk over a redistributor region, and
 * that it ends inside the region whatever GICR_TYPER and the stride say. */
static void test_gic_rd_walk(void **state)
{
	const uint64_t VLPIS = 1u << 1, LAST = 1u << 4;
	static const uint64_t strides[] = { 0, 0x20000, 0x40000, 0x60000,
		0x10000, 0x30001, 1ull << 63, ~0ull - 0xffff, ~0ull };
	static const uint64_t sizes[] = { 0, 0x1ffff, 0x20000, 0x3ffff,
		0x40000, 0xf60000, 0x1000000, ~0ull };
	uint64_t off;
	size_t i, j;
	int steps;

	(void)state;
	/* by GICR_TYPER: 128 KiB, 256 KiB with VLPIS; none after Last */
	off = 0;
	OK(gic_rd_next(&off, 0xf60000, 0, 0));
	assert_int_equal(off, 0x20000);
	OK(gic_rd_next(&off, 0xf60000, 0, VLPIS));
	assert_int_equal(off, 0x60000);
	assert_int_equal(gic_rd_next(&off, 0xf60000, 0, LAST), -1);
	assert_int_equal(off, 0x60000);
	/* the stride, whatever VLPIS says */
	off = 0;
	OK(gic_rd_next(&off, 0xf60000, 0x40000, 0));
	assert_int_equal(off, 0x40000);
	OK(gic_rd_next(&off, 0xf60000, 0x40000, VLPIS));
	assert_int_equal(off, 0x80000);
	/* a stride gic_dt_find would not pass on counts as none */
	off = 0;
	OK(gic_rd_next(&off, 0xf60000, 0x10000, 0));
	assert_int_equal(off, 0x20000);
	/* the next one's two frames must fit: exactly, and one byte short */
	off = 0;
	OK(gic_rd_next(&off, 0x60000, 0x40000, 0));
	assert_int_equal(off, 0x40000);
	off = 0;
	assert_int_equal(gic_rd_next(&off, 0x5ffff, 0x40000, 0), -1);
	assert_int_equal(off, 0);
	/* an offset already past the end, and no pointer */
	off = 0x100000;
	assert_int_equal(gic_rd_next(&off, 0x80000, 0, 0), -1);
	assert_int_equal(gic_rd_next(NULL, 0x80000, 0, 0), -1);
	/* a GICR_TYPER that never says Last: every walk ends, inside the
	 * region, after at most size / 128 KiB steps, a stride near 2^64
	 * too (no wrap) */
	for (i = 0; i < sizeof(strides) / sizeof(strides[0]); i++) {
		for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
			uint64_t typer;

			for (typer = 0; typer <= VLPIS; typer += VLPIS) {
				uint64_t max = sizes[j] / 0x20000;

				off = 0;
				for (steps = 0; gic_rd_next(&off, sizes[j], strides[i], typer) == 0; steps++) {
					assert_true(off <= sizes[j] && sizes[j] - off >= 0x20000);
					assert_true((uint64_t)steps < max);
					if (sizes[j] == ~0ull && steps > 1000)
						break; /* a 16 EiB region: enough */
				}
			}
		}
	}
}

/* /reserved-memory's own cells (1/1 under a 2/2 root) shape its
 * children's reg; "ranges" empty, absent, or a real translation. */
static void test_reserved_cells(void **state)
{
	static const struct dt_rsv want1[] = {
		{ 0x50000000, 0x1000, DT_RSV_NODE },
		{ 0x60000000, 0x20000, DT_RSV_NODE },
		{ 0x61000000, 0x100, DT_RSV_NODE },
	};
	static const struct dt_rsv want_tr[] = {
		{ 0x80001000, 0x100, DT_RSV_NODE },
	};
	void *buf;
	uint8_t *blob;
	size_t size;
	int ranges;

	(void)state;
	/* 0: empty "ranges", 1: none (addresses taken as written) */
	for (ranges = 0; ranges < 2; ranges++) {
		buf = sw_begin(NULL, 0);
		OK(fdt_begin_node(buf, "reserved-memory"));
		OK(fdt_property_u32(buf, "#address-cells", 1));
		OK(fdt_property_u32(buf, "#size-cells", 1));
		if (ranges == 0)
			OK(fdt_property(buf, "ranges", NULL, 0));
		SW_CHILD(buf, "a@50000000", 0x50000000, 0x1000);
		SW_CHILD(buf, "b@60000000", 0x60000000, 0x20000,
			 0x61000000, 0x100);
		OK(fdt_end_node(buf));
		blob = sw_end(buf, &size);
		check_reserved(blob, size, want1, 3, true);
		free(blob);
	}
	/* child address 0 is CPU address 0x80000000 (a 256 MiB window) */
	buf = sw_begin(NULL, 0);
	OK(fdt_begin_node(buf, "reserved-memory"));
	OK(fdt_property_u32(buf, "#address-cells", 1));
	OK(fdt_property_u32(buf, "#size-cells", 1));
	SW_CELLS(buf, "ranges", 0x0, 0x0, 0x80000000, 0x10000000);
	SW_CHILD(buf, "a@1000", 0x1000, 0x100);
	OK(fdt_end_node(buf));
	blob = sw_end(buf, &size);
	check_reserved(blob, size, want_tr, 1, false);
	free(blob);
	/* the same with a child outside the window: not translatable */
	buf = sw_begin(NULL, 0);
	OK(fdt_begin_node(buf, "reserved-memory"));
	OK(fdt_property_u32(buf, "#address-cells", 1));
	OK(fdt_property_u32(buf, "#size-cells", 1));
	SW_CELLS(buf, "ranges", 0x0, 0x0, 0x80000000, 0x10000000);
	SW_CHILD(buf, "a@1000", 0x1000, 0x100);
	SW_CHILD(buf, "b@20000000", 0x20000000, 0x100);
	OK(fdt_end_node(buf));
	blob = sw_end(buf, &size);
	check_reserved(blob, size, NULL, -DT_ERR_NOTRANSLATION, false);
	free(blob);
}

/* A tree with only a /chosen holding the given initrd properties (NULL:
 * absent), written with libfdt. */
static uint8_t *initrd_tree(const void *start, int slen, const void *end,
			    int elen, size_t *size)
{
	void *buf = sw_begin(NULL, 0);

	OK(fdt_begin_node(buf, "chosen"));
	if (start != NULL)
		OK(fdt_property(buf, "linux,initrd-start", start, slen));
	if (end != NULL)
		OK(fdt_property(buf, "linux,initrd-end", end, elen));
	OK(fdt_end_node(buf));
	return sw_end(buf, size);
}

static void test_reserved_initrd(void **state)
{
	static const uint8_t s32[] = { 0x48, 0x00, 0x00, 0x00 };
	static const uint8_t e32[] = { 0x48, 0x10, 0x00, 0x00 };
	static const uint8_t s64[] = { 0x00, 0x00, 0x00, 0x01,
				       0x20, 0x00, 0x00, 0x00 };
	static const uint8_t e64[] = { 0x00, 0x00, 0x00, 0x01,
				       0x20, 0x40, 0x00, 0x00 };
	static const uint8_t e64_low[] = { 0x00, 0x00, 0x00, 0x00,
					   0x48, 0x00, 0x10, 0x00 };
	static const uint8_t odd[] = { 0x00, 0x00, 0x48, 0x00, 0x00, 0x00 };
	static const uint8_t three[12] = { 0 };
	static const struct dt_rsv want32[] = {
		{ 0x48000000, 0x100000, DT_RSV_INITRD } };
	static const struct dt_rsv want64[] = {
		{ 0x120000000ull, 0x400000, DT_RSV_INITRD } };
	static const struct dt_rsv want_mixed[] = {
		{ 0x48000000, 0x1000, DT_RSV_INITRD } };
	static const struct dt_rsv want_wide[] = {
		{ 0x48000000, 0xd8000000ull, DT_RSV_INITRD } };
	uint8_t *blob;
	size_t size;
	void *buf;

	(void)state;
#define INITRD(s, sl, e, el, want, n, oracle) \
	do { \
		blob = initrd_tree((s), (sl), (e), (el), &size); \
		check_reserved(blob, size, (want), (n), (oracle)); \
		free(blob); \
	} while (0)
	INITRD(s32, 4, e32, 4, want32, 1, true);
	INITRD(s64, 8, e64, 8, want64, 1, true);
	/* one of each width */
	INITRD(s32, 4, e64_low, 8, want_mixed, 1, true);
	INITRD(s32, 4, s64, 8, want_wide, 1, true);
	/* end <= start: skipped */
	INITRD(s32, 4, s32, 4, NULL, 0, true);
	INITRD(e32, 4, s32, 4, NULL, 0, true);
	INITRD(s64, 8, e32, 4, NULL, 0, true);
	/* half a pair, or neither: nothing */
	INITRD(s32, 4, NULL, 0, NULL, 0, true);
	INITRD(NULL, 0, e32, 4, NULL, 0, true);
	INITRD(NULL, 0, NULL, 0, NULL, 0, true);
	/* neither 4 nor 8 bytes: a broken tree */
	INITRD(odd, 6, e32, 4, NULL, -DT_ERR_BADVALUE, false);
	INITRD(s32, 4, three, 12, NULL, -DT_ERR_BADVALUE, false);
	INITRD(s32, 4, three, 0, NULL, -DT_ERR_BADVALUE, false);
#undef INITRD
	/* no /chosen, no /reserved-memory, no /memreserve/: nothing */
	buf = sw_begin(NULL, 0);
	blob = sw_end(buf, &size);
	check_reserved(blob, size, NULL, 0, true);
	free(blob);
}

/* Broken values: an error, never a crash or a read outside the blob. */
static void test_reserved_broken(void **state)
{
	static const uint64_t mr[][2] = { { 0x1000, 0x2000 } };
	void *buf;
	uint8_t *blob;
	size_t size;
	struct dt dt;
	struct dt_rsv out[4];
	int variant;

	(void)state;
	for (variant = 0; variant < 5; variant++) {
		buf = sw_begin(mr, 1);
		OK(fdt_begin_node(buf, "reserved-memory"));
		OK(fdt_property_u32(buf, "#address-cells",
				    variant == 3 ? 5 : 2));
		OK(fdt_property_u32(buf, "#size-cells", 2));
		OK(fdt_property(buf, "ranges", NULL, 0));
		SW_CHILD(buf, "good@50000000", 0x0, 0x50000000, 0x0, 0x1000);
		switch (variant) {
		case 0: /* three cells under 2/2: wrong length */
			SW_CHILD(buf, "bad@51000000", 0x0, 0x51000000, 0x0);
			break;
		case 1: /* five cells: one entry and a stray cell */
			SW_CHILD(buf, "bad@51000000", 0x0, 0x51000000, 0x0,
				 0x1000, 0x0);
			break;
		case 2: /* runs past 2^64 */
			SW_CHILD(buf, "bad@ffffffff", 0xffffffff, 0xfffff000,
				 0x0, 0x2000);
			break;
		case 3: /* #address-cells 5 */
			break;
		case 4: /* a reg of no bytes */
			OK(fdt_begin_node(buf, "bad"));
			OK(fdt_property(buf, "reg", NULL, 0));
			OK(fdt_end_node(buf));
			break;
		}
		OK(fdt_end_node(buf));
		blob = sw_end(buf, &size);
		/* an empty reg has no entries: just skipped */
		if (variant == 4) {
			static const struct dt_rsv want[] = {
				{ 0x1000, 0x2000, DT_RSV_MEMRESERVE },
				{ 0x50000000, 0x1000, DT_RSV_NODE } };
			check_reserved(blob, size, want, 2, true);
		} else {
			check_reserved(blob, size, NULL, -DT_ERR_BADVALUE,
				       false);
		}
		free(blob);
	}

	/* bad arguments, and a dt that never opened */
	buf = sw_begin(mr, 1);
	blob = sw_end(buf, &size);
	OK(dt_open(&dt, blob, size));
	assert_int_equal(dt_reserved(NULL, out, 4), -DT_ERR_BADARG);
	assert_int_equal(dt_reserved(&dt, NULL, 1), -DT_ERR_BADARG);
	assert_int_equal(dt_reserved(&dt, out, -1), -DT_ERR_BADARG);
	assert_int_equal(dt_reserved(&dt, out, 4), 1);
	/* a damaged struct dt: the reservation map said to be at the end */
	dt.off_mem_rsvmap = dt.totalsize - 8;
	assert_int_equal(dt_reserved(&dt, out, 4), -DT_ERR_TRUNCATED);
	dt.off_mem_rsvmap = 0xfffffff8u;
	assert_int_equal(dt_reserved(&dt, out, 4), -DT_ERR_TRUNCATED);
	memset(&dt, 0, sizeof(dt));
	assert_int_equal(dt_reserved(&dt, out, 4), -DT_ERR_TRUNCATED);
	assert_int_equal(dt_open(&dt, blob, 8), -DT_ERR_TRUNCATED);
	assert_int_equal(dt_reserved(&dt, out, 4), -DT_ERR_TRUNCATED);
	free(blob);
}

/* The big reserved tree with each byte set to a few values: whatever
 * opens gives a count or an error, in bounds (ASan watches the blob and
 * the 4-entry array). */
static void test_reserved_mutations(void **state)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x04, 0x7f, 0xff };
	static const uint64_t mr[][2] = { { 0x1000, 0x2000 } };
	void *buf = sw_begin(mr, 1);
	uint8_t *blob, *t;
	size_t size, i, k;
	struct dt dt;
	struct dt_rsv *out;
	int r, opened = 0, counts = 0;

	(void)state;
	OK(fdt_begin_node(buf, "reserved-memory"));
	OK(fdt_property_u32(buf, "#address-cells", 1));
	OK(fdt_property_u32(buf, "#size-cells", 1));
	OK(fdt_property(buf, "ranges", NULL, 0));
	SW_CHILD(buf, "a@50000000", 0x50000000, 0x1000);
	OK(fdt_begin_node(buf, "b@51000000"));
	OK(fdt_property_string(buf, "status", "okay"));
	SW_CELLS(buf, "reg", 0x51000000, 0x1000, 0x52000000, 0x1000);
	OK(fdt_end_node(buf));
	OK(fdt_end_node(buf));
	OK(fdt_begin_node(buf, "chosen"));
	OK(fdt_property_u32(buf, "linux,initrd-start", 0x44000000));
	OK(fdt_property_u64(buf, "linux,initrd-end", 0x44800000));
	OK(fdt_end_node(buf));
	blob = sw_end(buf, &size);
	out = calloc(4, sizeof(*out));
	assert_non_null(out);
	for (i = 0; i < size; i++) {
		for (k = 0; k < sizeof(vals); k++) {
			if (blob[i] == vals[k])
				continue;
			t = exact_copy(blob, size);
			t[i] = vals[k];
			if (dt_open(&dt, t, size) == 0) {
				opened++;
				r = dt_reserved(&dt, out, 4);
				assert_true(r >= -DT_ERR_MAX_ && r <= 4);
				counts += r >= 0;
				r = dt_reserved(&dt, NULL, 0);
				assert_true(r >= -DT_ERR_MAX_ && r <= 0);
			}
			free(t);
		}
	}
	print_message("  mutations: %d opened, %d gave a list\n", opened, counts);
	assert_true(opened > 0 && counts > 0);
	free(out);
	free(blob);
}

/* QEMU's trees reserve nothing; with a /memreserve/ entry, a
 * /reserved-memory node and an initrd added by libfdt's read-write API
 * they give exactly those. */
static void test_reserved_qemu(void **state)
{
	static const struct dt_rsv want[] = {
		{ 0x4ff00000, 0x100000, DT_RSV_MEMRESERVE },
		{ 0x47000000, 0x200000, DT_RSV_NODE },
		{ 0x44000000, 0x10000, DT_RSV_INITRD },
	};
	static const uint32_t fw_reg[] = { 0x0, 0x47000000, 0x0, 0x200000 };
	static const uint32_t pool_size[] = { 0x0, 0x1000000 };
	int n, i, rm, child, chosen;
	char **names = list_dtbs(&n);
	uint8_t *blob, *big, *c;
	size_t size, bigsize;
	struct dt dt;
	struct dt_rsv out[RSV_MAX], ref[RSV_MAX];
	fdt32_t be[4];

	(void)state;
	if (n == 0)
		fail_msg("no .dtb files in %s", dtb_dir());
	for (i = 0; i < n; i++) {
		blob = load_file(names[i], &size);
		c = exact_copy(blob, size);
		OK(dt_open(&dt, c, size));
		assert_int_equal(dt_reserved(&dt, out, RSV_MAX), 0);
		assert_int_equal(ref_reserved(c, ref, RSV_MAX), 0);
		free(c);

		bigsize = size + 4096;
		big = calloc(1, bigsize);
		assert_non_null(big);
		OK(fdt_open_into(blob, big, (int)bigsize));
		OK(fdt_add_mem_rsv(big, 0x4ff00000, 0x100000));
		/* QEMU's root has 2 address and 2 size cells */
		assert_int_equal(fdt_address_cells(big, 0), 2);
		assert_int_equal(fdt_size_cells(big, 0), 2);
		rm = fdt_add_subnode(big, 0, "reserved-memory");
		assert_true(rm >= 0);
		OK(fdt_setprop_u32(big, rm, "#address-cells", 2));
		OK(fdt_setprop_u32(big, rm, "#size-cells", 2));
		OK(fdt_setprop(big, rm, "ranges", NULL, 0));
		child = fdt_add_subnode(big, rm, "fw@47000000");
		assert_true(child >= 0);
		for (int k = 0; k < 4; k++)
			be[k] = cpu_to_fdt32(fw_reg[k]);
		OK(fdt_setprop(big, child, "reg", be, sizeof(be)));
		child = fdt_add_subnode(big, rm, "pool");
		assert_true(child >= 0);
		be[0] = cpu_to_fdt32(pool_size[0]);
		be[1] = cpu_to_fdt32(pool_size[1]);
		OK(fdt_setprop(big, child, "size", be, 8));
		chosen = fdt_path_offset(big, "/chosen");
		if (chosen < 0)
			chosen = fdt_add_subnode(big, 0, "chosen");
		assert_true(chosen >= 0);
		OK(fdt_setprop_u64(big, chosen, "linux,initrd-start", 0x44000000));
		OK(fdt_setprop_u32(big, chosen, "linux,initrd-end", 0x44010000));
		OK(fdt_pack(big));
		c = exact_copy(big, fdt_totalsize(big));
		check_reserved(c, fdt_totalsize(big), want, 3, true);
		free(c);
		free(big);
		free(blob);
	}
	free_list(names, n);
}

/* ---- The node index -------------------------------------------------------- */

/* dt_index's arguments, results and lifetime. */
static void test_index_api(void **state)
{
	size_t size;
	uint8_t *b = accessor_blob(&size), *c = exact_copy(b, size);
	struct dt dt, zero;
	struct dt_node_info *t, one;
	int n;

	(void)state;
	assert_int_equal(dt_open(&dt, c, size), 0);
	n = count_nodes(&dt);
	assert_int_equal(dt_index(NULL, &one, 1), -DT_ERR_BADARG);
	assert_int_equal(dt_index(&dt, NULL, 5), -DT_ERR_BADARG);
	assert_null(dt.index);
	/* NULL, 0: no index (and none left behind) */
	assert_int_equal(dt_index(&dt, NULL, 0), 0);
	assert_null(dt.index);
	/* too small, even by one: refused whole (index_exact tries those) */
	t = index_exact(&dt);
	assert_int_equal(dt.nindex, n);
	/* a failed re-index drops the old one rather than keep it half-valid */
	assert_int_equal(dt_index(&dt, &one, 1), -DT_ERR_NOSPACE);
	assert_null(dt.index);
	assert_int_equal(dt_index(&dt, t, (unsigned)n), n);
	assert_ptr_equal(dt.index, t);
	/* dt_open forgets it */
	assert_int_equal(dt_open(&dt, c, size), 0);
	assert_null(dt.index);
	assert_int_equal(dt.nindex, 0);
	/* a dt that never opened has nothing to index */
	memset(&zero, 0, sizeof(zero));
	assert_true(dt_index(&zero, t, (unsigned)n) < 0);
	assert_null(zero.index);
	/* an index of another tree (entry 0 is not this root) is ignored */
	assert_int_equal(dt_index(&dt, t, (unsigned)n), n);
	zero = dt;
	zero.root = 4; /* as if another tree's: not t[0].off */
	assert_true(dt_parent(&zero, (int)t[1].off) < 0);
	free(t);
	free(c);
	free(b);
}

/* The trees at the edges: the root not at 0, the deepest nesting, a single
 * node, all compared offset by offset. */
static void test_index_shapes(void **state)
{
	size_t size;
	uint8_t *b, *c;
	struct dt dt, plain;
	struct dt_node_info *t;
	int last = -1, node;

	(void)state;
	b = broken_blob(BR_NOP_BEFORE_ROOT, &size);
	c = exact_copy(b, size);
	assert_int_equal(dt_open(&dt, c, size), 0);
	plain = dt;
	t = index_exact(&dt);
	assert_int_equal(t[0].off, 4);
	compare_index(&plain, &dt, -8, (int)dt.size_struct + 8, 1);
	free(t);
	free(c);
	free(b);

	b = deep_blob(DT_MAX_DEPTH, &size);
	c = exact_copy(b, size);
	assert_int_equal(dt_open(&dt, c, size), 0);
	plain = dt;
	t = index_exact(&dt);
	for (node = dt_next_node(&dt, -1, NULL); node >= 0;
	     node = dt_next_node(&dt, node, NULL))
		last = node;
	assert_int_equal(dt_node_depth(&dt, last), DT_MAX_DEPTH - 1);
	assert_int_equal(t[DT_MAX_DEPTH - 1].depth, DT_MAX_DEPTH - 1);
	compare_index(&plain, &dt, -8, (int)dt.size_struct + 8, 1);
	free(t);
	free(c);
	free(b);

	{
		struct bb *bb = bb_new();

		bb_begin(bb, "");
		bb_end(bb);
		bb_finish(bb);
		b = bb_blob(bb, &size);
		free(bb);
	}
	c = exact_copy(b, size);
	assert_int_equal(dt_open(&dt, c, size), 0);
	plain = dt;
	t = index_exact(&dt);
	assert_int_equal(dt.nindex, 1);
	compare_index(&plain, &dt, -8, (int)dt.size_struct + 8, 1);
	free(t);
	free(c);
	oracle_check(b, size);
	free(b);
}

/* dt_get_phandle's rules (the first "phandle" if it is 4 bytes, else the
 * first "linux,phandle" if that is, else 0) and dt_node_by_phandle's (the
 * first node in walk order), which the index computes in its own walk; and
 * a path component that names a grandchild before the child. */
static uint8_t *phandle_blob(size_t *size)
{
	struct bb *b = bb_new();
	uint8_t *p;

	bb_begin(b, "");
	bb_begin(b, "a");
	bb_cells(b, "phandle", 1, 5u);
	bb_end(b);
	bb_begin(b, "b"); /* the same phandle again: a wins */
	bb_cells(b, "phandle", 1, 5u);
	bb_begin(b, "b-child"); /* and deeper, later still */
	bb_cells(b, "phandle", 1, 5u);
	bb_end(b);
	bb_end(b);
	bb_begin(b, "c"); /* phandle beats linux,phandle, whatever the order */
	bb_cells(b, "linux,phandle", 1, 7u);
	bb_cells(b, "phandle", 1, 8u);
	bb_end(b);
	bb_begin(b, "d"); /* a malformed phandle: linux,phandle then */
	bb_cells(b, "phandle", 2, 1u, 2u);
	bb_cells(b, "linux,phandle", 1, 9u);
	bb_end(b);
	bb_begin(b, "e"); /* the first of two */
	bb_cells(b, "phandle", 1, 10u);
	bb_cells(b, "phandle", 1, 11u);
	bb_end(b);
	bb_begin(b, "f"); /* the first decides, even when malformed */
	bb_cells(b, "phandle", 2, 1u, 2u);
	bb_cells(b, "phandle", 1, 12u);
	bb_end(b);
	bb_begin(b, "g");
	bb_cells(b, "linux,phandle", 1, 13u);
	bb_cells(b, "linux,phandle", 1, 14u);
	bb_prop_empty(b, "phandlex"); /* names that only start alike */
	bb_cells(b, "phandl", 1, 20u);
	bb_end(b);
	bb_begin(b, "h");
	bb_cells(b, "phandle", 1, 0u);
	bb_end(b);
	bb_begin(b, "i");
	bb_cells(b, "phandle", 1, 0xffffffffu);
	bb_end(b);
	bb_begin(b, "b-child"); /* "/b-child" is this, not b's child before it */
	bb_end(b);
	bb_end(b);
	bb_finish(b);
	p = bb_blob(b, size);
	free(b);
	return p;
}

static void test_index_phandles(void **state)
{
	static const struct {
		const char *path;
		uint32_t ph;
	} want[] = { { "/a", 5 }, { "/b", 5 }, { "/b/b-child", 5 }, { "/c", 8 },
		     { "/d", 9 }, { "/e", 10 }, { "/f", 0 }, { "/g", 13 },
		     { "/h", 0 }, { "/i", 0xffffffffu } };
	static const struct {
		uint32_t ph;
		const char *path; /* NULL: not found */
	} by[] = { { 5, "/a" }, { 7, NULL }, { 8, "/c" }, { 9, "/d" },
		   { 10, "/e" }, { 11, NULL }, { 12, NULL }, { 13, "/g" },
		   { 14, NULL }, { 20, NULL } };
	size_t size, i;
	uint8_t *b = phandle_blob(&size), *c = exact_copy(b, size);
	struct dt dt, plain;
	struct dt_node_info *t = NULL;
	int pass;

	(void)state;
	assert_int_equal(dt_open(&dt, c, size), 0);
	plain = dt;
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1)
			t = index_exact(&dt);
		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			assert_int_equal(dt_get_phandle(&dt, P(&dt, want[i].path)),
					 want[i].ph);
		for (i = 0; i < sizeof(by) / sizeof(by[0]); i++)
			assert_int_equal(dt_node_by_phandle(&dt, by[i].ph),
					 by[i].path ? P(&dt, by[i].path)
						    : -DT_ERR_NOTFOUND);
		assert_int_equal(dt_node_by_phandle(&dt, 0), -DT_ERR_BADPHANDLE);
		assert_int_equal(dt_node_by_phandle(&dt, 0xffffffffu),
				 -DT_ERR_BADPHANDLE);
		assert_int_equal(dt_parent(&dt, P(&dt, "/b-child")), dt.root);
		assert_int_equal(dt_parent(&dt, P(&dt, "/b/b-child")), P(&dt, "/b"));
	}
	compare_index(&plain, &dt, -8, (int)dt.size_struct + 8, 1);
	free(t);
	free(c);
	oracle_check(b, size); /* libfdt has the same rules */
	free(b);
}

/* A strings block that does not end with a NUL (junk after the last name,
 * which nothing refers to): names are then checked by searching for their
 * NUL, not by offset alone, with the same answers. */
static void test_strings_block_tail(void **state)
{
	size_t size;
	struct bb *bb = bb_new();
	uint8_t *b, *c;
	struct dt dt;
	int n;

	(void)state;
	bb_begin(bb, "");
	bb_cells(bb, "#address-cells", 1, 1u);
	bb_cells(bb, "#size-cells", 1, 1u);
	bb_begin(bb, "dev@100");
	bb_prop_str(bb, "compatible", "x,one");
	bb_cells(bb, "reg", 2, 0x100u, 0x10u);
	bb_prop_empty(bb, "ab");
	bb_end(bb);
	bb_end(bb);
	bb_finish(bb);
	bb->strs[bb->strslen++] = 'r';
	bb->strs[bb->strslen++] = 'e';
	bb->strs[bb->strslen++] = 'g'; /* "reg" again, unterminated */
	b = bb_blob(bb, &size);
	free(bb);
	c = exact_copy(b, size);
	assert_int_equal(dt_open(&dt, c, size), 0);
	n = P(&dt, "/dev@100");
	assert_int_equal(dt_find_compatible(&dt, -1, "x,one"), n);
	assert_true(dt_has_prop(&dt, n, "reg"));
	assert_true(dt_has_prop(&dt, n, "ab"));
	assert_false(dt_has_prop(&dt, n, "a"));
	assert_false(dt_has_prop(&dt, n, "abc"));
	assert_false(dt_has_prop(&dt, n, "regreg"));
	free(c);
	oracle_check(b, size);
	free(b);
}

/* Whatever is asked of `dt`, with offsets all over the block: only that it
 * ends, and reads nothing it should not (ASan).  Loops over nodes are
 * bounded here only to report a runaway, which is a failure. */
static void poke(const struct dt *dt)
{
	static int r[NANS];
	/* No walk can take more steps than the blob has words (a damaged dt
	 * may claim a bigger block than that), or, from an index, than it has
	 * entries: what it hands out only ever moves forward. */
	int off, node, steps,
		lim = (int)(dt->totalsize < (1u << 20) ? dt->totalsize : 1u << 20) +
		      (int)(dt->index != NULL ? dt->nindex : 0) + 16;

	(void)ask_tree(dt, r);
	for (off = -4; off < (int)dt->totalsize + 16 && off < (1 << 20); off += 4)
		(void)ask(dt, off, r, NULL);
	for (steps = 0, node = dt_next_node(dt, -1, NULL); node >= 0;
	     node = dt_next_node(dt, node, NULL))
		assert_true(++steps <= lim);
	for (steps = 0, node = dt_find_compatible(dt, -1, "x,one"); node >= 0;
	     node = dt_find_compatible(dt, node, "x,one"))
		assert_true(++steps <= lim);
	for (steps = 0, node = dt_first_child(dt, dt->root); node >= 0;
	     node = dt_next_sibling(dt, node))
		assert_true(++steps <= lim);
}

static uint32_t *info_field(struct dt_node_info *e, uint32_t f)
{
	switch (f) {
	case 0: return &e->off;
	case 1: return &e->body;
	case 2: return &e->parent;
	case 3: return &e->depth;
	default: return &e->phandle;
	}
}

/*
 * A damaged index: the table is caller memory like struct dt, so it can be
 * anything.  Answers may be wrong, but nothing may be read outside the blob
 * or the table's nindex entries (the table sits in a heap block of exactly
 * that size), and every walk must end.
 */
static void test_index_damaged(void **state)
{
	size_t size;
	uint8_t *b = accessor_blob(&size), *c = exact_copy(b, size);
	struct dt dt;
	struct dt_node_info *t, *good;
	uint32_t n, i, k, which;
	uint32_t seed = 12345;
	static const uint32_t vals[] = { 0, 1, 3, 4, 0x7ffffffcu, 0x80000000u,
					 0xfffffffcu, 0xffffffffu, 31, 32, 33 };

	(void)state;
	assert_int_equal(dt_open(&dt, c, size), 0);
	good = index_exact(&dt);
	n = dt.nindex;
	t = malloc(sizeof(*t) * n);
	assert_non_null(t);
	for (k = 0; k < 300; k++) {
		memcpy(t, good, sizeof(*t) * n);
		/* one to three fields of random entries set to a nasty value
		 * or to the same field of another entry */
		for (which = 0; which <= k % 3; which++) {
			uint32_t f, v;

			seed = seed * 1103515245u + 12345u;
			i = (seed >> 8) % n;
			f = (seed >> 4) % 5;
			seed = seed * 1103515245u + 12345u;
			v = (seed & 1) ? vals[(seed >> 8) % (sizeof(vals) / sizeof(vals[0]))]
				       : *info_field(&t[(seed >> 8) % n], f);
			*info_field(&t[i], f) = v;
		}
		dt.index = t;
		dt.nindex = n;
		poke(&dt);
	}
	/* whole-table damage: a cycle of parents, a reversed order, all
	 * depths 0 */
	memcpy(t, good, sizeof(*t) * n);
	for (i = 1; i < n; i++)
		t[i].parent = i;
	poke(&dt);
	for (i = 0; i < n; i++)
		t[i] = good[n - 1 - i];
	t[0] = good[0];
	poke(&dt);
	memcpy(t, good, sizeof(*t) * n);
	for (i = 0; i < n; i++)
		t[i].depth = 0;
	poke(&dt);
	free(t);
	free(good);
	free(c);
	free(b);
}

/* A damaged struct dt, with and without an index: errors or answers, never
 * a read outside the blob; and property lookups still give what the
 * iteration API gives. */
static void test_dt_damaged(void **state)
{
	size_t size;
	uint8_t *b = accessor_blob(&size), *c = exact_copy(b, size);
	struct dt good, dt;
	struct dt_node_info *t;
	int pass, k;

	(void)state;
	assert_int_equal(dt_open(&good, c, size), 0);
	t = malloc(sizeof(*t) * 512);
	assert_non_null(t);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1)
			assert_true(dt_index(&good, t, 512) > 0);
		for (k = 0; k < 14; k++) {
			dt = good;
			switch (k) {
			case 0: dt.size_strings -= 1; break; /* cuts the last NUL */
			case 1: dt.size_strings = 3; break;
			case 2: dt.off_strings += 1; dt.size_strings -= 1; break;
			case 3: dt.off_strings = dt.totalsize; break;
			case 4: dt.size_struct -= 8; break;
			case 5: dt.size_struct = 64; break;
			case 6: dt.off_struct += 4; dt.size_struct -= 4; break;
			case 7: dt.totalsize = dt.off_struct + 8; break;
			case 8: dt.root = 8; break;
			case 9: dt.root = -4; break;
			case 10: dt.size_struct = 0x80000000u; break;
			case 11: dt.totalsize = 0; break;
			case 12: dt.blob = NULL; break;
			case 13: dt.nindex = pass ? 1 : 0; break;
			}
			poke(&dt);
			if (dt.blob != NULL)
				check_getprop_ref(&dt);
		}
	}
	free(t);
	free(c);
	free(b);
}

static void test_strerror(void **state)
{
	int e, f;

	(void)state;
	assert_string_equal(dt_strerror(0), "ok");
	for (e = 1; e <= DT_ERR_MAX_; e++) {
		assert_string_not_equal(dt_strerror(-e), "unknown error");
		for (f = 1; f < e; f++)
			assert_string_not_equal(dt_strerror(-e), dt_strerror(-f));
	}
	assert_string_equal(dt_strerror(1), "unknown error");
	assert_string_equal(dt_strerror(-DT_ERR_MAX_ - 1), "unknown error");
	assert_string_equal(dt_strerror(INT32_MIN), "unknown error");
}

/* An accessor test run again on the tree with a node index. */
#define INDEXED(f) \
	{ #f "_indexed", f, setup_accessor_indexed, teardown_accessor, NULL }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_dtbs),
		cmocka_unit_test(test_qemu_truncated),
		cmocka_unit_test(test_truncated_small),
		cmocka_unit_test(test_header_totalsize),
		cmocka_unit_test(test_mangle_header),
		cmocka_unit_test(test_version16),
		cmocka_unit_test(test_broken_structure),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_nop_before_root),
		cmocka_unit_test(test_rsvmap),
		cmocka_unit_test(test_misaligned_blocks),
		cmocka_unit_test(test_cells_four),
		cmocka_unit_test_setup_teardown(test_acc_oracle, setup_accessor, teardown_accessor),
		cmocka_unit_test_setup_teardown(test_acc_cells_and_reg, setup_accessor, teardown_accessor),
		cmocka_unit_test_setup_teardown(test_acc_status_dma, setup_accessor, teardown_accessor),
		cmocka_unit_test_setup_teardown(test_acc_values, setup_accessor, teardown_accessor),
		cmocka_unit_test_setup_teardown(test_acc_compatible, setup_accessor, teardown_accessor),
		cmocka_unit_test_setup_teardown(test_acc_paths, setup_accessor, teardown_accessor),
		cmocka_unit_test_setup_teardown(test_acc_irqs, setup_accessor, teardown_accessor),
		cmocka_unit_test_setup_teardown(test_acc_memory, setup_accessor, teardown_accessor),
		cmocka_unit_test_setup_teardown(test_acc_bad_offsets, setup_accessor, teardown_accessor),
		INDEXED(test_acc_cells_and_reg),
		INDEXED(test_acc_status_dma),
		INDEXED(test_acc_values),
		INDEXED(test_acc_compatible),
		INDEXED(test_acc_paths),
		INDEXED(test_acc_irqs),
		INDEXED(test_acc_memory),
		INDEXED(test_acc_bad_offsets),
		cmocka_unit_test(test_stdout_forms),
		cmocka_unit_test(test_libfdt_written),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_mutations_accessor_tree),
		cmocka_unit_test(test_irq_variants),
		cmocka_unit_test(test_irq_mutations),
		cmocka_unit_test(test_reserved_tree),
		cmocka_unit_test(test_dma_noncoherent),
		cmocka_unit_test(test_dma_ranges),
		cmocka_unit_test(test_gic_redist_stride),
		cmocka_unit_test(test_gic_rd_walk),
		cmocka_unit_test(test_reserved_cells),
		cmocka_unit_test(test_reserved_initrd),
		cmocka_unit_test(test_reserved_broken),
		cmocka_unit_test(test_reserved_mutations),
		cmocka_unit_test(test_reserved_qemu),
		cmocka_unit_test(test_index_api),
		cmocka_unit_test(test_index_shapes),
		cmocka_unit_test(test_index_phandles),
		cmocka_unit_test(test_strings_block_tail),
		cmocka_unit_test(test_index_damaged),
		cmocka_unit_test(test_dt_damaged),
		cmocka_unit_test(test_reg_many_entries),
		cmocka_unit_test(test_cpu_node_many),
		cmocka_unit_test(test_available),
		cmocka_unit_test(test_available_root),
		cmocka_unit_test(test_irq_map),
		cmocka_unit_test(test_irq_map_mutations),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests_name("fdt", tests, NULL, NULL);
}
