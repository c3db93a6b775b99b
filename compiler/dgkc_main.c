/* dgkc_main.c - the dgkc command: a thin main over libdgkc (include/dgkc.h).
 * Reads one .dgk file (or stdin for "-"), runs the stage a subcommand asks for,
 * prints dumps on stdout and diagnostics on stderr.
 * Exit status: 0 ok, 1 the source has errors, 2 usage error (bad option, missing or
 * unreadable file). Subcommands and options each come from one table: adding one is
 * a row and a handler. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dgk.h"
#include "dgkc.h"

enum { EXIT_OK = 0, EXIT_USER = 1, EXIT_USAGE = 2 };

/* Sources larger than this are refused before reading them whole. */
#define MAX_FILE_BYTES ((size_t)256 << 20)

/* Everything the command line said. */
typedef struct opts {
    const char *file;
    const char **defines; /* each -D's NAME=VALUE, in order (room for argc) */
    int ndefines;
    int dump_tokens, dump_ast, dump_ir, dump_plan;
    int help, version;
    const char *arch;     /* --arch, default sm_90a */
    const char *output;   /* -o */
    const char *ptx;      /* --ptx */
    int stats;            /* --stats */
    const char *kernel;   /* --kernel: emit/build/--dump-plan only this one */
} opts;

/* ---------------------------------------------------------------- options */

typedef struct option {
    const char *name;     /* "-D", "--dump-ast" */
    const char *argname;  /* NULL: takes no argument */
    int (*set)(opts *o, const char *arg);
    const char *help;
} option;

static int usage_error(const char *fmt, const char *arg)
{
    fputs("dgkc: error: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see dgkc --help)\n", stderr);
    return EXIT_USAGE;
}

static int set_define(opts *o, const char *arg)
{
    if (!strchr(arg, '='))
        return usage_error("-D %s: expected NAME=VALUE", arg);
    o->defines[o->ndefines++] = arg;
    return EXIT_OK;
}

static int set_dump_tokens(opts *o, const char *arg) { (void)arg; o->dump_tokens = 1; return EXIT_OK; }
static int set_dump_ast(opts *o, const char *arg) { (void)arg; o->dump_ast = 1; return EXIT_OK; }
static int set_dump_ir(opts *o, const char *arg) { (void)arg; o->dump_ir = 1; return EXIT_OK; }
static int set_dump_plan(opts *o, const char *arg) { (void)arg; o->dump_plan = 1; return EXIT_OK; }
static int set_arch(opts *o, const char *arg) { o->arch = arg; return EXIT_OK; }
static int set_output(opts *o, const char *arg) { o->output = arg; return EXIT_OK; }
static int set_ptx(opts *o, const char *arg) { o->ptx = arg; return EXIT_OK; }
static int set_kernel(opts *o, const char *arg) { o->kernel = arg; return EXIT_OK; }
static int set_stats(opts *o, const char *arg) { (void)arg; o->stats = 1; return EXIT_OK; }
static int set_help(opts *o, const char *arg) { (void)arg; o->help = 1; return EXIT_OK; }
static int set_version(opts *o, const char *arg) { (void)arg; o->version = 1; return EXIT_OK; }

static const option options[] = {
    {"-D", "NAME=VALUE", set_define, "set a compile-time parameter or shape symbol (repeatable)"},
    {"--dump-tokens", NULL, set_dump_tokens, "print the tokens of FILE"},
    {"--dump-ast", NULL, set_dump_ast, "print the syntax tree of FILE"},
    {"--dump-ir", NULL, set_dump_ir, "print the tile IR of FILE's kernels"},
    {"--dump-plan", NULL, set_dump_plan, "print the planner's decisions for each kernel"},
    {"--arch", "ARCH", set_arch, "target for emit/build/--dump-plan: sm_90a (default)"},
    {"-o", "FILE", set_output, "emit: the .cu file (default stdout); build: the .cubin"},
    {"--ptx", "FILE", set_ptx, "build: also write the PTX"},
    {"--kernel", "NAME", set_kernel, "emit/build/--dump-plan: only kernel NAME of FILE (default: every kernel)"},
    {"--stats", NULL, set_stats, "build: print registers, shared memory, stack and spills per kernel"},
    {"--help", NULL, set_help, "show this help"},
    {"-h", NULL, set_help, NULL},
    {"--version", NULL, set_version, "show the version"},
};
enum { NOPTIONS = sizeof options / sizeof options[0] };

