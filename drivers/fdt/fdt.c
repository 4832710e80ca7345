/*
 * fdt.c - read-only, bounds-checked device-tree reader.  See fdt.h.
 *
 * Discipline: dt_open() checks the header, the reservation map and the whole
 * struct block once, so a blob that opens is well-formed.  The accessors
 * check every read again anyway, through one primitive (dt_span) that turns
 * "offset and length inside a block" into a pointer or NULL, because a
 * struct dt is plain data a caller can damage, and node offsets come from
 * callers.  All arithmetic on offsets is done so that it cannot wrap: sizes
 * are compared with what remains, never added first and compared after.
 *
 * Assumes only a freestanding C11 environment with memcmp, memchr and strlen.
 * Every loop over tokens advances by at least 4 bytes, so it ends within
 * size_struct / 4 steps; every climb up the tree is bounded by DT_MAX_DEPTH.
 */
#include "fdt.h"

#include <string.h>

/* Header word offsets (spec 5.2). */
enum {
	HDR_MAGIC = 0,
	HDR_TOTALSIZE = 4,
	HDR_OFF_STRUCT = 8,
	HDR_OFF_STRINGS = 12,
	HDR_OFF_RSVMAP = 16,
	HDR_VERSION = 20,
	HDR_LAST_COMP = 24,
	HDR_BOOT_CPUID = 28,
	HDR_SIZE_STRINGS = 32,
	HDR_SIZE_STRUCT = 36,
};

#define RSV_ENTRY_SIZE 16u
#define FIRST_VERSION 16u /* oldest layout we can read (no size_dt_struct) */
#define LAST_COMP_VERSION 17u
/* interrupt-parent chains may jump around the tree; cap the hops. */
#define MAX_IRQ_HOPS (2 * DT_MAX_DEPTH)
#define GIC_SPI_MAX 988u /* SPI IDs 32..1019 */
#define GIC_PPI_MAX 16u  /* PPI IDs 16..31 */

/* [off, off+len) lies inside [0, size), written so nothing can wrap. */
static bool range_ok(uint32_t size, uint32_t off, uint32_t len)
{
	return off <= size && len <= size - off;
}

/*
 * The one way to reach blob bytes: `len` bytes at `off` inside the block
 * [base, base + bsize), which itself must lie inside the blob.  NULL if any
 * of it does not.  Used with (0, totalsize) for the header and reservation
 * map, and with the struct and strings blocks' bounds.
 */
static const uint8_t *dt_span(const struct dt *dt, uint32_t base,
			      uint32_t bsize, uint32_t off, uint32_t len)
{
	if (dt == NULL || dt->blob == NULL ||
	    !range_ok(dt->totalsize, base, bsize) || !range_ok(bsize, off, len))
		return NULL;
	return dt->blob + base + off;
}

static const uint8_t *struct_span(const struct dt *dt, uint32_t off,
				  uint32_t len)
{
	return dt_span(dt, dt->off_struct, dt->size_struct, off, len);
}

/* NUL-terminated string starting at `off` in a block: the search for the NUL
 * never leaves the block.  Returns NULL and *err if there is none. */
static const char *block_string(const struct dt *dt, uint32_t base,
				uint32_t bsize, uint32_t off, uint32_t *len,
				int *err)
{
	const uint8_t *p = dt_span(dt, base, bsize, off, 1);
	const uint8_t *nul;

	if (p == NULL) {
		*err = -DT_ERR_BADOFFSET;
		return NULL;
	}
	nul = memchr(p, 0, bsize - off);
	if (nul == NULL) {
		*err = -DT_ERR_BADSTRING;
		return NULL;
	}
	*len = (uint32_t)(nul - p);
	return (const char *)p;
}

/* A property name from the strings block. */
static const char *prop_name(const struct dt *dt, uint32_t nameoff,
			     uint32_t *len, int *err)
{
	return block_string(dt, dt->off_strings, dt->size_strings, nameoff,
			    len, err);
}

/*
 * Decode the token at struct offset `off`: returns the token (> 0) and the
 * offset of the following token in *next, or -err.  Checks that the token's
 * payload (node name, property header and value, padding) lies inside the
 * struct block; unknown tokens are -DT_ERR_BADSTRUCTURE.
 */
static int next_tag(const struct dt *dt, int off, int *next)
{
	const uint8_t *p;
	uint32_t u, tag, len, aligned;
	int err;

	if (off < 0 || (off & 3) != 0)
		return -DT_ERR_BADOFFSET;
	u = (uint32_t)off;
	p = struct_span(dt, u, 4);
	if (p == NULL)
		return -DT_ERR_TRUNCATED;
	tag = dt_be32(p);
	u += 4;
	switch (tag) {
	case DT_TOKEN_BEGIN_NODE:
		if (block_string(dt, dt->off_struct, dt->size_struct, u, &len,
				 &err) == NULL)
			return -DT_ERR_TRUNCATED;
		u += len + 1;
		break;
	case DT_TOKEN_PROP:
		p = struct_span(dt, u, 8);
		if (p == NULL)
			return -DT_ERR_TRUNCATED;
		len = dt_be32(p);
		u += 8;
		if (struct_span(dt, u, len) == NULL)
			return -DT_ERR_TRUNCATED;
		u += len;
		break;
	case DT_TOKEN_END_NODE:
	case DT_TOKEN_NOP:
	case DT_TOKEN_END:
		break;
	default:
		return -DT_ERR_BADSTRUCTURE;
	}
	/* u <= size_struct <= INT32_MAX here, so rounding up cannot wrap. */
	aligned = (u + 3u) & ~3u;
	if (aligned > dt->size_struct)
		return -DT_ERR_TRUNCATED;
	*next = (int)aligned;
	return (int)tag;
}

