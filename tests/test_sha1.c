/* SHA-1 against the FIPS 180-4 example vectors (and the boundaries of its padding). */
#include "qc_test.h"

static void check(const char *msg, size_t len, const char *expect)
{
    char hex[41];
    qc_refi_sha1_hex(msg, len, hex);
    cr_assert_str_eq(hex, expect, "SHA-1 of a %zu-byte message", len);
}

Test(sha1, fips_empty)
{
    check("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

Test(sha1, fips_abc)
{
    check("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

Test(sha1, fips_two_blocks)
{
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check(m, strlen(m), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

Test(sha1, fips_896_bits)
{
    const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                    "mnopqrstnopqrstu";
    check(m, strlen(m), "a49b2446a02c645bf419f995b67091253a04a259");
}

Test(sha1, fips_million_a)
{
    size_t n = 1000000;
    char *m = malloc(n);
    cr_assert_not_null(m);
    memset(m, 'a', n);
    check(m, n, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    free(m);
}

/* 55, 56 and 64 bytes: the lengths where the padding needs one block, two blocks, or a full one. */
Test(sha1, padding_boundaries)
{
    char m[64];
    memset(m, 'a', sizeof m);
    check(m, 55, "c1c8bbdc22796e28c0e15163d20899b65621d65a");
    check(m, 56, "c2db330f6083854c99d4b5bfb6e8f29f201be699");
    check(m, 64, "0098ba824b5c16427bd7a1122a5a442a25ec644d");
}
