/*
 * Replays the fuzz corpus through the fuzz target without libFuzzer, so
 * `make check` proves every seed (and every crash once found and added)
 * still runs cleanly.  Arguments are files; with none, the corpus directory
 * $top_srcdir/tests/fuzz/corpus is replayed.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    static uint8_t buf[1 << 20];
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL) {
        perror(path);
        return -1;
    }
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 0;
}

int main(int argc, char **argv)
{
    const char *top = getenv("top_srcdir");
    char dir[4096], path[8192];
    struct dirent *e;
    DIR *dp;
    int i, count = 0;

    if (argc > 1) {
        for (i = 1; i < argc; i++)
            if (replay_file(argv[i]) < 0)
                return 1;
        printf("replayed %d inputs\n", argc - 1);
        return 0;
    }
    snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus", top ? top : ".");
    dp = opendir(dir);
    if (dp == NULL) {
        perror(dir);
        return 1;
    }
    while ((e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (replay_file(path) < 0) {
            closedir(dp);
            return 1;
        }
        count++;
    }
    closedir(dp);
    printf("replayed %d corpus inputs from %s\n", count, dir);
    /* An empty corpus would make this test pass without testing anything. */
    return count > 0 ? 0 : 1;
}