/* An offset handed in by a caller names a token inside the struct block. */
static bool offset_ok(const struct dt *dt, int off)
{
	return off >= 0 && (off & 3) == 0 && (uint32_t)off < dt->size_struct;
}

/* Offset just past a node's BEGIN_NODE token and name, or -err. */
static int node_body(const struct dt *dt, int node)
{
	int next, tag;

	if (!offset_ok(dt, node))
		return -DT_ERR_BADOFFSET;
	tag = next_tag(dt, node, &next);

	if (tag < 0)
		return tag;
	if (tag != (int)DT_TOKEN_BEGIN_NODE)
		return -DT_ERR_BADOFFSET;
	return next;
}

/* Value, name offset and length of the property whose token is at `prop`. */
static const uint8_t *prop_value(const struct dt *dt, int prop,
				 uint32_t *nameoff, uint32_t *len)
{
	const uint8_t *p = struct_span(dt, (uint32_t)prop + 4, 8);

	if (p == NULL)
		return NULL;
	*len = dt_be32(p);
	*nameoff = dt_be32(p + 4);
	return struct_span(dt, (uint32_t)prop + 12, *len);
}

/* Skip NOPs from `off`; returns the offset of the next property of the node
 * being scanned, or -DT_ERR_NOTFOUND at its first subnode or end. */
static int scan_prop(const struct dt *dt, int off)
{
	int next, tag;

	for (;;) {
		tag = next_tag(dt, off, &next);
		if (tag < 0)
			return tag;
		if (tag == (int)DT_TOKEN_PROP)
			return off;
		if (tag != (int)DT_TOKEN_NOP)
			return -DT_ERR_NOTFOUND;
		off = next;
	}
}

/*
 * anc[0] = root ... anc[*n - 1] = node: the node's ancestor chain, found by
 * walking from the root because the format has no parent links.
 */
static int ancestors(const struct dt *dt, int node, int anc[DT_MAX_DEPTH],
		     int *n)
{
	int off, next, tag, depth = 0;

	if (node < 0)
		return -DT_ERR_BADOFFSET;
	for (off = dt->root;; off = next) {
		tag = next_tag(dt, off, &next);
		if (tag < 0)
			return tag;
		if (off > node)
			return -DT_ERR_BADOFFSET; /* walked past: not a node */
		switch (tag) {
		case DT_TOKEN_BEGIN_NODE:
			if (depth >= DT_MAX_DEPTH)
				return -DT_ERR_DEPTH;
			anc[depth++] = off;
			if (off == node) {
				*n = depth;
				return 0;
			}
			break;
		case DT_TOKEN_END_NODE:
			if (--depth <= 0)
				return -DT_ERR_BADOFFSET;
			break;
		case DT_TOKEN_END:
			return -DT_ERR_BADOFFSET;
		default:
			break;
		}
	}
}

/* Reads n big-endian cells as one number; cells above the low two must be
 * zero, since we have nowhere to put them. */
static int read_cells(const uint8_t *p, uint32_t n, uint64_t *out)
{
	uint64_t v = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (n - i > 2 && dt_be32(p + 4 * i) != 0)
			return -DT_ERR_BADVALUE;
		v = v << 32 | dt_be32(p + 4 * i);
	}
	*out = v;
	return 0;
}

/* "okay" etc. inside a property value: the value's first string, bounded by
 * the value so a missing NUL is handled. */
static bool value_string_eq(const void *val, int len, const char *s)
{
	size_t n = strlen(s);

	return val != NULL && len >= 0 && (size_t)len > n &&
	       memcmp(val, s, n) == 0 && ((const char *)val)[n] == '\0';
}

/* ------------------------------------------------------------------------ */

const char *dt_strerror(int err)
{
	static const char *const names[] = {
		[0] = "ok",
		[DT_ERR_TRUNCATED] = "truncated",
		[DT_ERR_BADMAGIC] = "bad magic",
		[DT_ERR_BADVERSION] = "unsupported version",
		[DT_ERR_BADOFFSET] = "bad offset",
		[DT_ERR_BADSTRUCTURE] = "bad structure",
		[DT_ERR_BADSTRING] = "unterminated string",
		[DT_ERR_DEPTH] = "too deep",
		[DT_ERR_NOTFOUND] = "not found",
		[DT_ERR_BADVALUE] = "bad property value",
		[DT_ERR_BADPATH] = "bad path",
		[DT_ERR_BADPHANDLE] = "bad phandle",
		[DT_ERR_NOTRANSLATION] = "address not translatable",
		[DT_ERR_NOSPACE] = "no space",
		[DT_ERR_BADARG] = "bad argument",
	};

	if (err > 0 || err < -DT_ERR_MAX_)
		return "unknown error";
	return names[-err];
}

/* Header word at byte `off`; false if the bytes we may read end first. */
static bool hdr_word(const struct dt *dt, uint32_t off, uint32_t *v)
{
	const uint8_t *p = dt_span(dt, 0, dt->totalsize, off, 4);

	if (p == NULL)
		return false;
	*v = dt_be32(p);
	return true;
}

/* What the caller lets us read, as a block size (blobs are < 2 GiB).  The
 * split shift tests for bits above 31 without a comparison that is always
 * false where size_t has 32 bits. */
static uint32_t avail32(size_t avail)
{
	return (avail >> 16 >> 16) != 0 ? UINT32_MAX : (uint32_t)avail;
}

