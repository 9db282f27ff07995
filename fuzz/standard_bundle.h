/*
 * standard_bundle.h -- a bundle for the standard test policy (fuzz/standard_policy.h), as the
 * fuzz targets embed it: the epoch-1 "run" statement signed by civ-alpha, mil-alpha and
 * mil-beta, logged at index 3 of a 5-leaf tree of the test log, with its inclusion proof
 * and a checkpoint cosigned by all three witnesses an hour into epoch 1
 * (tests/support/policy_fixture.h, pf_statement_bundle).  Printed by
 * `build/fuzz/gen_corpus --bundle-literal`; included by fuzz_state.c.
 */
#ifndef DACC_FUZZ_STANDARD_BUNDLE_H
#define DACC_FUZZ_STANDARD_BUNDLE_H

/* The witnesses' cosignature time: genesis + 1 * epoch-length + 3600. */
#define FUZZ_BUNDLE_TIME 1736298000u

static const char fuzz_standard_bundle[] =
    "c2sp.org/tlog-proof@v1\n"
    "extra c29mdHBhdXNlL3YxIGF1dGhvcmlzYXRpb24gdGVzdC5leGFtcGxlL3NvZnRwYXVzZQpwb2xpY3kgMmQ0Mjk0ZDIxNWViYjA5ZmE0N2MzMDJhMzRmN2EwMzhmM2Q0ZTc0ZGJhZDk0ZDEzNDVjOTJhMDgyN2U5ZTg2MwplcG9jaCAxCnN0YXJ0IDE3MzYyOTQ0MDAKbW9kZSBydW4KCuKAlCBjaXYtYWxwaGEuZXhhbXBsZSA3c2owY2ZHRVZ4bW8vcDNidjllZUE1UlJtci9vRUN3dDNWVmlUcm9xY1YxKzZwRjZjT296bW56SnRXMXNCWVovTmxrME9lY3UrUFBKeEhoQW5mMDd3R29EUWdZPQrigJQgbWlsLWFscGhhLmV4YW1wbGUgcEVEUHNyb25HQ1VvUkNwUkhvTnd3M1U3RXhCVldySkVTSnhOY1pUUkVKa3liM2x1cERyZXRaa0VKWTBkdWlTYmY1UWhMR0RZaSt0Z1FNVFZPVWIvTzFUaTV3MD0K4oCUIG1pbC1iZXRhLmV4YW1wbGUgVW5abE5OZzBPUGVwTHBHT2lFWHVtYkFqSTRNRDhURU5TZk0wMTc2ZERQanFTZnpiYmYrMWRoSmNYSFNkU3RWZW9TcTdUUDF6MFpCMFZ5clRET2dhTy9ITDF3TT0K\n"
    "index 3\n"
    "+dQ3XJ+QND/ZjKxoe6MVRvkYlyqrP6OXerq+ZPXsSh8=\n"
    "nyE2z3ilNsGBS6cvHBUhF5Of2T+nGx/q5opNLnCMnwU=\n"
    "Ph0kVDA1NYhVNmTUYMhjGhkeGPQsAYOOE+DjPvIRQgI=\n"
    "\n"
    "pub.test.example/log\n"
    "5\n"
    "rb7/FYKW2/SwgmZ38aHSTmt5yQ1+Ho3av+9YrXUFfhU=\n"
    "\n"
    "— pub.test.example/log a8bOx/mod77Aemd/CDbvDcXbS4sfNELS3tsAPUcJFMG3imZFfYLVayncM5JNdjm3/G9E2mrEcPYs7wbq9UYfwuMB2wo=\n"
    "— w1.test.example zZnKBAAAAABnfc4QrazP9nn9A3JEmOgVWvPpbO2CW8ebbPX4WBKa1ahtt8aVYhmgOgefhL+Ibo2dl/JfuSHDaPhZlY8jvgBtRiGiCg==\n"
    "— w2.test.example IsOYgwAAAABnfc4QdJwB8xuFKeJVfFOGJMtaMbFhaBlyFLM3j/PRTBBs+lG6m6IvxOqDXsTXg7xQ54T2m6ryHD/608CxxJ4O/KFDAQ==\n"
    "— w3.test.example AoxZwgAAAABnfc4Qd07LKH5DRaW1Ija4U616QTdaimrOpidFBnwrjCzJILr2wlJA2wJp9M+ZpStVbbBNM7ldlGt9lvGzVVIgS8n9AQ==\n";

#endif
