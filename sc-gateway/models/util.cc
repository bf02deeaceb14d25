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