int dt_header_totalsize(const void *blob, size_t avail, uint32_t *out)
{
	struct dt dt = { 0 };
	uint32_t magic, size;

	if (blob == NULL || out == NULL)
		return -DT_ERR_BADARG;
	dt.blob = blob;
	dt.totalsize = avail32(avail);
	if (!hdr_word(&dt, HDR_MAGIC, &magic))
		return -DT_ERR_TRUNCATED;
	if (magic != DT_MAGIC)
		return -DT_ERR_BADMAGIC;
	if (!hdr_word(&dt, HDR_TOTALSIZE, &size))
		return -DT_ERR_TRUNCATED;
	if (size < DT_HEADER_SIZE_V16)
		return -DT_ERR_TRUNCATED;
	*out = size;
	return 0;
}

/* Header fields, version and sizes; fills dt's block bounds.  Until the
 * header's totalsize is trusted, dt->totalsize holds what the caller lets us
 * read, so even the header goes through dt_span.  For a v16 blob
 * size_struct is provisional (to the end of the blob) until the walk. */
static int check_header(struct dt *dt, const uint8_t *b, size_t avail,
			uint32_t *hdrsize)
{
	uint32_t magic, version, last_comp, total;

	dt->blob = b;
	dt->totalsize = avail32(avail);
	if (!hdr_word(dt, HDR_MAGIC, &magic))
		return -DT_ERR_TRUNCATED;
	if (magic != DT_MAGIC)
		return -DT_ERR_BADMAGIC;
	if (!hdr_word(dt, HDR_VERSION, &version) ||
	    !hdr_word(dt, HDR_LAST_COMP, &last_comp))
		return -DT_ERR_TRUNCATED;
	/* A newer blob is fine as long as it says a v17 reader can read it. */
	if (version < FIRST_VERSION || last_comp > LAST_COMP_VERSION ||
	    last_comp > version)
		return -DT_ERR_BADVERSION;
	*hdrsize = version >= 17 ? DT_HEADER_SIZE : DT_HEADER_SIZE_V16;
	if (dt_span(dt, 0, dt->totalsize, 0, *hdrsize) == NULL)
		return -DT_ERR_TRUNCATED;
	(void)hdr_word(dt, HDR_TOTALSIZE, &total);
	if (total < *hdrsize || total > dt->totalsize)
		return -DT_ERR_TRUNCATED;
	if (total > (uint32_t)INT32_MAX) /* offsets are ints */
		return -DT_ERR_BADOFFSET;
	dt->totalsize = total;

	(void)hdr_word(dt, HDR_OFF_STRUCT, &dt->off_struct);
	(void)hdr_word(dt, HDR_OFF_STRINGS, &dt->off_strings);
	(void)hdr_word(dt, HDR_OFF_RSVMAP, &dt->off_mem_rsvmap);
	(void)hdr_word(dt, HDR_SIZE_STRINGS, &dt->size_strings);

	/* Blocks start after the header, at their spec alignment (5.1). */
	if (dt->off_mem_rsvmap < *hdrsize || (dt->off_mem_rsvmap & 7) != 0 ||
	    !range_ok(total, dt->off_mem_rsvmap, RSV_ENTRY_SIZE))
		return -DT_ERR_BADOFFSET;
	if (dt->off_struct < *hdrsize || (dt->off_struct & 3) != 0 ||
	    dt->off_struct > total)
		return -DT_ERR_BADOFFSET;
	if (version >= 17) {
		(void)hdr_word(dt, HDR_SIZE_STRUCT, &dt->size_struct);
		if (!range_ok(total, dt->off_struct, dt->size_struct))
			return -DT_ERR_BADOFFSET;
	} else {
		dt->size_struct = total - dt->off_struct;
	}
	if (dt->off_strings < *hdrsize ||
	    !range_ok(total, dt->off_strings, dt->size_strings))
		return -DT_ERR_BADOFFSET;
	return 0;
}

static bool overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	/* Both ranges are known to lie inside the blob, so no wrap. */
	return alen != 0 && blen != 0 && a < b + blen && b < a + alen;
}

/* The three blocks must not share bytes: a writer that produced that has
 * lost track of its own layout. */
static int check_layout(const struct dt *dt, uint32_t maplen)
{
	if (overlap(dt->off_struct, dt->size_struct, dt->off_strings,
		    dt->size_strings) ||
	    overlap(dt->off_mem_rsvmap, maplen, dt->off_struct,
		    dt->size_struct) ||
	    overlap(dt->off_mem_rsvmap, maplen, dt->off_strings,
		    dt->size_strings))
		return -DT_ERR_BADOFFSET;
	return 0;
}

/* Reservation map: 16-byte entries up to an all-zero one, which must come
 * before the next block (or the end of the blob): a map without its
 * terminator would otherwise be read on into the tree.  Returns the map's
 * length in bytes. */
static int check_rsvmap(const struct dt *dt, uint32_t *maplen)
{
	uint32_t off = dt->off_mem_rsvmap, limit = dt->totalsize;
	const uint8_t *p;

	if (dt->off_struct >= off && dt->off_struct < limit)
		limit = dt->off_struct;
	if (dt->off_strings >= off && dt->off_strings < limit &&
	    dt->size_strings != 0)
		limit = dt->off_strings;
	for (;;) {
		p = dt_span(dt, 0, limit, off, RSV_ENTRY_SIZE);
		if (p == NULL)
			return -DT_ERR_TRUNCATED;
		off += RSV_ENTRY_SIZE;
		if (dt_be64(p) == 0 && dt_be64(p + 8) == 0)
			break;
	}
	*maplen = off - dt->off_mem_rsvmap;
	return 0;
}

