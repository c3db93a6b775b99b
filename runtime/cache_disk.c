/* cache_disk.c - the on-disk layer of the cache: one file per key, KEYHEX.dgkbin, under
 * the cache directory (DGK_CACHE_DIR, default ~/.cache/dgk). Layout, host byte order:
 *     magic "DGKBIN\0\0" | u32 version | u32 header size | key[16] | u64 payload length
 *     | u64 XXH3-64 of the payload | payload = u64 log length, log, u64 image length, image
 * A writer fills a temporary file in the same directory and renames it into place, so a
 * reader sees a whole file or none, and two processes writing one key leave one good
 * entry. A reader checks every field, the length and the checksum; a file that fails is
 * reported as unusable and compile.c rebuilds it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "rt.h"

#define MAGIC "DGKBIN\0\0"
enum { FORMAT_VERSION = 1 };

typedef struct file_header {
    char magic[8];
    uint32_t version;
    uint32_t header_size;
    uint8_t key[16];
    uint64_t payload_len;
    uint64_t checksum;
} file_header;

dgk_status dgk_disk_path(const char *dir, const uint8_t key[16], char *buf, size_t size)
{
    char hex[33];
    dgk_key_hex(key, hex);
    if (!dir[0])
        return dgk_fail(DGK_EIO, "no cache directory: set DGK_CACHE_DIR or HOME, or DGK_DISABLE_CACHE=1");
    if ((size_t)snprintf(buf, size, "%s/%s.dgkbin", dir, hex) >= size)
        return dgk_fail(DGK_EIO, "cache path too long under %s", dir);
    return DGK_OK;
}

/* ---- reading ---- */

/* Takes `len` bytes at *p if that many remain before `end`. */
static const char *take(const char **p, const char *end, size_t len)
{
    if ((size_t)(end - *p) < len)
        return NULL;
    const char *r = *p;
    *p += len;
    return r;
}

static int take_u64(const char **p, const char *end, uint64_t *v)
{
    const char *r = take(p, end, sizeof *v);
    if (r)
        memcpy(v, r, sizeof *v);
    return r != NULL;
}

/* A copy of len bytes with a NUL after them. */
static char *copy(const char *src, size_t len)
{
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, src, len);
        d[len] = '\0';
    }
    return d;
}

static const char *check_header(const file_header *h, const uint8_t key[16], size_t size)
{
    if (memcmp(h->magic, MAGIC, 8) != 0)
        return "bad magic";
    if (h->version != FORMAT_VERSION || h->header_size != sizeof *h)
        return "unknown format version";
    if (memcmp(h->key, key, 16) != 0)
        return "key does not match the file name";
    if (h->payload_len != size - sizeof *h)
        return "truncated (payload length does not match the file size)";
    return NULL;
}

/* Checks the file image `data` (size bytes); on success builds the binary. */
static const char *decode(const char *data, size_t size, const uint8_t key[16], dgk_binary **out,
                          dgk_status *s)
{
    file_header h;
    if (size < sizeof h)
        return "truncated (shorter than the header)";
    memcpy(&h, data, sizeof h);
    const char *why = check_header(&h, key, size);
    if (why)
        return why;
    const char *p = data + sizeof h, *end = data + size;
    if (XXH3_64bits(p, (size_t)h.payload_len) != h.checksum)
        return "checksum mismatch";
    uint64_t log_len, image_len;
    const char *log = NULL, *image = NULL;
    if (!take_u64(&p, end, &log_len) || !(log = take(&p, end, log_len)) ||
        !take_u64(&p, end, &image_len) || !(image = take(&p, end, image_len)) || p != end)
        return "payload lengths do not add up";
    char *log_copy = copy(log, log_len), *image_copy = copy(image, image_len);
    if (!log_copy || !image_copy) {
        free(log_copy);
        free(image_copy);
        *s = dgk_fail(DGK_ENOMEM, "out of memory reading a cache entry");
        return NULL;
    }
    *s = dgk_binary_new(key, log_copy, log_len, image_copy, image_len, out);
    return NULL;
}

dgk_status dgk_disk_load(const char *dir, const uint8_t key[16], dgk_binary **out,
                         char *why, size_t why_size)
{
    char path[1100];
    struct stat st;
    *out = NULL;
    why[0] = '\0';
    dgk_status s = dgk_disk_path(dir, key, path, sizeof path);
    if (s != DGK_OK || (stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR)))
        return s;   /* a miss; a directory that cannot be made fails when storing */
    char *data;
    size_t size;
    if ((s = dgk_read_file(path, &data, &size)) != DGK_OK)
        return s;
    const char *bad = decode(data, size, key, out, &s);
    if (bad)
        snprintf(why, why_size, "%s", bad);
    free(data);
    return s;
}

/* ---- writing ---- */

static char *encode(const dgk_binary *b, size_t *size)
{
    uint64_t log_len = b->log_len, image_len = b->image_len;
    uint64_t payload = 8 + log_len + 8 + image_len;
    file_header h = {.version = FORMAT_VERSION, .header_size = sizeof h, .payload_len = payload};
    char *buf = malloc(sizeof h + payload);
    if (!buf)
        return NULL;
    char *p = buf + sizeof h;
    memcpy(p, &log_len, 8);
    memcpy(p + 8, b->log, log_len);
    memcpy(p + 8 + log_len, &image_len, 8);
    memcpy(p + 16 + log_len, b->image, image_len);
    memcpy(h.magic, MAGIC, 8);
    memcpy(h.key, b->key, 16);
    h.checksum = XXH3_64bits(p, payload);
    memcpy(buf, &h, sizeof h);
    *size = sizeof h + payload;
    return buf;
}

dgk_status dgk_disk_store(const char *dir, const dgk_binary *b)
{
    static atomic_uint serial;
    char path[1100], tmp[1200], hex[33];
    size_t size;
    dgk_status s = dgk_disk_path(dir, b->key, path, sizeof path);
    if (s != DGK_OK || (s = dgk_mkdirs(dir)) != DGK_OK)
        return s;
    char *buf = encode(b, &size);
    if (!buf)
        return dgk_fail(DGK_ENOMEM, "out of memory writing a cache entry");
    dgk_key_hex(b->key, hex);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s-%ld-%u", dir, hex, (long)getpid(),
             atomic_fetch_add(&serial, 1));
    s = dgk_write_file(tmp, buf, size);
    free(buf);
    if (s == DGK_OK && rename(tmp, path) != 0)
        s = dgk_fail(DGK_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (s != DGK_OK)
        unlink(tmp);
    else
        dgk_stat_add(DGK_STAT_DISK_WRITES);
    return s;
}
