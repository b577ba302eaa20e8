/* SPDX-License-Identifier: Apache-2.0 */
/*
 * newlib's system-call layer. Only _sbrk matters (frag_main.c); the rest are
 * linked in by newlib's reentrancy and stdio glue that the firmware never
 * calls (it prints through semihost.c), so they just fail.
 */
#include <errno.h>
#include <sys/stat.h>

int _write(int fd, const void *buf, int n);
int _read(int fd, void *buf, int n);
int _close(int fd);
int _fstat(int fd, struct stat *st);
int _isatty(int fd);
int _lseek(int fd, int off, int whence);

int _write(int fd, const void *buf, int n)
{
    (void)fd;
    (void)buf;
    (void)n;
    errno = ENOSYS;
    return -1;
}

int _read(int fd, void *buf, int n)
{
    (void)fd;
    (void)buf;
    (void)n;
    errno = ENOSYS;
    return -1;
}

int _close(int fd)
{
    (void)fd;
    errno = ENOSYS;
    return -1;
}

int _fstat(int fd, struct stat *st)
{
    (void)fd;
    (void)st;
    errno = ENOSYS;
    return -1;
}

int _isatty(int fd)
{
    (void)fd;
    return 0;
}

int _lseek(int fd, int off, int whence)
{
    (void)fd;
    (void)off;
    (void)whence;
    errno = ENOSYS;
    return -1;
}