/*
 * One pass over the struct block: every token decodes inside the block,
 * every property name is a terminated string in the strings block, nodes
 * balance within DT_MAX_DEPTH, there is exactly one root, properties come
 * before subnodes (spec 5.4.2; readers like libfdt stop looking at the first
 * subnode), and FDT_END is the last token.  Returns the block's used length.
 */
static int check_struct(struct dt *dt, uint32_t *used)
{
	int off = 0, next, tag, depth = 0;
	int prev = (int)DT_TOKEN_NOP; /* last token other than NOP */
	bool seen_root = false;
	const char *name;
	uint32_t len, nameoff;
	int err;

	for (;; off = next) {
		tag = next_tag(dt, off, &next);
		if (tag < 0)
			return tag;
		switch (tag) {
		case DT_TOKEN_BEGIN_NODE:
			name = block_string(dt, dt->off_struct, dt->size_struct,
					    (uint32_t)off + 4, &len, &err);
			if (name == NULL)
				return -DT_ERR_TRUNCATED;
			if (depth == 0) {
				/* One root, named "" since version 16. */
				if (seen_root || len != 0)
					return -DT_ERR_BADSTRUCTURE;
				seen_root = true;
				dt->root = off;
			} else if (len == 0 || memchr(name, '/', len) != NULL) {
				/* Paths could not name such a node. */
				return -DT_ERR_BADSTRUCTURE;
			}
			if (++depth > DT_MAX_DEPTH)
				return -DT_ERR_DEPTH;
			break;
		case DT_TOKEN_END_NODE:
			if (depth == 0)
				return -DT_ERR_BADSTRUCTURE;
			depth--;
			break;
		case DT_TOKEN_PROP:
			if (depth == 0 || (prev != (int)DT_TOKEN_BEGIN_NODE &&
					   prev != (int)DT_TOKEN_PROP))
				return -DT_ERR_BADSTRUCTURE;
			if (prop_value(dt, off, &nameoff, &len) == NULL)
				return -DT_ERR_TRUNCATED;
			if (prop_name(dt, nameoff, &len, &err) == NULL)
				return err;
			break;
		case DT_TOKEN_END:
			if (depth != 0 || !seen_root)
				return -DT_ERR_BADSTRUCTURE;
			*used = (uint32_t)next;
			return 0;
		default: /* NOP */
			break;
		}
		if (tag != (int)DT_TOKEN_NOP)
			prev = tag;
	}
}

int dt_open(struct dt *dt, const void *blob, size_t avail)
{
	uint32_t hdrsize = 0, maplen = 0, used = 0;
	int err;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	memset(dt, 0, sizeof(*dt));
	if (blob == NULL)
		return -DT_ERR_BADARG;

	err = check_header(dt, blob, avail, &hdrsize);
	if (err == 0)
		err = check_rsvmap(dt, &maplen);
	/* A v17 layout can be judged before reading the tokens; a v16 struct
	 * block's size is only known after the walk. */
	if (err == 0 && hdrsize == DT_HEADER_SIZE)
		err = check_layout(dt, maplen);
	if (err == 0)
		err = check_struct(dt, &used);
	if (err == 0) {
		if (hdrsize < DT_HEADER_SIZE) {
			dt->size_struct = used;
			err = check_layout(dt, maplen);
		} else if (used != dt->size_struct) {
			err = -DT_ERR_BADSTRUCTURE; /* data after FDT_END */
		}
	}
	if (err < 0)
		memset(dt, 0, sizeof(*dt));
	return err;
}

int dt_mem_rsv(const struct dt *dt, unsigned idx, uint64_t *addr,
	       uint64_t *size)
{
	const uint8_t *p;
	uint32_t off;
	unsigned i;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	off = dt->off_mem_rsvmap;
	for (i = 0;; i++) {
		p = dt_span(dt, 0, dt->totalsize, off, RSV_ENTRY_SIZE);
		if (p == NULL)
			return -DT_ERR_TRUNCATED;
		if (dt_be64(p) == 0 && dt_be64(p + 8) == 0)
			return -DT_ERR_NOTFOUND;
		if (i == idx)
			break;
		off += RSV_ENTRY_SIZE;
	}
	if (addr != NULL)
		*addr = dt_be64(p);
	if (size != NULL)
		*size = dt_be64(p + 8);
	return 0;
}

/* ---- Walking ------------------------------------------------------------ */

int dt_next_node(const struct dt *dt, int node, int *depth)
{
	int off, next, tag, d = depth != NULL ? *depth : 0;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	if (node < 0) {
		off = node_body(dt, dt->root);
		if (off < 0)
			return off;
		if (depth != NULL)
			*depth = 0;
		return dt->root;
	}
	off = node_body(dt, node);
	if (off < 0)
		return off;
	for (;; off = next) {
		tag = next_tag(dt, off, &next);
		if (tag < 0)
			return tag;
		switch (tag) {
		case DT_TOKEN_BEGIN_NODE:
			if (depth != NULL)
				*depth = d + 1;
			return off;
		case DT_TOKEN_END_NODE:
			d--;
			break;
		case DT_TOKEN_END:
			return -DT_ERR_NOTFOUND;
		default:
			break;
		}
	}
}

