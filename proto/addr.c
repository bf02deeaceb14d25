/* Parses the link address syntax shared by every sclink tool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sclink.h"

/*
 * "unix:PATH" or "tcp:HOST:PORT"; an IPv6 HOST is written in brackets
 * ("tcp:[::1]:5555").  Returns 0 or SCLINK_EADDR.
 */
int sclink_addr_parse(const char *text, sclink_addr *addr)
{
    const char *host, *colon, *end;
    char *stop;
    unsigned long port;
    size_t hlen;

    memset(addr, 0, sizeof(*addr));
    if (text == NULL)
        return SCLINK_EADDR;
    if (strncmp(text, "unix:", 5) == 0) {
        if (text[5] == '\0' || strlen(text + 5) >= sizeof(addr->path))
            return SCLINK_EADDR;
        addr->kind = SCLINK_ADDR_UNIX;
        strcpy(addr->path, text + 5);
        return 0;
    }
    if (strncmp(text, "tcp:", 4) != 0)
        return SCLINK_EADDR;
    host = text + 4;
    if (*host == '[') {
        end = strchr(host, ']');
        if (end == NULL || end[1] != ':')
            return SCLINK_EADDR;
        host++;
        hlen = (size_t)(end - host);
        colon = end + 1;
    } else {
        colon = strrchr(host, ':');
        if (colon == NULL)
            return SCLINK_EADDR;
        hlen = (size_t)(colon - host);
    }
    if (hlen == 0 || hlen >= sizeof(addr->host) || colon[1] == '\0')
        return SCLINK_EADDR;
    port = strtoul(colon + 1, &stop, 10);
    /* Port 0 is allowed: a listener gets a free port from the kernel. */
    if (*stop != '\0' || port > 65535)
        return SCLINK_EADDR;
    addr->kind = SCLINK_ADDR_TCP;
    memcpy(addr->host, host, hlen);
    addr->host[hlen] = '\0';
    addr->port = (uint16_t)port;
    return 0;
}

int sclink_default_listen(char *buf, size_t len)
{
    const char *run = getenv("XDG_RUNTIME_DIR");
    int n;

    /* The XDG spec: a relative path is invalid and must be ignored. */
    if (run != NULL && run[0] == '/')
        n = snprintf(buf, len, "unix:%s/sclink/sclink.sock", run);
    else
        n = snprintf(buf, len, "unix:/tmp/sclink-%lu/sclink.sock", (unsigned long)geteuid());
    if (n < 0 || (size_t)n >= len || (size_t)n - 5 >= sizeof(((sclink_addr *)0)->path))
        return SCLINK_EADDR;
    return 0;
}
