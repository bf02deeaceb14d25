/*
 * sclink-client: connects to a gateway as QEMU's sclink-pci device would and
 * runs reads, writes, waits and syncs from its command line, a script file
 * or stdin, printing one line per event.  The driver of the gateway's tests
 * and the first tool to reach for when a model misbehaves.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static const char usage_text[] =
    "Usage: sclink-client [OPTIONS] ADDRESS [COMMAND...]\n"
    "       sclink-client [OPTIONS] -f SCRIPT ADDRESS\n"
    "       sclink-client [OPTIONS] ADDRESS -      (commands from stdin)\n"
    "\n"
    "Connects to an sclink gateway as QEMU would (ADDRESS: unix:PATH or\n"
    "tcp:HOST:PORT) and runs commands; each COMMAND argument is one command\n"
    "line, e.g. 'read 0 0x0 4' 'write 0 0x10 4 0xdeadbeef'.\n"
    "\n"
    "Options:\n"
    "  -f, --file SCRIPT        commands from SCRIPT, one per line, # comments\n"
    "  -t, --timeout MS         real-time limit of each wait (default 5000)\n"
    "  -c, --connect-timeout MS keep retrying to connect this long (default 0)\n"
    "  -n, --name NAME          name sent in Hello (default sclink-client)\n"
    "      --quantum TIME       quantum to propose, e.g. 10us (default none)\n"
    "      --no-sync            do not offer CAP_SYNC: no time windows\n"
    "      --no-lookahead       do not offer CAP_LOOKAHEAD (offered by default,\n"
    "                           as the device does)\n"
    "      --offer-debug        offer CAP_DEBUG (for dread and dwrite), which\n"
    "                           the device does not\n"
    "      --serve-dma LIST     serve DMA with byte-enable, streaming (width <\n"
    "                           length) or debug (implies --offer-debug),\n"
    "                           comma-separated, or all; by default, as the\n"
    "                           device, none: BYTE_ENABLE_ERROR, BURST_ERROR,\n"
    "                           debug DMA refused with ERR_UNSUPPORTED\n"
    "      --mem SIZE           simulated guest memory serving DMA (default 1M)\n"
    "      --mem-base ADDR      its bus address (default 0)\n"
    "      --max-frame BYTES    frame limit to propose (default 1M)\n"
    "      --tls-creds x509:DIR|psk:DIR\n"
    "                           TLS, with QEMU's client files in DIR: ca-cert.pem\n"
    "                           (and client-cert.pem, client-key.pem), or keys.psk\n"
    "      --tls-user NAME      the PSK user (default qemu)\n"
    "  -k, --keep-going         run every command even after a failure\n"
    "  -q, --quiet              print only results (reads, mem-read, stats)\n"
    "                           and failures\n"
    "      --trace              also print every message sent (>) and\n"
    "                           received (<)\n"
    "  -h, --help               this text\n"
    "\n"
    "Commands: read BAR OFF LEN | write BAR OFF LEN DATA | posted BAR OFF LEN\n"
    "DATA | dread BAR OFF LEN | dwrite BAR OFF LEN DATA | expect-read BAR OFF\n"
    "LEN DATA | expect-status STATUS read|write|dread|dwrite ARGS... |\n"
    "time T | advance DT | sync | wait-irq [TYPE [INDEX]] [LIMIT] |\n"
    "mem-write ADDR HEX... | mem-read ADDR LEN | expect-mem ADDR HEX... |\n"
    "expect-error [CODE] | sleep MS | raw HEX... | stats | bye\n"
    "DATA is a number (little-endian, LEN <= 8) or hex:BYTES; times take\n"
    "ps, ns, us, ms or s (no unit: ps).  See doc/client.md.\n"
    "\n"
    "Exit status: 0 every command succeeded; 1 an expectation failed, an\n"
    "access did not end with the expected status, or the gateway sent an\n"
    "Error or broke the protocol; 2 usage or script error, or no connection\n"
    "or handshake.\n";

/* The commands to run: all parsed before connecting, or read from stdin. */
struct script {
    struct client_cmd *cmds;
    size_t n, cap;
    int from_stdin;
};