int dt_first_child(const struct dt *dt, int node)
{
	int off, next, tag;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	off = node_body(dt, node);
	if (off < 0)
		return off;
	for (;; off = next) {
		tag = next_tag(dt, off, &next);
		if (tag < 0)
			return tag;
		if (tag == (int)DT_TOKEN_BEGIN_NODE)
			return off;
		if (tag == (int)DT_TOKEN_END_NODE)
			return -DT_ERR_NOTFOUND;
		if (tag == (int)DT_TOKEN_END)
			return -DT_ERR_BADSTRUCTURE;
	}
}

int dt_next_sibling(const struct dt *dt, int node)
{
	int off, next, tag, level = 1; /* inside `node` */

	if (dt == NULL)
		return -DT_ERR_BADARG;
	off = node_body(dt, node);
	if (off < 0)
		return off;
	for (;; off = next) {
		tag = next_tag(dt, off, &next);
		if (tag < 0)
			return tag;
		switch (tag) {
		case DT_TOKEN_BEGIN_NODE:
			if (level == 0)
				return off;
			level++;
			break;
		case DT_TOKEN_END_NODE:
			if (level == 0)
				return -DT_ERR_NOTFOUND; /* parent ended */
			level--;
			break;
		case DT_TOKEN_END:
			return -DT_ERR_NOTFOUND; /* the root has no siblings */
		default:
			break;
		}
	}
}

int dt_parent(const struct dt *dt, int node)
{
	int anc[DT_MAX_DEPTH], n = 0, err;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	err = ancestors(dt, node, anc, &n);
	if (err < 0)
		return err;
	return n >= 2 ? anc[n - 2] : -DT_ERR_NOTFOUND;
}

int dt_node_depth(const struct dt *dt, int node)
{
	int anc[DT_MAX_DEPTH], n = 0, err;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	err = ancestors(dt, node, anc, &n);
	return err < 0 ? err : n - 1;
}

const char *dt_node_name(const struct dt *dt, int node, int *len)
{
	const char *name = NULL;
	uint32_t n = 0;
	int err = dt == NULL ? -DT_ERR_BADARG : node_body(dt, node);

	if (err >= 0) {
		name = block_string(dt, dt->off_struct, dt->size_struct,
				    (uint32_t)node + 4, &n, &err);
		if (name != NULL)
			err = (int)n;
	}
	if (len != NULL)
		*len = err;
	return name;
}

/* ---- Properties ----------------------------------------------------------- */

int dt_first_prop(const struct dt *dt, int node)
{
	int off;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	off = node_body(dt, node);
	return off < 0 ? off : scan_prop(dt, off);
}

int dt_next_prop(const struct dt *dt, int prop)
{
	int next, tag;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	if (!offset_ok(dt, prop))
		return -DT_ERR_BADOFFSET;
	tag = next_tag(dt, prop, &next);
	if (tag < 0)
		return tag;
	if (tag != (int)DT_TOKEN_PROP)
		return -DT_ERR_BADOFFSET;
	return scan_prop(dt, next);
}

const void *dt_prop_by_offset(const struct dt *dt, int prop,
			      const char **name, int *len)
{
	const uint8_t *val;
	const char *s;
	uint32_t nameoff = 0, vlen = 0, slen = 0;
	int next, err = dt == NULL       ? -DT_ERR_BADARG
			: !offset_ok(dt, prop) ? -DT_ERR_BADOFFSET
					       : next_tag(dt, prop, &next);

	if (err >= 0 && err != (int)DT_TOKEN_PROP)
		err = -DT_ERR_BADOFFSET;
	if (err >= 0) {
		val = prop_value(dt, prop, &nameoff, &vlen);
		s = prop_name(dt, nameoff, &slen, &err);
		if (val != NULL && s != NULL) {
			if (name != NULL)
				*name = s;
			if (len != NULL)
				*len = (int)vlen;
			return val;
		}
		if (val == NULL)
			err = -DT_ERR_TRUNCATED;
	}
	if (len != NULL)
		*len = err;
	return NULL;
}

const void *dt_getprop_namelen(const struct dt *dt, int node,
			       const char *name, size_t namelen, int *len)
{
	const uint8_t *val;
	const char *s;
	uint32_t nameoff = 0, vlen = 0, slen = 0;
	int prop, err = 0;

	if (dt == NULL || name == NULL) {
		prop = -DT_ERR_BADARG;
		goto fail;
	}
	for (prop = dt_first_prop(dt, node); prop >= 0;
	     prop = dt_next_prop(dt, prop)) {
		val = prop_value(dt, prop, &nameoff, &vlen);
		s = prop_name(dt, nameoff, &slen, &err);
		if (val == NULL || s == NULL) {
			prop = val == NULL ? -DT_ERR_TRUNCATED : err;
			break;
		}
		if (slen == namelen && memcmp(s, name, namelen) == 0) {
			if (len != NULL)
				*len = (int)vlen;
			return val;
		}
	}
fail:
	if (len != NULL)
		*len = prop;
	return NULL;
}

const void *dt_getprop(const struct dt *dt, int node, const char *name,
		       int *len)
{
	if (name == NULL) {
		if (len != NULL)
			*len = -DT_ERR_BADARG;
		return NULL;
	}
	return dt_getprop_namelen(dt, node, name, strlen(name), len);
}

bool dt_has_prop(const struct dt *dt, int node, const char *name)
{
	return dt_getprop(dt, node, name, NULL) != NULL;
}

int dt_prop_u32(const struct dt *dt, int node, const char *name,
		uint32_t *out)
{
	int len;
	const void *v = dt_getprop(dt, node, name, &len);

	if (v == NULL)
		return len;
	if (len != 4)
		return -DT_ERR_BADVALUE;
	if (out != NULL)
		*out = dt_be32(v);
	return 0;
}

