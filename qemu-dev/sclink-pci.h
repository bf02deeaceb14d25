/*
 * sclink-pci: a PCI function served by a SystemC/TLM-2.0 gateway
 *
 * The device forwards guest accesses to its BARs over a chardev to an
 * sclink gateway (see doc/protocol.md in the sclink tree) and takes back
 * interrupts, DMA and time grants.  Its identity, BARs and interrupt
 * mechanism come from the gateway's Welcome at realize time.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_MISC_SCLINK_PCI_H
#define HW_MISC_SCLINK_PCI_H

#include "hw/pci/pci.h"
#include "chardev/char-fe.h"
#include "io/channel-socket.h"
#include "qemu/timer.h"
#include "qemu/notify.h"
#include "qemu/thread.h"
#include "sclink.h"
#include "sclink-compat.h"

#define TYPE_SCLINK_PCI "sclink-pci"
OBJECT_DECLARE_SIMPLE_TYPE(SclinkPCIState, SCLINK_PCI)

#define SCLINK_PCI_NUM_BARS 6
/*
 * Bounds against a gateway that floods or stalls (doc/qemu-device.md,
 * "Bounds"): heap of decoded messages queued outside waits before the
 * chardev stops reading; heap of messages looked through for a leaving
 * gateway's Bye or Error; how long QEMU's last Error may take to write
 * (and the longest look for those last words).
 */
#define SCLINK_PCI_INBOX_MAX (1 * MiB)
#define SCLINK_PCI_FAREWELL_HEAP (2 * MiB)
#define SCLINK_PCI_ERROR_GRACE_MS 200
/* Property value meaning "take it from the gateway's Welcome". */
#define SCLINK_PCI_UNSET UINT32_MAX

/* The on-failure property: what a lost link does after the handshake. */
typedef enum SclinkOnFailure {
    SCLINK_ON_FAILURE_STOP,     /* stop the VM; later accesses fail */
    SCLINK_ON_FAILURE_EXIT,     /* exit QEMU with status 1 */
    SCLINK_ON_FAILURE__MAX,
} SclinkOnFailure;

typedef enum SclinkLinkState {
    SCLINK_LINK_CONNECTED,  /* before Hello */
    SCLINK_LINK_HELLO_SENT,
    SCLINK_LINK_RUNNING,
    SCLINK_LINK_CLOSING,    /* Bye sent or received */
    SCLINK_LINK_CLOSED,     /* after Error, EOF or a failure */
} SclinkLinkState;

/* What ended the stream the I/O thread reads, once the inbox is empty. */
typedef enum SclinkRxEnd {
    SCLINK_RX_OPEN,
    SCLINK_RX_CLOSED,       /* CHR_EVENT_CLOSED: end of stream, an error */
    SCLINK_RX_GARBAGE,      /* the decoder lost the framing */
} SclinkRxEnd;

typedef struct SclinkPCIBar {
    SclinkPCIState *dev;
    MemoryRegion mr;
    uint8_t index;
    bool present;
    bool posted;        /* writes may be posted (BAR and CAP agreed) */
    uint64_t size;
} SclinkPCIBar;

struct SclinkPCIState {
    /*< private >*/
    PCIDevice parent_obj;
    /*< public >*/

    /* Properties */
    CharFrontend chr;           /* chardev=, or */
    char *socket_addr;          /* socket=: the device's own socket */
    char *tls_creds_id;         /* tls-creds=: TLS on it */
    uint32_t timeout_ms;        /* answers from the gateway; 0 = forever */
    SclinkOnFailure on_failure; /* the on-failure property */
    uint64_t quantum_ns;        /* proposal sent in Hello; 0 = no wish */
    uint32_t max_frame;         /* proposal sent in Hello */
    int32_t msix_bar;           /* -1: first BAR slot the gateway leaves free */
    uint32_t pin_vendor_id;     /* SCLINK_PCI_UNSET: from the Welcome */
    uint32_t pin_device_id;
    uint32_t pin_class_code;
    uint64_t pin_bar_size[SCLINK_PCI_NUM_BARS]; /* 0: from the Welcome */

