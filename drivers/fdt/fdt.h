/*
 * fdt.h - a read-only, bounds-checked reader for flattened device trees
 * (DTB, Devicetree Specification v0.4 chapter 5, header versions 16 and 17).
 *
 * What it assumes: nothing about the blob.  It may be truncated, corrupt or
 * hostile; every read is checked against the block it belongs to.  The blob
 * is read a byte at a time (big-endian), so it may sit at any alignment and
 * the code is safe before the MMU and caches are on.  No allocation, no
 * mutable global state, no recursion: every walk is a loop over the struct
 * block whose length bounds it, and ancestor chains are bounded by
 * DT_MAX_DEPTH.  Without an index (dt_index) finding a node's parent or a
 * phandle walks the tree from the root; with one, it is a table search.
 *
 * Offsets: a node is named by the offset of its FDT_BEGIN_NODE token from the
 * start of the struct block (the root is normally 0), a property by the
 * offset of its FDT_PROP token - the same numbers libfdt uses.  Offsets are
 * only meaningful for the struct dt they came from; an offset that does not
 * point at the right kind of token is rejected with -DT_ERR_BADOFFSET.
 *
 * Errors are negative: -DT_ERR_*.  dt_strerror() names them.
 *
 * Usage:
 *     struct dt dt;
 *     uint32_t size;
 *     // 1. boot code knows where the blob is but not how big it is
 *     if (dt_header_totalsize(blob, DT_HEADER_SIZE, &size) < 0) ...
 *     // 2. check everything once; after this the tree is well-formed
 *     int err = dt_open(&dt, blob, size);
 *     if (err < 0) panic(dt_strerror(err));
 *     // optional: index the nodes (static table, see dt_index) so that
 *     // per-device lookups do not walk the whole tree each time
 *     static struct dt_node_info nodes[512];
 *     (void)dt_index(&dt, nodes, 512);  // fails cleanly if too small
 *     // 3. ask questions; every answer may still be an error
 *     for (int n = dt_find_compatible(&dt, -1, "virtio,mmio"); n >= 0;
 *          n = dt_find_compatible(&dt, n, "virtio,mmio")) {
 *         uint64_t base, len;
 *         uint32_t cells[4];
 *         int ctrl, ncells;
 *         if (!dt_status_okay(&dt, n) || dt_reg(&dt, n, 0, &base, &len) < 0 ||
 *             dt_irq_spec(&dt, n, 0, &ctrl, cells, 4, &ncells) < 0)
 *             continue;
 *         // then the driver of controller ctrl decodes the cells
 *         ...
 *     }
 *     // values of other properties: dt_getprop() and dt_be32() on the bytes
 */
#ifndef DRIVERS_FDT_FDT_H
#define DRIVERS_FDT_FDT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Wire format (spec 5.2, 5.4.1). */
#define DT_MAGIC 0xd00dfeedu
#define DT_HEADER_SIZE 40u     /* version 17 */
#define DT_HEADER_SIZE_V16 36u /* version 16 lacks size_dt_struct */
#define DT_TOKEN_BEGIN_NODE 1u
#define DT_TOKEN_END_NODE 2u
#define DT_TOKEN_PROP 3u
#define DT_TOKEN_NOP 4u
#define DT_TOKEN_END 9u

/* Deepest nesting dt_open() accepts (the root counts as one level).  Walks
 * that need a node's ancestors keep them in an array of this size. */
#define DT_MAX_DEPTH 32

/* Error codes; functions return their negation. */
enum {
	DT_ERR_TRUNCATED = 1, /* blob or block ends before data it must hold */
	DT_ERR_BADMAGIC,      /* not a device tree */
	DT_ERR_BADVERSION,    /* header version not readable by this code */
	DT_ERR_BADOFFSET,     /* header offset/size outside the blob, misaligned
	                         or overlapping; or an argument that is not the
	                         offset of a node (property) */
	DT_ERR_BADSTRUCTURE,  /* unknown token, unbalanced nodes, property
	                         outside a node or after a subnode, bad name */
	DT_ERR_BADSTRING,     /* property name not NUL-terminated in strings */
	DT_ERR_DEPTH,         /* nesting (or a chain of links) too deep */
	DT_ERR_NOTFOUND,      /* no such node, property or entry */
	DT_ERR_BADVALUE,      /* property has the wrong size or a bad value */
	DT_ERR_BADPATH,       /* empty path */
	DT_ERR_BADPHANDLE,    /* phandle 0 or 0xffffffff */
	DT_ERR_NOTRANSLATION, /* address not mapped by the parents' "ranges" */
	DT_ERR_NOSPACE,       /* caller's array too small */
	DT_ERR_BADARG,        /* NULL where a pointer is required */
	DT_ERR_MAX_ = DT_ERR_BADARG
};

