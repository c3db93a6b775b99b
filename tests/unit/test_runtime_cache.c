/* test_runtime_cache.c - the compile cache: a miss compiles once, a hit never reaches
 * NVRTC (asserted on the compile counters), memory hits and disk hits are told apart,
 * every kind of damaged disk entry is detected and rebuilt, two processes racing on one
 * key both succeed and leave one good entry, threads racing in one process share one
 * binary, and the knobs that switch the cache off or misplace it behave. Needs NVRTC,
 * no GPU; each test has its own DGK_CACHE_DIR. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/wait.h>

#include "rt_fixture.h"
#include "check_main.h"

#define ck_msg_has(s) ck_assert_msg(strstr(dgk_last_error(), (s)) != NULL, \
                                    "message \"%s\" lacks \"%s\"", dgk_last_error(), (s))

static dgk_binary *compile_from(const dgk_program *p, dgk_origin want)
{
    dgk_binary *b = NULL;
    dgk_origin o = (dgk_origin)-1;
    dgk_status s = dgk_compile(p, &b, &o);
    ck_assert_msg(s == DGK_OK, "%s: %s", dgk_status_name(s), dgk_last_error());
    ck_assert_msg(o == want, "origin %d, wanted %d", (int)o, (int)want);
    return b;
}

static const char *cache_dir(void)
{
    return getenv("DGK_CACHE_DIR");
}

START_TEST(test_miss_then_hits)
{
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    dgk_binary *first = compile_from(&p, DGK_ORIGIN_COMPILED);
    ck_assert_uint_eq(rt_stats().nvrtc_compiles, 1);
    ck_assert_uint_eq(rt_stats().disk_writes, 1);
    ck_assert_int_eq(rt_count_files(cache_dir(), ".dgkbin", 0), 1);

    dgk_binary *mem = compile_from(&p, DGK_ORIGIN_MEMORY);
    ck_assert_ptr_eq(mem, first);
    ck_assert_uint_eq(rt_stats().nvrtc_compiles, 1);   /* the hit did not compile */
    ck_assert_uint_eq(rt_stats().memory_hits, 1);

    dgk_cache_clear_memory();
    dgk_binary *disk = compile_from(&p, DGK_ORIGIN_DISK);
    ck_assert_uint_eq(rt_stats().nvrtc_compiles, 1);
    ck_assert_uint_eq(rt_stats().compiles, 1);
    ck_assert_uint_eq(rt_stats().disk_hits, 1);
    size_t n1, n2;
    const void *i1 = dgk_binary_image(first, &n1), *i2 = dgk_binary_image(disk, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert_mem_eq(i1, i2, n1);
    ck_assert_str_eq(dgk_binary_log(first), dgk_binary_log(disk));
    ck_assert_int_eq(dgk_report_find(dgk_binary_report(disk), "dgk_test_add")->registers,
                     dgk_report_find(dgk_binary_report(first), "dgk_test_add")->registers);

    dgk_binary *again = compile_from(&p, DGK_ORIGIN_MEMORY);   /* the disk hit filled memory */
    ck_assert_ptr_eq(again, disk);
    /* Binaries held by callers outlive dgk_cache_clear_memory. */
    ck_assert_ptr_nonnull(strstr(dgk_binary_log(first), "dgk_test_add"));
    dgk_binary_release(first);
    dgk_binary_release(mem);
    dgk_binary_release(disk);
    dgk_binary_release(again);
    ck_assert_uint_eq(rt_stats().nvrtc_compiles, 1);
}
END_TEST

/* ---- damaged entries ---- */

static void flip_last_byte(const char *path)
{
    int fd = open(path, O_RDWR);
    unsigned char c;
    off_t end = lseek(fd, -1, SEEK_END);
    ck_assert_int_eq(pread(fd, &c, 1, end), 1);
    c ^= 0x5a;
    ck_assert_int_eq(pwrite(fd, &c, 1, end), 1);
    close(fd);
}

static void truncate_half(const char *path)
{
    ck_assert_int_eq(truncate(path, rt_file_size(path) / 2), 0);
}

static void truncate_to_header(const char *path)
{
    ck_assert_int_eq(truncate(path, 20), 0);
}

static void empty_file(const char *path)
{
    ck_assert_int_eq(truncate(path, 0), 0);
}

static void bad_magic(const char *path)
{
    int fd = open(path, O_RDWR);
    ck_assert_int_eq(pwrite(fd, "XXXX", 4, 0), 4);
    close(fd);
}

static void bad_version(const char *path)
{
    int fd = open(path, O_RDWR);
    unsigned v = 99;
    ck_assert_int_eq(pwrite(fd, &v, 4, 8), 4);
    close(fd);
}