    /* Link */
    SclinkLinkState state;
    bool deterministic;         /* -icount shift=N,sleep=off: CAP offered */
    bool unlocked_waits;        /* waits release the BQL: no -icount */
    bool in_wait;               /* inside sclink__wait(): no nesting */
    bool in_reset;              /* forwarding a reset: the wait keeps the BQL */
    char *fail_reason;          /* why the handshake failed, for errp */
    int64_t serve_deadline;     /* end of the wait or inbox service under */
                                /*   way (monotonic us), 0: none */

    /*
     * The I/O thread and what it shares (doc/qemu-device.md, "Locking").
     * The chardev's handlers run in iothread; under @lock they fill the
     * inbox and set rx_end, and signal rx_cond.  The turn (turn_held,
     * turn_owner, turn_cond) is the right to one exchange on the link.
     */
    IOThread *iothread;
    GMainContext *io_ctx;       /* iothread's, where the link is read */
    QEMUBH *close_bh;           /* in iothread: sclink__chan_disconnect() */
    QEMUBH *serve_bh;           /* in the main loop: serve the inbox */
    char *link_label;           /* "chardev 'ID'" or "socket 'ADDR'" */
    QIOChannelSocket *sioc;     /* socket=: connected in realize */
    QIOChannel *chan;           /*   what is read and written: sioc, or TLS over it */
    QemuMutex read_lock;        /* socket=: one reader at a time */
    uint8_t *rbuf;              /*   its buffer, under read_lock */
    GSource *sock_src;          /*   the I/O thread's watch, under @lock */
    bool rx_detached;           /*   no watch any more (io_quiesce) */
    QemuMutex lock;
    QemuCond rx_cond;           /* the inbox or rx_end changed */
    QemuCond turn_cond;         /* the turn was given */
    sclink_decoder dec;         /* iothread's, under @lock */
    GQueue inbox;               /* SclinkQueued: messages not yet consumed */
    size_t inbox_heap;          /* heap they occupy */
    SclinkRxEnd rx_end;         /* after the inbox's last message */
    int rx_code;                /* SCLINK_RX_GARBAGE: the decoder's error */
    char *rx_reason;            /*   and its reason */
    bool rx_stopped;            /* sclink__close(): read no more */
    bool full_watch;            /* the inbox filled: hang-up watch armed */
    bool peer_left;             /*   and it fired */
    bool turn_held;
    QemuThread turn_owner;
    VMChangeStateEntry *vmstate_entry;
    uint64_t caps;              /* agreed capabilities */
    uint32_t frame_limit;       /* agreed max_frame */
    uint64_t next_id;
    bool told_paused;           /* Sync PAUSED sent, RESUMED not yet */

    /* Time windows (CAP_SYNC) */
    int64_t v0_ns;              /* QEMU_CLOCK_VIRTUAL at the handshake */
    sclink_window win;          /* Q, W, the last stamp: libsclink's rules */
    QEMUTimer *window_timer;

    /* PCI function built from the Welcome */
    SclinkPCIBar bars[SCLINK_PCI_NUM_BARS];
    Sclink__V1__InterruptKind irq_kind;
    uint32_t irq_vectors;       /* MSI or MSI-X vectors */
    int msix_bar_nr;            /* BAR slot holding the MSI-X table, or -1 */
    bool intx_level;            /* last INTx level the gateway sent */

    Notifier shutdown_notifier;
    Error *migration_blocker;   /* set from realize to exit */
};

static inline bool sclink_has_cap(SclinkPCIState *s, uint64_t cap)
{
    return (s->caps & cap) != 0;
}

static inline const char *sclink_name(SclinkPCIState *s)
{
    DeviceState *dev = DEVICE(s);

    return dev->id ? dev->id : TYPE_SCLINK_PCI;
}

static inline bool sclink_link_up(SclinkPCIState *s)
{
    return s->state != SCLINK_LINK_CLOSED;
}

/* sclink-link.c: the link's messages */
bool sclink__send(SclinkPCIState *s, const sclink_msg *m);
void sclink__send_error(SclinkPCIState *s, Sclink__V1__ErrorCode code,
                        const char *text);