const char *dt_prop_string(const struct dt *dt, int node, const char *name)
{
	int len;
	const char *v = dt_getprop(dt, node, name, &len);

	if (v == NULL || len <= 0 || memchr(v, 0, (size_t)len) == NULL)
		return NULL;
	return v;
}

/* ---- Finding nodes ------------------------------------------------------- */

int dt_node_is_compatible(const struct dt *dt, int node, const char *compat)
{
	const char *v, *nul;
	size_t n, piece, pos;
	int len;

	if (dt == NULL || compat == NULL)
		return -DT_ERR_BADARG;
	v = dt_getprop(dt, node, "compatible", &len);
	if (v == NULL)
		return len == -DT_ERR_NOTFOUND ? 0 : len;
	n = strlen(compat);
	if (n == 0)
		return 0;
	for (pos = 0; pos < (size_t)len; pos += piece + 1) {
		nul = memchr(v + pos, 0, (size_t)len - pos);
		/* A last string with its NUL missing runs to the end. */
		piece = nul != NULL ? (size_t)(nul - (v + pos)) : (size_t)len - pos;
		if (piece == n && memcmp(v + pos, compat, n) == 0)
			return 1;
	}
	return 0;
}

int dt_find_compatible(const struct dt *dt, int after, const char *compat)
{
	int node, r;

	if (dt == NULL || compat == NULL)
		return -DT_ERR_BADARG;
	for (node = dt_next_node(dt, after < 0 ? -1 : after, NULL); node >= 0;
	     node = dt_next_node(dt, node, NULL)) {
		r = dt_node_is_compatible(dt, node, compat);
		if (r < 0)
			return r;
		if (r == 1)
			return node;
	}
	return node;
}

/* Name `name` (namelen bytes) matches node name `s`: exactly, or, when the
 * path gives no unit address, up to the node's '@'. */
static bool name_matches(const char *s, uint32_t slen, const char *name,
			 size_t namelen)
{
	if (slen < namelen || memcmp(s, name, namelen) != 0)
		return false;
	if (slen == namelen)
		return true;
	return s[namelen] == '@' && memchr(name, '@', namelen) == NULL;
}

static int subnode(const struct dt *dt, int parent, const char *name,
		   size_t namelen)
{
	const char *s;
	int child, len;

	for (child = dt_first_child(dt, parent); child >= 0;
	     child = dt_next_sibling(dt, child)) {
		s = dt_node_name(dt, child, &len);
		if (s == NULL)
			return len;
		if (name_matches(s, (uint32_t)len, name, namelen))
			return child;
	}
	return child;
}

/* Resolve the '/'-separated components of path[0..len) below `node`. */
static int path_from(const struct dt *dt, int node, const char *p, size_t len)
{
	const char *end = p + len, *slash;

	for (;;) {
		while (p < end && *p == '/')
			p++;
		if (p == end)
			return node;
		slash = memchr(p, '/', (size_t)(end - p));
		if (slash == NULL)
			slash = end;
		node = subnode(dt, node, p, (size_t)(slash - p));
		if (node < 0)
			return node;
		p = slash;
	}
}

int dt_path_offset(const struct dt *dt, const char *path, size_t pathlen)
{
	const char *slash, *alias;
	int aliases, node, len;

	if (dt == NULL || path == NULL)
		return -DT_ERR_BADARG;
	if (pathlen == 0)
		return -DT_ERR_BADPATH;
	node = node_body(dt, dt->root); /* "/" alone must not skip the check */
	if (node < 0)
		return node;
	if (path[0] == '/')
		return path_from(dt, dt->root, path, pathlen);

	slash = memchr(path, '/', pathlen);
	if (slash == NULL)
		slash = path + pathlen;
	aliases = path_from(dt, dt->root, "/aliases", 8);
	if (aliases < 0)
		return aliases;
	alias = dt_getprop_namelen(dt, aliases, path, (size_t)(slash - path),
				   &len);
	if (alias == NULL)
		return len;
	/* Only absolute targets, so aliases cannot chain or loop. */
	if (len <= 1 || alias[0] != '/' || memchr(alias, 0, (size_t)len) == NULL)
		return -DT_ERR_BADVALUE;
	node = path_from(dt, dt->root, alias, strlen(alias));
	if (node < 0)
		return node;
	return path_from(dt, node, slash, (size_t)(path + pathlen - slash));
}

uint32_t dt_get_phandle(const struct dt *dt, int node)
{
	uint32_t ph = 0;

	if (dt_prop_u32(dt, node, "phandle", &ph) == 0 ||
	    dt_prop_u32(dt, node, "linux,phandle", &ph) == 0)
		return ph;
	return 0;
}

int dt_node_by_phandle(const struct dt *dt, uint32_t phandle)
{
	int node;

	if (phandle == 0 || phandle == 0xffffffffu)
		return -DT_ERR_BADPHANDLE;
	for (node = dt_next_node(dt, -1, NULL); node >= 0;
	     node = dt_next_node(dt, node, NULL))
		if (dt_get_phandle(dt, node) == phandle)
			return node;
	return node;
}

/* ---- Addresses ------------------------------------------------------------ */

static int cells(const struct dt *dt, int node, const char *name, int dflt)
{
	uint32_t v = 0;
	int err = dt_prop_u32(dt, node, name, &v);

	if (err == -DT_ERR_NOTFOUND)
		return dflt;
	if (err < 0)
		return err;
	/* Four cells is the most any binding uses; more means garbage. */
	return v > 4 ? -DT_ERR_BADVALUE : (int)v;
}