/* ---------------------------------------------------------------- input */

/* Reads all of f into a malloc'd buffer (NUL-terminated). NULL with errno set on a
 * read error, or errno = EFBIG past MAX_FILE_BYTES. */
static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (ferror(f))
            break;
        if (feof(f)) {
            buf[n] = '\0';
            *len = n;
            return buf;
        }
        if (cap > MAX_FILE_BYTES) {
            errno = EFBIG;
            break;
        }
        char *bigger = realloc(buf, cap * 2);
        if (!bigger)
            break;
        buf = bigger;
        cap *= 2;
    }
    int saved = errno ? errno : EIO;
    free(buf);
    errno = saved;
    return NULL;
}

static char *read_source(const char *path, size_t *len)
{
    if (strcmp(path, "-") == 0)
        return read_all(stdin, len);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    errno = 0;
    char *text = read_all(f, len);
    int saved = errno;
    fclose(f);
    errno = saved;
    return text;
}

/* A unit for o->file with the -D options applied; NULL after printing why. */
static dgkc_unit *open_unit(const opts *o, int *status)
{
    size_t len = 0;
    char *text = read_source(o->file, &len);
    if (!text) {
        fprintf(stderr, "dgkc: error: cannot read '%s': %s\n", o->file, strerror(errno));
        *status = EXIT_USAGE;
        return NULL;
    }
    dgkc_unit *u = dgkc_unit_new(strcmp(o->file, "-") == 0 ? "<stdin>" : o->file, text, len);
    free(text);
    if (!u) {
        fprintf(stderr, "dgkc: error: out of memory reading '%s'\n", o->file);
        *status = EXIT_USER;
        return NULL;
    }
    for (int i = 0; i < o->ndefines; i++) {
        const char *arg = o->defines[i], *eq = strchr(arg, '=');
        char name[512];
        snprintf(name, sizeof name, "%.*s", (int)(eq - arg), arg);
        if (dgkc_define(u, name, eq + 1) != DGKC_OK) {
            dgkc_print_diagnostics(u, stderr);
            dgkc_unit_free(u);
            *status = EXIT_USAGE;
            return NULL;
        }
    }
    return u;
}

/* ---------------------------------------------------------------- subcommands */

/* The index of --kernel NAME in the lowered unit, in *i; reports a name the file lacks. */
static int find_kernel(const opts *o, dgkc_unit *u, int *i)
{
    int rc = dgkc_lower(u);
    if (rc != DGKC_OK)
        return rc;
    *i = dgkc_kernel_index(u, o->kernel);
    if (*i < 0) {
        fprintf(stderr, "dgkc: error: %s has no kernel named '%s'\n", o->file, o->kernel);
        return DGKC_EUSER;
    }
    return DGKC_OK;
}

/* --dump-plan of --kernel NAME only (a plan error of another kernel in the file is not
 * this one's); every kernel without --kernel. */
static int dump_plan(const opts *o, dgkc_unit *u)
{
    int i = -1;
    int rc = o->kernel ? find_kernel(o, u, &i) : DGKC_OK;
    return rc != DGKC_OK ? rc : dgkc_dump_plan(u, o->arch, i, stdout);
}

/* The dumps asked for; 0 if all of them succeeded. */
static int run_dumps(const opts *o, dgkc_unit *u)
{
    int rc = DGKC_OK;
    if (o->dump_tokens && dgkc_dump_tokens(u, stdout) != DGKC_OK)
        rc = DGKC_EUSER;
    if (o->dump_ast && dgkc_dump_ast(u, stdout) != DGKC_OK)
        rc = DGKC_EUSER;
    if (o->dump_ir && dgkc_dump_ir(u, stdout) != DGKC_OK)
        rc = DGKC_EUSER;
    if (o->dump_plan && dump_plan(o, u) != DGKC_OK)
        rc = DGKC_EUSER;
    return rc;
}

static int finish(dgkc_unit *u, int rc)
{
    fflush(stdout);
    dgkc_print_diagnostics(u, stderr);
    dgkc_unit_free(u);
    return rc == DGKC_OK ? EXIT_OK : EXIT_USER;
}

static int cmd_dump(const opts *o)
{
    int status = EXIT_OK;
    dgkc_unit *u = open_unit(o, &status);
    return u ? finish(u, run_dumps(o, u)) : status;
}

