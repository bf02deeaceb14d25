// Helpers shared by the built-in models (see util.h).
#include "util.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

using namespace sc_core;

namespace sclink {
namespace models {

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

uint64_t to_ns(const sc_time &t)
{
    uint64_t unit = sc_time(1, SC_NS).value();
    // A time resolution coarser than 1 ns leaves no exact integer path.
    if (unit == 0)
        return (uint64_t)(t.to_seconds() * 1e9);
    return t.value() / unit;
}

bool from_ns(uint64_t ns, sc_time &out)
{
    uint64_t unit = sc_time(1, SC_NS).value();
    if (unit == 0) {
        out = sc_time((double)ns, SC_NS);
        return true;
    }
    if (ns > std::numeric_limits<uint64_t>::max() / unit)
        return false;
    out = sc_time::from_value(ns * unit);
    return true;
}

void mem_access(tlm::tlm_generic_payload &tx, unsigned char *mem,
                uint64_t size, bool writable)
{
    uint64_t addr = tx.get_address();
    unsigned len = tx.get_data_length();
    unsigned char *data = tx.get_data_ptr();
    const unsigned char *be = tx.get_byte_enable_ptr();
    unsigned be_len = tx.get_byte_enable_length();
    tlm::tlm_command cmd = tx.get_command();

    if (cmd == tlm::TLM_IGNORE_COMMAND ||
        (cmd == tlm::TLM_WRITE_COMMAND && !writable)) {
        tx.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    if (be && be_len == 0) {
        tx.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (tx.get_streaming_width() != len) {
        tx.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    if (len == 0 || !range_fits(addr, len, size)) {
        tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (!be) {
        if (cmd == tlm::TLM_READ_COMMAND)
            std::memcpy(data, mem + addr, len);
        else
            std::memcpy(mem + addr, data, len);
    } else {
        // The enable pattern repeats over the data; disabled bytes are
        // left untouched on both sides.
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

bool read_file(const ModelConfig &cfg, const std::string &key,
               const std::string &path, std::vector<unsigned char> &out,
               std::string &err)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        err = cfg.name + ": param '" + key + "': cannot open '" + path +
              "': " + std::strerror(errno);
        return false;
    }
    out.assign(std::istreambuf_iterator<char>(f),
               std::istreambuf_iterator<char>());
    if (f.bad()) {
        err = cfg.name + ": param '" + key + "': cannot read '" + path + "'";
        return false;
    }
    return true;
}

bool check_size(const ModelConfig &cfg, uint64_t needed, std::string &err)
{
    if (cfg.size >= needed)
        return true;
    char buf[96];
    std::snprintf(buf, sizeof(buf), "0x%llx bytes but its register map needs 0x%llx",
                  (unsigned long long)cfg.size, (unsigned long long)needed);
    err = cfg.name + ": size is " + buf;
    return false;
}

bool check_no_irq(const ModelConfig &cfg, std::string &err)
{
    if (cfg.irq < 0)
        return true;
    err = cfg.name + ": irq " + std::to_string(cfg.irq) + " given, but type '" +
          cfg.type + "' has no interrupt output";
    return false;
}

bool get_u64_in(const ModelConfig &cfg, const std::string &key, uint64_t &out,
                uint64_t lo, uint64_t hi, std::string &err)
{
    return cfg.get_u64(key, out, lo, hi, err);
}

} // namespace models
} // namespace sclink
