/*
 * link-fuzz: the link fuzzer's driver (make fuzz-link runs it through
 * tests/fuzz/link-fuzz.sh, make check replays tests/fuzz/link-corpus/).
 *
 *   link-fuzz [OPTIONS] ADDR                  fuzz: link after link
 *   link-fuzz [OPTIONS] --replay FILE... ADDR replay saved cases
 *
 * Fuzzing plays the script of link i of the seed (link-gen.c) for i =
 * --first, --first + 1, ... until --seconds or --links run out; after
 * every --health-every links a health check must pass within
 * --health-ms.  With --pid it watches the gateway: it must stay alive,
 * its RSS (VmRSS) under --rss-limit-mb, and no sanitizer log may appear
 * under --sanitizer-log.  The first finding ends the run: the links since
 * the last health check that passed are saved as a case file in
 * --save-dir, and the last line says what was found and how to replay it.
 * With --tls CREDS (sclink-client's --tls-creds) the gateway speaks TLS:
 * the links attack its handshake too, and the health check runs in TLS.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "link-fuzz.h"

struct opts {
    struct target t;
    uint64_t seed;
    uint64_t first;
    uint64_t links;      /* 0: until --seconds */
    unsigned seconds;
    unsigned health_every;
    int health_ms;
    pid_t pid;
    unsigned rss_limit_mb;
    const char *sanitizer_log; /* a path prefix: PREFIX.PID files */
    const char *save_dir;
    int quiet;
};

struct watch {
    unsigned rss_first_kb, rss_kb, rss_peak_kb;
    int health_worst_ms;
    unsigned health_checks;
};

/* The gateway's resident set in kB, 0 if it cannot be read. */
static unsigned rss_kb(pid_t pid)
{
    char path[64], line[256];
    unsigned kb = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %u kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

/* The gateway still runs (not gone, not a zombie). */
static int alive(pid_t pid)
{
    char path[64], buf[512], *p;
    FILE *f;
    size_t n;

    if (kill(pid, 0) < 0 && errno == ESRCH)
        return 0;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* A sanitizer wrote a report: a file PREFIX.* naming an error. */
static int sanitizer_report(const char *prefix, char *why, size_t whylen)
{
    char dir[512], path[1024], line[512];
    const char *base, *slash;
    struct dirent *d;
    DIR *dp;
    int found = 0;

    if (prefix == NULL)
        return 0;
    slash = strrchr(prefix, '/');
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - prefix) : 1, slash ? prefix : ".");
    base = slash ? slash + 1 : prefix;
    dp = opendir(dir);
    if (dp == NULL)
        return 0;
    while (!found && (d = readdir(dp)) != NULL) {
        FILE *f;
        if (strncmp(d->d_name, base, strlen(base)) != 0 || d->d_name[strlen(base)] != '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
        f = fopen(path, "r");
        if (f == NULL)
            continue;
        while (fgets(line, sizeof(line), f))
            if (strstr(line, "ERROR: AddressSanitizer") || strstr(line, "ERROR: LeakSanitizer") ||
                strstr(line, "runtime error:") || strstr(line, "ERROR: UndefinedBehaviorSanitizer")) {
                line[strcspn(line, "\n")] = '\0';
                snprintf(why, whylen, "sanitizer report in %.200s: %.200s", path, line);
                found = 1;
                break;
            }
        fclose(f);
    }
    closedir(dp);
    return found;
}

/* Plays a link, again while the gateway still closes the last one. */
static void play(const struct target *t, const struct script *s, struct exec_result *r)
{
    for (int tries = 0; tries < 200; tries++) {
        exec_link(t, s, r);
        if (!r->busy && r->connected)
            return;
        usleep(10000);
    }
}

/*
 * After a link: the gateway alive, no sanitizer report, RSS bounded, the
 * output well formed, and (when `health`) a health check passed.  Returns
 * the kind of finding, NULL if none.
 */
static const char *check(const struct opts *o, const struct exec_result *r, int health,
                         struct watch *w, char *why, size_t whylen)
{
    int took;

    if (r && !r->connected) {
        snprintf(why, whylen, "cannot connect to %s", o->t.addr);
        return "connect";
    }
    if (r && r->bad_output) {
        snprintf(why, whylen, "%s", r->why);
        return "bad-output";
    }
    if (o->pid) {
        if (sanitizer_report(o->sanitizer_log, why, whylen))
            return "sanitizer";
        if (!alive(o->pid)) {
            snprintf(why, whylen, "the gateway (pid %d) died", (int)o->pid);
            return "crash";
        }
        w->rss_kb = rss_kb(o->pid);
        if (w->rss_first_kb == 0)
            w->rss_first_kb = w->rss_kb;
        if (w->rss_kb > w->rss_peak_kb)
            w->rss_peak_kb = w->rss_kb;
        if (o->rss_limit_mb && w->rss_kb > o->rss_limit_mb * 1024u) {
            snprintf(why, whylen, "gateway RSS %u MiB over the bound %u MiB", w->rss_kb / 1024,
                     o->rss_limit_mb);
            return "rss";
        }
    }
    if (health) {
        w->health_checks++;
        if (health_check(&o->t, o->health_ms, &took, why, whylen) < 0) {
            if (o->pid && sanitizer_report(o->sanitizer_log, why, whylen))
                return "sanitizer";
            if (o->pid && !alive(o->pid)) {
                snprintf(why, whylen, "the gateway (pid %d) died", (int)o->pid);
                return "crash";
            }
            return took >= o->health_ms ? "hang" : "health";
        }
        if (took > w->health_worst_ms)
            w->health_worst_ms = took;
    }
    return NULL;
}

/* "FUZZ_LINK_TLS=psk " or the like for a TLS run's replay line, else "". */
static const char *tls_make_arg(const struct opts *o)
{
    if (o->t.tls_creds == NULL)
        return "";
    return strncmp(o->t.tls_creds, "psk:", 4) == 0 ? "FUZZ_LINK_TLS=psk " : "FUZZ_LINK_TLS=x509 ";
}

/* Writes the suspect links to a case file; returns its path (static). */
static const char *save_case(const struct opts *o, const char *kind, const char *why,
                             uint64_t from, uint64_t to)
{
    static char path[1024];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s-seed%" PRIu64 "-link%" PRIu64 ".case",
             o->save_dir ? o->save_dir : ".", kind, o->seed, to);
    f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "link-fuzz: cannot write %s: %s\n", path, strerror(errno));
        return "(not saved)";
    }
    fprintf(f, "# link-fuzz finding: %s: %s\n", kind, why);
    fprintf(f, "# seed %" PRIu64 ", links %" PRIu64 "..%" PRIu64
            " (link-fuzz --seed %" PRIu64 " --first %" PRIu64 " --links %" PRIu64 "%s%s)\n",
            o->seed, from, to, o->seed, from, to - from + 1, o->t.tls_creds ? " --tls " : "",
            o->t.tls_creds ? o->t.tls_creds : "");
    if (o->t.tls_creds)
        fprintf(f, "# replay with make fuzz-link %sFUZZ_LINK_REPLAY=THIS-FILE\n", tls_make_arg(o));
    for (uint64_t i = from; i <= to; i++) {
        struct script s;
        gen_link(o->seed, i, o->t.tls_creds != NULL, &s);
        fprintf(f, "link\n# link %" PRIu64 ": %s\n", i, s.note);
        script_write(&s, f);
        script_free(&s);
    }
    fclose(f);
    return path;
}

