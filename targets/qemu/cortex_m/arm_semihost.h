/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ARM semihosting for the Cortex-M firmware run under QEMU
 * (-semihosting-config enable=on,target=native): the self-test in
 * targets/qemu and the fragmentation firmware in bench/frag share it.
 * `bkpt 0xab` with the operation in r0 and its argument in r1.
 */
#ifndef MODESP_ARM_SEMIHOST_H
#define MODESP_ARM_SEMIHOST_H

#include <stdint.h>

#define ARM_SEMIHOST_SYS_WRITE0        0x04u
#define ARM_SEMIHOST_SYS_EXIT_EXTENDED 0x20u
#define ARM_SEMIHOST_APPLICATION_EXIT  0x20026u /* ADP_Stopped_ApplicationExit */

static inline uint32_t arm_semihost_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

/* Print a NUL-terminated string on QEMU's console. */
static inline void arm_semihost_write0(const char *text) { (void)arm_semihost_call(ARM_SEMIHOST_SYS_WRITE0, text); }

/* End QEMU with `status` as its exit status. */
__attribute__((noreturn)) static inline void arm_semihost_exit(int status)
{
    const uint32_t block[2] = {ARM_SEMIHOST_APPLICATION_EXIT, (uint32_t)status};
    (void)arm_semihost_call(ARM_SEMIHOST_SYS_EXIT_EXTENDED, block);
    for (;;) {
    }
}

#endif
