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

static uint32_t s_checks;
static uint32_t s_failures;

bool check_at(bool ok, const char *file, int line, const char *what, const char *got, const char *want)
{
    s_checks++;
    if (!ok) {
        s_failures++;
        /* __FILE__ carries the build's path: print the name alone, as the images always did. */
        const char *base = file;
        for (const char *c = file; *c != '\0'; c++) {
            if (*c == '/') {
                base = c + 1;
            }
        }
        out("FAIL ");
        out(base);
        out(":");
        out_u((uint32_t)line);
        out(": ");
        out(what);
        if (got != NULL) {
            out(" returned ");
            out(got);
            out(", expected ");
            out(want != NULL ? want : "?");
        }
        out("\n");
    }
    return ok;
}

uint32_t check_failures(void) { return s_failures; }

void check_totals(const char *label)
{
    out(label);
    out_kv("checks", s_checks);
    out_kv("failures", s_failures);
    out("\n");
}

int check_result(bool ok)
{
    const bool pass = ok && s_failures == 0u;
    check_totals(pass ? "RESULT: PASS" : "RESULT: FAIL");
    return pass ? 0 : 1;
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
