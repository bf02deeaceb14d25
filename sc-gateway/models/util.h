/*
 * Small helpers shared by the built-in models: little-endian register
 * values, nanosecond conversions, the memory-like access path (memory
 * model, DMA buffer) and the factory checks every model makes.
 */
#ifndef SCLINK_MODELS_UTIL_H
#define SCLINK_MODELS_UTIL_H

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "model.h"

namespace sclink {
namespace models {

uint64_t load_le(const unsigned char *p, unsigned n);
void store_le(unsigned char *p, uint64_t v, unsigned n);

/* Whole nanoseconds in t (truncated). */
uint64_t to_ns(const sc_core::sc_time &t);
/* ns as an sc_time; false if SystemC time cannot represent it. */
bool from_ns(uint64_t ns, sc_core::sc_time &out);

/*
 * [off, off + len) lies inside [0, size).  off + len is never computed:
 * off and len come from guests and peers and may sum past 2^64.
 */
inline bool range_fits(uint64_t off, uint64_t len, uint64_t size)
{
    return len <= size && off <= size - len;
}

/*
 * A b_transport on `size` bytes of memory at `mem`: byte enables are
 * honoured, TLM_IGNORE_COMMAND is refused (COMMAND_ERROR), so is a write
 * when !writable; streaming width != length is a BURST_ERROR and an access
 * not wholly inside [0, size) an ADDRESS_ERROR.  Sets the response status.
 */
void mem_access(tlm::tlm_generic_payload &tx, unsigned char *mem,
                uint64_t size, bool writable);
/* transport_dbg on the same memory: clipped to size, writes allowed. */
unsigned mem_debug(tlm::tlm_generic_payload &tx, unsigned char *mem,
                   uint64_t size);

/* The whole of file `path`, named by param `key` in error texts. */
bool read_file(const ModelConfig &cfg, const std::string &key,
               const std::string &path, std::vector<unsigned char> &out,
               std::string &err);

/* cfg.size covers `needed` bytes; err names the instance otherwise. */
bool check_size(const ModelConfig &cfg, uint64_t needed, std::string &err);
/* Refuses cfg.irq >= 0 for a model that has no interrupt output. */
bool check_no_irq(const ModelConfig &cfg, std::string &err);
/* get_u64 plus a range check [lo, hi]; err names instance and key. */
bool get_u64_in(const ModelConfig &cfg, const std::string &key, uint64_t &out,
                uint64_t lo, uint64_t hi, std::string &err);

} // namespace models
} // namespace sclink

#endif /* SCLINK_MODELS_UTIL_H */
