/*
 * The bus side of a model, for built-in models and plugins alike
 * (<sclink/bus.h>, part of the model toolkit, doc/gateway.md "The model
 * toolkit"): the checks a TLM target makes before it acts on a
 * transaction, a b_transport on plain memory, and one access from a
 * model's own initiator (a DMA engine).  Registers are little-endian (the
 * guest is x86); load_le/store_le convert.
 */
#ifndef SCLINK_BUS_H
#define SCLINK_BUS_H

#include <cstdint>

#include <systemc>
#include <tlm>

namespace sclink {

uint64_t load_le(const unsigned char *p, unsigned n);
void store_le(unsigned char *p, uint64_t v, unsigned n);

/*
 * [off, off + len) lies inside [0, size).  off + len is never computed:
 * off and len come from guests and peers and may sum past 2^64.
 */
inline bool range_fits(uint64_t off, uint64_t len, uint64_t size)
{
    return len <= size && off <= size - len;
}

/*
 * The checks a target makes, in this order, before it carries out tx on
 * `size` bytes from its offset 0; the first that fails gives the status:
 *
 *   TLM_IGNORE_COMMAND                     -> TLM_COMMAND_ERROR_RESPONSE
 *   byte enables, unless byte_enables_ok   -> TLM_BYTE_ENABLE_ERROR_RESPONSE
 *   (a byte enable pointer of length 0 is refused either way)
 *   streaming width != data length         -> TLM_BURST_ERROR_RESPONSE
 *   length 0; with width != 0 a length other than `width` or an address
 *   not a multiple of it; any byte outside [0, size)
 *                                          -> TLM_ADDRESS_ERROR_RESPONSE
 *
 * and TLM_OK_RESPONSE if the access may go ahead.  It sets nothing in tx:
 * the caller sets the response status, this one or its own.
 */
tlm::tlm_response_status check_access(const tlm::tlm_generic_payload &tx,
                                      uint64_t size, unsigned width,
                                      bool byte_enables_ok);

/*
 * A b_transport on `size` bytes of memory at `mem`: check_access with any
 * width and byte enables honoured (the pattern repeats over the data,
 * disabled bytes are left alone on both sides), and a write refused
 * (COMMAND_ERROR) when !writable.  Sets the response status.
 */
void mem_access(tlm::tlm_generic_payload &tx, unsigned char *mem,
                uint64_t size, bool writable);
/* transport_dbg on the same memory: clipped to size, writes allowed. */
unsigned mem_debug(tlm::tlm_generic_payload &tx, unsigned char *mem,
                   uint64_t size);

/*
 * One access from a model's initiator socket (bound to the gateway's DMA
 * socket, or to anything else): len bytes at addr, to or from data, no
 * byte enables, streaming width len, no DMI.  The delay the target
 * annotates is waited out here, so call it from an SC_THREAD; returns the
 * target's response status (TLM_INCOMPLETE_RESPONSE if it set none).
 */
tlm::tlm_response_status bus_transport(tlm::tlm_initiator_socket<> &bus,
                                       tlm::tlm_command cmd, uint64_t addr,
                                       unsigned char *data, unsigned len);

} // namespace sclink

#endif /* SCLINK_BUS_H */