void sclink__send_bye(SclinkPCIState *s, Sclink__V1__ByeReason reason);
bool sclink__send_sync(SclinkPCIState *s, Sclink__V1__SyncKind kind,
                       uint64_t time_ps);
void sclink__close(SclinkPCIState *s);
void G_GNUC_PRINTF(2, 3) sclink__fail(SclinkPCIState *s, const char *fmt, ...);
void G_GNUC_PRINTF(3, 4) sclink__violation(SclinkPCIState *s,
                                           Sclink__V1__ErrorCode code,
                                           const char *fmt, ...);
bool sclink__consume(SclinkPCIState *s, sclink_msg *m);
bool sclink__handshake(SclinkPCIState *s, sclink_msg **welcome, Error **errp);

/*
 * The end of a wait for the gateway that starts now: `timeout` from now
 * (g_get_monotonic_time() us), or 0, none, for timeout=0.
 */
static inline int64_t sclink__deadline(const SclinkPCIState *s)
{
    return s->timeout_ms ? g_get_monotonic_time() + s->timeout_ms * 1000LL : 0;
}

/* sclink-chan.c: the byte stream to the gateway */
bool sclink__chan_check(SclinkPCIState *s, Error **errp);
bool sclink__chan_open(SclinkPCIState *s, Error **errp);
void sclink__chan_free(SclinkPCIState *s);
ssize_t sclink__chan_write(SclinkPCIState *s, const uint8_t *buf, size_t len);
void sclink__chan_attach(SclinkPCIState *s);
void sclink__chan_detach(SclinkPCIState *s);
void sclink__chan_resume_locked(SclinkPCIState *s);
void sclink__chan_watch_hangup(SclinkPCIState *s);
void sclink__chan_disconnect(SclinkPCIState *s);
void sclink__chan_read_wait(SclinkPCIState *s, int64_t deadline);
bool sclink__chan_wait_open(SclinkPCIState *s, Error **errp);

/* sclink-wait.c: the I/O thread, the inbox, the turn and the waits */
size_t sclink__rx_room_locked(SclinkPCIState *s);
bool sclink__rx_idle(SclinkPCIState *s);
bool sclink__rx_ended(SclinkPCIState *s);
void sclink__rx_bytes(SclinkPCIState *s, const uint8_t *buf, size_t size);
void sclink__rx_closed(SclinkPCIState *s);
void sclink__rx_peer_left(SclinkPCIState *s);
void sclink__io_init(SclinkPCIState *s);
void sclink__io_finalize(SclinkPCIState *s);
bool sclink__io_start(SclinkPCIState *s, Error **errp);
void sclink__io_quiesce(SclinkPCIState *s);
void sclink__io_stop(SclinkPCIState *s);
void sclink__set_max_frame(SclinkPCIState *s, uint32_t max_frame);
void sclink__drop_inbox(SclinkPCIState *s);
bool sclink__turn_take(SclinkPCIState *s);
bool sclink__turn_try(SclinkPCIState *s);
void sclink__turn_give(SclinkPCIState *s);
bool sclink__take_farewell(SclinkPCIState *s, bool wait);
sclink_msg *sclink__wait(SclinkPCIState *s, Sclink__V1__Envelope__MsgCase want,
                         uint64_t id, const char *what);

/* sclink-time.c: time windows */
bool sclink__icount_deterministic(void);
uint64_t sclink__stamp(SclinkPCIState *s);
void sclink__arm_window(SclinkPCIState *s);
void sclink__window_end(void *opaque);
void sclink__stamp_sent(SclinkPCIState *s, uint64_t t);
void sclink__tell_paused(SclinkPCIState *s, bool paused);
void sclink__vm_state_change(void *opaque, bool running, RunState state);

/* sclink-access.c: MMIO, DMA and interrupts */
extern const MemoryRegionOps sclink__bar_ops;
void sclink__handle_interrupt(SclinkPCIState *s, const sclink_interrupt *irq);
void sclink__handle_dma(SclinkPCIState *s, const sclink_request *req);

#endif /* HW_MISC_SCLINK_PCI_H */
