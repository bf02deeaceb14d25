/*
 * Writes the seed corpus: every sample message as a frame, all of them in
 * one stream, and a few malformed streams.  Each seed starts with the chunk
 * size byte fuzz-decoder.c reads.  Run by `make fuzz-seeds`; the output is
 * committed under tests/fuzz/corpus/.
 */
#include <stdio.h>
#include <string.h>

#include "common/samples.h"

static int write_seed(const char *dir, const char *name, uint8_t chunk,
                      const uint8_t *data, size_t len)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    fputc(chunk, f);
    fwrite(data, 1, len, f);
    return fclose(f);
}

int main(int argc, char **argv)
{
    static const uint8_t zero[] = { 0, 0, 0, 0 };
    static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff };
    static const uint8_t unknown[] = { 0, 0, 0, 2, (15 << 3) | 2, 0 };
    const char *dir = argc > 1 ? argv[1] : ".";
    sclink_buf all, one;
    struct sample s;
    char name[64];
    int k;

    sclink_buf_init(&all);
    sclink_buf_init(&one);
    for (k = 0; k < SAMPLE_COUNT; k++) {
        sample_build(k, &s);
        one.len = 0;
        if (sclink_encode_append(&s.env, 0, &one) < 0 ||
            sclink_encode_append(&s.env, 0, &all) < 0)
            return 1;
        snprintf(name, sizeof(name), "msg-%s", sample_name(k));
        if (write_seed(dir, name, 16, one.base, one.len))
            return 1;
    }
    if (write_seed(dir, "stream-all", 16, all.base, all.len) ||
        write_seed(dir, "stream-all-bytewise", 0, all.base, all.len) ||
        write_seed(dir, "bad-zero-prefix", 16, zero, sizeof(zero)) ||
        write_seed(dir, "bad-huge-prefix", 2, huge, sizeof(huge)) ||
        write_seed(dir, "bad-unknown-type", 16, unknown, sizeof(unknown)))
        return 1;
    sclink_buf_free(&all);
    sclink_buf_free(&one);
    return 0;
}
