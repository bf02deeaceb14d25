/*
 * sclink-pci: virtual time
 *
 * With CAP_SYNC, QEMU's virtual clock advances in windows the gateway
 * grants (doc/protocol.md, section 8): the window timer, REACHED and
 * GRANT, the stamps of Requests, the rule-N cut of a lookahead window,
 * icount, and telling the gateway when the VM stops and runs again.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/option.h"
#include "qemu/config-file.h"
#include "qemu/timer.h"
#include "sclink-pci.h"
#include "trace.h"

/* True when -icount shift=N,sleep=off (no align): section 8.7. */
bool sclink__icount_deterministic(void)
{
    QemuOptsList *list;
    QemuOpts *opts;

    if (icount_enabled() != 1) {
        return false;
    }
    /*
     * Not what a device usually reads: no accelerator call says whether
     * icount sleeps or aligns (icount_enabled() tells precise from
     * adaptive only), so the -icount options are read as vl.c kept them.
     */
    list = qemu_find_opts("icount");
    opts = list ? qemu_opts_find(list, NULL) : NULL;
    if (!opts) {
        return false;
    }
    return !qemu_opt_get_bool(opts, "sleep", true) &&
           !qemu_opt_get_bool(opts, "align", false);
}

/* T_Q in ps (section 8.1). */
static uint64_t sclink_now_ps(SclinkPCIState *s)
{
    int64_t ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) - s->v0_ns;

    return ns > 0 ? (uint64_t)ns * 1000 : 0;
}

/*
 * A Request's stamp: T_Q, kept within [last stamp, W] (rules A, C).
 * Free-running the window timer fires late by host latency, so T_Q may
 * stand past W; under icount sclink__arm_window() stops the vCPU by W.
 */
uint64_t sclink__stamp(SclinkPCIState *s)
{
    return sclink_window_stamp(&s->win, sclink_now_ps(s));
}

/*
 * Arms the window timer so that T_Q never passes W (rule A): at W rounded
 * down to whole ns and, under icount, one icount step (2^shift ns) earlier
 * less 1 ns, because the vCPU's instruction budget is rounded up and may
 * run that far past the deadline.  The timer then fires at a T_Q in
 * [W - 2^shift + 1, W]; with shift=0 exactly at W.
 */
void sclink__arm_window(SclinkPCIState *s)
{
    int64_t end = s->v0_ns + (int64_t)sclink_ps_to_ns(s->win.end_ps);
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    if (icount_enabled()) {
        end -= icount_to_ns(1) - 1;
    }
    /*
     * Without icount the clock may already stand past W (the timer fires
     * late by host latency, and a window costs a round trip: a quantum
     * shorter than that is never caught up).  An end in the past would
     * run again in the same timer pass, window after window, and the main
     * loop (monitor, chardevs, signals) would get no turn until W caught
     * up: at most one window end per main loop iteration.  T_Q is past W
     * then anyway.  Under icount the clock stands still in the callback
     * and the vCPU stops by W, so a pass ends once W reaches the clock.
     */
    if (!icount_enabled() && end < now) {
        end = now + 1;
    }
    timer_mod(s->window_timer, end);
}

/*
 * The virtual clock reached W (rule B): send REACHED and block until the
 * GRANT, consuming Interrupts and DMA meanwhile.  With icount this runs
 * with the vCPU stopped at most one icount step before W (never past it:
 * sclink__arm_window()).
 */