int dt_addr_cells(const struct dt *dt, int node)
{
	return cells(dt, node, "#address-cells", 2);
}

int dt_size_cells(const struct dt *dt, int node)
{
	return cells(dt, node, "#size-cells", 1);
}

/* The node's "reg" and the cell counts that shape it; anc/n describe the
 * node's ancestors for the translation that may follow. */
static int reg_prop(const struct dt *dt, int node, int anc[DT_MAX_DEPTH],
		    int *n, const uint8_t **val, int *count, int *ac, int *sc)
{
	int len, err = ancestors(dt, node, anc, n);

	if (err < 0)
		return err;
	if (*n < 2)
		return -DT_ERR_NOTFOUND; /* the root has no bus to be on */
	*ac = dt_addr_cells(dt, anc[*n - 2]);
	if (*ac < 0)
		return *ac;
	*sc = dt_size_cells(dt, anc[*n - 2]);
	if (*sc < 0)
		return *sc;
	if (*ac == 0)
		return -DT_ERR_BADVALUE; /* no addresses on this bus */
	*val = dt_getprop(dt, node, "reg", &len);
	if (*val == NULL)
		return len;
	if (len % (4 * (*ac + *sc)) != 0)
		return -DT_ERR_BADVALUE;
	*count = len / (4 * (*ac + *sc));
	return 0;
}

int dt_reg_count(const struct dt *dt, int node)
{
	int anc[DT_MAX_DEPTH], n = 0, count = 0, ac = 0, sc = 0;
	const uint8_t *val;
	int err = dt == NULL ? -DT_ERR_BADARG
			     : reg_prop(dt, node, anc, &n, &val, &count, &ac, &sc);

	return err < 0 ? err : count;
}

static int reg_entry(const struct dt *dt, int node, unsigned idx,
		     int anc[DT_MAX_DEPTH], int *n, uint64_t *addr,
		     uint64_t *size)
{
	int count = 0, ac = 0, sc = 0, err;
	const uint8_t *val, *e;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	err = reg_prop(dt, node, anc, n, &val, &count, &ac, &sc);
	if (err < 0)
		return err;
	if (idx >= (unsigned)count)
		return -DT_ERR_NOTFOUND;
	e = val + (size_t)idx * 4u * (unsigned)(ac + sc);
	err = read_cells(e, (uint32_t)ac, addr);
	if (err == 0)
		err = read_cells(e + 4 * ac, (uint32_t)sc, size);
	if (err == 0 && *size != 0 && *addr + (*size - 1) < *addr)
		err = -DT_ERR_BADVALUE; /* wraps the address space */
	return err;
}

int dt_reg_raw(const struct dt *dt, int node, unsigned idx, uint64_t *addr,
	       uint64_t *size)
{
	int anc[DT_MAX_DEPTH], n = 0;
	uint64_t a, s;
	int err = reg_entry(dt, node, idx, anc, &n, &a, &s);

	if (err < 0)
		return err;
	if (addr != NULL)
		*addr = a;
	if (size != NULL)
		*size = s;
	return 0;
}

/* Map [*addr, *addr + size) from bus `bus`'s child address space to that of
 * its parent `up` through bus's "ranges". */
static int translate_one(const struct dt *dt, int bus, int up, uint64_t *addr,
			 uint64_t size)
{
	const uint8_t *r, *e;
	int len, cac, csc, pac, entry, i;
	uint64_t cbase, pbase, wsize, delta;

	r = dt_getprop(dt, bus, "ranges", &len);
	if (r == NULL)
		return len == -DT_ERR_NOTFOUND ? -DT_ERR_NOTRANSLATION : len;
	if (len == 0)
		return 0; /* identity mapping */
	cac = dt_addr_cells(dt, bus);
	csc = dt_size_cells(dt, bus);
	pac = dt_addr_cells(dt, up);
	if (cac < 0 || csc < 0 || pac < 0)
		return cac < 0 ? cac : csc < 0 ? csc : pac;
	if (cac == 0 || csc == 0 || pac == 0)
		return -DT_ERR_BADVALUE;
	entry = 4 * (cac + pac + csc);
	if (len % entry != 0)
		return -DT_ERR_BADVALUE;
	for (i = 0; i < len / entry; i++) {
		e = r + i * entry;
		if (read_cells(e, (uint32_t)cac, &cbase) < 0 ||
		    read_cells(e + 4 * cac, (uint32_t)pac, &pbase) < 0 ||
		    read_cells(e + 4 * (cac + pac), (uint32_t)csc, &wsize) < 0)
			return -DT_ERR_BADVALUE;
		if (*addr < cbase)
			continue;
		delta = *addr - cbase;
		if (delta >= wsize || size > wsize - delta)
			continue;
		if (pbase + delta < pbase ||
		    (size != 0 && pbase + delta + (size - 1) < pbase + delta))
			return -DT_ERR_BADVALUE;
		*addr = pbase + delta;
		return 0;
	}
	return -DT_ERR_NOTRANSLATION;
}

int dt_reg(const struct dt *dt, int node, unsigned idx, uint64_t *addr,
	   uint64_t *size)
{
	int anc[DT_MAX_DEPTH], n = 0, i;
	uint64_t a, s;
	int err = reg_entry(dt, node, idx, anc, &n, &a, &s);

	/* Up one bus at a time; the root's children are already CPU
	 * addresses.  Bounded by the depth of the node. */
	for (i = n - 2; err == 0 && i >= 1; i--)
		err = translate_one(dt, anc[i], anc[i - 1], &a, s);
	if (err < 0)
		return err;
	if (addr != NULL)
		*addr = a;
	if (size != NULL)
		*size = s;
	return 0;
}