static int cmd_check(const opts *o)
{
    int status = EXIT_OK;
    dgkc_unit *u = open_unit(o, &status);
    if (!u)
        return status;
    int rc = run_dumps(o, u);
    int rc2 = dgkc_check(u);
    return finish(u, rc != DGKC_OK ? rc : rc2);
}

/* Writes `len` bytes to `path` ("-" = stdout); 0 after printing why it failed. */
static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || (f != stdout && fclose(f) != 0)) {
        fprintf(stderr, "dgkc: error: cannot write '%s': %s\n", path, strerror(errno));
        return 0;
    }
    return 1;
}

/* The CUDA C of every kernel, or of --kernel NAME only; *first names a kernel in it. */
static int emit_selected(const opts *o, dgkc_unit *u, const char **src, size_t *len, const char **first)
{
    if (!o->kernel) {
        int rc = dgkc_emit(u, o->arch, src, len);
        *first = dgkc_kernel_name(u, 0);
        return rc;
    }
    int i;
    int rc = find_kernel(o, u, &i);
    if (rc != DGKC_OK)
        return rc;
    *first = o->kernel;
    return dgkc_emit_kernel(u, o->arch, i, src, len);
}

static int cmd_emit(const opts *o)
{
    int status = EXIT_OK;
    dgkc_unit *u = open_unit(o, &status);
    if (!u)
        return status;
    const char *src, *first;
    size_t len;
    int rc = run_dumps(o, u);
    int rc2 = emit_selected(o, u, &src, &len, &first);
    if (rc2 == DGKC_OK && !write_file(o->output ? o->output : "-", src, len))
        rc2 = DGKC_EUSER;
    return finish(u, rc != DGKC_OK ? rc : rc2);
}

static void print_stats(const dgk_binary *bin, const dgkc_unit *u, const char *only)
{
    const dgk_report *r = dgk_binary_report(bin);
    for (int i = 0; i < dgkc_kernel_count(u); i++) {
        if (only && strcmp(only, dgkc_kernel_name(u, i)) != 0)
            continue;
        const dgk_func_report *f = dgk_report_find(r, dgkc_kernel_name(u, i));
        if (!f)
            continue;
        printf("%s: %d registers, %d bytes smem (static), %d bytes stack, %d/%d bytes spill stores/loads%s\n",
               f->name, f->registers, f->smem_bytes, f->stack_bytes, f->spill_store_bytes, f->spill_load_bytes,
               f->wgmma_serialized ? ", wgmma SERIALIZED" : "");
    }
}

/* Compiles the emitted CUDA C with NVRTC (through the runtime's cache; no GPU needed). */
static int compile_unit(const opts *o, const char *kernel, const char *src, dgk_output kind, dgk_binary **bin)
{
    dgk_header h;
    if (dgkc_device_header(o->arch, &h.name, &h.text) != DGKC_OK)
        return fprintf(stderr, "dgkc: error: no device header for %s\n", o->arch), 0;
    dgk_program prog = {.source = src, .source_name = o->file, .headers = &h, .num_headers = 1,
                        .kernel = kernel, .arch = dgk_arch_lookup(o->arch), .output = kind};
    if (dgk_compile(&prog, bin, NULL) != DGK_OK)
        return fprintf(stderr, "dgkc: error: %s\n", dgk_last_error()), 0;
    return 1;
}

static int build_outputs(const opts *o, dgkc_unit *u, const char *kernel, const char *src)
{
    dgk_binary *bin = NULL;
    size_t size;
    if (!compile_unit(o, kernel, src, DGK_OUTPUT_CUBIN, &bin))
        return DGKC_EUSER;
    const void *img = dgk_binary_image(bin, &size);
    int ok = write_file(o->output, img, size);
    if (ok && o->stats)
        print_stats(bin, u, o->kernel);
    dgk_binary_release(bin);
    if (ok && o->ptx) {
        ok = compile_unit(o, kernel, src, DGK_OUTPUT_PTX, &bin);
        if (ok) {
            img = dgk_binary_image(bin, &size);
            ok = write_file(o->ptx, img, strlen(img));
            dgk_binary_release(bin);
        }
    }
    return ok ? DGKC_OK : DGKC_EUSER;
}

