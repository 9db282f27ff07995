/* errors.c -- names and descriptions of the fund error list (include/fund/errors.h). */
#include "fund/errors.h"

static const char *const names[] = {
#define FUND_X_NAME(name, text) #name,
    FUND_ERR_LIST(FUND_X_NAME)
#undef FUND_X_NAME
};

static const char *const texts[] = {
#define FUND_X_TEXT(name, text) text,
    FUND_ERR_LIST(FUND_X_TEXT)
#undef FUND_X_TEXT
};

const char *fund_err_name(fund_err e)
{
    return (unsigned)e < FUND_ERR_COUNT ? names[e] : "FUND_ERR_UNKNOWN";
}

const char *fund_err_text(fund_err e)
{
    return (unsigned)e < FUND_ERR_COUNT ? texts[e] : "unknown error";
}
