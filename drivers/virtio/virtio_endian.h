/*
 * virtio_endian.h - typed little-endian wire fields and their accessors.
 *
 * Every field the device reads or writes in shared memory is declared with
 * one of le16/le32/le64.  They are one-member structs, so the compiler
 * rejects any direct arithmetic or assignment with a CPU integer: a field can
 * only be reached through the accessors below, which are the single point
 * where byte order is converted.
 *
 * Byte order: modern virtio (VERSION_1) is little-endian.  Legacy virtio is
 * guest-endian ("native"); every target of this project (ARMv7-A, AArch64,
 * x86-64 host tests) is little-endian, where the two coincide, so legacy
 * devices also use these types.  On a big-endian CPU the conversions below
 * swap (right for modern devices) and virtio_mmio_attach() refuses legacy
 * devices rather than silently getting them wrong.
 *
 * Shared-memory accessors (vr_load / vr_store) go through volatile lvalues:
 * the device may change a field at any time, so every read must really
 * happen, exactly once, at the place it is written in the source.  They are
 * not barriers: ordering comes from plat_dma_* at the places the spec names.
 */
#ifndef VIRTIO_ENDIAN_H
#define VIRTIO_ENDIAN_H

#include <stdint.h>

typedef struct {
    uint16_t raw;
} le16;
typedef struct {
    uint32_t raw;
} le32;
typedef struct {
    uint64_t raw;
} le64;

_Static_assert(sizeof(le16) == 2, "le16 must be 2 bytes");
_Static_assert(sizeof(le32) == 4, "le32 must be 4 bytes");
_Static_assert(sizeof(le64) == 8, "le64 must be 8 bytes");

#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && \
    (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
#define VIRTIO_CPU_BIG_ENDIAN 1
#else
#define VIRTIO_CPU_BIG_ENDIAN 0
#endif

static inline uint16_t virtio_swap16(uint16_t v)
{
    return (uint16_t)((v >> 8) | (v << 8));
}

static inline uint32_t virtio_swap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

static inline uint64_t virtio_swap64(uint64_t v)
{
    return ((uint64_t)virtio_swap32((uint32_t)v) << 32) | virtio_swap32((uint32_t)(v >> 32));
}

static inline uint16_t le16_to_cpu(le16 x)
{
    return VIRTIO_CPU_BIG_ENDIAN ? virtio_swap16(x.raw) : x.raw;
}

static inline uint32_t le32_to_cpu(le32 x)
{
    return VIRTIO_CPU_BIG_ENDIAN ? virtio_swap32(x.raw) : x.raw;
}

static inline uint64_t le64_to_cpu(le64 x)
{
    return VIRTIO_CPU_BIG_ENDIAN ? virtio_swap64(x.raw) : x.raw;
}

static inline le16 cpu_to_le16(uint16_t v)
{
    le16 x = {VIRTIO_CPU_BIG_ENDIAN ? virtio_swap16(v) : v};
    return x;
}

static inline le32 cpu_to_le32(uint32_t v)
{
    le32 x = {VIRTIO_CPU_BIG_ENDIAN ? virtio_swap32(v) : v};
    return x;
}

static inline le64 cpu_to_le64(uint64_t v)
{
    le64 x = {VIRTIO_CPU_BIG_ENDIAN ? virtio_swap64(v) : v};
    return x;
}

/* ---- shared-memory accessors (one volatile access each) ---------------- */

static inline uint16_t vr_load16(const le16 *p)
{
    le16 x;
    x.raw = ((const volatile le16 *)p)->raw;
    return le16_to_cpu(x);
}

static inline uint32_t vr_load32(const le32 *p)
{
    le32 x;
    x.raw = ((const volatile le32 *)p)->raw;
    return le32_to_cpu(x);
}

static inline void vr_store16(le16 *p, uint16_t v)
{
    ((volatile le16 *)p)->raw = cpu_to_le16(v).raw;
}

static inline void vr_store32(le32 *p, uint32_t v)
{
    ((volatile le32 *)p)->raw = cpu_to_le32(v).raw;
}

static inline void vr_store64(le64 *p, uint64_t v)
{
    ((volatile le64 *)p)->raw = cpu_to_le64(v).raw;
}

#endif /* VIRTIO_ENDIAN_H */
