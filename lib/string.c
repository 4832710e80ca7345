/*
 * string.c - the few C library string functions the firmware needs, for a
 * target built without a C library (ARCH=aarch64 and ARCH=riscv64).  They
 * run before the MMU is on too, where unaligned wide accesses fault: memcpy
 * and memset use 8-byte words only when their pointers start 8-aligned,
 * everything else (memmove always) goes bytewise.
 * Built with -fno-tree-loop-distribute-patterns so GCC cannot turn these
 * loops back into calls to themselves.
 */
#include <stddef.h>
#include <string.h>

/* Word-at-a-time when both pointers share 8-byte alignment: aligned wide
 * accesses are safe with the MMU off, and DMA buffers are large.  Eight
 * words an iteration first: fewer iterations for the same bytes, which is
 * what a loop costs under QEMU's TCG (one translated block per iteration)
 * and what the branch costs on a small core. */
#define WORD sizeof(unsigned long long)
#define ALIGNED(p) (((unsigned long)(p) & (WORD - 1)) == 0)

void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    if (ALIGNED(dp) && ALIGNED(sp)) {
        for (; n >= 8 * WORD; n -= 8 * WORD, dp += 8 * WORD, sp += 8 * WORD) {
            unsigned long long *q = (unsigned long long *)(void *)dp;
            const unsigned long long *r = (const unsigned long long *)(const void *)sp;
            unsigned long long a = r[0], b = r[1], c = r[2], e = r[3];
            q[0] = a, q[1] = b, q[2] = c, q[3] = e;
            a = r[4], b = r[5], c = r[6], e = r[7];
            q[4] = a, q[5] = b, q[6] = c, q[7] = e;
        }
        for (; n >= WORD; n -= WORD, dp += WORD, sp += WORD)
            *(unsigned long long *)(void *)dp = *(const unsigned long long *)(const void *)sp;
    }
    while (n--)
        *dp++ = *sp++;
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    if (dp < sp) {
        while (n--)
            *dp++ = *sp++;
    } else {
        while (n--)
            dp[n] = sp[n];
    }
    return d;
}

void *memset(void *d, int c, size_t n)
{
    unsigned char *dp = d;
    while (n && !ALIGNED(dp)) {
        *dp++ = (unsigned char)c;
        n--;
    }
    unsigned long long w = 0x0101010101010101ull * (unsigned char)c;
    for (; n >= 8 * WORD; n -= 8 * WORD, dp += 8 * WORD) {
        unsigned long long *q = (unsigned long long *)(void *)dp;
        q[0] = w, q[1] = w, q[2] = w, q[3] = w, q[4] = w, q[5] = w, q[6] = w, q[7] = w;
    }
    for (; n >= WORD; n -= WORD, dp += WORD)
        *(unsigned long long *)(void *)dp = w;
    while (n--)
        *dp++ = (unsigned char)c;
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    for (; n; n--, p++)
        if (*p == (unsigned char)c)
            return (void *)p;
    return NULL;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}
