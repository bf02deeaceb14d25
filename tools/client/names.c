/*
 * Names of protocol enum values as sclink-client prints and parses them.
 * One table per enum keeps printing and parsing from drifting apart.
 */
#include <stdio.h>
#include <string.h>

#include "client.h"

struct name {
    int value;
    const char *name;
};

static const struct name statuses[] = {
    { SCLINK__V1__STATUS__STATUS_OK, "ok" },
    { SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR, "address-error" },
    { SCLINK__V1__STATUS__STATUS_GENERIC_ERROR, "generic-error" },
    { SCLINK__V1__STATUS__STATUS_COMMAND_ERROR, "command-error" },
    { SCLINK__V1__STATUS__STATUS_BURST_ERROR, "burst-error" },
    { SCLINK__V1__STATUS__STATUS_BYTE_ENABLE_ERROR, "byte-enable-error" },
    { 0, NULL },
};

static const struct name commands[] = {
    { SCLINK__V1__COMMAND__CMD_READ, "read" },
    { SCLINK__V1__COMMAND__CMD_WRITE, "write" },
    { SCLINK__V1__COMMAND__CMD_DEBUG_READ, "dread" },
    { SCLINK__V1__COMMAND__CMD_DEBUG_WRITE, "dwrite" },
    { 0, NULL },
};

static const struct name irq_types[] = {
    { SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE, "line" },
    { SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI, "msi" },
    { SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSIX, "msix" },
    /* An alias, after the canonical name so printing never picks it. */
    { SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE, "intx" },
    { 0, NULL },
};

static const struct name error_codes[] = {
    { SCLINK__V1__ERROR_CODE__ERR_UNSPECIFIED, "ERR_UNSPECIFIED" },
    { SCLINK__V1__ERROR_CODE__ERR_VERSION, "ERR_VERSION" },
    { SCLINK__V1__ERROR_CODE__ERR_MALFORMED, "ERR_MALFORMED" },
    { SCLINK__V1__ERROR_CODE__ERR_STATE, "ERR_STATE" },
    { SCLINK__V1__ERROR_CODE__ERR_FRAME_SIZE, "ERR_FRAME_SIZE" },
    { SCLINK__V1__ERROR_CODE__ERR_BUSY, "ERR_BUSY" },
    { SCLINK__V1__ERROR_CODE__ERR_TIMEOUT, "ERR_TIMEOUT" },
    { SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "ERR_UNSUPPORTED" },
    { SCLINK__V1__ERROR_CODE__ERR_CONFIG, "ERR_CONFIG" },
    { SCLINK__V1__ERROR_CODE__ERR_INTERNAL, "ERR_INTERNAL" },
    { 0, NULL },
};

static const struct name bye_reasons[] = {
    { SCLINK__V1__BYE_REASON__BYE_NORMAL, "normal" },
    { SCLINK__V1__BYE_REASON__BYE_SHUTDOWN, "shutdown" },
    { SCLINK__V1__BYE_REASON__BYE_RESET, "reset" },
    { 0, NULL },
};

static const struct name caps[] = {
    { SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES, "posted" },
    { SCLINK__V1__CAPABILITY__CAP_DMA, "dma" },
    { SCLINK__V1__CAPABILITY__CAP_INTX, "intx" },
    { SCLINK__V1__CAPABILITY__CAP_MSI, "msi" },
    { SCLINK__V1__CAPABILITY__CAP_MSIX, "msix" },
    { SCLINK__V1__CAPABILITY__CAP_SYNC, "sync" },
    { SCLINK__V1__CAPABILITY__CAP_DEBUG, "debug" },
    { SCLINK__V1__CAPABILITY__CAP_DETERMINISTIC, "deterministic" },
    { SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD, "lookahead" },
    { SCLINK__V1__CAPABILITY__CAP_PAUSE, "pause" },
    { SCLINK__V1__CAPABILITY__CAP_RESET, "reset" },
    { 0, NULL },
};

static const char *lookup_name(const struct name *t, int value)
{
    for (; t->name != NULL; t++)
        if (t->value == value)
            return t->name;
    return NULL;
}

static int lookup_value(const struct name *t, const char *name, int *value)
{
    for (; t->name != NULL; t++) {
        if (strcmp(t->name, name) == 0) {
            *value = t->value;
            return 0;
        }
    }
    return SCLINK_EINVAL;
}

const char *client_status_name(Sclink__V1__Status s)
{
    return lookup_name(statuses, (int)s);
}

int client_status_parse(const char *name, Sclink__V1__Status *out)
{
    int v, err = lookup_value(statuses, name, &v);

    if (err == 0)
        *out = (Sclink__V1__Status)v;
    return err;
}

const char *client_command_name(Sclink__V1__Command c)
{
    const char *name = lookup_name(commands, (int)c);

    return name ? name : "invalid";
}

const char *client_irq_type_name(Sclink__V1__IrqType t)
{
    return lookup_name(irq_types, (int)t);
}

int client_irq_type_parse(const char *name, Sclink__V1__IrqType *out)
{
    int v, err = lookup_value(irq_types, name, &v);

    if (err == 0)
        *out = (Sclink__V1__IrqType)v;
    return err;
}

const char *client_error_code_name(Sclink__V1__ErrorCode c)
{
    return lookup_name(error_codes, (int)c);
}

int client_error_code_parse(const char *name, Sclink__V1__ErrorCode *out)
{
    int v, err = lookup_value(error_codes, name, &v);

    if (err == 0)
        *out = (Sclink__V1__ErrorCode)v;
    return err;
}

const char *client_bye_reason_name(Sclink__V1__ByeReason r)
{
    const char *name = lookup_name(bye_reasons, (int)r);

    return name ? name : "unknown";
}

static const struct name sync_kinds[] = {
    { SCLINK__V1__SYNC_KIND__SYNC_REACHED, "reached" },
    { SCLINK__V1__SYNC_KIND__SYNC_GRANT, "grant" },
    { SCLINK__V1__SYNC_KIND__SYNC_PAUSED, "paused" },
    { SCLINK__V1__SYNC_KIND__SYNC_RESUMED, "resumed" },
    { SCLINK__V1__SYNC_KIND__SYNC_RESET, "reset" },
    { SCLINK__V1__SYNC_KIND__SYNC_RESET_DONE, "reset-done" },
    { 0, NULL },
};

const char *client_sync_kind_name(Sclink__V1__SyncKind k)
{
    const char *name = lookup_name(sync_kinds, (int)k);

    return name ? name : "unknown";
}

void client_caps_format(uint64_t bits, char *buf, size_t len)
{
    const struct name *t;
    size_t used = 0;

    buf[0] = '\0';
    for (t = caps; t->name != NULL && used < len; t++)
        if (bits & (uint64_t)t->value)
            used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                     used ? "," : "", t->name);
    if (used == 0)
        snprintf(buf, len, "none");
}
