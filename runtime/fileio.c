/* fileio.c - whole-file reads and writes and mkdir -p, for the disk cache, the nvcc back
 * end and DGK_DUMP_DIR. Failures set the message with the path and the system's reason. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt.h"

static dgk_status io_fail(const char *what, const char *path)
{
    return dgk_fail(DGK_EIO, "cannot %s %s: %s", what, path, strerror(errno));
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

dgk_status dgk_write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return io_fail("create", path);
    int bad = write_all(fd, data, len);
    if (close(fd) != 0 || bad)
        return io_fail("write", path);
    return DGK_OK;
}

static int read_all(int fd, char *p, size_t len)
{
    while (len) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

dgk_status dgk_read_file(const char *path, char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return io_fail("open", path);
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) == 0 && (buf = malloc((size_t)st.st_size + 1)) &&
        read_all(fd, buf, (size_t)st.st_size) == 0) {
        close(fd);
        buf[st.st_size] = '\0';
        *data = buf;
        *len = (size_t)st.st_size;
        return DGK_OK;
    }
    dgk_status s = io_fail("read", path);
    free(buf);
    close(fd);
    return s;
}

dgk_status dgk_mkdirs(const char *path)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return dgk_fail(DGK_EIO, "directory path too long: %s", path);
    for (char *p = buf + 1; ; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return io_fail("create directory", buf);
        if (!(*p = c))
            break;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return dgk_fail(DGK_EIO, "%s is not a directory", path);
    return DGK_OK;
}

dgk_status dgk_path(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size)
        return dgk_fail(DGK_EIO, "path too long: %.200s...", buf);
    return DGK_OK;
}

dgk_status dgk_temp_dir(char *buf, size_t size, const char *what, const char *knob)
{
    const char *tmp = getenv("TMPDIR");
    dgk_status s = dgk_path(buf, size, "%s/dgk-%s-XXXXXX", tmp && tmp[0] ? tmp : "/tmp", what);
    if (s == DGK_OK && !mkdtemp(buf))
        s = dgk_fail(DGK_EIO, "%s: cannot create a work directory from %s: %s", knob, buf, strerror(errno));
    return s;
}