static int script_add(struct script *s, const char *text, unsigned line,
                      const char *source)
{
    struct client_cmd *grown;
    char why[300];
    int err;

    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        grown = realloc(s->cmds, s->cap * sizeof(*grown));
        if (grown == NULL) {
            fprintf(stderr, "sclink-client: out of memory\n");
            return CLIENT_EUSAGE;
        }
        s->cmds = grown;
    }
    err = client_parse_line(text, line, &s->cmds[s->n], why, sizeof(why));
    if (err < 0) {
        fprintf(stderr, "sclink-client: %s%s%s\n", source ? source : "",
                source ? ": " : "", why);
        return CLIENT_EUSAGE;
    }
    s->n += (size_t)err;
    return 0;
}

static int script_load(struct script *s, const char *path)
{
    char *text = NULL;
    size_t cap = 0;
    unsigned line = 0;
    FILE *f;
    int rc = 0;

    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "sclink-client: cannot open %s: %m\n", path);
        return CLIENT_EUSAGE;
    }
    while (rc == 0 && getline(&text, &cap, f) >= 0)
        rc = script_add(s, text, ++line, path);
    free(text);
    fclose(f);
    return rc;
}

static void script_free(struct script *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        client_cmd_free(&s->cmds[i]);
    free(s->cmds);
}

/* The worse of two results: a usage error beats a failure beats 0. */
static int worse(int a, int b)
{
    if (a == CLIENT_EUSAGE || b == CLIENT_EUSAGE)
        return CLIENT_EUSAGE;
    return a ? a : b;
}

/* Whether the run stops after a command ended with err. */
static int stops(int err, int keep_going)
{
    return err == CLIENT_EUSAGE || (err && !keep_going);
}

/* Runs the parsed commands; returns the worst result. */
static int run_script(struct client_link *l, const struct script *s,
                      int keep_going)
{
    size_t k;
    int err, result = 0;

    for (k = 0; k < s->n; k++) {
        err = client_run(l, &s->cmds[k]);
        result = worse(result, err);
        if (stops(err, keep_going))
            break;
    }
    return result;
}

/* Reads, parses and runs stdin line by line: it may be a person typing. */
static int run_stdin(struct client_link *l, int keep_going)
{
    struct client_cmd c;
    char *text = NULL, why[300];
    size_t cap = 0;
    unsigned line = 0;
    int result = 0, err;

    while (getline(&text, &cap, stdin) >= 0) {
        err = client_parse_line(text, ++line, &c, why, sizeof(why));
        if (err < 0) {
            fprintf(stderr, "sclink-client: %s\n", why);
            result = CLIENT_EUSAGE;
            break;
        }
        if (err == 0)
            continue;
        err = client_run(l, &c);
        client_cmd_free(&c);
        result = worse(result, err);
        if (stops(err, keep_going))
            break;
    }
    free(text);
    return result;
}

/* The exit code for a result of the run (doc/client.md, "Exit status"). */
static int exit_code(int err)
{
    if (err == 0)
        return CLIENT_EXIT_OK;
    return err == CLIENT_EUSAGE ? CLIENT_EXIT_USAGE : CLIENT_EXIT_FAIL;
}

