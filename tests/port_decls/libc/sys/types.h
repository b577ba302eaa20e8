/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * <sys/types.h> for the Xtensa compile check (see ../string.h): POSIX's
 * ssize_t, the signed counterpart of size_t, which esp_http_server's
 * httpd_resp_send takes (newlib and Picolibc define it here).
 */
#ifndef PORT_DECLS_LIBC_SYS_TYPES_H
#define PORT_DECLS_LIBC_SYS_TYPES_H

typedef __PTRDIFF_TYPE__ ssize_t;

#endif
