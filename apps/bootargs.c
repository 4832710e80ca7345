/*
 * bootargs.c - the boot arguments (/chosen/bootargs, board()->bootargs):
 * words separated by white space, "word" or "key=value" (the list is in
 * main.c, and below for app_bootargs_check).  Apart from main.c so that
 * the host can compile and fuzz it (test/fuzz/fuzz_shell.c): it needs only
 * board(), kprintf and the C library.
 */
#include <string.h>

#include "app.h"
#include "kprintf.h"

/* Spaces, tabs and line ends all separate words, as net/ipcfg.c reads
 * ip=: a device tree's bootargs may hold a tab or end in a newline. */
static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Each word of the boot arguments in turn. */
static const char *next_word(const char *a, size_t *len)
{
    while (a && is_space(*a))
        a++;
    if (!a || !*a)
        return NULL;
    *len = 0;
    while (a[*len] && !is_space(a[*len]))
        (*len)++;
    return a;
}

bool app_bootarg(const char *word)
{
    size_t n = strlen(word), len;
    for (const char *a = next_word(board()->bootargs, &len); a; a = next_word(a + len, &len))
        if (len == n && memcmp(a, word, n) == 0)
            return true;
    return false;
}

const char *app_bootarg_value(const char *key, char *buf, size_t size)
{
    size_t n = strlen(key), len;
    const char *found = NULL;
    if (size == 0)
        return NULL; /* no room even for the NUL */
    for (const char *a = next_word(board()->bootargs, &len); a; a = next_word(a + len, &len)) {
        if (len > n && memcmp(a, key, n) == 0 && a[n] == '=') {
            size_t v = len - n - 1 < size - 1 ? len - n - 1 : size - 1;
            memcpy(buf, a + n + 1, v);
            buf[v] = '\0';
            found = buf;
        }
    }
    return found;
}

/* The words the firmware reads (main.c's list): whole words, and keys
 * that take "=value" (whose values their readers check). */
static const char *const known_words[] = {
    "bench",        "csum=off", "guest_csum=off", "tcp_echo=off", "tcp_discard=off", "tcp_shell=off",
    "http=off",     "poweroff", "bootstage",      "crash=undef",  "crash=abort",     "rng=poll",
    "ctrl_vq=off",  "guest_announce=off",
};
static const char *const known_keys[] = {"ip", "ip1", "ip2", "ip3", "netq", "blk"};

static bool known(const char *w, size_t len)
{
    for (size_t i = 0; i < sizeof(known_words) / sizeof(known_words[0]); i++)
        if (strlen(known_words[i]) == len && memcmp(known_words[i], w, len) == 0)
            return true;
    for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++) {
        size_t n = strlen(known_keys[i]);
        if (len > n && w[n] == '=' && memcmp(known_keys[i], w, n) == 0)
            return true;
    }
    return false;
}

unsigned app_bootargs_check(void)
{
    enum { SHOWN = 8, WIDTH = 40 }; /* lines at most, characters of a word at most */
    unsigned unknown = 0;
    size_t len;
    for (const char *a = next_word(board()->bootargs, &len); a; a = next_word(a + len, &len)) {
        if (known(a, len))
            continue;
        if (++unknown <= SHOWN)
            kprintf("boot: WARNING: boot argument '%.*s%s' is not one this firmware reads; ignored\n",
                    (int)(len > WIDTH ? WIDTH : len), a, len > WIDTH ? "..." : "");
    }
    if (unknown > SHOWN)
        kprintf("boot: WARNING: %u more boot arguments this firmware does not read; ignored\n", unknown - SHOWN);
    return unknown;
}

unsigned app_parse_queue_size(const char *s, unsigned max)
{
    unsigned v = 0;
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > max)
            return 0; /* not a number, or already too big: no overflow */
        v = v * 10 + (unsigned)(*s - '0');
    }
    return v >= 2 && v <= max && (v & (v - 1)) == 0 ? v : 0;
}
