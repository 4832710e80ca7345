/*
 * bench.c - see bench.h.  Samples live in fixed arrays; the report sorts a
 * copy, so measuring never allocates and costs two counter reads.
 */
#include "bench.h"

#include <string.h>

#include "app.h"
#include "kprintf.h"
#include "netbuf.h"

#define SAMPLES 4096

/* No initialiser: the samples stay in .bss, out of the image. */
struct series {
    uint32_t n;       /* samples taken (the array keeps the first SAMPLES) */
    uint32_t v[SAMPLES];
};

static bool enabled;
static uint32_t ready_at;
static bool ready_seen;
static struct series icmp, udp, tcp;
static uint32_t sorted[SAMPLES];

bool bench_enabled(void) { return enabled; }
void bench_init(void) { enabled = app_bootarg("bench"); }

void bench_network_ready(void)
{
    if (!enabled || ready_seen)
        return;
    ready_seen = true;
    ready_at = board_instructions();
    kprintf("bench: reset to network ready: %u instructions\n", (unsigned)ready_at);
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* What bench_tx_begin() itself cost, left out of the sample. */
static uint32_t begin_cost;

void *bench_tx_begin(struct netbuf *nb)
{
    if (!enabled || nb->len < 14 + 20 + 8)
        return NULL;
    uint32_t t0 = board_instructions();
    const uint8_t *f = netbuf_data(nb);
    struct series *s = NULL;
    if (be16(f + 12) == 0x0800) {
        const uint8_t *ip = f + 14;
        unsigned ihl = (ip[0] & 0xfu) * 4u;
        if (ihl >= 20 && nb->len >= 14 + ihl + 8) {
            if (ip[9] == 1 && ip[ihl] == 0)
                s = &icmp; /* echo reply */
            else if (ip[9] == 17 && be16(ip + ihl) == 7)
                s = &udp; /* from the echo port */
            else if (ip[9] == 6 && be16(ip + ihl) == 7)
                s = &tcp; /* from the TCP echo port: the echo with its ACK, SYN-ACK, FIN */
        }
    }
    begin_cost = board_instructions() - t0;
    return s;
}

void bench_tx_queued(void *series, unsigned net_intid)
{
    uint32_t now = board_instructions(), start;
    struct series *s = series;
    if (!s || !board_irq_stamp(net_intid, &start))
        return;
    if (s->n < SAMPLES)
        s->v[s->n] = now - start - begin_cost;
    s->n++;
}

static void report(const char *name, struct series *s)
{
    uint32_t n = s->n < SAMPLES ? s->n : SAMPLES;
    if (n == 0) {
        kprintf("bench: %s n=0\n", name);
        return;
    }
    memcpy(sorted, s->v, n * sizeof(sorted[0]));
    for (uint32_t i = 1; i < n; i++) { /* insertion sort: at most 4096 samples, on request */
        uint32_t x = sorted[i], j = i;
        for (; j > 0 && sorted[j - 1] > x; j--)
            sorted[j] = sorted[j - 1];
        sorted[j] = x;
    }
    uint32_t p99 = (uint32_t)(((uint64_t)n * 99 + 99) / 100) - 1;
    kprintf("bench: %s n=%u min=%u median=%u p99=%u max=%u instructions\n", name, (unsigned)n,
            (unsigned)sorted[0], (unsigned)sorted[n / 2], (unsigned)sorted[p99], (unsigned)sorted[n - 1]);
}

void bench_print(void)
{
    if (!enabled) {
        kprintf("bench: off (boot with the argument 'bench', under QEMU -icount for exact counts)\n");
        return;
    }
    kprintf("bench: reset_to_ready=%u instructions\n", (unsigned)ready_at);
    report("icmp_echo", &icmp);
    report("udp_echo", &udp);
    report("tcp_echo", &tcp);
}
