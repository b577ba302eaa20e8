/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parse the demo's JSON (demo.json, the same text /api/memory serves) with
 * cJSON and check its shape and a few facts the scenario must show:
 *   check_json FILE [--health LEVEL] [--leak-owner NAME] [--no-leaks]
 * Prints "check_json: OK" or every problem found, exit 1.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_problems;

static void problem(const char *what, const char *detail)
{
    printf("check_json: FAILED: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    s_problems++;
}

static const cJSON *need(const cJSON *obj, const char *key, int type_ok)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL || !type_ok) {
        problem("missing or wrong type", key);
    }
    return v;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1u);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
        } else {
            free(buf);
            buf = NULL;
        }
    }
    (void)fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        (void)fprintf(stderr, "usage: check_json FILE [--health LEVEL] [--leak-owner NAME] [--no-leaks]\n");
        return 2;
    }
    char *text = slurp(argv[1]);
    if (text == NULL) {
        problem("cannot read", argv[1]);
        return 1;
    }
    cJSON *root = cJSON_Parse(text);
    if (root == NULL) {
        problem("does not parse", cJSON_GetErrorPtr());
        return 1;
    }
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, "modesp-dashboard-1") != 0) {
        problem("schema", "not modesp-dashboard-1");
    }
    const cJSON *diag =
        need(root, "diagnostics", cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "diagnostics")));
    const cJSON *pools = diag ? cJSON_GetObjectItemCaseSensitive(diag, "pools") : NULL;
    if (!cJSON_IsArray(pools) || cJSON_GetArraySize(pools) < 6) {
        problem("diagnostics.pools", "fewer than the 5 classes and the reserve");
    } else {
        const cJSON *p;
        cJSON_ArrayForEach(p, pools)
        {
            const cJSON *in_use = cJSON_GetObjectItemCaseSensitive(p, "in_use");
            const cJSON *cap = cJSON_GetObjectItemCaseSensitive(p, "capacity");
            if (!cJSON_IsNumber(in_use) || !cJSON_IsNumber(cap) || in_use->valuedouble > cap->valuedouble) {
                problem("pool in_use/capacity", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "name")));
            }
        }
    }
    const cJSON *health = need(root, "health", cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "health")));
    const cJSON *level = health ? cJSON_GetObjectItemCaseSensitive(health, "level") : NULL;
    const cJSON *leaks = need(root, "leaks", cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "leaks")));
    const cJSON *leak_count = leaks ? cJSON_GetObjectItemCaseSensitive(leaks, "count") : NULL;
    const cJSON *leak_list = leaks ? cJSON_GetObjectItemCaseSensitive(leaks, "list") : NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--health") == 0 && i + 1 < argc) {
            const char *want = argv[++i];
            const char *got = cJSON_GetStringValue(level);
            if (got == NULL || strcmp(got, want) != 0) {
                problem("health level is not", want);
            }
        } else if (strcmp(argv[i], "--no-leaks") == 0) {
            if (leak_count == NULL || !cJSON_IsNumber(leak_count) || leak_count->valuedouble != 0) {
                problem("leaks.count", "not 0");
            }
        } else if (strcmp(argv[i], "--leak-owner") == 0 && i + 1 < argc) {
            const char *want = argv[++i];
            int found = 0;
            const cJSON *l;
            cJSON_ArrayForEach(l, leak_list)
            {
                const char *owner = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "owner"));
                const cJSON *line = cJSON_GetObjectItemCaseSensitive(l, "line");
                if (owner != NULL && strcmp(owner, want) == 0 && cJSON_IsNumber(line) && line->valuedouble > 0) {
                    found = 1;
                }
            }
            if (!found) {
                problem("no leak with file:line owned by", want);
            }
        } else {
            problem("unknown argument", argv[i]);
        }
    }
    cJSON_Delete(root);
    free(text);
    if (s_problems == 0) {
        printf("check_json: OK\n");
    }
    return s_problems == 0 ? 0 : 1;
}
