/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --serve PORT: the live memory dashboard. libmicrohttpd (Debian
 * libmicrohttpd-dev) serves, on 127.0.0.1 only, the page (dashboard.html,
 * embedded at build time) at / and the dashboard JSON at /api/memory
 * (dashboard_json.c). One internal polling thread answers; each JSON
 * request takes the diagnostics lock for one snapshot.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "demo_run.h"

extern const char demo_dashboard_html[];
extern const size_t demo_dashboard_html_len;

static struct MHD_Daemon *s_daemon;

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type, const void *body,
                             size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, mode); /* MHD only reads it */
    if (r == NULL) {
        return MHD_NO;
    }
    (void)MHD_add_response_header(r, "Content-Type", type);
    (void)MHD_add_response_header(r, "Cache-Control", "no-store");
    const enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)req_cls;
    demo_world_t *w = cls;
    if (strcmp(method, "GET") != 0) {
        static const char msg[] = "GET only\n";
        return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", msg, sizeof msg - 1u, MHD_RESPMEM_PERSISTENT);
    }
    if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0) {
        return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", demo_dashboard_html, demo_dashboard_html_len,
                     MHD_RESPMEM_PERSISTENT);
    }
    if (strcmp(url, "/api/memory") == 0) {
        const size_t size = (size_t)64u * 1024u;
        char *buf = malloc(size); /* the demo's own buffer, handed to MHD, which frees it */
        size_t len = 0;
        if (buf == NULL || demo_dashboard_json(w, buf, size, &len) != ESP_OK) {
            free(buf);
            static const char msg[] = "{\"error\":\"snapshot does not fit\"}";
            return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "application/json", msg, sizeof msg - 1u,
                         MHD_RESPMEM_PERSISTENT);
        }
        return reply(conn, MHD_HTTP_OK, "application/json", buf, len, MHD_RESPMEM_MUST_FREE);
    }
    static const char msg[] = "not found\n";
    return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", msg, sizeof msg - 1u, MHD_RESPMEM_PERSISTENT);
}

int demo_server_start(demo_world_t *w, int port)
{
    static struct sockaddr_in addr;
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* never reachable from another machine */
    s_daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL,
                                on_request, w, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_END);
    if (s_daemon == NULL) {
        (void)fprintf(stderr, "demo: cannot serve on 127.0.0.1:%d (port in use?)\n", port);
        return -1;
    }
    (void)printf("dashboard: http://127.0.0.1:%d/ (JSON at /api/memory)\n", port);
    return 0;
}

void demo_server_stop(void)
{
    if (s_daemon != NULL) {
        MHD_stop_daemon(s_daemon);
        s_daemon = NULL;
    }
}