/* One node in a dt_index() table.  Entries are in walk (= offset) order, so
 * entry 0 is the root; treat them as read-only. */
struct dt_node_info {
	uint32_t off;     /* the node's offset */
	uint32_t body;    /* offset of its first token after the name */
	uint32_t parent;  /* index of the parent's entry; DT_NO_PARENT: root */
	uint32_t depth;   /* root 0, its children 1, ... */
	uint32_t phandle; /* dt_get_phandle() of the node */
};
#define DT_NO_PARENT 0xffffffffu

/* An opened blob.  Fields are copied from the validated header; treat them as
 * read-only.  index/nindex: the table dt_index() filled, or NULL/0. */
struct dt {
	const uint8_t *blob;
	uint32_t totalsize;
	uint32_t off_struct, size_struct;
	uint32_t off_strings, size_strings;
	uint32_t off_mem_rsvmap;
	int root; /* offset of the root node in the struct block */
	const struct dt_node_info *index;
	uint32_t nindex;
};

/* Big-endian loads a byte at a time: property values are only 4-aligned
 * relative to the blob, which itself may be anywhere. */
static inline uint32_t dt_be32(const void *p)
{
	const uint8_t *b = (const uint8_t *)p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static inline uint64_t dt_be64(const void *p)
{
	const uint8_t *b = (const uint8_t *)p;
	return (uint64_t)dt_be32(b) << 32 | dt_be32(b + 4);
}

const char *dt_strerror(int err);

/* ---- Opening ------------------------------------------------------------ */
/* Size the header claims, after checking the magic; avail >= 8 needed. */
int dt_header_totalsize(const void *blob, size_t avail, uint32_t *out);
/* Validate header, reservation map and the whole struct block; 0 or -err.
 * avail is how many bytes from blob may be read. On failure *dt is zeroed. */
int dt_open(struct dt *dt, const void *blob, size_t avail);

/*
 * Optional: a table of every node, built in one validated walk, after which
 * the lookups that otherwise walk the tree from its root are binary searches
 * and short climbs: dt_parent, dt_node_depth, dt_next_node, dt_first_child,
 * dt_next_sibling, dt_node_by_phandle, dt_find_compatible, and through them
 * dt_reg, dt_dma_coherent, dt_dma_translated, dt_interrupt_parent,
 * dt_irq_spec and paths; and
 * property lookups skip the node's name.  `table` (max entries, caller's
 * memory, e.g. static; no allocation) must live as long as *dt uses it;
 * dt_open() forgets it.  Returns the node count, or -DT_ERR_NOSPACE if the
 * tree has more than max nodes (or another -err): then *dt has no index and
 * works as before, and the table holds nothing useful (nothing is written
 * past table[max - 1]).  dt_index(dt, NULL, 0) drops the index.
 *
 * Every answer for a node's offset is the same with or without the index.
 * An offset that is not a node's is -DT_ERR_BADOFFSET (false, NULL) for
 * every accessor with the index; without it only the ones that climb the
 * tree (dt_parent, dt_node_depth, dt_reg*, dt_dma_coherent,
 * dt_dma_translated) know that, and
 * the others read whatever token is there (inside the blob, as always).
 * Reads through the table stay inside its nindex entries and every offset
 * taken from it is checked like a caller's, so a damaged table can give
 * wrong answers but not a read outside the blob or a loop without end.
 */
int dt_index(struct dt *dt, struct dt_node_info *table, unsigned max);

/* Memory reservation map entry idx; -DT_ERR_NOTFOUND past the last one. */
int dt_mem_rsv(const struct dt *dt, unsigned idx, uint64_t *addr,
	       uint64_t *size);

/* ---- Walking nodes -------------------------------------------------------- */
/* Next node in depth-first order.  node < 0 starts at the root and sets
 * *depth = 0; otherwise *depth (may be NULL) is adjusted by the change in
 * nesting: +1 into a child, 0 to a sibling, -k when climbing out.  Returns
 * -DT_ERR_NOTFOUND after the last node. */
int dt_next_node(const struct dt *dt, int node, int *depth);
int dt_first_child(const struct dt *dt, int node);
int dt_next_sibling(const struct dt *dt, int node);
int dt_parent(const struct dt *dt, int node); /* root: -DT_ERR_NOTFOUND */
/* Nesting level: root 0, its children 1, ... */
int dt_node_depth(const struct dt *dt, int node);
/* Full name with unit address ("virtio_mmio@a003e00"; root ""); len may be
 * NULL.  NULL and *len = -err on a bad offset. */
const char *dt_node_name(const struct dt *dt, int node, int *len);

/* ---- Properties ----------------------------------------------------------- */
/* Value of property `name`, *len (may be NULL) = its length.  NULL with
 * *len = -DT_ERR_NOTFOUND if absent (or another -err). */
const void *dt_getprop(const struct dt *dt, int node, const char *name,
		       int *len);
/* Same, with a name that need not be NUL-terminated. */
const void *dt_getprop_namelen(const struct dt *dt, int node,
			       const char *name, size_t namelen, int *len);
bool dt_has_prop(const struct dt *dt, int node, const char *name);
/* 0, -DT_ERR_NOTFOUND, or -DT_ERR_BADVALUE if the value is not 4 bytes. */
int dt_prop_u32(const struct dt *dt, int node, const char *name,
		uint32_t *out);
/* The value if it holds a NUL (its first string), else NULL. */
const char *dt_prop_string(const struct dt *dt, int node, const char *name);
/* Property iteration: offsets of FDT_PROP tokens, in blob order. */
int dt_first_prop(const struct dt *dt, int node);
int dt_next_prop(const struct dt *dt, int prop);
const void *dt_prop_by_offset(const struct dt *dt, int prop,
			      const char **name, int *len);

/* ---- Finding nodes ------------------------------------------------------- */
/* 1 if one string of the node's "compatible" list equals compat, 0 if not,
 * -err on a bad node.  A final string without its NUL still counts. */
int dt_node_is_compatible(const struct dt *dt, int node, const char *compat);
/* First compatible node after `after` in walk order (-1: from the start). */
int dt_find_compatible(const struct dt *dt, int after, const char *compat);
/* "/a/b@1" from the root; a component without '@' also matches a name with
 * a unit address ("/memory" finds "memory@40000000").  A path not starting
 * with '/' begins with an alias from /aliases ("serial0/child").  pathlen
 * bytes of path are used; no NUL needed. */
int dt_path_offset(const struct dt *dt, const char *path, size_t pathlen);
/* "phandle" or else "linux,phandle"; 0 if neither (or malformed). */
uint32_t dt_get_phandle(const struct dt *dt, int node);
int dt_node_by_phandle(const struct dt *dt, uint32_t phandle);

/* ---- Addresses ----------------------------------------------------------- */
/* The node's own #address-cells (absent: 2) / #size-cells (absent: 1), which
 * govern its children's "reg".  Values above 4 are -DT_ERR_BADVALUE. */
int dt_addr_cells(const struct dt *dt, int node);
int dt_size_cells(const struct dt *dt, int node);
/* Number of entries in "reg" (per the parent's cells). */
int dt_reg_count(const struct dt *dt, int node);
/* Entry idx of "reg" as written, in the parent bus's address space.  Cells
 * beyond two must be zero (-DT_ERR_BADVALUE otherwise); #size-cells 0 gives
 * size 0; #address-cells 0 is -DT_ERR_BADVALUE.  addr/size may be NULL. */
int dt_reg_raw(const struct dt *dt, int node, unsigned idx, uint64_t *addr,
	       uint64_t *size);
/* Same, translated to a CPU address through every ancestor's "ranges"
 * (empty = identity; absent, or no window holding the whole range:
 * -DT_ERR_NOTRANSLATION). */
int dt_reg(const struct dt *dt, int node, unsigned idx, uint64_t *addr,
	   uint64_t *size);

/* ---- Device properties ---------------------------------------------------- */
/* "status" absent, "okay" or "ok". */
bool dt_status_okay(const struct dt *dt, int node);
/* dt_status_okay on the node and on every ancestor below the root: a device
 * on a bus whose status says it is not operational (spec 2.3.4) is not
 * operational either, and Linux's of_platform_populate creates no device
 * below a bus it did not create (it starts at the root's children, whose
 * own status it never reads).  False for a bad offset. */
bool dt_available(const struct dt *dt, int node);
/* "dma-coherent" on the node or an ancestor, unless a nearer one says
 * "dma-noncoherent" (the nearest that says either decides, as in Linux). */
bool dt_dma_coherent(const struct dt *dt, int node);
/*
 * Whether a bus above the node translates the addresses the node's DMA
 * uses ("dma-ranges", spec 2.3.9: entries of child bus address, parent bus
 * address, length, in the bus's #address-cells, its parent's
 * #address-cells and its #size-cells).  Read on every ancestor from the
 * node's parent up to the root, the root included: 0 when each one's
 * "dma-ranges" is absent, empty (identity) or has only entries whose child
 * and parent addresses are equal, so the device's DMA addresses are the
 * CPU's physical ones; 1 when an entry's addresses differ (an offset);
 * -DT_ERR_BADVALUE when one cannot be read (a length not a multiple of the
 * entry, a #address-cells or #size-cells that is not 4 bytes, above 4 or
 * 0, an address or length wider than 64 bits), so nothing can be said;
 * with 1 or -DT_ERR_BADVALUE, *bus (may be NULL) is the nearest such bus,
 * else -1.  Other -DT_ERR_* for a bad offset or a broken tree.  Which
 * memory the windows reach is not judged, only whether addresses move.
 */
int dt_dma_translated(const struct dt *dt, int node, int *bus);

/* Interrupts */
/* The controller that the node's "interrupts" go to: the node's own
 * "interrupt-parent", else its tree parent; from there, repeated until a
 * node with "#interrupt-cells" is reached (the Linux rule), so a node
 * without the property inherits its nearest ancestor's, and a parent that
 * is itself a controller takes its children's interrupts.  Says nothing
 * about "interrupts-extended", whose entries name their controllers. */
int dt_interrupt_parent(const struct dt *dt, int node);
/*
 * Entry idx of the node's interrupts, undecoded: the controller's node in
 * *ctrl, its #interrupt-cells in *ncells and the entry's cells (as CPU
 * values) in cells[0..*ncells-1].  What the cells mean is the controller's
 * business (its driver decodes them: drivers/irqchip), so the caller
 * checks *ctrl is a controller it knows before decoding; when *ctrl is an
 * interrupt nexus (a bus with "interrupt-map"), dt_irq_map() below takes
 * the entry on to the controller behind it.  Read from
 * "interrupts-extended" when the node has one (spec 2.4.1.3: it takes
 * precedence over "interrupts" and "interrupt-parent"; each entry is a
 * controller phandle followed by that controller's #interrupt-cells
 * cells), else from "interrupts" with the controller dt_interrupt_parent()
 * finds, whose #interrupt-cells sizes every entry.  A controller of
 * #interrupt-cells 0 is a valid interrupts-extended entry (no cells), but
 * gives "interrupts" no size: -DT_ERR_BADVALUE.
 * Errors: -DT_ERR_NOTFOUND when the node has neither property or idx is
 * past the last entry (or a phandle names no node); -DT_ERR_BADPHANDLE
 * for a phandle 0 or 0xffffffff; -DT_ERR_BADVALUE for an
 * interrupts-extended whose length is not a multiple of 4 or whose entry
 * runs past its end, an "interrupts" whose length is not a multiple of
 * its entries' size, an interrupt-parent that is not 4 bytes, a
 * controller without a 4-byte #interrupt-cells (an interrupts-extended
 * phandle to a node that is no controller); -DT_ERR_DEPTH for an
 * interrupt-parent loop; -DT_ERR_NOSPACE when the entry has more cells
 * than maxcells (then *ncells, and only it, is set to the number needed);
 * -DT_ERR_BADARG for a NULL dt, ctrl or ncells, maxcells < 0, or cells
 * NULL with maxcells > 0; other -DT_ERR_* from reading the tree.  Outputs
 * are written only on success (and *ncells on NOSPACE).  Entries before
 * idx are stepped over by their own controllers' sizes, whatever those
 * are; only entry idx must fit.
 */
int dt_irq_spec(const struct dt *dt, int node, unsigned idx, int *ctrl,
		uint32_t *cells, int maxcells, int *ncells);
/* The same entries one after another, each without stepping over the ones
 * before it (dt_irq_spec's idx costs a controller lookup per earlier
 * "interrupts-extended" entry, so reading all n is O(n^2) lookups that
 * way): *cursor = 0 names entry 0; each call reads the entry *cursor names,
 * with dt_irq_spec's answers and errors, and on success or -DT_ERR_NOSPACE
 * moves *cursor to the next entry (so an entry too big for cells can be
 * stepped over); -DT_ERR_NOTFOUND past the last.  *cursor is opaque (a
 * byte offset or an index) and only meaningful for this node. */
int dt_irq_spec_next(const struct dt *dt, int node, uint32_t *cursor,
		     int *ctrl, uint32_t *cells, int maxcells, int *ncells);

/*
 * Follow an interrupt that dt_irq_spec read for `node` through interrupt
 * nexus nodes to the controller that takes it (spec 2.4.3, as Linux's
 * of_irq_parse_raw reads it).  In: *ctrl and cells[0..*ncells-1] as
 * dt_irq_spec gave them (*ncells <= maxcells).  While *ctrl has an
 * "interrupt-map" and no "interrupt-controller" it is a nexus: the key is
 * the unit address (the nexus's #address-cells, default 2; at the first
 * nexus the first cells of node's "reg", zero where "reg" has fewer or
 * none; further on the parent unit address of the entry that matched)
 * followed by the specifier, masked by "interrupt-map-mask" (absent: all
 * ones); the first entry whose child unit address and specifier equal the
 * masked key, and whose interrupt parent's status is okay, gives the new
 * controller (its phandle) and the new key (that parent's #address-cells
 * cells, 0 when it has none, then its #interrupt-cells cells).  An entry
 * that maps a nexus to itself ends the walk there.  On success *ctrl,
 * cells and *ncells hold the result (unchanged when *ctrl is no nexus).
 * Errors: -DT_ERR_NOTFOUND when no entry matches (or a phandle names no
 * node); -DT_ERR_BADVALUE for a map whose length is not whole entries, a
 * mask of the wrong length, a parent without a 4-byte #interrupt-cells, or
 * more than 16 cells of unit address and specifier on one side (Linux's
 * limit); -DT_ERR_BADPHANDLE; -DT_ERR_DEPTH after 8 nexus hops or when one
 * map names more than 16 interrupt parents in turn (each a search of the
 * tree without an index); -DT_ERR_NOSPACE when the result has more cells
 * than maxcells (then only *ncells is set, to that count); -DT_ERR_BADARG.
 * On any error *ctrl and cells are unchanged.
 */
int dt_irq_map(const struct dt *dt, int node, int *ctrl, uint32_t *cells,
	       int maxcells, int *ncells);

/* ---- Board-level helpers ---------------------------------------------------- */
struct dt_mem {
	uint64_t base, size;
};
/* Every non-empty "reg" range of the root's children whose device_type is
 * "memory" and whose status is okay.  Returns the count stored, or
 * -DT_ERR_NOSPACE (after filling out[0..max-1]) if there are more. */
int dt_memory(const struct dt *dt, struct dt_mem *out, int max);
/* Why a range is reserved, for the boot log. */
enum dt_rsv_kind { DT_RSV_MEMRESERVE, DT_RSV_NODE, DT_RSV_INITRD };
struct dt_rsv {
	uint64_t base, size;
	enum dt_rsv_kind kind;
};
/* Every range the device tree says must not be used as general memory, in
 * this order:
 *  - the /memreserve/ block entries (dt_mem_rsv), as written (an entry that
 *    runs past 2^64 is passed on; the caller clips it).  The map ends at
 *    the all-zero entry (spec 5.3.2), not at the first one of size 0 as
 *    in libfdt's fdt_num_mem_rsv and Linux: entries after an empty one
 *    still count, which can only reserve more;
 *  - each "reg" range of the children of /reserved-memory whose status is
 *    okay, read with /reserved-memory's #address-cells/#size-cells and
 *    translated through its "ranges" like dt_reg (the binding asks for an
 *    empty "ranges"; if there is none the addresses are taken as CPU
 *    addresses rather than dropped, since dropping one would hand reserved
 *    memory out; a "ranges" that does not map one is
 *    -DT_ERR_NOTRANSLATION).  Children with only "size" and no "reg" are dynamic
 *    allocations and are skipped;
 *  - the initrd from /chosen linux,initrd-start and linux,initrd-end (each
 *    a 32- or 64-bit big-endian value, by property length 4 or 8; end is
 *    exclusive and must be > start, else the pair is skipped, as it is when
 *    either is absent or there is no /chosen).
 * Zero-size ranges are skipped.  Returns the count stored, or
 * -DT_ERR_NOSPACE after filling out[0..max-1] when there are more; other
 * negative DT_ERR_* on a broken tree (e.g. -DT_ERR_BADVALUE for a "reg" or
 * an initrd property of the wrong length), after which out[] holds an
 * unknown prefix of the list.  Never reads outside the blob. */
int dt_reserved(const struct dt *dt, struct dt_rsv *out, int max);
/* The /cpus child with device_type "cpu" whose reg is id (a RISC-V hart
 * ID, an ARM MPIDR affinity), read raw: /cpus has #size-cells 0 and no
 * ranges.  -DT_ERR_NOTFOUND when there is none. */
int dt_cpu_node(const struct dt *dt, uint64_t id);
/* /chosen bootargs, or NULL. */
const char *dt_bootargs(const struct dt *dt);
/* Node named by /chosen stdout-path (or linux,stdout-path): options after
 * ':' dropped, an alias or a full path. */
int dt_stdout_node(const struct dt *dt);

#endif
