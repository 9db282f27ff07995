/*
 * test_errors.c -- properties of the one error list.
 */
#include "harness.h"

static int popcount32(unsigned v)
{
    int n = 0;
    for (; v != 0; v &= v - 1)
        n++;
    return n;
}

static const int all_codes[] = {
#define CODE(name, value, msg) value,
    SP_ERROR_LIST(CODE)
#undef CODE
};

/* OpenTitan-style hardening: OK is far from every failure. */
static void test_ok_is_far_from_every_error(void)
{
    for (size_t i = 0; i < sizeof all_codes / sizeof all_codes[0]; i++)
        CHECK(popcount32((unsigned)SP_OK ^ (unsigned)all_codes[i]) >= 6);
    CHECK(popcount32((unsigned)SP_OK) >= 6); /* and from zero */
}

static void test_codes_unique_and_named(void)
{
    size_t n = sizeof all_codes / sizeof all_codes[0];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++)
            CHECK(all_codes[i] != all_codes[j]);
        CHECK(strncmp(sp_err_name((sp_err)all_codes[i]), "SP_ERR_", 7) == 0);
        CHECK(strcmp(sp_err_message((sp_err)all_codes[i]), "unknown error") != 0);
    }
    CHECK(strcmp(sp_err_name(SP_OK), "SP_OK") == 0);
    CHECK(strcmp(sp_err_name((sp_err)12345), "SP_ERR_UNKNOWN") == 0);
    CHECK(strcmp(sp_err_message((sp_err)12345), "unknown error") == 0);
}

int main(void)
{
    RUN_TEST(test_ok_is_far_from_every_error);
    RUN_TEST(test_codes_unique_and_named);
    return harness_finish("errors");
}
