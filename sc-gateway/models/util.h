/*
 * Small helpers shared by the built-in models: nanosecond conversions,
 * files and the factory checks every model makes.  What plugins may use
 * too (little-endian values, the memory access path, the target checks,
 * initiator access) is in the installed bus.h and regblock.h.
 */
#ifndef SCLINK_MODELS_UTIL_H
#define SCLINK_MODELS_UTIL_H

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "bus.h"
#include "model.h"

namespace sclink {
namespace models {

/* Whole nanoseconds in t (truncated). */
uint64_t to_ns(const sc_core::sc_time &t);
/* ns as an sc_time; false if SystemC time cannot represent it. */
bool from_ns(uint64_t ns, sc_core::sc_time &out);

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
