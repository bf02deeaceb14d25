/*
 * Helpers for the gateway suites (test-faults, test-conformance): start a
 * real sclink-gateway, speak to it with libsclink, check what it answers.
 * Every helper fails the running Check test on anything unexpected.
 */
#ifndef SCLINK_TESTS_GWTEST_H
#define SCLINK_TESTS_GWTEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sclink.h"

/* The running gateway's directory, socket, address, stderr log and pid. */
extern char dir[64], sock[128], addr[160], errlog[128];
extern pid_t gw;

/* Starts the gateway with `opt` (or none) and waits for its socket. */
void start_gateway(const char *opt);
/* The same on the test platform with the text `from` replaced by `to`. */
void start_gateway_edited(const char *opt, const char *from, const char *to);
/* Waits up to 5 s for the gateway to exit; returns its exit status. */
int gateway_exit(void);
/* Kills the gateway and removes its directory. */
void stop_gateway(void);
/* Lines in the gateway's log containing `what`. */
int log_count(const char *what);
/* Waits up to 10 s until the log has `n` lines containing `what`. */
void wait_log_count(const char *what, int n);

/* A valid Hello of `major` offering capabilities 0xff. */
void hello(sclink_hello *h, unsigned major);
/* Connects and completes the handshake (Hello named `name`, or "faults"). */
void link_up_named(sclink_conn *c, const char *name);
void link_up(sclink_conn *c);
/* The same offering `caps` instead. */
void link_up_caps(sclink_conn *c, uint64_t caps);
/* Receives an Error with `code` whose text contains `text`, then the close. */
void expect_error(sclink_conn *c, Sclink__V1__ErrorCode code, const char *text);
/* Writes bytes as they are, around the codec. */
void send_raw(sclink_conn *c, const void *p, size_t n);

/* A 4-byte MMIO read of BAR 0 at `off`, stamped `t`. */
void read_req(sclink_request *r, uint64_t id, uint64_t off, uint64_t t);
void send_request(sclink_conn *c, sclink_request *r);
/* Encodes a Request as one frame into buf; returns its size. */
size_t encode_request(uint8_t *buf, size_t cap, sclink_request *r);
/* Receives the next message: a Response to `id` with `status`; free it. */
sclink_msg *recv_response(sclink_conn *c, uint64_t id, Sclink__V1__Status status);
/* A 4-byte read or write of BAR 0 at `off` at time 0, answered. */
uint32_t read32(sclink_conn *c, uint64_t off, Sclink__V1__Status *st);
void write32(sclink_conn *c, uint64_t off, uint32_t v);

#endif /* SCLINK_TESTS_GWTEST_H */
