/* SHA-256 (engine/sha256.c) through the one public door it has: qc_codebook_sha256, the hash of
 * a codebook file's bytes. The messages are codebooks whose lengths sit on every boundary of the
 * FIPS 180-4 padding (55/56 bytes: the length field just fits or spills into a second block; 64:
 * a full block; 119/120 and 128 likewise for two blocks) and one of a million bytes. The expected
 * digests come from GNU coreutils' sha256sum over the same bytes, an independent implementation.
 * (The FIPS example vectors "abc", "", the 448- and 896-bit messages and a million 'a's are not
 * codebooks, so they cannot pass through the public API; they were checked against the engine
 * function directly when it was written.) */
#include "qc_test.h"

/* `codebook "S"` and a comment line of 'a's: exactly `len` bytes. */
static char *message(size_t len)
{
    const char *prefix = "codebook \"S\"\n#";
    size_t p = strlen(prefix);
    cr_assert_gt(len, p + 1);
    char *m = malloc(len);
    memcpy(m, prefix, p);
    memset(m + p, 'a', len - p - 1);
    m[len - 1] = '\n';
    return m;
}

static void check(size_t len, const char *expect)
{
    char *m = message(len);
    qc_codebook *cb = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&cb, "s.qcb", m, len, NULL, &err), 0, "%s", err.message);
    cr_assert_str_eq(qc_codebook_sha256(cb), expect, "SHA-256 of a %zu-byte codebook", len);
    qc_codebook_free(cb);
    free(m);
}

Test(sha256, padding_fits_in_one_block)
{
    check(55, "c25fb0597318fa48b6828e89db5676fb99237fab8bee05d8816f4d2a34617fef");
}

Test(sha256, length_field_spills_into_a_second_block)
{
    check(56, "67915721ccca2e958716cfdbd351140bc4818b27a338fee974d0cc74f0d16044");
    check(57, "5de7018007cda7950cae896a1791530418fe39319c5f5764591501b6280cd1bd");
    check(63, "ed4574937610eddfe8776eda918f66eb044bd497a37978f0651b3c8e902b4115");
}

Test(sha256, whole_blocks_and_one_more_byte)
{
    check(64, "3224f4de485cf3990a275492595d91215c0cb005d65626314f56644e2576dec5");
    check(65, "f8d9082cef34b546e6f54375d74dd399f231729db7e00e5a074a89c84bcefab4");
    check(128, "32181cc97f989b4617fa3b5babc4b34ce515a151ac1345467ef13895912fb2d6");
    check(129, "9794e0478e836b87403d99b001b17d1289eb88d81b50d9b7e7e58ba9ba850bfd");
}

Test(sha256, second_block_boundaries)
{
    check(119, "4efac7e1b580a322fae7e53e901ea14461ffc0479c298f83652ce86efcff9c8e");
    check(120, "efc25eda91833b1dd539899768c5972d759f2d94f945803ec89f8a306e955faf");
    check(127, "905560c32d15fe064f98cb6d6991d1aaed024f2e4b4ad140d95ed62d20d972e6");
}

Test(sha256, a_million_bytes)
{
    check(1000000, "a3af03e031fd370a55c7cb184fe4886534773f404ea91480b441a31ef9e03076");
}

Test(sha256, same_bytes_from_file_and_buffer)
{
    char *m = message(200);
    char *dir = qct_temp_dir();
    char *path = qct_write_file(dir, "s.qcb", m, 200);
    qc_codebook *a = NULL, *b = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load(&a, path, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_codebook_load_buffer(&b, "other name", m, 200, NULL, &err), 0, "%s", err.message);
    cr_assert_str_eq(qc_codebook_sha256(a), qc_codebook_sha256(b));
    m[199] = ' '; /* one byte differs: the hash does */
    qc_codebook *c = NULL;
    cr_assert_eq(qc_codebook_load_buffer(&c, "c", m, 200, NULL, &err), 0, "%s", err.message);
    cr_assert_str_neq(qc_codebook_sha256(a), qc_codebook_sha256(c));
    qc_codebook_free(a);
    qc_codebook_free(b);
    qc_codebook_free(c);
    free(path);
    free(dir);
    free(m);
}

/* The digests above come from whichever path this processor takes (the SHA extensions on most
 * x86-64 machines); the plain one, forced here, must give the same. */
static void force_portable(void)
{
    setenv("QCODE_SHA256_PORTABLE", "1", 1);
}

Test(sha256, the_plain_path_gives_the_same_digests, .init = force_portable)
{
    check(55, "c25fb0597318fa48b6828e89db5676fb99237fab8bee05d8816f4d2a34617fef");
    check(64, "3224f4de485cf3990a275492595d91215c0cb005d65626314f56644e2576dec5");
    check(129, "9794e0478e836b87403d99b001b17d1289eb88d81b50d9b7e7e58ba9ba850bfd");
    check(1000000, "a3af03e031fd370a55c7cb184fe4886534773f404ea91480b441a31ef9e03076");
}
