/*
 * The platform file (YAML) that describes what sclink-gateway serves: the
 * listen address, the quantum, the PCI identity and BARs, and the device
 * instances.  Parsed with libcyaml's schema loader (device `params`, whose
 * keys belong to each model type, with libyaml's event parser).  Errors name
 * the file, the line and the key.  doc/gateway.md is the reference.
 */
#ifndef SCLINK_PLATFORM_H
#define SCLINK_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sclink_platform_irq {
    SCLINK_PLATFORM_IRQ_INTX,
    SCLINK_PLATFORM_IRQ_MSI,
    SCLINK_PLATFORM_IRQ_MSIX,
    SCLINK_PLATFORM_IRQ_NONE,
};

struct sclink_platform_pci {
    uint32_t vendor_id;
    uint32_t device_id;
    uint32_t subsystem_vendor_id;
    uint32_t subsystem_id;
    uint32_t class_code;
    uint32_t revision;
    enum sclink_platform_irq interrupt;
    uint32_t vectors;
};

struct sclink_platform_bar {
    uint32_t index;
    uint64_t size;
    uint64_t base;
    bool is64;
    bool prefetchable;
    bool posted_writes;
};

struct sclink_platform_param {
    char *key;
    char *value;
    unsigned line;
};

/* One window of the router onto one target socket of a model. */
struct sclink_platform_window {
    uint64_t base;
    uint64_t size;
    uint64_t offset;
    int64_t priority;
};

struct sclink_platform_device {
    char *name;
    char *type;
    uint64_t base;
    uint64_t size;
    uint64_t offset;
    int64_t priority;
    struct sclink_platform_window *targets; /* or one per target socket */
    unsigned targets_count;
    int64_t *irq;                 /* NULL: no interrupt line (irq: N) */
    int64_t *irqs;                /* or several (irqs: [N, M, ...]) */
    unsigned irqs_count;
    unsigned line;                /* where the entry starts in the file */
    struct sclink_platform_param *params;
    unsigned params_count;
};

struct sclink_platform_tls {
    char *creds;                  /* "x509:DIR" or "psk:DIR" */
    bool *verify_peer;            /* NULL: absent, which means true */
    char **allow;                 /* client DNs; none: any the CA signed */
    unsigned allow_count;
};

struct sclink_platform {
    char *path;                   /* the file it came from, for messages */
    char *name;
    char *listen;                 /* NULL: sclink_default_listen() */
    char *socket_group;           /* NULL: the socket is 0600 */
    struct sclink_platform_tls *tls; /* NULL: no TLS */
    bool insecure_tcp;            /* plain TCP off loopback allowed */
    uint64_t quantum_ns;
    bool quantum_fixed;
    bool *lookahead;              /* NULL: absent, which means true */
    uint64_t routing_latency_ns;
    uint32_t max_frame;
    uint32_t timeout_ms;
    uint64_t *max_time_jump_ms;   /* NULL: absent (1 hour); 0: no bound */
    uint32_t *idle_timeout_ms;    /* NULL: absent (60 s); 0: never */
    uint32_t *stuck_timeout_ms;   /* NULL: absent (60 s); 0: no watchdog */
    struct sclink_platform_pci *pci;
    struct sclink_platform_bar *bars;
    unsigned bars_count;
    struct sclink_platform_device *devices;
    unsigned devices_count;
};

/*
 * Loads and checks a platform file.  Returns 0 and *out, or a negative
 * code with a one-line message "FILE:LINE: KEY: problem" in why.
 */
int sclink_platform_load(const char *path, struct sclink_platform **out,
                         char *why, size_t whylen);
void sclink_platform_free(struct sclink_platform *p);

/*
 * A device's target windows (base, size, offset and priority, or targets:
 * [...]) and its interrupt lines (irq: N, or irqs: [...]).
 */
unsigned sclink_platform_device_targets(const struct sclink_platform_device *d);
struct sclink_platform_window sclink_platform_device_target(const struct sclink_platform_device *d,
                                                           unsigned k);
unsigned sclink_platform_device_lines(const struct sclink_platform_device *d);
int64_t sclink_platform_device_line(const struct sclink_platform_device *d, unsigned k);

#ifdef __cplusplus
}
#endif

#endif /* SCLINK_PLATFORM_H */
