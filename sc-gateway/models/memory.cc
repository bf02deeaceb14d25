// "memory": RAM or ROM backed by host memory (see memory.h, doc/models.md).
#include "memory.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "util.h"

using namespace sc_core;
using tlm::tlm_generic_payload;

namespace sclink {
namespace models {

Memory::Memory(sc_module_name name, const ModelConfig &cfg,
               unsigned char *storage, bool readonly,
               std::vector<unsigned char> image, const sc_time &read_lat,
               const sc_time &write_lat)
    : sc_module(name), socket_("socket"),
      size_(cfg.size), readonly_(readonly), image_(std::move(image)),
      read_lat_(read_lat), write_lat_(write_lat), mem_(storage)
{
    socket_.register_b_transport(this, &Memory::b_transport);
    socket_.register_transport_dbg(this, &Memory::transport_dbg);
    socket_.register_get_direct_mem_ptr(this, &Memory::get_dmi);
    // std::copy as in reset(); the rest is calloc's zeros, left untouched
    // so that it costs nothing.
    std::copy(image_.begin(), image_.end(), mem_.get());
}

// Power-on contents: the file's bytes, zero after them.  The storage is
// rewritten in place, so DMI pointers already handed out stay valid.
void Memory::reset()
{
    // std::copy, not memcpy: with no file, image_.data() may be null,
    // and memcpy from null is undefined even for 0 bytes.
    std::copy(image_.begin(), image_.end(), mem_.get());
    std::memset(mem_.get() + image_.size(), 0, size_ - image_.size());
}

void Memory::b_transport(tlm_generic_payload &tx, sc_time &delay)
{
    mem_access(tx, mem_.get(), size_, !readonly_);
    if (tx.is_response_ok())
        delay += tx.is_read() ? read_lat_ : write_lat_;
}

// Debug writes reach a ROM too: that is how a debugger or loader patches it.
unsigned Memory::transport_dbg(tlm_generic_payload &tx)
{
    return mem_debug(tx, mem_.get(), size_);
}

// The whole memory, read-write for RAM and read-only for ROM whatever the
// request asked: the initiator checks the granted access.
bool Memory::get_dmi(tlm_generic_payload &tx, tlm::tlm_dmi &dmi)
{
    dmi.set_dmi_ptr(mem_.get());
    dmi.set_start_address(0);
    dmi.set_end_address(size_ - 1);
    dmi.set_granted_access(readonly_ ? tlm::tlm_dmi::DMI_ACCESS_READ
                                     : tlm::tlm_dmi::DMI_ACCESS_READ_WRITE);
    dmi.set_read_latency(read_lat_);
    dmi.set_write_latency(write_lat_);
    return true;
}

// The file's bytes must fit the memory.
static bool load_image(const ModelConfig &cfg, const std::string &path,
                       std::vector<unsigned char> &out, std::string &err)
{
    if (!read_file(cfg, "file", path, out, err))
        return false;
    if (out.size() > cfg.size) {
        char buf[96];
        std::snprintf(buf, sizeof(buf), "' is %zu bytes, more than size 0x%llx",
                      out.size(), (unsigned long long)cfg.size);
        err = cfg.name + ": param 'file': '" + path + buf;
        return false;
    }
    return true;
}

bool make_memory(const ModelConfig &cfg, std::unique_ptr<Model> &out, std::string &err)
{
    bool readonly = false;
    std::string file;
    uint64_t rlat = 0, wlat = 0;
    std::vector<unsigned char> image;
    sc_time rl, wl;

    if (!cfg.only_keys({"readonly", "file", "read_latency", "write_latency",
                        "read_latency_ns", "write_latency_ns"},
                       err) ||
        !check_no_irq(cfg, err) || !cfg.get_bool("readonly", readonly, err) ||
        !cfg.get_u64("read_latency_ns", rlat, err) ||
        !cfg.get_u64("write_latency_ns", wlat, err))
        return false;
    if (!from_ns(rlat, rl) || !from_ns(wlat, wl)) {
        err = cfg.name + ": param '" +
              (from_ns(rlat, rl) ? "write_latency_ns" : "read_latency_ns") +
              "': too large for SystemC time";
        return false;
    }
    // read_latency: "10 ns", the typed form of read_latency_ns; not both.
    for (const char *k : {"read_latency", "write_latency"})
        if (cfg.params.count(k) && cfg.params.count(std::string(k) + "_ns")) {
            err = cfg.name + ": params '" + k + "' and '" + k +
                  "_ns' both given; one is enough";
            return false;
        }
    if (!cfg.get_time("read_latency", rl, err) ||
        !cfg.get_time("write_latency", wl, err))
        return false;
    if (cfg.size == 0) {
        err = cfg.name + ": size must be greater than 0";
        return false;
    }
    if (cfg.get_str("file", file) && !file.empty() &&
        !load_image(cfg, file, image, err))
        return false;
    // calloc: a large RAM costs nothing until the guest touches it.
    void *storage = cfg.size <= SIZE_MAX ? std::calloc(cfg.size, 1) : nullptr;
    if (!storage) {
        err = cfg.name + ": cannot allocate " + std::to_string(cfg.size) +
              " bytes";
        return false;
    }
    out.reset(new Memory(cfg.name.c_str(), cfg, static_cast<unsigned char *>(storage),
                         readonly, std::move(image), rl, wl));
    return true;
}

} // namespace models
} // namespace sclink
