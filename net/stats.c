/*
 * stats.c - net_stats_print(): the counters as text without a printf (the
 * stack must not depend on the C library's stdio).
 *
 * The table comes from NET_STATS_LIST, so a counter added to net_stats.h is
 * printed without touching this file.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "netif.h"

struct stat_row {
    const char *name; /* a group name when off == GROUP */
    uint16_t off;
};

#define GROUP 0xffffu
#define ROW_GROUP_(g) {#g, GROUP},
#define ROW_FIELD_(n) {#n, (uint16_t)offsetof(struct net_stats, n)},
static const struct stat_row rows[] = {NET_STATS_LIST(ROW_GROUP_, ROW_FIELD_)};

struct line {
    char buf[NET_STATS_LINE_MAX + 1];
    size_t len;
    const char *group;
    void (*print)(const char *line);
};

static void put(struct line *l, const char *s, size_t n)
{
    memcpy(l->buf + l->len, s, n);
    l->len += n;
    l->buf[l->len] = '\0';
}

static void flush(struct line *l)
{
    if (l->len > strlen(l->group) + 1)
        l->print(l->buf);
    l->len = 0;
    put(l, l->group, strlen(l->group));
    put(l, ":", 1);
}

static void add(struct line *l, const char *name, uint32_t v)
{
    char num[10];
    size_t nn = 0, len = strlen(name), i;

    do {
        num[nn++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (l->len + 1 + len + 1 + nn > NET_STATS_LINE_MAX)
        flush(l);
    put(l, " ", 1);
    put(l, name, len);
    put(l, "=", 1);
    for (i = 0; i < nn; i++)
        put(l, &num[nn - 1 - i], 1);
}

void net_stats_print(const struct netif *nif, void (*print)(const char *line))
{
    const uint8_t *base = (const uint8_t *)&nif->stats;
    struct line l;
    size_t i;

    l.len = 0;
    l.group = NULL;
    l.print = print;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (rows[i].off == GROUP) {
            if (l.group)
                flush(&l);
            l.group = rows[i].name;
            l.len = 0;
            put(&l, l.group, strlen(l.group));
            put(&l, ":", 1);
        } else {
            uint32_t v;
            memcpy(&v, base + rows[i].off, sizeof(v));
            add(&l, rows[i].name, v);
        }
    }
    if (l.group)
        flush(&l);
}