/* --serve-dma LIST: SCLINK_DMA_SERVES_* by name, "all" or "none". */
static int parse_serve_dma(const char *arg, unsigned *out)
{
    static const struct {
        const char *name;
        unsigned bits;
    } names[] = {
        { "byte-enable", SCLINK_DMA_SERVES_BYTE_ENABLE },
        { "streaming", SCLINK_DMA_SERVES_STREAMING },
        { "debug", SCLINK_DMA_SERVES_DEBUG },
        { "all", SCLINK_DMA_SERVES_BYTE_ENABLE | SCLINK_DMA_SERVES_STREAMING |
                     SCLINK_DMA_SERVES_DEBUG },
        { "none", 0 },
    };
    const char *p = arg;
    unsigned bits = 0;
    size_t len, i;

    for (;;) {
        len = strcspn(p, ",");
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (strlen(names[i].name) == len && strncmp(p, names[i].name, len) == 0)
                break;
        if (i == sizeof(names) / sizeof(names[0])) {
            fprintf(stderr, "sclink-client: --serve-dma: '%.*s' is not "
                            "byte-enable, streaming, debug, all or none\n",
                    (int)len, p);
            return SCLINK_EINVAL;
        }
        bits |= names[i].bits;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    *out = bits;
    return 0;
}

static int parse_ms(const char *opt, const char *arg, int *out)
{
    uint64_t v;

    if (client_parse_u64(arg, &v) != 0 || v > 24 * 3600 * 1000) {
        fprintf(stderr, "sclink-client: %s: '%s' is not a number of ms\n", opt,
                arg);
        return SCLINK_EINVAL;
    }
    *out = (int)v;
    return 0;
}

enum {
    OPT_QUANTUM = 256,
    OPT_NO_SYNC,
    OPT_LOOKAHEAD,
    OPT_NO_LOOKAHEAD,
    OPT_OFFER_DEBUG,
    OPT_SERVE_DMA,
    OPT_MEM,
    OPT_MEM_BASE,
    OPT_MAX_FRAME,
    OPT_TRACE,
    OPT_TLS_CREDS,
    OPT_TLS_USER,
};

static const struct option long_opts[] = {
    { "file", required_argument, NULL, 'f' },
    { "timeout", required_argument, NULL, 't' },
    { "connect-timeout", required_argument, NULL, 'c' },
    { "name", required_argument, NULL, 'n' },
    { "quantum", required_argument, NULL, OPT_QUANTUM },
    { "no-sync", no_argument, NULL, OPT_NO_SYNC },
    { "lookahead", no_argument, NULL, OPT_LOOKAHEAD },
    { "no-lookahead", no_argument, NULL, OPT_NO_LOOKAHEAD },
    { "offer-debug", no_argument, NULL, OPT_OFFER_DEBUG },
    { "serve-dma", required_argument, NULL, OPT_SERVE_DMA },
    { "mem", required_argument, NULL, OPT_MEM },
    { "mem-base", required_argument, NULL, OPT_MEM_BASE },
    { "max-frame", required_argument, NULL, OPT_MAX_FRAME },
    { "keep-going", no_argument, NULL, 'k' },
    { "quiet", no_argument, NULL, 'q' },
    { "trace", no_argument, NULL, OPT_TRACE },
    { "tls-creds", required_argument, NULL, OPT_TLS_CREDS },
    { "tls-user", required_argument, NULL, OPT_TLS_USER },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

/* Parses the options into *o; returns the index of ADDRESS or SCLINK_EINVAL. */
static int parse_options(int argc, char **argv, struct client_opts *o,
                         const char **file, int *keep_going)
{
    uint64_t v;
    int ch;

    /* "+": stop at ADDRESS, so command words are never taken for options. */
    while ((ch = getopt_long(argc, argv, "+f:t:c:n:kqh", long_opts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            *file = optarg;
            break;
        case 't':
            if (parse_ms("--timeout", optarg, &o->timeout_ms))
                return SCLINK_EINVAL;
            break;
        case 'c':
            if (parse_ms("--connect-timeout", optarg, &o->connect_timeout_ms))
                return SCLINK_EINVAL;
            break;
        case 'n':
            o->name = optarg;
            break;
        case OPT_QUANTUM:
            if (client_parse_time(optarg, &o->quantum_ps) != 0) {
                fprintf(stderr, "sclink-client: --quantum: '%s' is not a time\n",
                        optarg);
                return SCLINK_EINVAL;
            }
            break;
        case OPT_NO_SYNC:
            o->caps &= ~(uint64_t)SCLINK__V1__CAPABILITY__CAP_SYNC;
            break;
        case OPT_LOOKAHEAD: /* the default now, kept for old scripts */
            o->caps |= SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD;
            break;
        case OPT_NO_LOOKAHEAD:
            o->caps &= ~(uint64_t)SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD;
            break;
        case OPT_OFFER_DEBUG:
            o->caps |= SCLINK__V1__CAPABILITY__CAP_DEBUG;
            break;
        case OPT_SERVE_DMA:
            if (parse_serve_dma(optarg, &o->serve_dma))
                return SCLINK_EINVAL;
            /* Debug DMA exists only with CAP_DEBUG agreed (5.4). */
            if (o->serve_dma & SCLINK_DMA_SERVES_DEBUG)
                o->caps |= SCLINK__V1__CAPABILITY__CAP_DEBUG;
            break;
        case OPT_MEM:
        case OPT_MEM_BASE:
            if ((ch == OPT_MEM ? client_parse_size(optarg, &o->mem_size)
                               : client_parse_u64(optarg, &o->mem_base)) != 0) {
                fprintf(stderr, "sclink-client: %s: bad value '%s'\n",
                        ch == OPT_MEM ? "--mem" : "--mem-base", optarg);
                return SCLINK_EINVAL;
            }
            break;
        case OPT_MAX_FRAME:
            if (client_parse_size(optarg, &v) != 0 || v < SCLINK_MIN_MAX_FRAME ||
                v > SCLINK_LIMIT_MAX_FRAME) {
                fprintf(stderr, "sclink-client: --max-frame: '%s' is not a "
                                "size in %u..%u\n",
                        optarg, SCLINK_MIN_MAX_FRAME, SCLINK_LIMIT_MAX_FRAME);
                return SCLINK_EINVAL;
            }
            o->max_frame = (uint32_t)v;
            break;
        case 'k':
            *keep_going = 1;
            break;
        case 'q':
            client_out_quiet = 1;
            break;
        case OPT_TRACE:
            client_out_trace = 1;
            break;
        case OPT_TLS_CREDS:
            o->tls_creds = optarg;
            break;
        case OPT_TLS_USER:
            o->tls_user = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            exit(CLIENT_EXIT_OK);
        default:
            return SCLINK_EINVAL;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "sclink-client: no ADDRESS\n");
        return SCLINK_EINVAL;
    }
    return optind;
}

int main(int argc, char **argv)
{
    struct client_opts o = {
        .name = "sclink-client",
        .timeout_ms = 5000,
        .max_frame = SCLINK_DEFAULT_MAX_FRAME,
        .mem_size = 1 << 20,
        .caps = CLIENT_CAPS_DEVICE,
        .tls_user = "qemu",
    };
    struct script s = { 0 };
    struct client_link l;
    const char *file = NULL;
    int keep_going = 0, first, i, err;
    sclink_addr addr;

    /* Tests read our output through a pipe, line by line, as it comes. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    first = parse_options(argc, argv, &o, &file, &keep_going);
    if (first < 0) {
        fputs("Try 'sclink-client --help'.\n", stderr);
        return CLIENT_EXIT_USAGE;
    }
    o.addr = argv[first];
    if (sclink_addr_parse(o.addr, &addr) != 0) {
        fprintf(stderr, "sclink-client: bad ADDRESS '%s': %s\n", o.addr,
                sclink_strerror(SCLINK_EADDR));
        return CLIENT_EXIT_USAGE;
    }
    /* Everything is parsed before connecting, except what stdin will say. */
    err = 0;
    if (file != NULL && first + 1 < argc) {
        fprintf(stderr, "sclink-client: -f and COMMAND arguments exclude "
                        "each other\n");
        err = CLIENT_EUSAGE;
    } else if (file != NULL && strcmp(file, "-") != 0) {
        err = script_load(&s, file);
    } else if (file != NULL || (first + 2 == argc && strcmp(argv[first + 1], "-") == 0)) {
        s.from_stdin = 1;
    } else {
        for (i = first + 1; i < argc && err == 0; i++)
            err = script_add(&s, argv[i], (unsigned)(i - first), NULL);
    }
    if (err)
        goto out_free_script;

    err = client_link_open(&l, &o);
    if (err)
        goto out_close_link;
    err = s.from_stdin ? run_stdin(&l, keep_going)
                       : run_script(&l, &s, keep_going);
    /* Leave as QEMU does when it quits: Bye, then wait for the close. */
    client_link_bye(&l);
    if (err == 0 && l.failed)
        err = CLIENT_EFAILED;

out_close_link:
    client_link_close(&l);
out_free_script:
    script_free(&s);
    return exit_code(err);
}
