/*
 * sbi.h (RISC-V 64) - calls into the Supervisor Binary Interface: the
 * M-mode firmware (OpenSBI on QEMU virt) that starts this image in S-mode.
 * Calling convention (SBI v1.0/v2.0, chapter 3): a7 = extension ID (EID),
 * a6 = function ID (FID), arguments in a0-a5, `ecall`; the result comes back
 * as an error code in a0 and a value in a1, and every other register is
 * preserved.  The legacy extensions (EID 0x00-0x0f, SBI v0.1) take no FID
 * and return only a0.
 * Every function here works with the MMU on or off and with interrupts
 * masked; none keeps state but a cached probe result.
 */
#ifndef SBI_H
#define SBI_H

#include <stdbool.h>
#include <stdint.h>

/* Extension IDs. */
#define SBI_EXT_LEGACY_SET_TIMER 0x00ul
#define SBI_EXT_LEGACY_PUTCHAR 0x01ul
#define SBI_EXT_LEGACY_SHUTDOWN 0x08ul
#define SBI_EXT_BASE 0x10ul
#define SBI_EXT_TIME 0x54494d45ul /* "TIME" */
#define SBI_EXT_HSM 0x48534dul    /* "HSM" */
#define SBI_EXT_SRST 0x53525354ul /* "SRST" */

/* Function IDs. */
#define SBI_BASE_GET_SPEC_VERSION 0
#define SBI_BASE_PROBE_EXTENSION 3
#define SBI_TIME_SET_TIMER 0
#define SBI_HSM_HART_START 0
#define SBI_HSM_HART_STOP 1
#define SBI_HSM_HART_GET_STATUS 2
#define SBI_SRST_SYSTEM_RESET 0

/* SRST reset types and reasons. */
#define SBI_SRST_TYPE_SHUTDOWN 0u
#define SBI_SRST_TYPE_COLD_REBOOT 1u
#define SBI_SRST_TYPE_WARM_REBOOT 2u
#define SBI_SRST_REASON_NONE 0u
#define SBI_SRST_REASON_FAILURE 1u

/* Error codes (a0). */
#define SBI_SUCCESS 0
#define SBI_ERR_FAILED (-1)
#define SBI_ERR_NOT_SUPPORTED (-2)
#define SBI_ERR_INVALID_PARAM (-3)
#define SBI_ERR_DENIED (-4)

/* HSM hart states (hart_get_status). */
#define SBI_HSM_STARTED 0
#define SBI_HSM_STOPPED 1

struct sbiret {
    long error;
    long value;
};

/* One call: EID, FID and up to three arguments (the calls here need no more). */
struct sbiret sbi_ecall(unsigned long eid, unsigned long fid, unsigned long a0, unsigned long a1,
                        unsigned long a2);

/* The implemented SBI specification version, (major << 24) | minor, or 0
 * for an SBI v0.1 firmware (no base extension: only the legacy calls). */
unsigned long sbi_spec_version(void);
/* Non-zero when the extension is implemented (the value it reports,
 * usually 1); 0 when it is not, or when the firmware has no base extension. */
long sbi_probe_extension(unsigned long eid);

/* Program the next supervisor timer event at an absolute `time` value
 * (the TIME extension, else legacy EID 0x00); this also clears a pending
 * supervisor timer interrupt (sip.STIP).  UINT64_MAX: no event. */
void sbi_set_timer(uint64_t stime);
/* Stop the calling hart (HSM).  Returns only on failure, with the error. */
long sbi_hart_stop(void);
/* Start a stopped hart at physical address `start` in S-mode with
 * a0 = its hart ID and a1 = opaque, MMU off (HSM). */
long sbi_hart_start(unsigned long hartid, uintptr_t start, unsigned long opaque);
/* A hart's HSM state (SBI_HSM_STARTED, SBI_HSM_STOPPED, ...) or a negative error. */
long sbi_hart_get_status(unsigned long hartid);
/* Power the machine off: SRST shutdown, else legacy shutdown (EID 0x08).
 * Returns only if neither worked. */
void sbi_system_shutdown(void);
/* SRST system_reset of any type (returns only on failure, with the error). */
long sbi_system_reset(uint32_t type, uint32_t reason);
/* One byte to the firmware's console (legacy EID 0x01; OpenSBI 1.x still
 * has it).  Slow: a debugging aid for when no UART is known. */
void sbi_console_putchar(int c);

#endif
