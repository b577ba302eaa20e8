/*
 * Semihosting (bkpt 0xab, operation in r0, argument in r1) and a small output
 * buffer, so a line costs one trap instead of one per character.
 */
#include "semihost.h"

#define SYS_WRITE0        0x04
#define SYS_EXIT_EXTENDED 0x20

static uint32_t semihost_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void semihost_puts(const char *s) { (void)semihost_call(SYS_WRITE0, s); }

void semihost_exit(int status)
{
    out_flush();
    const uint32_t block[2] = {0x20026u /* ADP_Stopped_ApplicationExit */, (uint32_t)status};
    (void)semihost_call(SYS_EXIT_EXTENDED, block);
    for (;;) {
    }
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
