/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Files under the output folder (default build/demo/): demo.json (what
 * /api/memory serves, at the end of the run), demo.csv (status.c) and a PNG
 * plot of it drawn by gnuplot (Debian gnuplot-nox, run with posix_spawnp, no
 * shell). Without gnuplot the demo says how to install it; the CSV is there
 * either way.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "demo_run.h"

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char tmp[512];
    const int n = snprintf(tmp, sizeof tmp, "%s", dir);
    if (n <= 0 || (size_t)n >= sizeof tmp) {
        return -1;
    }
    for (char *p = tmp + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
                return -1;
            }
            *p = '/';
        }
    }
    return mkdir(tmp, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

FILE *demo_open_out(const char *dir, const char *name, char *path, size_t path_size)
{
    if (make_dirs(dir) != 0) {
        (void)fprintf(stderr, "demo: cannot create %s: %s\n", dir, strerror(errno));
        return NULL;
    }
    (void)snprintf(path, path_size, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        (void)fprintf(stderr, "demo: cannot write %s: %s\n", path, strerror(errno));
    }
    return f;
}

int demo_write_json(demo_world_t *w, const char *dir)
{
    static char buf[64 * 1024];
    size_t len = 0;
    if (demo_dashboard_json(w, buf, sizeof buf, &len) != ESP_OK) {
        (void)fprintf(stderr, "demo: the JSON does not fit in %zu bytes (%zu needed)\n", sizeof buf, len);
        return -1;
    }
    char path[512];
    FILE *f = demo_open_out(dir, "demo.json", path, sizeof path);
    if (f == NULL) {
        return -1;
    }
    (void)fwrite(buf, 1, len, f);
    (void)fputc('\n', f);
    (void)fclose(f);
    return 0;
}

extern char **environ;

/* Write the script (after a gnuplot `cd` into dir, so it names its files plainly) and run gnuplot on it. */
void demo_plot(const char *dir, const char *script_name, const char *script)
{
    char path[512];
    FILE *f = demo_open_out(dir, script_name, path, sizeof path);
    if (f == NULL) {
        return;
    }
    (void)fprintf(f, "cd '%s'\n%s", dir, script);
    (void)fclose(f);
    char *argv[] = {"gnuplot", path, NULL};
    pid_t pid;
    const int err = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
    if (err == ENOENT) {
        (void)printf("plot: gnuplot not found, no PNG (the CSV is written): apt-get install gnuplot-nox\n");
        return;
    }
    int status = 0;
    if (err != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        (void)printf("plot: gnuplot failed on %s\n", path);
    }
}