/* ---- Device properties ------------------------------------------------------ */

bool dt_status_okay(const struct dt *dt, int node)
{
	int len;
	const void *v = dt_getprop(dt, node, "status", &len);

	if (v == NULL)
		return len == -DT_ERR_NOTFOUND;
	return value_string_eq(v, len, "okay") || value_string_eq(v, len, "ok");
}

bool dt_dma_coherent(const struct dt *dt, int node)
{
	int anc[DT_MAX_DEPTH], n = 0, i;

	if (dt == NULL || ancestors(dt, node, anc, &n) < 0)
		return false;
	for (i = n - 1; i >= 0; i--)
		if (dt_has_prop(dt, anc[i], "dma-coherent"))
			return true;
	return false;
}

int dt_interrupt_parent(const struct dt *dt, int node)
{
	int hop, len, p, cur = node;
	const void *v;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	for (hop = 0; hop < MAX_IRQ_HOPS; hop++) {
		v = dt_getprop(dt, cur, "interrupt-parent", &len);
		if (v != NULL) {
			if (len != 4)
				return -DT_ERR_BADVALUE;
			p = dt_node_by_phandle(dt, dt_be32(v));
		} else if (len == -DT_ERR_NOTFOUND) {
			p = dt_parent(dt, cur);
		} else {
			return len;
		}
		if (p < 0)
			return p;
		if (dt_has_prop(dt, p, "#interrupt-cells"))
			return p;
		cur = p;
	}
	return -DT_ERR_DEPTH; /* interrupt-parent links form a loop */
}

int dt_irq_gic(const struct dt *dt, int node, unsigned idx,
	       struct dt_irq *out)
{
	const uint8_t *v, *e;
	uint32_t ncells = 0, type, num, trig;
	int len, err, ctrl;

	if (dt == NULL || out == NULL)
		return -DT_ERR_BADARG;
	/* The property first: most nodes have none, and finding the
	 * controller means walking the tree. */
	v = dt_getprop(dt, node, "interrupts", &len);
	if (v == NULL)
		return len;
	ctrl = dt_interrupt_parent(dt, node);
	if (ctrl < 0)
		return ctrl;
	err = dt_prop_u32(dt, ctrl, "#interrupt-cells", &ncells);
	if (err < 0)
		return err;
	if (ncells != 3 || len % 12 != 0)
		return -DT_ERR_BADVALUE;
	if (idx >= (unsigned)len / 12u)
		return -DT_ERR_NOTFOUND;
	e = v + (size_t)idx * 12u;
	type = dt_be32(e);
	num = dt_be32(e + 4);
	trig = dt_be32(e + 8) & 0xfu; /* bits 8..15: GICv2 PPI CPU mask */
	if (type == 0 && num < GIC_SPI_MAX)
		out->intid = num + 32;
	else if (type == 1 && num < GIC_PPI_MAX)
		out->intid = num + 16;
	else
		return -DT_ERR_BADVALUE;
	if (trig == 1 || trig == 2)
		out->flags = DT_IRQ_EDGE;
	else if (trig == 4 || trig == 8)
		out->flags = DT_IRQ_LEVEL;
	else
		return -DT_ERR_BADVALUE; /* none, or several at once */
	return 0;
}

/* ---- Board-level helpers ---------------------------------------------------- */

int dt_memory(const struct dt *dt, struct dt_mem *out, int max)
{
	int node, count = 0, err, len;
	const void *type;
	unsigned idx;
	uint64_t base, size;

	if (dt == NULL || (out == NULL && max > 0))
		return -DT_ERR_BADARG;
	/* Memory nodes are children of the root (spec 3.4); Linux looks
	 * nowhere else either. */
	for (node = dt_first_child(dt, dt->root); node >= 0;
	     node = dt_next_sibling(dt, node)) {
		type = dt_getprop(dt, node, "device_type", &len);
		if (!value_string_eq(type, len, "memory") ||
		    !dt_status_okay(dt, node))
			continue;
		for (idx = 0;; idx++) {
			err = dt_reg(dt, node, idx, &base, &size);
			if (err == -DT_ERR_NOTFOUND)
				break;
			if (err < 0)
				return err;
			if (size == 0)
				continue;
			if (count >= max)
				return -DT_ERR_NOSPACE;
			out[count].base = base;
			out[count].size = size;
			count++;
		}
	}
	return node == -DT_ERR_NOTFOUND ? count : node;
}

static int chosen(const struct dt *dt)
{
	return dt == NULL ? -DT_ERR_BADARG
			  : dt_path_offset(dt, "/chosen", 7);
}

const char *dt_bootargs(const struct dt *dt)
{
	int node = chosen(dt);

	return node < 0 ? NULL : dt_prop_string(dt, node, "bootargs");
}

int dt_stdout_node(const struct dt *dt)
{
	const char *s, *colon;
	size_t len;
	int node = chosen(dt);

	if (node < 0)
		return node;
	s = dt_prop_string(dt, node, "stdout-path");
	if (s == NULL)
		s = dt_prop_string(dt, node, "linux,stdout-path");
	if (s == NULL)
		return -DT_ERR_NOTFOUND;
	len = strlen(s); /* bounded: dt_prop_string found a NUL in the value */
	colon = memchr(s, ':', len);
	if (colon != NULL)
		len = (size_t)(colon - s);
	return dt_path_offset(dt, s, len);
}
