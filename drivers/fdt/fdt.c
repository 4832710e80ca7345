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
 *
 * Cost: the format has no parent links or phandle directory, so a board
 * reading N devices used to walk the tree O(N) times per device question.
 * The optional node index (dt_index, below) answers those from a table the
 * caller provides; and the property lookup that nearly everything goes
 * through (getprops) decodes each token once and checks names without
 * searching for their NUL where a range check proves the same thing
 * (strings_terminated).  Neither skips a check: every fast path either
 * makes the same checks on the same bytes or proves them from one made
 * once, and falls back to the general code for anything else.
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

/* Whether the strings block ends with a NUL.  If it does, every offset
 * inside the block starts a NUL-terminated string (the search for the NUL
 * stops at the last byte at the latest), so checking a name comes down to
 * checking its offset.  dtc and libfdt always write blocks like that. */
static bool strings_terminated(const struct dt *dt)
{
	const uint8_t *p = dt->size_strings == 0
				   ? NULL
				   : dt_span(dt, dt->off_strings, dt->size_strings,
					     dt->size_strings - 1, 1);

	return p != NULL && *p == 0;
}

/*
 * Whether the property name at `nameoff` is name[0..namelen): 1 or 0, or
 * the error prop_name() gives when it is not a string of the strings block.
 * The same answer as prop_name() and a comparison, but when `term`
 * (strings_terminated) holds, it needs neither the search for the name's
 * NUL nor more than a byte of a name of another length.  `name` must hold
 * no NUL (the caller checks once), so equal bytes mean no NUL in s either.
 */
static int prop_name_is(const struct dt *dt, bool term, uint32_t nameoff,
			const char *name, size_t namelen)
{
	const uint8_t *s;
	uint32_t slen = 0;
	int err = 0;

	if (!term) {
		s = (const uint8_t *)prop_name(dt, nameoff, &slen, &err);
		if (s == NULL)
			return err;
		return slen == namelen && memcmp(s, name, namelen) == 0;
	}
	s = dt_span(dt, dt->off_strings, dt->size_strings, nameoff, 1);
	if (s == NULL)
		return -DT_ERR_BADOFFSET; /* what prop_name says */
	/* The name ends before the block does, so one that would need
	 * namelen + 1 bytes past the block's end is shorter than `name`. */
	if (namelen >= dt->size_strings - nameoff)
		return 0;
	/* s is name iff s[namelen] is its first NUL and the bytes before are
	 * name's, none of which is a NUL */
	return s[namelen] == 0 && memcmp(s, name, namelen) == 0;
}

/* The struct block, *size bytes, if it lies inside the blob (and offsets
 * in it fit an int); else NULL.  What struct_span checks of the block
 * each time, for code that reads many spans of it in one go. */
static const uint8_t *struct_block(const struct dt *dt, uint32_t *size)
{
	if (dt == NULL || dt->blob == NULL ||
	    !range_ok(dt->totalsize, dt->off_struct, dt->size_struct) ||
	    dt->size_struct > (uint32_t)INT32_MAX)
		return NULL;
	*size = dt->size_struct;
	return dt->blob + dt->off_struct;
}

/* A token's payload as decode_tag checked it. */
struct prop_hdr {
	const uint8_t *val; /* FDT_PROP: the value; FDT_BEGIN_NODE: the name */
	uint32_t len;       /* its length (a name's without the NUL) */
	uint32_t nameoff;   /* FDT_PROP: the name's offset in strings */
};

/*
 * Decode the token at struct offset `off`: returns the token (> 0) and the
 * offset of the following token in *next, or -err.  Checks that the token's
 * payload (node name, property header and value, padding) lies inside the
 * struct block; unknown tokens are -DT_ERR_BADSTRUCTURE.  For FDT_PROP and
 * FDT_BEGIN_NODE, *pr (if not NULL) gets what was checked, so that nobody
 * needs to decode the token twice.
 */
static int decode_tag(const struct dt *dt, int off, int *next,
		      struct prop_hdr *pr)
{
	const uint8_t *b, *v;
	uint32_t u, size, tag, len, nameoff = 0, aligned;

	if (off < 0 || (off & 3) != 0)
		return -DT_ERR_BADOFFSET;
	/* What struct_span checks for every span, checked once per token;
	 * below, spans are only compared with the block's size. */
	b = struct_block(dt, &size);
	if (b == NULL)
		return -DT_ERR_TRUNCATED;
	u = (uint32_t)off;
	if (!range_ok(size, u, 4))
		return -DT_ERR_TRUNCATED;
	tag = dt_be32(b + u);
	u += 4;
	switch (tag) {
	case DT_TOKEN_BEGIN_NODE:
		/* the name: a string that ends inside the block */
		if (u >= size)
			return -DT_ERR_TRUNCATED;
		v = memchr(b + u, 0, size - u);
		if (v == NULL)
			return -DT_ERR_TRUNCATED;
		len = (uint32_t)(v - (b + u));
		v = b + u;
		u += len + 1;
		break;
	case DT_TOKEN_PROP:
		if (!range_ok(size, u, 8))
			return -DT_ERR_TRUNCATED;
		len = dt_be32(b + u);
		nameoff = dt_be32(b + u + 4);
		u += 8;
		if (!range_ok(size, u, len))
			return -DT_ERR_TRUNCATED;
		v = b + u;
		u += len;
		break;
	case DT_TOKEN_END_NODE:
	case DT_TOKEN_NOP:
	case DT_TOKEN_END:
		v = NULL;
		len = 0;
		break;
	default:
		return -DT_ERR_BADSTRUCTURE;
	}
	/* u <= size <= INT32_MAX here, so rounding up cannot wrap. */
	aligned = (u + 3u) & ~3u;
	if (aligned > size)
		return -DT_ERR_TRUNCATED;
	if (pr != NULL) {
		pr->val = v;
		pr->len = len;
		pr->nameoff = nameoff;
	}
	*next = (int)aligned;
	return (int)tag;
}

static int next_tag(const struct dt *dt, int off, int *next)
{
	return decode_tag(dt, off, next, NULL);
}

/* decode_tag's FDT_PROP case alone, inline for the property loops: true if
 * the token at `off` in the block [b, b + size) (from struct_block) is a
 * property that decode_tag would accept, with the same *next and *pr.  On
 * false, decode_tag decides (and names the error, if any). */
