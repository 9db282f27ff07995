/*
 * errors.c -- names and messages for the one error list (softpause/errors.h).
 * Freestanding: constant tables only.
 */
#include "softpause/errors.h"

const char *sp_err_name(sp_err e)
{
    switch (e) {
    case SP_OK:
        return "SP_OK";
#define SP_X_NAME(name, value, msg)                                                          \
    case name:                                                                               \
        return #name;
        SP_ERROR_LIST(SP_X_NAME)
#undef SP_X_NAME
    }
    return "SP_ERR_UNKNOWN";
}

const char *sp_err_message(sp_err e)
{
    switch (e) {
    case SP_OK:
        return "success";
#define SP_X_MSG(name, value, msg)                                                           \
    case name:                                                                               \
        return msg;
        SP_ERROR_LIST(SP_X_MSG)
#undef SP_X_MSG
    }
    return "unknown error";
}