static int fuzz(const struct opts *o)
{
    struct watch w = {0};
    struct exec_result r;
    int64_t start = fuzz_now_ms(), next_report = start + 60000;
    uint64_t i, ran = 0, suspect_from = o->first, frames = 0, dma = 0, hs_ok = 0, hs_failed = 0;
    int tls = o->t.tls_creds != NULL;
    const char *kind = NULL;
    char why[512] = "";

    printf("link-fuzz: seed %" PRIu64 ", from link %" PRIu64 ", against %s%s\n", o->seed,
           o->first, o->t.addr, tls ? " in TLS" : "");
    fflush(stdout);
    for (i = o->first;; i++) {
        struct script s;
        int health;

        if (o->links ? ran >= o->links
                     : fuzz_now_ms() - start >= (int64_t)o->seconds * 1000)
            break;
        gen_link(o->seed, i, tls, &s);
        play(&o->t, &s, &r);
        script_free(&s);
        ran++;
        frames += r.frames_in;
        dma += r.dma_in;
        hs_ok += r.handshake > 0;
        hs_failed += r.handshake < 0;
        health = o->health_every && ran % o->health_every == 0;
        kind = check(o, &r, health, &w, why, sizeof(why));
        if (kind)
            break;
        if (health)
            suspect_from = i + 1;
        if (!o->quiet && fuzz_now_ms() >= next_report) {
            printf("link-fuzz: %" PRIu64 " links in %.1f min, RSS %u MiB (peak %u), "
                   "slowest health check %d ms\n", ran, (fuzz_now_ms() - start) / 60000.0,
                   w.rss_kb / 1024, w.rss_peak_kb / 1024, w.health_worst_ms);
            fflush(stdout);
            next_report += 60000;
        }
    }
    if (!kind && ran > 0) {
        /* The last links end with a health check too. */
        kind = check(o, NULL, 1, &w, why, sizeof(why));
        i--;
    }
    double min = (fuzz_now_ms() - start) / 60000.0;
    if (kind) {
        const char *path = save_case(o, kind, why, suspect_from, i);
        printf("link-fuzz: FOUND %s after %" PRIu64 " links (%.1f min): %s\n", kind, ran, min, why);
        printf("link-fuzz: links %" PRIu64 "..%" PRIu64 " saved in %s; replay with\n"
               "    make fuzz-link %sFUZZ_LINK_REPLAY=%s\n", suspect_from, i, path,
               tls_make_arg(o), path);
        return 1;
    }
    if (tls)
        printf("link-fuzz: %" PRIu64 " TLS handshakes succeeded, %" PRIu64 " failed\n", hs_ok,
               hs_failed);
    printf("link-fuzz: seed %" PRIu64 ", links %" PRIu64 "..%" PRIu64 " (%" PRIu64
           " links, %u health checks, %" PRIu64 " frames and %" PRIu64
           " DMA requests from the gateway) in %.1f min: RSS first %u MiB, peak %u MiB"
           " (bound %u MiB), slowest health check %d ms: nothing found\n",
           o->seed, o->first, o->first + ran - 1, ran, w.health_checks, frames, dma, min,
           w.rss_first_kb / 1024, w.rss_peak_kb / 1024, o->rss_limit_mb, w.health_worst_ms);
    return 0;
}