static inline bool quick_prop(const uint8_t *b, uint32_t size, int off,
			      int *next, struct prop_hdr *pr)
{
	uint32_t u = (uint32_t)off, len, end;

	if (b == NULL || off < 0 || (off & 3) != 0 || !range_ok(size, u, 12) ||
	    dt_be32(b + u) != DT_TOKEN_PROP)
		return false;
	len = dt_be32(b + u + 4);
	if (!range_ok(size, u + 12, len))
		return false;
	end = (u + 12 + len + 3u) & ~3u; /* u + 12 + len <= size <= INT32_MAX */
	if (end > size)
		return false;
	pr->val = b + u + 12;
	pr->len = len;
	pr->nameoff = dt_be32(b + u + 8);
	*next = (int)end;
	return true;
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

/* ---- The node index (dt_index) -------------------------------------------
 *
 * Why a table: the format has no parent links and no phandle directory, so
 * without one, a node's parent, depth and bus chain mean walking the struct
 * block from the root, and a phandle means reading every node's properties.
 * Boards ask those questions for every device (reg needs the parent's cells,
 * interrupts the interrupt parent), which makes reading N devices O(N * tree
 * size).  One walk at boot that records, for each node in walk order, its
 * offset, its parent's entry, its depth and its phandle turns them into a
 * binary search (offsets grow in walk order) plus a climb of at most
 * DT_MAX_DEPTH entries; it also records where the node's properties start,
 * which spares every property lookup the search for the end of the node's
 * name.  Loops over nodes (find_compatible, subnode) read the table in
 * order, without a search per step.  The caller owns the memory, so
 * nothing is allocated; a table that is too small is refused whole, never
 * used in part, so every answer is either the table's or the walk's.
 *
 * The table is plain caller memory, like struct dt itself: what we take from
 * it is only ever used as an offset that the block-checked accessors check
 * again, entry indices are compared with nindex before use, and a climb
 * must go to strictly earlier entries one depth at a time, so a damaged
 * table can mislead but cannot make us read outside it or the blob, or loop.
 */

/* The attached index, if it belongs to this tree (entry 0 is its root). */
static const struct dt_node_info *index_of(const struct dt *dt, uint32_t *n)
{
	if (dt->index == NULL || dt->nindex == 0 ||
	    dt->root < 0 || dt->index[0].off != (uint32_t)dt->root)
		return NULL;
	*n = dt->nindex;
	return dt->index;
}

/* Entry of `node`, or -1 if no node starts there.  Binary search: walk
 * order is offset order. */
static int index_find(const struct dt_node_info *t, uint32_t n, int node)
{
	uint32_t lo = 0, hi = n, mid;

	if (node < 0)
		return -1;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t[mid].off < (uint32_t)node)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* dt_index writes n <= size_struct / 8; a bigger one is damage */
	return lo < n && lo <= (uint32_t)INT32_MAX && t[lo].off == (uint32_t)node
		       ? (int)lo
		       : -1;
}

/* Entry j's offset, handed out as the node after `from` in some order
 * (next node, first child, next sibling, next match): it must lie past
 * `from` and inside the block, so that a caller's loop moves forward and
 * ends within size_struct steps even if the table is damaged.  Else
 * -DT_ERR_BADSTRUCTURE. */
static int index_next(const struct dt *dt, const struct dt_node_info *t,
		      uint32_t j, int from)
{
	if ((from >= 0 && t[j].off <= (uint32_t)from) ||
	    t[j].off >= dt->size_struct || t[j].off > (uint32_t)INT32_MAX)
		return -DT_ERR_BADSTRUCTURE;
	return (int)t[j].off;
}

/* ancestors() from the table: filled from the node upwards, each step one
 * entry earlier and one level higher, ending at a root. */
static int index_ancestors(const struct dt_node_info *t, uint32_t n,
			   int node, int anc[DT_MAX_DEPTH], int *cnt)
{
	int i = index_find(t, n, node);
	uint32_t d, p;

	if (i < 0)
		return -DT_ERR_BADOFFSET;
	d = t[i].depth;
	if (d >= DT_MAX_DEPTH)
		return -DT_ERR_BADSTRUCTURE;
	*cnt = (int)d + 1;
	for (;;) {
		anc[d] = (int)t[i].off;
		p = t[i].parent;
		if (d == 0)
			return p == DT_NO_PARENT ? 0 : -DT_ERR_BADSTRUCTURE;
		if (p >= (uint32_t)i || t[p].depth != d - 1)
			return -DT_ERR_BADSTRUCTURE;
		i = (int)p;
		d--;
	}
}

/* Where the node's properties start (node_body), from the index if there is
 * one: the table knows, which saves the search for the end of the node's
 * name.  With an index, an offset the table does not hold is not a node. */
static int props_start(const struct dt *dt, int node)
{
	const struct dt_node_info *t;
	uint32_t nt = 0;
	int i;

	t = index_of(dt, &nt);
	if (t == NULL)
		return node_body(dt, node);
	i = index_find(t, nt, node);
	if (i < 0)
		return -DT_ERR_BADOFFSET;
	/* decode_tag checks it like any offset */
	return t[i].body > (uint32_t)INT32_MAX ? -DT_ERR_BADOFFSET
					       : (int)t[i].body;
}

/*
 * anc[0] = root ... anc[*n - 1] = node: the node's ancestor chain, from the
 * index if there is one, else found by walking from the root because the
 * format has no parent links.
 */
