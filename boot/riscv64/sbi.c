/*
 * sbi.c (RISC-V 64) - see sbi.h.  Which extensions the firmware has is
 * asked once (the base extension's probe_extension) and remembered; a
 * firmware without the base extension (SBI v0.1) gets the legacy calls.
 */
#include "sbi.h"

struct sbiret sbi_ecall(unsigned long eid, unsigned long fid, unsigned long a0, unsigned long a1,
                        unsigned long a2)
{
    register unsigned long r_a0 __asm__("a0") = a0;
    register unsigned long r_a1 __asm__("a1") = a1;
    register unsigned long r_a2 __asm__("a2") = a2;
    register unsigned long r_a6 __asm__("a6") = fid;
    register unsigned long r_a7 __asm__("a7") = eid;
    __asm__ volatile("ecall" : "+r"(r_a0), "+r"(r_a1) : "r"(r_a2), "r"(r_a6), "r"(r_a7) : "memory");
    return (struct sbiret){(long)r_a0, (long)r_a1};
}

/* A legacy call: EID only, the result in a0 (a1 may be clobbered). */
static long sbi_legacy(unsigned long eid, unsigned long a0)
{
    return sbi_ecall(eid, 0, a0, 0, 0).error;
}

unsigned long sbi_spec_version(void)
{
    struct sbiret r = sbi_ecall(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0);
    return r.error ? 0 : (unsigned long)r.value;
}

long sbi_probe_extension(unsigned long eid)
{
    struct sbiret r = sbi_ecall(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, eid, 0, 0);
    return r.error ? 0 : r.value;
}

/* 0: not asked yet; 1: present; -1: absent. */
static int has_time, has_srst;

static bool ext_present(int *cache, unsigned long eid)
{
    if (*cache == 0)
        *cache = sbi_probe_extension(eid) ? 1 : -1;
    return *cache > 0;
}

void sbi_set_timer(uint64_t stime)
{
    if (ext_present(&has_time, SBI_EXT_TIME))
        (void)sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, stime, 0, 0);
    else
        (void)sbi_legacy(SBI_EXT_LEGACY_SET_TIMER, stime);
}

long sbi_hart_stop(void)
{
    return sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0).error;
}

long sbi_hart_start(unsigned long hartid, uintptr_t start, unsigned long opaque)
{
    return sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, start, opaque).error;
}

long sbi_hart_get_status(unsigned long hartid)
{
    struct sbiret r = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, hartid, 0, 0);
    return r.error ? r.error : r.value;
}

long sbi_system_reset(uint32_t type, uint32_t reason)
{
    return sbi_ecall(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, type, reason, 0).error;
}

void sbi_system_shutdown(void)
{
    if (ext_present(&has_srst, SBI_EXT_SRST))
        (void)sbi_system_reset(SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_NONE);
    /* No SRST, or it failed: the legacy call (deprecated, but OpenSBI and
     * older firmware that lack SRST have it). */
    (void)sbi_legacy(SBI_EXT_LEGACY_SHUTDOWN, 0);
}

void sbi_console_putchar(int c)
{
    (void)sbi_legacy(SBI_EXT_LEGACY_PUTCHAR, (unsigned char)c);
}
