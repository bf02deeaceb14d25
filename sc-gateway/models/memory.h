/*
 * "memory": RAM or ROM of cfg.size bytes, optionally initialised from a
 * file.  Byte enables, debug transport and DMI are supported; see
 * doc/models.md.
 */
#ifndef SCLINK_MODELS_MEMORY_H
#define SCLINK_MODELS_MEMORY_H

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "model.h"

namespace sclink {
namespace models {

class Memory : public sc_core::sc_module, public Model {
public:
    /*
     * storage: cfg.size zeroed bytes from calloc(), owned from now on;
     * image: the file's bytes (at most cfg.size), loaded at every reset.
     */
    Memory(sc_core::sc_module_name name, const ModelConfig &cfg,
           unsigned char *storage, bool readonly,
           std::vector<unsigned char> image, const sc_core::sc_time &read_lat,
           const sc_core::sc_time &write_lat);

    tlm::tlm_target_socket<> &target() override { return socket_; }
    void reset() override;

    uint64_t size() const { return size_; }
    const unsigned char *contents() const { return mem_.get(); }

private:
    void b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &delay);
    unsigned transport_dbg(tlm::tlm_generic_payload &tx);
    bool get_dmi(tlm::tlm_generic_payload &tx, tlm::tlm_dmi &dmi);

    struct Free {
        void operator()(unsigned char *p) const { std::free(p); }
    };

    tlm_utils::simple_target_socket<Memory> socket_;
    const uint64_t size_;
    const bool readonly_;
    const std::vector<unsigned char> image_;
    const sc_core::sc_time read_lat_, write_lat_;
    /* Allocated once and never moved: DMI pointers stay valid for ever. */
    std::unique_ptr<unsigned char, Free> mem_;
};

bool make_memory(const ModelConfig &cfg, std::unique_ptr<Model> &out, std::string &err);

} // namespace models
} // namespace sclink

#endif /* SCLINK_MODELS_MEMORY_H */