/* The payload's first field, the log length, now points past the end. */
static void bad_inner_length(const char *path)
{
    int fd = open(path, O_RDWR);
    unsigned long long big = 1ull << 40;
    ck_assert_int_eq(pwrite(fd, &big, 8, 48), 8);
    close(fd);
}

static void (*const damages[])(const char *) = {
    flip_last_byte, truncate_half, truncate_to_header, empty_file, bad_magic, bad_version,
    bad_inner_length,
};

START_TEST(test_damaged_entry_rebuilt)
{
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    char path[512];
    ck_assert_int_eq(dgk_cache_path(&p, path, sizeof path), DGK_OK);
    dgk_binary_release(compile_from(&p, DGK_ORIGIN_COMPILED));
    long good_size = rt_file_size(path);
    ck_assert_int_gt(good_size, 48);

    damages[_i](path);
    dgk_cache_clear_memory();
    dgk_binary *b = compile_from(&p, DGK_ORIGIN_COMPILED);   /* detected: rebuilt */
    ck_assert_uint_eq(rt_stats().disk_rebuilds, 1);
    ck_assert_uint_eq(rt_stats().nvrtc_compiles, 2);
    ck_assert_uint_eq(rt_stats().disk_hits, 0);
    ck_assert_int_gt(dgk_report_find(dgk_binary_report(b), "dgk_test_add")->registers, 0);
    dgk_binary_release(b);
    /* Rewritten (not byte-identical: the log carries ptxas's compile time), and good. */
    ck_assert_int_gt(rt_file_size(path), good_size / 2);

    dgk_cache_clear_memory();
    dgk_binary_release(compile_from(&p, DGK_ORIGIN_DISK));     /* and the rebuilt one is good */
    ck_assert_uint_eq(rt_stats().nvrtc_compiles, 2);
}
END_TEST

START_TEST(test_damage_reported_when_asked)
{
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    char path[512], log[400];
    ck_assert_int_eq(dgk_cache_path(&p, path, sizeof path), DGK_OK);
    dgk_binary_release(compile_from(&p, DGK_ORIGIN_COMPILED));
    flip_last_byte(path);
    setenv("DGK_PRINT_COMPILE", "1", 1);
    dgk_cache_clear_memory();
    snprintf(log, sizeof log, "%s/stderr.txt", rt_dir);
    fflush(stderr);
    ck_assert_ptr_nonnull(freopen(log, "w", stderr));
    dgk_binary_release(compile_from(&p, DGK_ORIGIN_COMPILED));
    fclose(stderr);
    char *text;
    FILE *f = fopen(log, "r");
    text = calloc(1, 8192);
    ck_assert_uint_gt(fread(text, 1, 8191, f), 0);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "is unusable (checksum mismatch): rebuilding"));
    free(text);
}
END_TEST

/* ---- racing processes and threads ---- */

/* Children block on a pipe until the parent closes it, so they compile together. */
static pid_t racer(const int gate[2])
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    char c;
    close(gate[1]);
    while (read(gate[0], &c, 1) > 0)
        ;
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    dgk_binary *b;
    dgk_origin o;
    dgk_status s = dgk_compile(&p, &b, &o);
    _exit(s == DGK_OK && (o == DGK_ORIGIN_COMPILED || o == DGK_ORIGIN_DISK) ? 0 : 1);
}

START_TEST(test_two_processes_race)
{
    for (int round = 0; round < 2; round++) {
        int gate[2];
        ck_assert_int_eq(pipe(gate), 0);
        pid_t a = racer(gate), b = racer(gate);
        close(gate[0]);
        close(gate[1]);   /* both start now */
        int sa, sb;
        ck_assert_int_eq(waitpid(a, &sa, 0), a);
        ck_assert_int_eq(waitpid(b, &sb, 0), b);
        ck_assert(WIFEXITED(sa) && WEXITSTATUS(sa) == 0);
        ck_assert(WIFEXITED(sb) && WEXITSTATUS(sb) == 0);
        ck_assert_int_eq(rt_count_files(cache_dir(), ".dgkbin", 0), 1);
        ck_assert_int_eq(rt_count_files(cache_dir(), ".tmp-", 1), 0);
        /* Round 2 races on a damaged entry: both rebuild, one good file stays. */
        char path[512];
        dgk_program p = rt_tiny(DGK_ARCH_SM90A);
        ck_assert_int_eq(dgk_cache_path(&p, path, sizeof path), DGK_OK);
        if (round == 0)
            truncate_half(path);
    }
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    dgk_binary_release(compile_from(&p, DGK_ORIGIN_DISK));
    ck_assert_uint_eq(rt_stats().compiles, 0);   /* this process never compiled */
}
END_TEST

enum { THREADS = 4 };

typedef struct job {
    pthread_barrier_t *start;
    dgk_binary *bin;
    dgk_status status;
} job;