void sclink__window_end(void *opaque)
{
    SclinkPCIState *s = opaque;
    sclink_msg *grant;
    uint64_t w = s->win.end_ps;
    char why[160];
    bool freeze;

    if (s->state != SCLINK_LINK_RUNNING || s->in_wait) {
        return;
    }
    /* The timer runs only with CAP_SYNC, and W is what it was armed for. */
    if (sclink_window_reached(&s->win, w, why, sizeof(why)) < 0) {
        sclink__fail(s, "internal error at the window end: %s", why);
        return;
    }
    trace_sclink_window_reached(sclink_name(s), w);
    if (!sclink__send_sync(s, SCLINK__V1__SYNC_KIND__SYNC_REACHED, w)) {
        sclink__fail(s, "cannot send Sync REACHED");
        return;
    }

    /*
     * Rule B.  With icount the vCPU already stands at W.  Free-running,
     * the virtual clock would follow the host through the wait, and with a
     * round trip longer than Q every window would end before it began,
     * starving the vCPUs of the BQL: freeze the clock as vm_stop does.
     * No device stops the clock otherwise; this one stands for a part of
     * the machine that is still computing.
     */
    freeze = !icount_enabled() && runstate_is_running();
    if (freeze) {
        cpu_disable_ticks();
    }
    grant = sclink__wait(s, SCLINK__V1__ENVELOPE__MSG_SYNC, 0, "Sync GRANT");
    if (freeze && runstate_is_running()) {
        cpu_enable_ticks();
    }
    if (!grant) {
        return;
    }
    /* The validator saw window_end_ps present; rule G is the core's. */
    if (grant->sync->kind != SCLINK__V1__SYNC_KIND__SYNC_GRANT) {
        sclink__violation(s, SCLINK__V1__ERROR_CODE__ERR_STATE,
                          "Sync kind %d while REACHED %" PRIu64 " ps waits "
                          "for its GRANT", grant->sync->kind, w);
        sclink_msg_free(grant);
        return;
    }
    if (sclink_window_grant_check(&s->win, grant->sync->time_ps,
                                  grant->sync->window_end_ps, why,
                                  sizeof(why)) < 0) {
        sclink__violation(s, SCLINK__V1__ERROR_CODE__ERR_STATE, "%s", why);
        sclink_msg_free(grant);
        return;
    }
    sclink_window_grant(&s->win, w, grant->sync->window_end_ps);
    trace_sclink_window_granted(sclink_name(s), w, s->win.end_ps);
    sclink_msg_free(grant);
    sclink__arm_window(s);
}

/*
 * A Request or RESET stamped @t went out: the next stamps start there
 * (rule C), and with lookahead the window ends by t + Q (rule N), since a
 * GRANT may reach far beyond one quantum, to the gateway's next scheduled
 * event, and what the Request sets off in SystemC must still reach the
 * guest within Q.
 */
void sclink__stamp_sent(SclinkPCIState *s, uint64_t t)
{
    uint64_t end = s->win.end_ps;

    sclink_window_request(&s->win, t);
    if (s->win.end_ps != end) {
        trace_sclink_window_cut(sclink_name(s), t, s->win.end_ps);
        sclink__arm_window(s);
    }
}

/*
 * Tells the gateway the VM stopped or runs again (CAP_PAUSE, protocol
 * 8.9): a stopped VM sends no REACHED and may answer DMA late, which the
 * gateway would otherwise take for a stall.
 */
void sclink__tell_paused(SclinkPCIState *s, bool paused)
{
    if (s->state != SCLINK_LINK_RUNNING || s->told_paused == paused ||
        !sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_PAUSE)) {
        return;
    }
    trace_sclink_pause(sclink_name(s), paused, s->win.last_ps);
    if (sclink__send_sync(s, paused ? SCLINK__V1__SYNC_KIND__SYNC_PAUSED :
                                      SCLINK__V1__SYNC_KIND__SYNC_RESUMED,
                          s->win.last_ps)) {
        s->told_paused = paused;
    }
}

/* The VM stopped (monitor `stop`, a gdbstub breakpoint) or runs again. */
void sclink__vm_state_change(void *opaque, bool running,
                             RunState state)
{
    SclinkPCIState *s = opaque;

    if (sclink__turn_take(s)) {
        sclink__tell_paused(s, !running);
        sclink__turn_give(s);
    }
}