static int replay(const struct opts *o, char **files, int nfiles)
{
    struct watch w = {0};
    int failed = 0;

    for (int f = 0; f < nfiles; f++) {
        struct script *links;
        struct exec_result r;
        const char *kind = NULL;
        char why[512];
        FILE *fp = fopen(files[f], "r");
        int n;

        if (fp == NULL) {
            printf("FAIL: %s: %s\n", files[f], strerror(errno));
            failed++;
            continue;
        }
        n = scripts_read(fp, &links, why, sizeof(why));
        fclose(fp);
        if (n < 0) {
            printf("FAIL: %s: %s\n", files[f], why);
            failed++;
            continue;
        }
        for (int i = 0; i < n && !kind; i++) {
            play(&o->t, &links[i], &r);
            kind = check(o, &r, i == n - 1, &w, why, sizeof(why));
        }
        scripts_free(links, n);
        if (kind) {
            printf("FAIL: %s: %s: %s\n", files[f], kind, why);
            failed++;
        } else {
            printf("ok: %s (%d link%s, then the health check)\n", files[f], n, n == 1 ? "" : "s");
        }
        fflush(stdout);
    }
    return failed ? 1 : 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: link-fuzz [--seed N] [--first N] [--links N | --seconds N]\n"
            "                 [--health-every N] [--health-ms MS] [--pid PID]\n"
            "                 [--rss-limit-mb N] [--sanitizer-log PREFIX] [--save-dir DIR]\n"
            "                 [--tls x509:DIR|psk:DIR] [--tls-user NAME]\n"
            "                 [--print] [--replay FILE...] ADDR\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"seed", 1, 0, 's'},        {"first", 1, 0, 'f'},     {"links", 1, 0, 'l'},
        {"seconds", 1, 0, 't'},     {"health-every", 1, 0, 'e'}, {"health-ms", 1, 0, 'h'},
        {"pid", 1, 0, 'p'},         {"rss-limit-mb", 1, 0, 'r'}, {"sanitizer-log", 1, 0, 'z'},
        {"save-dir", 1, 0, 'd'},    {"replay", 0, 0, 'R'},    {"print", 0, 0, 'P'},
        {"quiet", 0, 0, 'q'},       {"tls", 1, 0, 'T'},       {"tls-user", 1, 0, 'U'},
        {0, 0, 0, 0},
    };
    struct opts o = {.t.tls_user = "qemu", .health_every = 1, .health_ms = 10000, .seconds = 60};
    int c, do_replay = 0, print = 0;

    signal(SIGPIPE, SIG_IGN);
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o.seed = strtoull(optarg, NULL, 0); break;
        case 'f': o.first = strtoull(optarg, NULL, 0); break;
        case 'l': o.links = strtoull(optarg, NULL, 0); break;
        case 't': o.seconds = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'e': o.health_every = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'h': o.health_ms = atoi(optarg); break;
        case 'p': o.pid = (pid_t)atoi(optarg); break;
        case 'r': o.rss_limit_mb = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'z': o.sanitizer_log = optarg; break;
        case 'd': o.save_dir = optarg; break;
        case 'R': do_replay = 1; break;
        case 'P': print = 1; break;
        case 'q': o.quiet = 1; break;
        case 'T': o.t.tls_creds = optarg; break;
        case 'U': o.t.tls_user = optarg; break;
        default: usage();
        }
    }
    if (print) {
        /* The scripts themselves, to read what a seed does. */
        for (uint64_t i = o.first; i < o.first + (o.links ? o.links : 1); i++) {
            struct script s;
            gen_link(o.seed, i, o.t.tls_creds != NULL, &s);
            printf("link\n# link %" PRIu64 ": %s\n", i, s.note);
            script_write(&s, stdout);
            script_free(&s);
        }
        return 0;
    }
    if (do_replay) {
        if (argc - optind < 2)
            usage();
        o.t.addr = argv[argc - 1];
        return replay(&o, argv + optind, argc - optind - 1);
    }
    if (argc - optind != 1)
        usage();
    o.t.addr = argv[optind];
    return fuzz(&o);
}