static void *thread_compile(void *arg)
{
    job *j = arg;
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    pthread_barrier_wait(j->start);
    j->status = dgk_compile(&p, &j->bin, NULL);
    return NULL;
}

START_TEST(test_threads_share_one_binary)
{
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    pthread_t t[THREADS];
    job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){&start, NULL, DGK_EINVAL};
        pthread_create(&t[i], NULL, thread_compile, &jobs[i]);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        ck_assert_int_eq(jobs[i].status, DGK_OK);
        ck_assert_ptr_eq(jobs[i].bin, jobs[0].bin);   /* all got the one the cache kept */
    }
    dgk_cache_stats s = rt_stats();
    ck_assert_uint_ge(s.nvrtc_compiles, 1);
    ck_assert_uint_le(s.nvrtc_compiles, THREADS);
    ck_assert_uint_eq(s.nvrtc_compiles + s.memory_hits + s.disk_hits, THREADS);
    ck_assert_int_eq(rt_count_files(cache_dir(), ".dgkbin", 0), 1);
    ck_assert_int_eq(rt_count_files(cache_dir(), ".tmp-", 1), 0);
    for (int i = 0; i < THREADS; i++)
        dgk_binary_release(jobs[i].bin);
    pthread_barrier_destroy(&start);
}
END_TEST

/* ---- knobs ---- */

START_TEST(test_disable_cache)
{
    setenv("DGK_DISABLE_CACHE", "1", 1);
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    dgk_binary *a = compile_from(&p, DGK_ORIGIN_COMPILED);
    dgk_binary *b = compile_from(&p, DGK_ORIGIN_COMPILED);
    ck_assert_ptr_ne(a, b);
    ck_assert_uint_eq(rt_stats().nvrtc_compiles, 2);
    ck_assert_uint_eq(rt_stats().disk_writes, 0);
    ck_assert_int_eq(rt_count_files(cache_dir(), ".dgkbin", 0), 0);
    dgk_binary_release(a);
    dgk_binary_release(b);
    /* Switched back on, the first request compiles and the second hits. */
    setenv("DGK_DISABLE_CACHE", "0", 1);
    dgk_binary_release(compile_from(&p, DGK_ORIGIN_COMPILED));
    dgk_binary_release(compile_from(&p, DGK_ORIGIN_MEMORY));
}
END_TEST

START_TEST(test_unusable_cache_dir)
{
    char bad[400];
    snprintf(bad, sizeof bad, "%s/plainfile", rt_dir);
    close(open(bad, O_CREAT | O_WRONLY, 0644));
    strcat(bad, "/cache");
    setenv("DGK_CACHE_DIR", bad, 1);
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    dgk_binary *b = (dgk_binary *)1;
    ck_assert_int_eq(dgk_compile(&p, &b, NULL), DGK_EIO);
    ck_assert_ptr_null(b);
    ck_msg_has("cannot create directory");
    ck_msg_has("plainfile");
}
END_TEST

START_TEST(test_no_cache_dir_known)
{
    unsetenv("DGK_CACHE_DIR");
    unsetenv("HOME");
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    char path[512];
    ck_assert_int_eq(dgk_cache_path(&p, path, sizeof path), DGK_EIO);
    ck_msg_has("no cache directory: set DGK_CACHE_DIR or HOME");
    /* The default is ~/.cache/dgk. */
    setenv("HOME", rt_dir, 1);
    ck_assert_int_eq(dgk_cache_path(&p, path, sizeof path), DGK_OK);
    char want[400];
    snprintf(want, sizeof want, "%s/.cache/dgk/", rt_dir);
    ck_assert_ptr_eq(strstr(path, want), path);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("runtime_cache");
    TCase *t = tcase_create("hits");
    tcase_set_timeout(t, 60);
    tcase_add_checked_fixture(t, rt_setup, rt_teardown);
    tcase_add_test(t, test_miss_then_hits);
    tcase_add_loop_test(t, test_damaged_entry_rebuilt, 0, sizeof damages / sizeof damages[0]);
    tcase_add_test(t, test_damage_reported_when_asked);
    suite_add_tcase(s, t);
    t = tcase_create("races");
    tcase_set_timeout(t, 60);
    tcase_add_checked_fixture(t, rt_setup, rt_teardown);
    tcase_add_test(t, test_two_processes_race);
    tcase_add_test(t, test_threads_share_one_binary);
    suite_add_tcase(s, t);
    t = tcase_create("knobs");
    tcase_set_timeout(t, 60);
    tcase_add_checked_fixture(t, rt_setup, rt_teardown);
    tcase_add_test(t, test_disable_cache);
    tcase_add_test(t, test_unusable_cache_dir);
    tcase_add_test(t, test_no_cache_dir_known);
    suite_add_tcase(s, t);
    return s;
}

DGK_CHECK_MAIN(make_suite)
