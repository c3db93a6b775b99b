/* cache_mem.c - the in-memory layer of the cache: key -> dgk_binary for this process,
 * behind one mutex. Filled by compile.c after a compile or a disk hit; emptied by
 * dgk_cache_clear_memory. A chained hash table: one entry per distinct kernel, so it stays
 * small. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

enum { NBUCKETS = 256 };

typedef struct entry {
    dgk_binary *bin;
    struct entry *next;
} entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry *buckets[NBUCKETS];

static entry **bucket(const uint8_t key[16])
{
    return &buckets[key[0]];   /* the key is a hash: any byte is uniform */
}

static entry *lookup(const uint8_t key[16])
{
    for (entry *e = *bucket(key); e; e = e->next)
        if (memcmp(e->bin->key, key, 16) == 0)
            return e;
    return NULL;
}

dgk_binary *dgk_mem_get(const uint8_t key[16])
{
    pthread_mutex_lock(&lock);
    entry *e = lookup(key);
    dgk_binary *b = e ? dgk_binary_retain(e->bin) : NULL;
    pthread_mutex_unlock(&lock);
    return b;
}

dgk_binary *dgk_mem_put(dgk_binary *b)
{
    pthread_mutex_lock(&lock);
    entry *e = lookup(b->key);
    if (!e && (e = malloc(sizeof *e))) {
        e->bin = dgk_binary_retain(b);
        e->next = *bucket(b->key);
        *bucket(b->key) = e;
    }
    /* Out of memory for the entry: the caller keeps its own binary, uncached. */
    dgk_binary *kept = dgk_binary_retain(e ? e->bin : b);
    pthread_mutex_unlock(&lock);
    return kept;
}

void dgk_cache_clear_memory(void)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < NBUCKETS; i++)
        while (buckets[i]) {
            entry *e = buckets[i];
            buckets[i] = e->next;
            dgk_binary_release(e->bin);
            free(e);
        }
    pthread_mutex_unlock(&lock);
}
