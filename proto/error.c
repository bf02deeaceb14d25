/* Error texts and the mapping from library errors to protocol ErrorCodes. */
#include <string.h>

#include "sclink.h"

const char *sclink_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case SCLINK_EFRAMESIZE:
        return "frame length prefix is zero or over the agreed limit";
    case SCLINK_EDECODE:
        return "frame payload is not a valid sclink message encoding";
    case SCLINK_EMISSING:
        return "message lacks a required field";
    case SCLINK_ERANGE:
        return "message field value out of range or unknown";
    case SCLINK_ELENGTH:
        return "message data or byte-enable length inconsistent";
    case SCLINK_EUNKNOWN:
        return "unknown message type";
    case SCLINK_EVERSION:
        return "incompatible protocol version";
    case SCLINK_EPEER:
        return "peer reported an error";
    case SCLINK_ECLOSED:
        return "connection closed by peer";
    case SCLINK_EADDR:
        return "malformed address (expected unix:PATH or tcp:HOST:PORT)";
    case SCLINK_ESTATE:
        return "message not allowed in the current protocol state";
    case SCLINK_EBROKEN:
        return "stream unusable after an earlier decoding error";
    case SCLINK_EAUTH:
        return "the peer's credentials were refused";
    }
    if (err < 0 && err > -4000)
        return strerror(-err);
    return "unknown error";
}

Sclink__V1__ErrorCode sclink_error_code(int err)
{
    switch (err) {
    case SCLINK_EFRAMESIZE:
        return SCLINK__V1__ERROR_CODE__ERR_FRAME_SIZE;
    case SCLINK_EDECODE:
    case SCLINK_EMISSING:
    case SCLINK_ERANGE:
    case SCLINK_ELENGTH:
    case SCLINK_EBROKEN:
        return SCLINK__V1__ERROR_CODE__ERR_MALFORMED;
    case SCLINK_EUNKNOWN:
        return SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED;
    case SCLINK_EVERSION:
        return SCLINK__V1__ERROR_CODE__ERR_VERSION;
    case SCLINK_ESTATE:
        return SCLINK__V1__ERROR_CODE__ERR_STATE;
    case SCLINK_ETIMEDOUT:
        return SCLINK__V1__ERROR_CODE__ERR_TIMEOUT;
    case SCLINK_EAUTH:
        /* No code of its own: it goes before any capability is agreed,
         * when a new enum value may not (doc/protocol.md 1.3). */
        return SCLINK__V1__ERROR_CODE__ERR_UNSPECIFIED;
    default:
        return SCLINK__V1__ERROR_CODE__ERR_INTERNAL;
    }
}