static int ancestors(const struct dt *dt, int node, int anc[DT_MAX_DEPTH],
		     int *n)
{
	int off, next, tag, depth = 0;
	const struct dt_node_info *t;
	uint32_t nt = 0;

	if (node < 0)
		return -DT_ERR_BADOFFSET;
	t = index_of(dt, &nt);
	if (t != NULL)
		return index_ancestors(t, nt, node, anc, n);
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
	bool seen_root = false, term = strings_terminated(dt);
	struct prop_hdr pr = { NULL, 0, 0 };
	const char *name;
	uint32_t len;
	int err;

	for (;; off = next) {
		tag = decode_tag(dt, off, &next, &pr);
		if (tag < 0)
			return tag;
		switch (tag) {
		case DT_TOKEN_BEGIN_NODE:
			name = (const char *)pr.val; /* checked by decode_tag */
			len = pr.len;
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
			/* decode_tag checked the value; the name must be a
			 * string of the strings block (see strings_terminated
			 * for why an offset check can be enough) */
			if (term && dt_span(dt, dt->off_strings, dt->size_strings,
					    pr.nameoff, 1) == NULL)
				return -DT_ERR_BADOFFSET;
			if (!term && prop_name(dt, pr.nameoff, &len, &err) == NULL)
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

/* The property named by `nameoff` is `lit` (litlen bytes, its NUL
 * included): compared in place, reading only litlen bytes of the block. */
static bool name_is(const struct dt *dt, uint32_t nameoff, const char *lit,
		    uint32_t litlen)
{
	const uint8_t *s = dt_span(dt, dt->off_strings, dt->size_strings,
				   nameoff, litlen);

	return s != NULL && memcmp(s, lit, litlen) == 0;
}

/*
 * Every node from the root in walk order, with its depth and its phandle,
 * reading each token once: what dt_next_node and dt_get_phandle on every
 * node would say, for the two whole-tree questions (dt_index and a phandle
 * search without one).  The phandle follows dt_get_phandle: the first
 * "phandle" property if it is 4 bytes long, else the first "linux,phandle"
 * if that is, else 0; only properties before the first subnode count, as in
 * dt_getprop.
 */
struct walk {
	int off;   /* next token to read */
	int depth; /* nodes open */
	bool done; /* the root has closed */
};

static void walk_start(const struct dt *dt, struct walk *w)
{
	w->off = dt->root;
	w->depth = 0;
	w->done = false;
}

/* Next node's offset (*depth, *phandle, *body: its first token after the
 * name), -DT_ERR_NOTFOUND after the last, or -err. */
static int walk_next(const struct dt *dt, struct walk *w, int *depth,
		     uint32_t *phandle, int *body)
{
	int off = w->off, next, tag, node;
	bool ph_seen = false, lph_seen = false, ph_ok = false, lph_ok = false;
	struct prop_hdr pr = { NULL, 0, 0 };
	uint32_t ph = 0, lph = 0, size = 0;
	const uint8_t *b;

	if (w->done)
		return -DT_ERR_NOTFOUND;
	/* Close finished nodes up to the next one. */
	for (;; off = next) {
		tag = next_tag(dt, off, &next);
		if (tag < 0)
			return tag;
		if (tag == (int)DT_TOKEN_BEGIN_NODE)
			break;
		if (w->depth == 0)
			return -DT_ERR_BADOFFSET; /* dt->root is not a node */
		if (tag == (int)DT_TOKEN_END_NODE && --w->depth == 0) {
			w->done = true;
			return -DT_ERR_NOTFOUND;
		}
		if (tag == (int)DT_TOKEN_END)
			return -DT_ERR_BADSTRUCTURE; /* nodes left open */
		/* NOP, or a property after a subnode: no node's business */
	}
	if (w->depth >= DT_MAX_DEPTH)
		return -DT_ERR_DEPTH;
	node = off;
	*body = next;
	*depth = w->depth++;
	/* Its properties, up to its first subnode or its end. */
	b = struct_block(dt, &size);
	for (off = next;; off = next) {
		tag = quick_prop(b, size, off, &next, &pr)
			      ? (int)DT_TOKEN_PROP
			      : decode_tag(dt, off, &next, &pr);
		if (tag < 0)
			return tag;
		if (tag == (int)DT_TOKEN_NOP)
			continue;
		if (tag != (int)DT_TOKEN_PROP)
			break;
		if (!ph_seen && name_is(dt, pr.nameoff, "phandle", 8)) {
			ph_seen = true;
			ph_ok = pr.len == 4;
			ph = ph_ok ? dt_be32(pr.val) : 0;
		} else if (!lph_seen &&
			   name_is(dt, pr.nameoff, "linux,phandle", 14)) {
			lph_seen = true;
			lph_ok = pr.len == 4;
			lph = lph_ok ? dt_be32(pr.val) : 0;
		}
	}
	w->off = off; /* the token that ended the properties */
	*phandle = ph_ok ? ph : lph_ok ? lph : 0;
	return node;
}

int dt_index(struct dt *dt, struct dt_node_info *table, unsigned max)
{
	uint32_t open[DT_MAX_DEPTH]; /* entries of the nodes enclosing the walk */
	uint32_t n = 0, ph = 0;
	struct walk w;
	int node, depth = 0, body = 0;

	if (dt == NULL || (table == NULL && max > 0))
		return -DT_ERR_BADARG;
	/* Forget any old table first: the walk must not consult it, and a
	 * failure must leave no index behind. */
	dt->index = NULL;
	dt->nindex = 0;
	if (table == NULL)
		return 0;
	walk_start(dt, &w);
	while ((node = walk_next(dt, &w, &depth, &ph, &body)) >= 0) {
		/* walk_next keeps depth in [0, DT_MAX_DEPTH), and a node at
		 * depth d > 0 has its parent recorded in open[d - 1]. */
		if (n >= max)
			return -DT_ERR_NOSPACE;
		table[n].off = (uint32_t)node;
		table[n].body = (uint32_t)body;
		table[n].parent = depth == 0 ? DT_NO_PARENT : open[depth - 1];
		table[n].depth = (uint32_t)depth;
		table[n].phandle = ph;
		open[depth] = n++;
	}
	if (node != -DT_ERR_NOTFOUND)
		return node;
	dt->index = table;
	dt->nindex = n;
	return (int)n; /* n <= size_struct / 8 */
}

/* ---- Walking ------------------------------------------------------------ */

int dt_next_node(const struct dt *dt, int node, int *depth)
{
	int off, next, tag, i, d = depth != NULL ? *depth : 0;
	const struct dt_node_info *t;
	uint32_t nt = 0;

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
	t = index_of(dt, &nt);
	if (t != NULL) {
		i = index_find(t, nt, node);
		if (i < 0)
			return -DT_ERR_BADOFFSET;
		if ((uint32_t)i + 1 >= nt)
			return -DT_ERR_NOTFOUND;
		if (t[i].depth >= DT_MAX_DEPTH || t[i + 1].depth >= DT_MAX_DEPTH)
			return -DT_ERR_BADSTRUCTURE; /* not what dt_index wrote */
		off = index_next(dt, t, (uint32_t)i + 1, node);
		if (off >= 0 && depth != NULL)
			*depth = d + (int)t[i + 1].depth - (int)t[i].depth;
		return off;
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
	int off, next, tag, i;
	const struct dt_node_info *t;
	uint32_t nt = 0;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	t = index_of(dt, &nt);
	if (t != NULL) {
		i = index_find(t, nt, node);
		if (i < 0)
			return -DT_ERR_BADOFFSET;
		/* a first child is the next node in walk order */
		if ((uint32_t)i + 1 < nt && t[i + 1].parent == (uint32_t)i)
			return index_next(dt, t, (uint32_t)i + 1, node);
		return -DT_ERR_NOTFOUND;
	}
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
	const struct dt_node_info *t;
	uint32_t nt = 0, i, j;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	t = index_of(dt, &nt);
	if (t != NULL) {
		off = index_find(t, nt, node);
		if (off < 0)
			return -DT_ERR_BADOFFSET;
		/* past the node's descendants: the next node at most as deep */
		i = (uint32_t)off;
		for (j = i + 1; j < nt && t[j].depth > t[i].depth; j++)
			;
		if (j < nt && t[j].depth == t[i].depth &&
		    t[j].parent == t[i].parent)
			return index_next(dt, t, j, node);
		return -DT_ERR_NOTFOUND;
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
	struct prop_hdr pr = { NULL, 0, 0 };
	const struct dt_node_info *t = NULL;
	uint32_t nt = 0;
	int next, err;

	if (dt != NULL)
		t = index_of(dt, &nt);
	/* With an index, a node is what the table holds, as everywhere. */
	err = dt == NULL ? -DT_ERR_BADARG
	      : !offset_ok(dt, node) ? -DT_ERR_BADOFFSET
	      : t != NULL && index_find(t, nt, node) < 0
		      ? -DT_ERR_BADOFFSET
		      : decode_tag(dt, node, &next, &pr);
	/* node_body's checks, keeping the name decode_tag found */
	if (err >= 0 && err != (int)DT_TOKEN_BEGIN_NODE)
		err = -DT_ERR_BADOFFSET;
	if (err >= 0)
		err = (int)pr.len;
	if (len != NULL)
		*len = err;
	return err >= 0 ? (const char *)pr.val : NULL;
}

/* ---- Properties ----------------------------------------------------------- */

int dt_first_prop(const struct dt *dt, int node)
{
	int off;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	off = props_start(dt, node);
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

/* One property sought by getprops(), and what dt_getprop() would say of it:
 * val (NULL if not found) and len (its length, or -err). */
struct lookup {
	const char *name;
	size_t namelen;
	bool name_has_nul; /* then it matches nothing */
	const uint8_t *val;
	int len;
};

#define LOOKUP(lit) { lit, sizeof(lit) - 1, false, NULL, 0 }

/*
 * The hot path of nearly every accessor: the node's properties, looked up by
 * name.  It is dt_first_prop/dt_next_prop with dt_prop_by_offset, fused so
 * that each token is decoded once instead of three times, and it can look
 * for several names in the one pass (the interrupt and address code wants
 * two or three of one node).  Every name gets exactly what a dt_getprop()
 * of its own would: the first property of that name, or the error that
 * ended the walk before one turned up (a bad name offset is an error for
 * every name, so stopping there is what each walk alone would do).
 */
/* getprops for the properties from struct offset `off` (a node's body, as
 * props_start finds it; negative: that error for every name). */
static void getprops_at(const struct dt *dt, int off, struct lookup *q, int n)
{
	struct prop_hdr pr = { NULL, 0, 0 };
	int next, tag, err, i, left = n;
	const uint8_t *b;
	uint32_t size = 0;
	bool term;

	for (i = 0; i < n; i++)
		q[i].val = NULL;
	if (off < 0) {
		err = off;
		goto fail;
	}
	term = strings_terminated(dt);
	b = struct_block(dt, &size);
	for (;; off = next) {
		tag = quick_prop(b, size, off, &next, &pr)
			      ? (int)DT_TOKEN_PROP
			      : decode_tag(dt, off, &next, &pr);
		if (tag == (int)DT_TOKEN_NOP)
			continue;
		if (tag != (int)DT_TOKEN_PROP) {
			/* the first subnode or the node's end */
			err = tag < 0 ? tag : -DT_ERR_NOTFOUND;
			goto fail;
		}
		for (i = 0; i < n; i++) {
			if (q[i].val != NULL)
				continue;
			err = prop_name_is(dt, term && !q[i].name_has_nul,
					   pr.nameoff, q[i].name, q[i].namelen);
			if (err < 0)
				goto fail;
			if (err == 1) {
				q[i].val = pr.val; /* never NULL */
				q[i].len = (int)pr.len;
				if (--left == 0)
					return;
			}
		}
	}
fail:
	for (i = 0; i < n; i++)
		if (q[i].val == NULL)
			q[i].len = err;
}

/* getprops_at starts at props_start(node), or fails with its error. */
static void getprops(const struct dt *dt, int node, struct lookup *q, int n)
{
	getprops_at(dt, props_start(dt, node), q, n);
}

static const void *getprop(const struct dt *dt, int node, const char *name,
			   size_t namelen, bool name_has_nul, int *len)
{
	struct lookup q = { name, namelen, name_has_nul, NULL, 0 };

	getprops(dt, node, &q, 1);
	if (len != NULL)
		*len = q.len;
	return q.val;
}

const void *dt_getprop_namelen(const struct dt *dt, int node,
			       const char *name, size_t namelen, int *len)
{
	if (dt == NULL || name == NULL) {
		if (len != NULL)
			*len = -DT_ERR_BADARG;
		return NULL;
	}
	return getprop(dt, node, name, namelen,
		       memchr(name, 0, namelen) != NULL, len);
}

const void *dt_getprop(const struct dt *dt, int node, const char *name,
		       int *len)
{
	if (dt == NULL || name == NULL) {
		if (len != NULL)
			*len = -DT_ERR_BADARG;
		return NULL;
	}
	return getprop(dt, node, name, strlen(name), false, len);
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

/* dt_node_is_compatible with strlen(compat) = n, which a search over many
 * nodes measures once, and the node's props_start, which a search through
 * the index already knows. */
static int is_compatible(const struct dt *dt, int body, const char *compat,
			 size_t n)
{
	struct lookup q = LOOKUP("compatible");
	const char *v, *nul;
	size_t piece, pos;
	int len;

	getprops_at(dt, body, &q, 1);
	v = (const char *)q.val;
	len = q.len;
	if (v == NULL)
		return len == -DT_ERR_NOTFOUND ? 0 : len;
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

int dt_node_is_compatible(const struct dt *dt, int node, const char *compat)
{
	if (dt == NULL || compat == NULL)
		return -DT_ERR_BADARG;
	return is_compatible(dt, props_start(dt, node), compat, strlen(compat));
}

int dt_find_compatible(const struct dt *dt, int after, const char *compat)
{
	int node, r, i;
	const struct dt_node_info *t;
	uint32_t nt = 0;
	size_t n;

	if (dt == NULL || compat == NULL)
		return -DT_ERR_BADARG;
	n = strlen(compat);
	t = index_of(dt, &nt);
	if (t != NULL) {
		/* dt_next_node from the table, without a search per step */
		i = after < 0 ? 0 : index_find(t, nt, after);
		if (i < 0)
			return -DT_ERR_BADOFFSET;
		for (i += after < 0 ? 0 : 1; (uint32_t)i < nt; i++) {
			node = index_next(dt, t, (uint32_t)i, after);
			/* props_start(node), without searching for it */
			r = node < 0 ? node
				: is_compatible(dt,
						t[i].body > (uint32_t)INT32_MAX
							? -DT_ERR_BADOFFSET
							: (int)t[i].body,
						compat, n);
			if (r != 0)
				return r < 0 ? r : node;
		}
		return -DT_ERR_NOTFOUND;
	}
	for (node = dt_next_node(dt, after < 0 ? -1 : after, NULL); node >= 0;
	     node = dt_next_node(dt, node, NULL)) {
		r = is_compatible(dt, node_body(dt, node), compat, n);
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
	struct prop_hdr pr = { NULL, 0, 0 };
	const struct dt_node_info *t;
	const char *s;
	int child, len, next, tag, i;
	uint32_t nt = 0, j;

	t = index_of(dt, &nt);
	if (t != NULL) {
		/* dt_first_child/dt_next_sibling and dt_node_name with the
		 * table: the parent's entries follow it, children and their
		 * descendants, and each child's name is decoded once */
		i = index_find(t, nt, parent);
		if (i < 0)
			return -DT_ERR_BADOFFSET;
		for (j = (uint32_t)i + 1; j < nt && t[j].depth > t[i].depth; j++) {
			if (t[j].parent != (uint32_t)i)
				continue;
			child = index_next(dt, t, j, parent);
			tag = child < 0 ? child : decode_tag(dt, child, &next, &pr);
			if (tag >= 0 && tag != (int)DT_TOKEN_BEGIN_NODE)
				tag = -DT_ERR_BADOFFSET;
			if (tag < 0)
				return tag;
			if (name_matches((const char *)pr.val, pr.len, name, namelen))
				return child;
		}
		return -DT_ERR_NOTFOUND;
	}
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
	const struct dt_node_info *t;
	uint32_t nt = 0, i, ph = 0;
	struct walk w;
	int node, depth = 0, body = 0;

	if (phandle == 0 || phandle == 0xffffffffu)
		return -DT_ERR_BADPHANDLE;
	if (dt == NULL)
		return -DT_ERR_BADARG;
	t = index_of(dt, &nt);
	if (t != NULL) {
		/* in walk order, so the first node with it, as below */
		for (i = 0; i < nt; i++)
			if (t[i].phandle == phandle)
				return index_next(dt, t, i, -1);
		return -DT_ERR_NOTFOUND;
	}
	/* The node's root check that dt_next_node(dt, -1) would make. */
	node = node_body(dt, dt->root);
	if (node < 0)
		return node;
	walk_start(dt, &w);
	while ((node = walk_next(dt, &w, &depth, &ph, &body)) >= 0)
		if (ph == phandle)
			return node;
	return node;
}

/* ---- Addresses ------------------------------------------------------------ */

/* A #...-cells value from its lookup, as dt_prop_u32 would read it. */
static int cells_of(const struct lookup *q, int dflt)
{
	uint32_t v;

	if (q->val == NULL)
		return q->len == -DT_ERR_NOTFOUND ? dflt : q->len;
	if (q->len != 4)
		return -DT_ERR_BADVALUE;
	v = dt_be32(q->val);
	/* Four cells is the most any binding uses; more means garbage. */
	return v > 4 ? -DT_ERR_BADVALUE : (int)v;
}

static int cells(const struct dt *dt, int node, const char *name, int dflt)
{
	struct lookup q = { name, strlen(name), false, NULL, 0 };

	if (dt == NULL)
		return -DT_ERR_BADARG;
	getprops(dt, node, &q, 1);
	return cells_of(&q, dflt);
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
	struct lookup q[2] = { LOOKUP("#address-cells"), LOOKUP("#size-cells") };
	int len, err = ancestors(dt, node, anc, n);

	if (err < 0)
		return err;
	if (*n < 2)
		return -DT_ERR_NOTFOUND; /* the root has no bus to be on */
	/* dt_addr_cells and dt_size_cells of the bus, in one pass */
	getprops(dt, anc[*n - 2], q, 2);
	*ac = cells_of(&q[0], 2);
	if (*ac < 0)
		return *ac;
	*sc = cells_of(&q[1], 1);
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

/* Entry idx (< count) of a "reg" value that reg_prop read. */
static int reg_decode(const uint8_t *val, unsigned idx, int ac, int sc,
		      uint64_t *addr, uint64_t *size)
{
	const uint8_t *e = val + (size_t)idx * 4u * (unsigned)(ac + sc);
	int err = read_cells(e, (uint32_t)ac, addr);

	if (err == 0)
		err = read_cells(e + 4 * ac, (uint32_t)sc, size);
	if (err == 0 && *size != 0 && *addr + (*size - 1) < *addr)
		err = -DT_ERR_BADVALUE; /* wraps the address space */
	return err;
}

static int reg_entry(const struct dt *dt, int node, unsigned idx,
		     int anc[DT_MAX_DEPTH], int *n, uint64_t *addr,
		     uint64_t *size)
{
	int count = 0, ac = 0, sc = 0, err;
	const uint8_t *val;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	err = reg_prop(dt, node, anc, n, &val, &count, &ac, &sc);
	if (err < 0)
		return err;
	if (idx >= (unsigned)count)
		return -DT_ERR_NOTFOUND;
	return reg_decode(val, idx, ac, sc, addr, size);
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

/* The layout of a "ranges" or "dma-ranges" of len bytes on bus: entries of
 * child address (bus's #address-cells), parent address (pnode's
 * #address-cells) and length (bus's #size-cells).  The entry's size in
 * bytes, or a negative error: a cell count unreadable (its own error) or 0,
 * or len not whole entries (-DT_ERR_BADVALUE). */
static int ranges_layout(const struct dt *dt, int bus, int pnode, int len,
			 int *cac, int *pac, int *csc)
{
	int entry;

	*cac = dt_addr_cells(dt, bus);
	*csc = dt_size_cells(dt, bus);
	*pac = dt_addr_cells(dt, pnode);
	if (*cac < 0 || *csc < 0 || *pac < 0)
		return *cac < 0 ? *cac : *csc < 0 ? *csc : *pac;
	if (*cac == 0 || *csc == 0 || *pac == 0)
		return -DT_ERR_BADVALUE;
	entry = 4 * (*cac + *pac + *csc);
	if (len % entry != 0)
		return -DT_ERR_BADVALUE;
	return entry;
}

/* One entry of that layout at e: child address, parent address, length;
 * -1 when a value does not fit 64 bits. */
static int range_entry(const uint8_t *e, int cac, int pac, int csc,
		       uint64_t *cbase, uint64_t *pbase, uint64_t *wsize)
{
	if (read_cells(e, (uint32_t)cac, cbase) < 0 ||
	    read_cells(e + 4 * cac, (uint32_t)pac, pbase) < 0 ||
	    read_cells(e + 4 * (cac + pac), (uint32_t)csc, wsize) < 0)
		return -1;
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
	entry = ranges_layout(dt, bus, up, len, &cac, &pac, &csc);
	if (entry < 0)
		return entry;
	for (i = 0; i < len / entry; i++) {
		e = r + i * entry;
		if (range_entry(e, cac, pac, csc, &cbase, &pbase, &wsize) < 0)
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

/* [*a, *a + s) of the node whose ancestors are anc[0..n-1], from its bus's
 * address space to the CPU's: up one bus at a time; the root's children
 * are already CPU addresses.  Bounded by the depth of the node. */
static int translate(const struct dt *dt, const int anc[DT_MAX_DEPTH], int n,
		     uint64_t *a, uint64_t s)
{
	int i, err = 0;

	for (i = n - 2; err == 0 && i >= 1; i--)
		err = translate_one(dt, anc[i], anc[i - 1], a, s);
	return err;
}

/*
 * Every entry of the node's "reg" in order, read (and unless `raw`,
 * translated) as dt_reg_raw / dt_reg would for idx = 0, 1, ..., handed to
 * add(); stops at the first error, of the property (no "reg" is
 * -DT_ERR_NOTFOUND), of an entry, or of add().  One reading of the
 * property and of the node's ancestors for all the entries: entry by entry
 * through dt_reg, each would climb the tree again, which without an index
 * is a walk from the root per entry.
 */
static int reg_each(const struct dt *dt, int node, bool raw,
		    int (*add)(void *ctx, uint64_t base, uint64_t size),
		    void *ctx)
{
	int anc[DT_MAX_DEPTH], n = 0, count = 0, ac = 0, sc = 0, err, idx;
	const uint8_t *val;
	uint64_t a, s;

	err = reg_prop(dt, node, anc, &n, &val, &count, &ac, &sc);
	for (idx = 0; err == 0 && idx < count; idx++) {
		err = reg_decode(val, (unsigned)idx, ac, sc, &a, &s);
		if (err == 0 && !raw)
			err = translate(dt, anc, n, &a, s);
		if (err == 0)
			err = add(ctx, a, s);
	}
	return err;
}

int dt_reg(const struct dt *dt, int node, unsigned idx, uint64_t *addr,
	   uint64_t *size)
{
	int anc[DT_MAX_DEPTH], n = 0;
	uint64_t a, s;
	int err = reg_entry(dt, node, idx, anc, &n, &a, &s);

	if (err == 0)
		err = translate(dt, anc, n, &a, s);
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

bool dt_available(const struct dt *dt, int node)
{
	int anc[DT_MAX_DEPTH], n = 0, i;

	if (dt == NULL || ancestors(dt, node, anc, &n) < 0)
		return false;
	/* Not the root's own status (anc[0]), unless it is the node asked
	 * about: the root is no device or bus that a status disables (Linux
	 * populates from its children), and its many properties made the
	 * check the dearest part of a virtio node's probe. */
	for (i = n - 1; i >= (n > 1 ? 1 : 0); i--)
		if (!dt_status_okay(dt, anc[i]))
			return false;
	return true;
}

bool dt_dma_coherent(const struct dt *dt, int node)
{
	int anc[DT_MAX_DEPTH], n = 0, i;

	if (dt == NULL || ancestors(dt, node, anc, &n) < 0)
		return false;
	/* The nearest node that says either decides (Linux's
	 * of_dma_is_coherent): a device's "dma-noncoherent" overrides a
	 * coherent bus above it. */
	for (i = n - 1; i >= 0; i--) {
		if (dt_has_prop(dt, anc[i], "dma-coherent"))
			return true;
		if (dt_has_prop(dt, anc[i], "dma-noncoherent"))
			return false;
	}
	return false;
}

/*
 * One bus's "dma-ranges" (spec 2.3.9): 0 when absent, empty (identity) or
 * made only of entries whose child and parent addresses are equal; 1 at
 * the first entry that moves an address; -DT_ERR_BADVALUE when it cannot
 * be read.  The child addresses are in the bus's own #address-cells, the
 * lengths in its #size-cells, the parent addresses in its parent's
 * #address-cells (up < 0: the root, whose parent address space is the
 * CPU's, written in its own cells, as Linux's range parser reads it).
 */
static int dma_ranges_moved(const struct dt *dt, int bus, int up)
{
	const uint8_t *r, *e;
	int len, cac, csc, pac, entry, i;
	uint64_t cbase, pbase, wsize;

	r = dt_getprop(dt, bus, "dma-ranges", &len);
	if (r == NULL)
		return len == -DT_ERR_NOTFOUND ? 0 : len;
	if (len == 0)
		return 0; /* identity mapping */
	entry = ranges_layout(dt, bus, up >= 0 ? up : bus, len, &cac, &pac, &csc);
	if (entry < 0)
		return -DT_ERR_BADVALUE; /* #...-cells unreadable, above 4 or 0; not whole entries */
	for (i = 0; i < len / entry; i++) {
		e = r + i * entry;
		/* wsize is read only to see that the entry is whole and fits
		 * 64 bits: a window's extent limits which memory the device
		 * reaches, not where its addresses land. */
		if (range_entry(e, cac, pac, csc, &cbase, &pbase, &wsize) < 0)
			return -DT_ERR_BADVALUE;
		if (cbase != pbase)
			return 1;
	}
	return 0;
}

int dt_dma_translated(const struct dt *dt, int node, int *bus)
{
	int anc[DT_MAX_DEPTH], n = 0, i, r, err;

	if (bus != NULL)
		*bus = -1;
	if (dt == NULL)
		return -DT_ERR_BADARG;
	err = ancestors(dt, node, anc, &n);
	if (err < 0)
		return err;
	/* From the node's bus up: the node's own "dma-ranges" would describe
	 * its children's addresses, not its own. */
	for (i = n - 2; i >= 0; i--) {
		r = dma_ranges_moved(dt, anc[i], i > 0 ? anc[i - 1] : -1);
		if (r != 0) {
			if (bus != NULL)
				*bus = anc[i];
			return r;
		}
	}
	return 0;
}

/*
 * dt_interrupt_parent's climb, given the lookup of the node's own
 * "interrupt-parent" (ip); also hands back the controller's
 * "#interrupt-cells" lookup, which dt_irq_spec needs next.  Each node on the
 * way is read once for both names; the answers are those of a
 * dt_getprop() per name and step.
 */
static int irq_parent(const struct dt *dt, int node, struct lookup ip,
		      struct lookup *ncells)
{
	struct lookup q[2] = { LOOKUP("#interrupt-cells"),
			       LOOKUP("interrupt-parent") };
	int hop, p, cur = node;

	for (hop = 0; hop < MAX_IRQ_HOPS; hop++) {
		if (ip.val != NULL) {
			if (ip.len != 4)
				return -DT_ERR_BADVALUE;
			p = dt_node_by_phandle(dt, dt_be32(ip.val));
		} else if (ip.len == -DT_ERR_NOTFOUND) {
			p = dt_parent(dt, cur);
		} else {
			return ip.len;
		}
		if (p < 0)
			return p;
		getprops(dt, p, q, 2);
		if (q[0].val != NULL) {
			*ncells = q[0];
			return p;
		}
		ip = q[1];
		cur = p;
	}
	return -DT_ERR_DEPTH; /* interrupt-parent links form a loop */
}

int dt_interrupt_parent(const struct dt *dt, int node)
{
	struct lookup ip = LOOKUP("interrupt-parent"), ncells;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	getprops(dt, node, &ip, 1);
	return irq_parent(dt, node, ip, &ncells);
}

/* One entry of a node's interrupts: its controller, and its cells in the
 * property's value (n of them, big-endian, inside the value). */
struct irq_entry {
	int ctrl;
	const uint8_t *cells;
	uint32_t n;
};

/*
 * Entry idx of an "interrupts-extended" value (v, len): each entry is a
 * controller's phandle followed by that controller's #interrupt-cells
 * cells, so entries before idx are stepped over with their own
 * controller's count.  Every step moves on by at least one cell, so the
 * walk ends within len / 4 steps.
 */
/* The entry of an "interrupts-extended" value (v, len) that starts at byte
 * `off` (a multiple of 4, at most len): its controller and cells in *e, and
 * in *next the offset of the entry after it. */
static int irq_extended_at(const struct dt *dt, const uint8_t *v, int len,
			   uint32_t off, struct irq_entry *e, uint32_t *next)
{
	struct lookup nc = LOOKUP("#interrupt-cells");
	uint32_t n, left;
	int ctrl;

	if (len < 0 || len % 4 != 0 || off % 4 != 0 || off > (uint32_t)len)
		return -DT_ERR_BADVALUE;
	if (off == (uint32_t)len)
		return -DT_ERR_NOTFOUND; /* past the last entry */
	ctrl = dt_node_by_phandle(dt, dt_be32(v + off));
	if (ctrl < 0)
		return ctrl;
	getprops(dt, ctrl, &nc, 1);
	if (nc.val == NULL) /* not a controller: the entry has no size */
		return nc.len == -DT_ERR_NOTFOUND ? -DT_ERR_BADVALUE : nc.len;
	if (nc.len != 4)
		return -DT_ERR_BADVALUE;
	n = dt_be32(nc.val);
	off += 4;
	left = ((uint32_t)len - off) / 4u;
	if (n > left)
		return -DT_ERR_BADVALUE; /* the entry runs past the end */
	e->ctrl = ctrl;
	e->cells = v + off;
	e->n = n;
	*next = off + n * 4u;
	return 0;
}

static int irq_extended(const struct dt *dt, const uint8_t *v, int len,
			unsigned idx, struct irq_entry *e)
{
	uint32_t off = 0;
	unsigned k;
	int err;

	for (k = 0;; k++) {
		err = irq_extended_at(dt, v, len, off, e, &off);
		if (err < 0 || k == idx)
			return err;
	}
}

/* Entry idx of an "interrupts" value (v, len) that goes to ctrl, whose
 * "#interrupt-cells" lookup is nc: entries of one size, so an index. */
static int irq_plain(const uint8_t *v, int len, int ctrl,
		     const struct lookup *nc, unsigned idx,
		     struct irq_entry *e)
{
	uint64_t size;
	uint32_t n;

	/* dt_prop_u32(ctrl, "#interrupt-cells") */
	if (nc->len != 4)
		return -DT_ERR_BADVALUE;
	n = dt_be32(nc->val);
	size = 4u * (uint64_t)n; /* cannot wrap */
	/* no cells: entries of no size cannot be counted */
	if (n == 0 || len < 0 || (uint64_t)len % size != 0)
		return -DT_ERR_BADVALUE;
	if ((uint64_t)idx >= (uint64_t)len / size)
		return -DT_ERR_NOTFOUND;
	e->ctrl = ctrl;
	e->cells = v + (size_t)(idx * size); /* inside the value: < len */
	e->n = n;
	return 0;
}

/* dt_irq_spec and dt_irq_spec_next: entry idx, or with `cursor` the entry
 * *cursor names (an interrupts-extended byte offset, or an index), moving
 * *cursor past it when it is read (also when it is too big for cells). */
static int irq_spec(const struct dt *dt, int node, unsigned idx,
		    uint32_t *cursor, int *ctrl, uint32_t *cells, int maxcells,
		    int *ncells)
{
	struct lookup q[3] = { LOOKUP("interrupts-extended"),
			       LOOKUP("interrupts"),
			       LOOKUP("interrupt-parent") };
	struct lookup nc = LOOKUP("#interrupt-cells");
	struct irq_entry e = { -1, NULL, 0 };
	uint32_t i, next = 0;
	int err, p;

	if (dt == NULL || ctrl == NULL || ncells == NULL || maxcells < 0 ||
	    (cells == NULL && maxcells > 0))
		return -DT_ERR_BADARG;
	if (cursor != NULL)
		idx = *cursor;
	/* The properties first: most nodes have none, and finding the
	 * controller means climbing the tree.  The node's interrupt-parent
	 * comes from the same pass. */
	getprops(dt, node, q, 3);
	/* Spec 2.4.1.3: interrupts-extended takes precedence over
	 * interrupts (and interrupt-parent) when both are present. */
	if (q[0].val != NULL) {
		err = cursor != NULL
			      ? irq_extended_at(dt, q[0].val, q[0].len, *cursor,
						&e, &next)
			      : irq_extended(dt, q[0].val, q[0].len, idx, &e);
	} else if (q[0].len != -DT_ERR_NOTFOUND) {
		err = q[0].len;
	} else if (q[1].val == NULL) {
		err = q[1].len;
	} else {
		p = irq_parent(dt, node, q[2], &nc);
		err = p < 0 ? p : irq_plain(q[1].val, q[1].len, p, &nc, idx, &e);
		next = idx + 1; /* idx < len / 4: no wrap */
	}
	if (err < 0)
		return err;
	if (cursor != NULL)
		*cursor = next;
	/* e.n cells lie inside a property value, so e.n < 2^29 */
	if (e.n > (uint32_t)maxcells) {
		*ncells = (int)e.n;
		return -DT_ERR_NOSPACE;
	}
	for (i = 0; i < e.n; i++)
		cells[i] = dt_be32(e.cells + 4 * i);
	*ctrl = e.ctrl;
	*ncells = (int)e.n;
	return 0;
}

int dt_irq_spec(const struct dt *dt, int node, unsigned idx, int *ctrl,
		uint32_t *cells, int maxcells, int *ncells)
{
	return irq_spec(dt, node, idx, NULL, ctrl, cells, maxcells, ncells);
}

int dt_irq_spec_next(const struct dt *dt, int node, uint32_t *cursor,
		     int *ctrl, uint32_t *cells, int maxcells, int *ncells)
{
	if (cursor == NULL)
		return -DT_ERR_BADARG;
	return irq_spec(dt, node, 0, cursor, ctrl, cells, maxcells, ncells);
}

/* ---- Interrupt nexus nodes (interrupt-map) -------------------------------- */

/* Unit address plus specifier cells of one side of a map entry: Linux's
 * MAX_PHANDLE_ARGS, which its of_irq_parse_raw refuses to exceed. */
#define IRQ_MAP_MAX_CELLS 16
/* Nexus hops per interrupt (real trees have one or two). */
#define IRQ_MAP_HOPS 8
/* Interrupt parents one map may name in turn: each change of phandle from
 * one entry to the next is a search of the tree (a walk of it without an
 * index), so a hostile map alternating between parents is cut short. */
#define IRQ_MAP_LOOKUPS 16

/* The interrupt parent of a map entry, as the entries need it. */
struct map_parent {
	uint32_t phandle;
	int node;
	uint32_t ac, ic; /* its #address-cells (absent: 0), #interrupt-cells */
	bool okay;
};

static int map_parent(const struct dt *dt, uint32_t phandle,
		      struct map_parent *mp)
{
	struct lookup q[2] = { LOOKUP("#address-cells"),
			       LOOKUP("#interrupt-cells") };
	int node = dt_node_by_phandle(dt, phandle), ac;

	if (node < 0)
		return node;
	getprops(dt, node, q, 2);
	/* Linux: an interrupt parent's unit address has #address-cells
	 * cells, none when it does not say (a GIC usually does not). */
	ac = cells_of(&q[0], 0);
	if (ac < 0)
		return ac;
	if (q[1].val == NULL)
		return q[1].len == -DT_ERR_NOTFOUND ? -DT_ERR_BADVALUE : q[1].len;
	if (q[1].len != 4 || dt_be32(q[1].val) > IRQ_MAP_MAX_CELLS ||
	    (uint32_t)ac + dt_be32(q[1].val) > IRQ_MAP_MAX_CELLS)
		return -DT_ERR_BADVALUE;
	mp->phandle = phandle;
	mp->node = node;
	mp->ac = (uint32_t)ac;
	mp->ic = dt_be32(q[1].val);
	mp->okay = dt_status_okay(dt, node);
	return 0;
}

/* One step through the nexus whose "interrupt-map" is map (len bytes) and
 * whose "interrupt-map-mask" is mask (NULL: all ones, else masklen bytes):
 * key[0..n) (n = *ac + *ic) becomes the matching entry's parent unit
 * address and specifier, *cur its parent, *ac and *ic their sizes.  Each
 * entry moves the walk on by at least one cell (its phandle). */
static int map_step(const struct dt *dt, const uint8_t *map, int len,
		    const uint8_t *mask, int masklen, uint32_t key[],
		    int *cur, uint32_t *ac, uint32_t *ic)
{
	struct map_parent mp = { 0, -1, 0, 0, false };
	uint32_t n = *ac + *ic, off = 0, left, i, m;
	unsigned lookups = 0;
	bool match;
	int err;

	if (len < 0 || len % 4 != 0 ||
	    (mask != NULL && (masklen < 0 || (uint32_t)masklen != 4 * n)))
		return -DT_ERR_BADVALUE;
	while (off < (uint32_t)len) {
		left = ((uint32_t)len - off) / 4;
		if (left < n + 1)
			return -DT_ERR_BADVALUE; /* an entry cut short */
		match = true;
		for (i = 0; i < n; i++) {
			m = mask != NULL ? dt_be32(mask + 4 * i) : 0xffffffffu;
			if (((key[i] ^ dt_be32(map + off + 4 * i)) & m) != 0)
				match = false;
		}
		off += 4 * n;
		if (lookups == 0 || dt_be32(map + off) != mp.phandle) {
			if (++lookups > IRQ_MAP_LOOKUPS)
				return -DT_ERR_DEPTH;
			err = map_parent(dt, dt_be32(map + off), &mp);
			if (err < 0)
				return err;
		}
		off += 4;
		left = ((uint32_t)len - off) / 4;
		if (left < mp.ac + mp.ic)
			return -DT_ERR_BADVALUE;
		if (match && mp.okay) {
			for (i = 0; i < mp.ac + mp.ic; i++)
				key[i] = dt_be32(map + off + 4 * i);
			*cur = mp.node;
			*ac = mp.ac;
			*ic = mp.ic;
			return 0;
		}
		off += 4 * (mp.ac + mp.ic);
	}
	return -DT_ERR_NOTFOUND; /* no entry maps this interrupt */
}

int dt_irq_map(const struct dt *dt, int node, int *ctrl, uint32_t *cells,
	       int maxcells, int *ncells)
{
	uint32_t key[IRQ_MAP_MAX_CELLS], ac = 0, ic, i;
	const uint8_t *reg;
	int cur, hop, err, rlen, a;
	bool mapped = false;

	if (dt == NULL || ctrl == NULL || ncells == NULL || maxcells < 0 ||
	    (cells == NULL && maxcells > 0) || *ncells < 0 || *ncells > maxcells)
		return -DT_ERR_BADARG;
	cur = *ctrl;
	ic = (uint32_t)*ncells;
	for (hop = 0;; hop++) {
		struct lookup q[3] = { LOOKUP("interrupt-controller"),
				       LOOKUP("interrupt-map"),
				       LOOKUP("interrupt-map-mask") };

		getprops(dt, cur, q, 3);
		if (q[0].val != NULL || q[1].val == NULL) {
			/* a controller, or no nexus: the walk ends here */
			err = q[0].val != NULL ? 0
			      : q[1].len == -DT_ERR_NOTFOUND ? 0 : q[1].len;
			if (err < 0)
				return err;
			break;
		}
		if (q[2].val == NULL && q[2].len != -DT_ERR_NOTFOUND)
			return q[2].len;
		if (hop == IRQ_MAP_HOPS)
			return -DT_ERR_DEPTH;
		if (hop == 0) {
			/* the key: node's unit address in the nexus's
			 * #address-cells, then the specifier */
			a = dt_addr_cells(dt, cur);
			if (a < 0)
				return a;
			ac = (uint32_t)a;
			if (ac + ic > IRQ_MAP_MAX_CELLS)
				return -DT_ERR_BADVALUE;
			reg = dt_getprop(dt, node, "reg", &rlen);
			if (reg == NULL && rlen != -DT_ERR_NOTFOUND)
				return rlen;
			for (i = 0; i < ac; i++)
				key[i] = reg != NULL && (uint32_t)rlen / 4 > i
						 ? dt_be32(reg + 4 * i)
						 : 0;
			for (i = 0; i < ic; i++)
				key[ac + i] = cells[i];
		}
		a = cur;
		err = map_step(dt, q[1].val, q[1].len, q[2].val, q[2].len, key,
			       &cur, &ac, &ic);
		if (err < 0)
			return err;
		mapped = true;
		if (cur == a)
			break; /* an entry mapping the nexus to itself */
	}
	if (!mapped)
		return 0; /* no nexus on the way: as dt_irq_spec said */
	if (ic > (uint32_t)maxcells) {
		*ncells = (int)ic;
		return -DT_ERR_NOSPACE;
	}
	for (i = 0; i < ic; i++)
		cells[i] = key[ac + i];
	*ctrl = cur;
	*ncells = (int)ic;
	return 0;
}

/* ---- Board-level helpers ---------------------------------------------------- */

/* dt_memory's list, filled by reg_each. */
struct mem_list {
	struct dt_mem *out;
	int max, count;
};

static int mem_add(void *ctx, uint64_t base, uint64_t size)
{
	struct mem_list *l = ctx;

	if (size == 0)
		return 0;
	if (l->count >= l->max)
		return -DT_ERR_NOSPACE;
	l->out[l->count].base = base;
	l->out[l->count].size = size;
	l->count++;
	return 0;
}

int dt_memory(const struct dt *dt, struct dt_mem *out, int max)
{
	struct mem_list l = { out, max, 0 };
	int node, err, len;
	const void *type;

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
		/* every entry, as dt_reg reads it; no "reg": none */
		err = reg_each(dt, node, false, mem_add, &l);
		if (err < 0 && err != -DT_ERR_NOTFOUND)
			return err;
	}
	return node == -DT_ERR_NOTFOUND ? l.count : node;
}

static int chosen(const struct dt *dt)
{
	return dt == NULL ? -DT_ERR_BADARG
			  : dt_path_offset(dt, "/chosen", 7);
}

/* Append one reserved range to dt_reserved's list. */
static int rsv_add(struct dt_rsv *out, int max, int *count, uint64_t base,
		   uint64_t size, enum dt_rsv_kind kind)
{
	if (size == 0)
		return 0;
	if (*count >= max)
		return -DT_ERR_NOSPACE;
	out[*count].base = base;
	out[*count].size = size;
	out[*count].kind = kind;
	(*count)++;
	return 0;
}

/* rsv_nodes' list, filled by reg_each. */
struct rsv_list {
	struct dt_rsv *out;
	int max, *count;
};

static int rsv_node_add(void *ctx, uint64_t base, uint64_t size)
{
	struct rsv_list *l = ctx;

	return rsv_add(l->out, l->max, l->count, base, size, DT_RSV_NODE);
}

/* The children of /reserved-memory that have a "reg". */
static int rsv_nodes(const struct dt *dt, struct dt_rsv *out, int max,
		     int *count)
{
	struct rsv_list l = { out, max, count };
	int parent, node, err;
	bool raw;

	parent = dt_path_offset(dt, "/reserved-memory", 16);
	if (parent == -DT_ERR_NOTFOUND)
		return 0;
	if (parent < 0)
		return parent;
	/* "ranges" is required (and empty) by the binding; without it dt_reg
	 * could not translate, so take the addresses as they are written. */
	raw = !dt_has_prop(dt, parent, "ranges");
	for (node = dt_first_child(dt, parent); node >= 0;
	     node = dt_next_sibling(dt, node)) {
		if (!dt_status_okay(dt, node))
			continue;
		/* No "reg" (a "size"-only, dynamic region): NOTFOUND. */
		err = reg_each(dt, node, raw, rsv_node_add, &l);
		if (err < 0 && err != -DT_ERR_NOTFOUND)
			return err;
	}
	return node == -DT_ERR_NOTFOUND ? 0 : node;
}

/* A /chosen linux,initrd-* value: 0, -DT_ERR_NOTFOUND or -DT_ERR_BADVALUE. */
static int initrd_prop(const struct dt *dt, int node, const char *name,
		       uint64_t *out)
{
	int len;
	const uint8_t *v = dt_getprop(dt, node, name, &len);

	if (v == NULL)
		return len;
	if (len == 4)
		*out = dt_be32(v);
	else if (len == 8)
		*out = dt_be64(v);
	else
		return -DT_ERR_BADVALUE;
	return 0;
}

static int rsv_initrd(const struct dt *dt, struct dt_rsv *out, int max,
		      int *count)
{
	uint64_t start = 0, end = 0;
	int err, node = chosen(dt);

	if (node == -DT_ERR_NOTFOUND)
		return 0;
	if (node < 0)
		return node;
	err = initrd_prop(dt, node, "linux,initrd-start", &start);
	if (err == 0)
		err = initrd_prop(dt, node, "linux,initrd-end", &end);
	if (err == -DT_ERR_NOTFOUND || (err == 0 && end <= start))
		return 0;
	if (err < 0)
		return err;
	return rsv_add(out, max, count, start, end - start, DT_RSV_INITRD);
}

int dt_reserved(const struct dt *dt, struct dt_rsv *out, int max)
{
	int count = 0, err;
	uint32_t off;
	const uint8_t *p;

	if (dt == NULL || max < 0 || (out == NULL && max > 0))
		return -DT_ERR_BADARG;
	/* The entries of dt_mem_rsv, in one pass rather than one walk per
	 * index: the map may be long and full of zero-size entries. */
	for (off = dt->off_mem_rsvmap;; off += RSV_ENTRY_SIZE) {
		p = dt_span(dt, 0, dt->totalsize, off, RSV_ENTRY_SIZE);
		if (p == NULL)
			return -DT_ERR_TRUNCATED;
		if (dt_be64(p) == 0 && dt_be64(p + 8) == 0)
			break;
		err = rsv_add(out, max, &count, dt_be64(p), dt_be64(p + 8),
			      DT_RSV_MEMRESERVE);
		if (err < 0)
			return err;
	}
	err = rsv_nodes(dt, out, max, &count);
	if (err == 0)
		err = rsv_initrd(dt, out, max, &count);
	return err < 0 ? err : count;
}

const char *dt_bootargs(const struct dt *dt)
{
	int node = chosen(dt);

	return node < 0 ? NULL : dt_prop_string(dt, node, "bootargs");
}

int dt_cpu_node(const struct dt *dt, uint64_t id)
{
	struct lookup q[2] = { LOOKUP("#address-cells"), LOOKUP("#size-cells") };
	int cpus, cpu, len, rlen, ac, sc;
	const uint8_t *reg;
	const void *type;
	uint64_t a, s;

	if (dt == NULL)
		return -DT_ERR_BADARG;
	cpus = dt_path_offset(dt, "/cpus", 5);
	if (cpus < 0)
		return cpus;
	/* Each child's dt_reg_raw(cpu, 0), with /cpus's cells read once:
	 * dt_reg_raw would find each CPU's parent again, a walk from the
	 * root per CPU without an index. */
	getprops(dt, cpus, q, 2);
	ac = cells_of(&q[0], 2);
	sc = cells_of(&q[1], 1);
	for (cpu = dt_first_child(dt, cpus); cpu >= 0;
	     cpu = dt_next_sibling(dt, cpu)) {
		type = dt_getprop(dt, cpu, "device_type", &len);
		if (!value_string_eq(type, len, "cpu") || ac <= 0 || sc < 0)
			continue;
		reg = dt_getprop(dt, cpu, "reg", &rlen);
		if (reg != NULL && rlen >= 4 * (ac + sc) &&
		    rlen % (4 * (ac + sc)) == 0 &&
		    reg_decode(reg, 0, ac, sc, &a, &s) == 0 && a == id)
			return cpu;
	}
	return cpu; /* -DT_ERR_NOTFOUND at the end, or the walk's error */
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
