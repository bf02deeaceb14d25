// The bus side of a model: target checks, memory access, initiator access
// (bus.h).
#include "bus.h"

#include <cstring>

namespace sclink {

uint64_t load_le(const unsigned char *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

void store_le(unsigned char *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++, v >>= 8)
        p[i] = (unsigned char)v;
}

tlm::tlm_response_status check_access(const tlm::tlm_generic_payload &tx,
                                      uint64_t size, unsigned width,
                                      bool byte_enables_ok)
{
    const uint64_t addr = tx.get_address();
    const unsigned len = tx.get_data_length();

    if (tx.get_command() == tlm::TLM_IGNORE_COMMAND)
        return tlm::TLM_COMMAND_ERROR_RESPONSE;
    if (tx.get_byte_enable_ptr() &&
        (!byte_enables_ok || tx.get_byte_enable_length() == 0))
        return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
    if (tx.get_streaming_width() != len)
        return tlm::TLM_BURST_ERROR_RESPONSE;
    if (len == 0 || (width && (len != width || addr % width)) ||
        !range_fits(addr, len, size))
        return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    return tlm::TLM_OK_RESPONSE;
}

void mem_access(tlm::tlm_generic_payload &tx, unsigned char *mem,
                uint64_t size, bool writable)
{
    const uint64_t addr = tx.get_address();
    const unsigned len = tx.get_data_length();
    unsigned char *data = tx.get_data_ptr();
    const unsigned char *be = tx.get_byte_enable_ptr();
    const unsigned be_len = tx.get_byte_enable_length();
    const tlm::tlm_command cmd = tx.get_command();

    if (cmd == tlm::TLM_WRITE_COMMAND && !writable) {
        tx.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    tlm::tlm_response_status st = check_access(tx, size, 0, true);
    if (st != tlm::TLM_OK_RESPONSE) {
        tx.set_response_status(st);
        return;
    }
    if (!be) {
        if (cmd == tlm::TLM_READ_COMMAND)
            std::memcpy(data, mem + addr, len);
        else
            std::memcpy(mem + addr, data, len);
    } else {
        for (unsigned i = 0; i < len; i++) {
            if (be[i % be_len] != TLM_BYTE_ENABLED)
                continue;
            if (cmd == tlm::TLM_READ_COMMAND)
                data[i] = mem[addr + i];
            else
                mem[addr + i] = data[i];
        }
    }
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned mem_debug(tlm::tlm_generic_payload &tx, unsigned char *mem,
                   uint64_t size)
{
    uint64_t addr = tx.get_address();
    uint64_t n = tx.get_data_length();
    // Nothing to copy: the data pointer of an empty access may be null.
    if (addr >= size || n == 0)
        return 0;
    if (n > size - addr)
        n = size - addr;
    if (tx.is_read())
        std::memcpy(tx.get_data_ptr(), mem + addr, n);
    else if (tx.is_write())
        std::memcpy(mem + addr, tx.get_data_ptr(), n);
    else
        return 0;
    return (unsigned)n;
}

tlm::tlm_response_status bus_transport(tlm::tlm_initiator_socket<> &bus,
                                       tlm::tlm_command cmd, uint64_t addr,
                                       unsigned char *data, unsigned len)
{
    tlm::tlm_generic_payload tx;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    tx.set_command(cmd);
    tx.set_address(addr);
    tx.set_data_ptr(data);
    tx.set_data_length(len);
    tx.set_streaming_width(len);
    tx.set_byte_enable_ptr(nullptr);
    tx.set_dmi_allowed(false);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    bus->b_transport(tx, delay);
    if (delay != sc_core::SC_ZERO_TIME)
        sc_core::wait(delay);
    return tx.get_response_status();
}

} // namespace sclink
