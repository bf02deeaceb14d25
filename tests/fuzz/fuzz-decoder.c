/*
 * libFuzzer target for the frame decoder.  The first input byte picks a
 * chunk size so the fuzzer also explores frames split at every position;
 * the rest is the byte stream.  Every message that comes out must be valid
 * and must survive re-encoding and decoding unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sclink.h"

static void check_reencode(const sclink_msg *m, uint32_t max_frame)
{
    static uint8_t a[SCLINK_FRAME_HEADER_SIZE + 65536];
    static uint8_t b[SCLINK_FRAME_HEADER_SIZE + 65536];
    sclink_msg *again = NULL;
    int n, n2;

    if (sclink_msg_validate(m, max_frame, NULL, 0) != 0)
        abort(); /* the decoder let an invalid message through */
    n = sclink_encode(m, max_frame, a, sizeof(a));
    if (n < 0)
        abort(); /* a valid message must encode */
    if (sclink_msg_unpack(a + SCLINK_FRAME_HEADER_SIZE,
                          (size_t)n - SCLINK_FRAME_HEADER_SIZE, max_frame,
                          &again, NULL, 0) != 0)
        abort();
    n2 = sclink_encode(again, max_frame, b, sizeof(b));
    if (n2 != n || memcmp(a, b, (size_t)n) != 0)
        abort(); /* encoding is not stable */
    sclink_msg_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Small limit: the fuzzer reaches the size checks with small inputs. */
    const uint32_t max_frame = 65536 - 64;
    sclink_decoder d;
    sclink_msg *m;
    size_t chunk, off;
    int r = 0;

    if (size < 1)
        return 0;
    chunk = (size_t)(data[0] % 17) + 1;
    data++;
    size--;
    sclink_decoder_init(&d, max_frame);
    for (off = 0; off < size && r >= 0; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;

        r = sclink_decoder_feed(&d, data + off, n);
        while (r >= 0 && (r = sclink_decoder_next(&d, &m)) == 1) {
            check_reencode(m, max_frame);
            sclink_msg_free(m);
        }
    }
    if (r < 0 && sclink_decoder_reason(&d)[0] == '\0')
        abort(); /* every error comes with a reason */
    sclink_decoder_free(&d);
    return 0;
}
