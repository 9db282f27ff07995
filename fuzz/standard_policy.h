/*
 * standard_policy.h -- the standard test policy of tests/support/policy_fixture.h, as the
 * fuzz targets embed it (they link against the library only, not the test fixtures).
 * Printed by `build/fuzz/gen_corpus --policy-literal`; included by the targets that
 * verify statements or boot a device.
 */
#ifndef DACC_FUZZ_STANDARD_POLICY_H
#define DACC_FUZZ_STANDARD_POLICY_H

static const char fuzz_standard_policy[] =
    "softpause-policy/v1\n"
    "deployment test.example/softpause\n"
    "version 1\n"
    "genesis 1735689600\n"
    "epoch-length 604800\n"
    "allowance 648000\n"
    "max-staleness 604800\n"
    "tags civil military\n"
    "signer civ-alpha civil civ-alpha.example+eec8f471+AcBQxWN6RPqGKf/zzMziMAyzYqY9mdlfxUFFJm9DMkRa\n"
    "signer civ-beta civil civ-beta.example+8eb475a6+ASASy5DKYOjl2Nr2biJy0iM+BIbVV+jGYUHtiSAXfX63\n"
    "signer mil-alpha military mil-alpha.example+a440cfb2+AfgMzNzkrhwHriCKKt+ZoxCuQgfgMG+gI2EQsGgnu7jQ\n"
    "signer mil-beta military mil-beta.example+52766534+AZ9JQ56dsJW8QRHtJdNXldgxvFWgR/Sx1/au43d7tBIg\n"
    "signer mil-gamma military mil-gamma.example+c2ed2e30+AcaCJjfH0xDsV2J74AuiWdJTdJ9Kr2REcM/75To19zJC\n"
    "rule 1 tag civil\n"
    "rule 3 all\n"
    "log pub.test.example/log+6bc6cec7+Aa8Go+MpFxTk81bBnJsVzRlR7G5mYqp3vgdUfyiTgzQd\n"
    "witness w1 w1.test.example+cd99ca04+BOL+Kjm3MmZCgn1tgtSXYizWwpf+eCcOqkNrAfCGtvPL\n"
    "witness w2 w2.test.example+22c39883+BFtkicnH/Q3PUFRefBZIhu9ASR7AbH8bEjBBeX6BF1Ne\n"
    "witness w3 w3.test.example+028c59c2+BP7BQoZz9q/okmSzgHNErosmnRJaUDhVICaH21pxKFef\n"
    "group witnesses 2 w1 w2 w3\n"
    "quorum witnesses\n";

#endif