static int cmd_build(const opts *o)
{
    if (!o->output)
        return usage_error("build needs -o FILE.cubin%s", "");
    int status = EXIT_OK;
    dgkc_unit *u = open_unit(o, &status);
    if (!u)
        return status;
    const char *src, *first = NULL;
    int rc = run_dumps(o, u);
    int rc2 = emit_selected(o, u, &src, NULL, &first);
    if (rc2 == DGKC_OK && !first)
        fprintf(stderr, "dgkc: error: %s has no kernel to build\n", o->file), rc2 = DGKC_EUSER;
    if (rc2 == DGKC_OK)
        rc2 = build_outputs(o, u, first, src);
    return finish(u, rc != DGKC_OK ? rc : rc2);
}

typedef struct command {
    const char *name;
    int (*run)(const opts *o);
    const char *help;
} command;

static const command commands[] = {
    {"check", cmd_check, "parse and check FILE; report its errors"},
    {"emit", cmd_emit, "write the CUDA C of FILE's kernels (-o FILE.cu, default stdout)"},
    {"build", cmd_build, "compile FILE's kernels with NVRTC to a cubin (-o FILE.cubin [--ptx F] [--stats])"},
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

/* ---------------------------------------------------------------- main */

static void print_help(FILE *out)
{
    fputs("usage: dgkc COMMAND [OPTIONS] FILE.dgk\n"
          "       dgkc --dump-tokens|--dump-ast|--dump-ir|--dump-plan [OPTIONS] FILE.dgk\n"
          "FILE may be '-' for standard input.\n\ncommands:\n", out);
    for (int i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-24s %s\n", commands[i].name, commands[i].help);
    fputs("\noptions:\n", out);
    for (int i = 0; i < NOPTIONS; i++) {
        char lhs[64];
        if (!options[i].help)
            continue;
        snprintf(lhs, sizeof lhs, "%s%s%s", options[i].name, options[i].argname ? " " : "",
                 options[i].argname ? options[i].argname : "");
        fprintf(out, "  %-24s %s\n", lhs, options[i].help);
    }
    fputs("\nexit status: 0 ok, 1 errors in the source, 2 usage error\n", out);
}

/* One option at argv[*i]; *i moves past its argument. */
static int parse_option(opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    for (int k = 0; k < NOPTIONS; k++) {
        const option *opt = &options[k];
        size_t n = strlen(opt->name);
        if (strncmp(a, opt->name, n) != 0)
            continue;
        if (!opt->argname && a[n] == '\0')
            return opt->set(o, NULL);
        if (opt->argname && a[n] != '\0' && n == 2) /* -DNAME=VALUE */
            return opt->set(o, a + n);
        if (opt->argname && a[n] == '\0') {
            if (*i + 1 >= argc)
                return usage_error("%s needs an argument", opt->name);
            return opt->set(o, argv[++*i]);
        }
    }
    return usage_error("unknown option '%s'", a);
}

static int parse_args(opts *o, int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++) {
        int rc;
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            rc = parse_option(o, argc, argv, &i);
        else if (o->file)
            rc = usage_error("more than one input file ('%s')", argv[i]);
        else
            o->file = argv[i], rc = EXIT_OK;
        if (rc != EXIT_OK)
            return rc;
    }
    return EXIT_OK;
}

static const command *find_command(const char *name)
{
    for (int i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* Parses the command line into o and runs what it asks for. */
static int run(opts *o, int argc, char **argv)
{
    const command *cmd = argc > 1 ? find_command(argv[1]) : NULL;
    if (argc > 1 && !cmd && argv[1][0] != '-')
        return usage_error("unknown command '%s'", argv[1]);
    int rc = parse_args(o, argc, argv, cmd ? 2 : 1);
    if (rc != EXIT_OK)
        return rc;
    if (o->help)
        return print_help(stdout), EXIT_OK;
    if (o->version)
        return printf("dgkc %s\n", DGKC_VERSION), EXIT_OK;
    if (!o->arch)
        o->arch = "sm_90a";
    if (!cmd && !o->dump_tokens && !o->dump_ast && !o->dump_ir && !o->dump_plan)
        return usage_error("no command given%s", " (try: dgkc check FILE.dgk)");
    if (!o->file)
        return usage_error("no input file%s", "");
    return cmd ? cmd->run(o) : cmd_dump(o);
}

int main(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    o.defines = calloc((size_t)argc, sizeof *o.defines);
    if (!o.defines)
        return fputs("dgkc: error: out of memory\n", stderr), EXIT_USER;
    int rc = run(&o, argc, argv);
    free(o.defines);
    return rc;
}
