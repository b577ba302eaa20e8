/* SPDX-License-Identifier: Apache-2.0 */
/* Console output shared by the QEMU images: see console.h. */
#include "console.h"

#include <stddef.h>

#include "modesp/port_baremetal.h"
#include "selftest.h"

void out(const char *s) { plat_puts(s); }

void out_u(uint32_t v)
{
    char buf[12];
    char *p = buf + sizeof buf - 1;
    *p = '\0';
    do {
        *--p = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    out(p);
}

void out_kv(const char *key, uint32_t v)
{
    out(" ");
    out(key);
    out("=");
    out_u(v);
}

/* Log lines of the library (quarantine reports, ...) go to the same console. */
void modesp_port_baremetal_console_write(const char *text, size_t len)
{
    char buf[136];
    size_t n = len < sizeof buf - 1u ? len : sizeof buf - 1u;
    for (size_t i = 0; i < n; i++) {
        buf[i] = text[i];
    }
    buf[n] = '\0';
    out(buf);
}
