/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output of the fragmentation firmware: semihosting (targets/qemu/cortex_m/
 * arm_semihost.h) behind a small buffer, so a line costs one trap instead of
 * one per character.
 */
#include "semihost.h"

#include "arm_semihost.h" /* targets/qemu/cortex_m: shared with the self-test */

void semihost_puts(const char *s) { arm_semihost_write0(s); }

void semihost_exit(int status)
{
    out_flush();
    arm_semihost_exit(status);
}

static char s_buf[512];
static unsigned s_len;

void out_flush(void)
{
    if (s_len != 0u) {
        s_buf[s_len] = '\0';
        semihost_puts(s_buf);
        s_len = 0;
    }
}

static void out_char(char c)
{
    if (s_len + 1u >= sizeof s_buf) {
        out_flush();
    }
    s_buf[s_len++] = c;
    if (c == '\n') {
        out_flush();
    }
}

void out_str(const char *s)
{
    while (*s != '\0') {
        out_char(*s++);
    }
}

void out_u(unsigned long v)
{
    char tmp[12];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    while (n > 0) {
        out_char(tmp[--n]);
    }
}

void out_i(long v)
{
    if (v < 0) {
        out_char('-');
        out_u((unsigned long)(-v));
    } else {
        out_u((unsigned long)v);
    }
}
