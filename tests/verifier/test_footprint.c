/*
 * test_footprint.c -- the device's memory: the caller-allocated context (sp_device) plus
 * the second sp_policy that verifying a policy update needs (sp_update_result: the new
 * policy and the parsed header, softpause/update.h), with the verifier's
 * worst-case provisioned stack, fit the RAM budget of docs/protocol.md section 12.
 *
 * The figures are printed so that docs/protocol.md can quote them; the stack figure is the
 * largest provisioned total of `make check-freestanding` (tools/stack-depth.py).
 */
#include <stdio.h>

#include "harness.h"
#include "softpause/device.h"
#include "softpause/policy.h"
#include "softpause/update.h"

#define RAM_BUDGET (128u * 1024u)  /* docs/protocol.md section 12 */
#define STACK_PROVISION 10608u      /* sp_device_apply's provisioned total (update path) */

static void test_device_memory(void)
{
    /* The second policy a policy update needs lives in sp_device (dev->update, with its
     * report), so the device context is the whole of it (protocol.md section 13). */
    size_t total = sizeof(sp_device) + STACK_PROVISION;
    printf("  sizeof(sp_policy) %zu, sizeof(sp_device) %zu, sizeof(sp_wpolicy) %zu,"
           " sizeof(sp_update_result) %zu, sizeof(sp_update_report) %zu;"
           " device (update result included) + stack %zu of %u bytes\n",
           sizeof(sp_policy), sizeof(sp_device), sizeof(sp_wpolicy), sizeof(sp_update_result),
           sizeof(sp_update_report), total, RAM_BUDGET);
    CHECK(SP_MAX_LOGS == 32 && SP_MAX_WITNESSES == 32 && SP_MAX_WITNESS_GROUPS == 32);
    CHECK(total <= RAM_BUDGET);
    CHECK(sizeof(sp_device) >= sizeof(sp_update_result) + sizeof(sp_policy)); /* both there */
}

int main(void)
{
    RUN_TEST(test_device_memory);
    return harness_finish("footprint");
}
