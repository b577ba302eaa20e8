/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * esp_http_server.h: the part of ESP-IDF's HTTP server API that
 * examples/esp_idf_app/main/dashboard_http.c uses, with the documented
 * names, types and constants (ESP-IDF v5.x), so the handler is compiled
 * against the same signatures without ESP-IDF (tests/demo/CMakeLists.txt).
 */
#ifndef PORT_DECLS_ESP_HTTP_SERVER_H
#define PORT_DECLS_ESP_HTTP_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#include "esp_err.h"

typedef void *httpd_handle_t;

/* http_parser's methods: HTTP_GET is 1. */
typedef enum { HTTP_DELETE = 0, HTTP_GET = 1, HTTP_HEAD = 2, HTTP_POST = 3, HTTP_PUT = 4 } httpd_method_t;

typedef enum {
    HTTPD_500_INTERNAL_SERVER_ERROR = 0,
    HTTPD_404_NOT_FOUND = 5,
} httpd_err_code_t;

#define HTTPD_RESP_USE_STRLEN -1

typedef struct httpd_req {
    httpd_handle_t handle;
    int method;
    const char uri[513];
    size_t content_len;
    void *aux;
    void *user_ctx;
    void *sess_ctx;
    void (*free_ctx)(void *ctx);
    _Bool ignore_sess_ctx_changes;
} httpd_req_t;

typedef struct httpd_uri {
    const char *uri;
    httpd_method_t method;
    esp_err_t (*handler)(httpd_req_t *r);
    void *user_ctx;
} httpd_uri_t;

esp_err_t httpd_register_uri_handler(httpd_handle_t handle, const httpd_uri_t *uri_handler);
esp_err_t httpd_resp_set_type(httpd_req_t *r, const char *type);
esp_err_t httpd_resp_set_hdr(httpd_req_t *r, const char *field, const char *value);
esp_err_t httpd_resp_send(httpd_req_t *r, const char *buf, ssize_t buf_len);
esp_err_t httpd_resp_send_err(httpd_req_t *req, httpd_err_code_t error, const char *msg);

#endif /* PORT_DECLS_ESP_HTTP_SERVER_H */
