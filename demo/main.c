/* SPDX-License-Identifier: Apache-2.0 */
/*
 * modesp_demo: a simulated ModESP refrigeration controller node that uses
 * every pattern of the integration guide, with a live status line, a final
 * report, JSON, CSV, a plot and an optional live memory dashboard.
 * `make demo` runs the normal scenario; `modesp_demo --help` lists the rest.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "demo_run.h"

static void usage(FILE *f)
{
    (void)fprintf(f, "usage: modesp_demo [--scenario NAME] [--seconds N] [--speed X] [--seed N] [--out DIR]\n"
                     "                   [--serve PORT [--linger S]] [--fail-pct N] [--no-plot]\n"
                     "\n"
                     "Scenarios (--scenario, default normal):\n"
                     "  normal    steady load below the warning level; verdict OK, no leak\n"
                     "  burst     an event storm drives utilisation over the warning and critical levels,\n"
                     "            modules degrade, the bus drops LOW events, then everything recovers\n"
                     "  leak      the cloud module forgets a chunk every 2 s; the leak detector and the\n"
                     "            health verdict name it by owner and file:line\n"
                     "  exhaust   the LARGE class is drained: STRICT requests fail (counted, with call site),\n"
                     "            WAIT requests time out or are served, the reserve serves a critical one\n"
                     "  fragment  the small allocations on a heap versus in pools over simulated days:\n"
                     "            the heap's largest free block shrinks, the pooled run's does not\n"
                     "\n"
                     "  --seconds N   simulated seconds (default 60; fragment: 7 days)\n"
                     "  --speed X     simulated time runs X times faster than real time (default 10; 0 = as\n"
                     "                fast as possible); the library's clock is the simulated one\n"
                     "  --seed N      the workload's random numbers (default 1; thread timing is not repeatable)\n"
                     "  --out DIR     demo.json, demo.csv, demo.png (default build/demo)\n"
                     "  --serve PORT  live dashboard on http://127.0.0.1:PORT/ (JSON at /api/memory)\n"
                     "  --linger S    with --serve: keep serving S seconds after the run (default: until Ctrl-C)\n"
                     "  --fail-pct N  make N %% of all pool allocation attempts fail (fault injection)\n"
                     "  --no-plot     do not run gnuplot\n");
}

static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
    char *end = NULL;
    const unsigned long v = strtoul(s, &end, 10);
    if (s[0] == '\0' || *end != '\0' || v > max) {
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int parse_args(int argc, char **argv, demo_options_t *o)
{
    bool seconds_given = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint32_t u = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--no-plot") == 0) {
            o->plot = false;
            continue;
        }
        if (v == NULL) {
            (void)fprintf(stderr, "demo: %s needs a value\n", a);
            return -1;
        }
        i++;
        if (strcmp(a, "--scenario") == 0) {
            if (demo_scenario_parse(v, &o->scenario) != 0) {
                (void)fprintf(stderr, "demo: unknown scenario '%s'\n", v);
                return -1;
            }
        } else if (strcmp(a, "--seconds") == 0 && parse_u32(v, 100u * 86400u, &u) == 0 && u > 0) {
            o->seconds = u;
            seconds_given = true;
        } else if (strcmp(a, "--speed") == 0) {
            char *end = NULL;
            o->speed = strtod(v, &end);
            if (*end != '\0' || o->speed < 0.0) {
                (void)fprintf(stderr, "demo: bad --speed '%s'\n", v);
                return -1;
            }
        } else if (strcmp(a, "--seed") == 0 && parse_u32(v, UINT32_MAX, &u) == 0) {
            o->seed = u;
        } else if (strcmp(a, "--out") == 0) {
            o->out_dir = v;
        } else if (strcmp(a, "--serve") == 0 && parse_u32(v, 65535, &u) == 0 && u > 0) {
            o->serve_port = (int)u;
        } else if (strcmp(a, "--linger") == 0 && parse_u32(v, 86400, &u) == 0) {
            o->linger_s = (int)u;
        } else if (strcmp(a, "--fail-pct") == 0 && parse_u32(v, 100, &u) == 0) {
            o->fail_pct = u;
        } else {
            (void)fprintf(stderr, "demo: bad option or value: %s %s\n", a, v);
            return -1;
        }
    }
    if (!seconds_given && o->scenario == DEMO_FRAGMENT) {
        o->seconds = 7u * 86400u;
    }
    return 0;
}

static volatile sig_atomic_t s_signalled;
static void on_signal(int sig)
{
    (void)sig;
    s_signalled = 1;
}

static void plot_node(const demo_options_t *o)
{
    char script[2048];
    (void)snprintf(script, sizeof script,
                   "set terminal pngcairo size 1000,560 noenhanced\n"
                   "set output 'demo.png'\n"
                   "set datafile separator ','\n"
                   "set key outside right top\n"
                   "set title 'modesp demo, scenario %s: utilisation per class and pressure level'\n"
                   "set xlabel 'simulated seconds'\n"
                   "set ylabel 'utilisation %%'\n"
                   "set yrange [0:105]\n"
                   "set y2range [-0.1:2.6]\n"
                   "set y2tics ('NORMAL' 0, 'WARNING' 1, 'CRITICAL' 2)\n"
                   "set arrow from graph 0, first %d to graph 1, first %d nohead dt 2 lc rgb 'orange'\n"
                   "set arrow from graph 0, first %d to graph 1, first %d nohead dt 2 lc rgb 'red'\n"
                   "set arrow from graph 0, first %d to graph 1, first %d nohead dt 3 lc rgb 'dark-green'\n"
                   "plot for [c=2:6] 'demo.csv' using 1:c with lines lw 1.5 title columnheader(c), \\\n"
                   "     'demo.csv' using 1:7 with lines lw 3 lc rgb 'black' title 'all classes', \\\n"
                   "     'demo.csv' using 1:8 axes x1y2 with steps lw 2 lc rgb 'red' title 'pressure level'\n",
                   demo_scenario_name(o->scenario), CONFIG_MEMORY_POOL_WARNING_THRESHOLD,
                   CONFIG_MEMORY_POOL_WARNING_THRESHOLD, CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD,
                   CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD, CONFIG_MEMORY_POOL_RELEASE_THRESHOLD,
                   CONFIG_MEMORY_POOL_RELEASE_THRESHOLD);
    demo_plot(o->out_dir, "demo.gnuplot", script);
}

int main(int argc, char **argv)
{
    static demo_world_t w;
    static demo_result_t res;
    w.opt = (demo_options_t){.scenario = DEMO_NORMAL,
                             .seconds = 60,
                             .speed = 10.0,
                             .seed = 1,
                             .out_dir = "build/demo",
                             .linger_s = -1,
                             .plot = true};
    if (parse_args(argc, argv, &w.opt) != 0) {
        usage(stderr);
        return 2;
    }
    w.log = stdout;
    if (w.opt.scenario == DEMO_FRAGMENT) {
        return demo_run_fragment(&w.opt);
    }
    (void)printf("modesp demo: one refrigeration controller node, scenario %s, %u simulated s at %s, seed %u\n",
                 demo_scenario_name(w.opt.scenario), (unsigned)w.opt.seconds,
                 w.opt.speed > 0.0 ? "the --speed given" : "full speed", (unsigned)w.opt.seed);
    (void)printf("tasks: sensors, humidity_isr (ISR context), event_loop, logger, memory_aware, cloud, control, "
                 "updater, diag\n");
    (void)signal(SIGINT, on_signal);
    (void)signal(SIGTERM, on_signal);
    atomic_store(&w.running, true);
    const int rc_run = demo_run_node(&w, &res);
    atomic_store(&w.running, false);
    if (rc_run != 0) {
        return rc_run;
    }
    const int rc = demo_print_verdict(&w, &res);
    if (demo_write_json(&w, w.opt.out_dir) == 0) {
        (void)printf("files: %s/demo.json, %s/demo.csv", w.opt.out_dir, w.opt.out_dir);
        (void)printf("%s\n", w.opt.plot ? ", demo.png" : "");
    }
    if (w.opt.plot) {
        plot_node(&w.opt);
    }
    if (w.opt.serve_port > 0) {
        (void)printf("dashboard: http://127.0.0.1:%d/ shows the final state (%s)\n", w.opt.serve_port,
                     w.opt.linger_s < 0 ? "Ctrl-C to stop" : "for --linger seconds");
        (void)fflush(stdout);
        for (int s = 0; !s_signalled && (w.opt.linger_s < 0 || s < w.opt.linger_s * 10); s++) {
            const struct timespec ts = {0, 100000000L};
            nanosleep(&ts, NULL);
        }
        demo_server_stop();
    }
    demo_clock_uninstall();
    return rc;
}
