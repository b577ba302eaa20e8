/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * esp_http_server.h: the part of ESP-IDF's HTTP server API that the
 * ESP-IDF example's dashboard (examples/esp_idf_app/main/dashboard_http.c,
 * main.c) uses, with the names, types, member order and constants of
 * ESP-IDF v5.x's API reference, so the app is compiled against the same
 * signatures without ESP-IDF (tools/port_check.sh, tools/port_check_idf.sh,
 * tests/demo/CMakeLists.txt). HTTPD_DEFAULT_CONFIG() sets every member the
 * real initializer sets, so a misspelt or missing member fails here too.
 */
#ifndef PORT_DECLS_ESP_HTTP_SERVER_H
#define PORT_DECLS_ESP_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h> /* ssize_t */

#include "esp_err.h"
#include "esp_heap_caps.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"

/* esp_http_server's Kconfig defaults (CONFIG_HTTPD_*), when the sdkconfig.h in use has none. */
#ifndef CONFIG_HTTPD_MAX_REQ_HDR_LEN
#define CONFIG_HTTPD_MAX_REQ_HDR_LEN 1024
#endif
#ifndef CONFIG_HTTPD_MAX_URI_LEN
#define CONFIG_HTTPD_MAX_URI_LEN 512
#endif

#define ESP_HTTPD_DEF_CTRL_PORT (32768) /* the server's control socket */

#define ESP_ERR_HTTPD_BASE          (0xb000)
#define ESP_ERR_HTTPD_HANDLERS_FULL (ESP_ERR_HTTPD_BASE + 1)
#define ESP_ERR_HTTPD_ALLOC_MEM     (ESP_ERR_HTTPD_BASE + 7)
#define ESP_ERR_HTTPD_TASK          (ESP_ERR_HTTPD_BASE + 8)

/* httpd_resp_send's buf_len: take strlen(buf). */
#define HTTPD_RESP_USE_STRLEN -1

typedef void *httpd_handle_t;

/* http_parser's methods: HTTP_GET is 1. */
typedef enum { HTTP_DELETE = 0, HTTP_GET = 1, HTTP_HEAD = 2, HTTP_POST = 3, HTTP_PUT = 4 } httpd_method_t;

typedef enum {
    HTTPD_500_INTERNAL_SERVER_ERROR = 0,
    HTTPD_404_NOT_FOUND = 5,
} httpd_err_code_t;

typedef void (*httpd_free_ctx_fn_t)(void *ctx);
typedef esp_err_t (*httpd_open_func_t)(httpd_handle_t hd, int sockfd);
typedef void (*httpd_close_func_t)(httpd_handle_t hd, int sockfd);
typedef bool (*httpd_uri_match_func_t)(const char *reference_uri, const char *uri_to_match, size_t match_upto);

typedef struct httpd_config {
    unsigned task_priority; /* of the server task */
    size_t stack_size;      /* of the server task */
    BaseType_t core_id;     /* tskNO_AFFINITY: either core */
    uint32_t task_caps;     /* memory capabilities of the task's stack */
    size_t max_req_hdr_len;
    size_t max_uri_len;
    uint16_t server_port;
    uint16_t ctrl_port;
    uint16_t max_open_sockets;
    uint16_t max_uri_handlers;
    uint16_t max_resp_headers;
    uint16_t backlog_conn;
    bool lru_purge_enable;
    uint16_t recv_wait_timeout; /* seconds */
    uint16_t send_wait_timeout; /* seconds */
    void *global_user_ctx;
    httpd_free_ctx_fn_t global_user_ctx_free_fn;
    void *global_transport_ctx;
    httpd_free_ctx_fn_t global_transport_ctx_free_fn;
    bool enable_so_linger;
    int linger_timeout;
    bool keep_alive_enable;
    int keep_alive_idle;
    int keep_alive_interval;
    int keep_alive_count;
    httpd_open_func_t open_fn;
    httpd_close_func_t close_fn;
    httpd_uri_match_func_t uri_match_fn;
} httpd_config_t;

/* ESP-IDF v5.x's defaults: port 80, 8 URI handlers, a 4096-byte server task at idle priority + 5. */
#define HTTPD_DEFAULT_CONFIG()                                                                                         \
    {                                                                                                                  \
        .task_priority = tskIDLE_PRIORITY + 5, .stack_size = 4096, .core_id = tskNO_AFFINITY,                          \
        .task_caps = (MALLOC_CAP_INTERNAL | MALLOC_CAP_8BIT), .max_req_hdr_len = CONFIG_HTTPD_MAX_REQ_HDR_LEN,         \
        .max_uri_len = CONFIG_HTTPD_MAX_URI_LEN, .server_port = 80, .ctrl_port = ESP_HTTPD_DEF_CTRL_PORT,              \
        .max_open_sockets = 7, .max_uri_handlers = 8, .max_resp_headers = 8, .backlog_conn = 5,                        \
        .lru_purge_enable = false, .recv_wait_timeout = 5, .send_wait_timeout = 5, .global_user_ctx = NULL,            \
        .global_user_ctx_free_fn = NULL, .global_transport_ctx = NULL, .global_transport_ctx_free_fn = NULL,           \
        .enable_so_linger = false, .linger_timeout = 0, .keep_alive_enable = false, .keep_alive_idle = 0,              \
        .keep_alive_interval = 0, .keep_alive_count = 0, .open_fn = NULL, .close_fn = NULL, .uri_match_fn = NULL       \
    }

typedef struct httpd_req {
    httpd_handle_t handle;
    int method;
    const char uri[CONFIG_HTTPD_MAX_URI_LEN + 1];
    size_t content_len;
    void *aux;
    void *user_ctx;
    void *sess_ctx;
    httpd_free_ctx_fn_t free_ctx;
    bool ignore_sess_ctx_changes;
} httpd_req_t;

typedef struct httpd_uri {
    const char *uri;
    httpd_method_t method;
    esp_err_t (*handler)(httpd_req_t *r);
    void *user_ctx;
} httpd_uri_t;

esp_err_t httpd_start(httpd_handle_t *handle, const httpd_config_t *config);
esp_err_t httpd_stop(httpd_handle_t handle);
esp_err_t httpd_register_uri_handler(httpd_handle_t handle, const httpd_uri_t *uri_handler);
esp_err_t httpd_resp_set_type(httpd_req_t *r, const char *type);
esp_err_t httpd_resp_set_hdr(httpd_req_t *r, const char *field, const char *value);
esp_err_t httpd_resp_send(httpd_req_t *r, const char *buf, ssize_t buf_len);
esp_err_t httpd_resp_send_err(httpd_req_t *req, httpd_err_code_t error, const char *msg);

#endif /* PORT_DECLS_ESP_HTTP_SERVER_H */
