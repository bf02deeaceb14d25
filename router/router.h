// sclink::Router: a TLM-2.0 loosely-timed interconnect over the C address
// map in sclink_router.h.  Initiators bind to `in`, targets to `out`; each
// target is reached through one or more windows (base, size, offset,
// priority).  b_transport, transport_dbg and DMI all decode, translate to
// the target-relative address, forward, and restore the payload's address;
// DMI grants, refusals and invalidations are translated back into system
// addresses and clipped to the window.  See doc/router.md.
#ifndef SCLINK_ROUTER_ROUTER_H
#define SCLINK_ROUTER_ROUTER_H

#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "sclink_router.h"

namespace sclink {

class Router : public sc_core::sc_module {
  public:
    tlm_utils::multi_passthrough_target_socket<Router> in;
    tlm_utils::multi_passthrough_initiator_socket<Router> out;

    // `latency` is added to the annotated delay of every b_transport.
    explicit Router(const sc_core::sc_module_name &name,
                    const sc_core::sc_time &latency = sc_core::SC_ZERO_TIME);
    ~Router() override;
    Router(const Router &) = delete;
    Router &operator=(const Router &) = delete;

    // Binds out to `target` and maps [base, base + size) onto it, base
    // landing at target address `offset`.  `name` defaults to the target
    // socket's name.  Returns the target index (its position in `out`).
    template <class Socket>
    unsigned bind(Socket &target, uint64_t base, uint64_t size,
                  uint64_t offset = 0, int priority = 0,
                  const std::string &name = std::string())
    {
        unsigned index = bind_target(target);
        map(index, base, size, offset, priority, name);
        return index;
    }

    // Binds out to `target` and makes it the default target: it receives
    // every address no window covers, unchanged.
    template <class Socket>
    unsigned bind_default(Socket &target, const std::string &name = std::string())
    {
        unsigned index = bind_target(target);
        map_default(index, name);
        return index;
    }

    // Another window onto target `index` (bound with bind() or out.bind()).
    void map(unsigned index, uint64_t base, uint64_t size, uint64_t offset = 0,
             int priority = 0, const std::string &name = std::string());
    void map_default(unsigned index, const std::string &name = std::string());

    // Validates the windows as a whole and builds the map.  Returns 0 or a
    // negative code (sclink_map_strerror) with the reason in *error.  Called
    // at end_of_elaboration if the user has not; a failure there is an
    // SC_REPORT_ERROR.  Mapping after a successful build() rebuilds.
    int build(std::string *error = nullptr);

    // The map as the user should see it, one line per window piece
    // (building it first if needed; a build error becomes the text).
    std::string map_text();
    void print(std::ostream &os) { os << map_text(); }
    int print(std::FILE *f);

    void set_latency(const sc_core::sc_time &latency) { m_latency = latency; }
    const sc_core::sc_time &latency() const { return m_latency; }

    // The built map (nullptr before build()), for tools and tests.
    const sclink_map *address_map() const { return m_map; }

  private:
    // Binds out to `target`, remembering its name for unnamed windows.
    template <class Socket> unsigned bind_target(Socket &target)
    {
        unsigned index = out.size();
        out.bind(target);
        m_target_names.resize(index + 1);
        m_target_names[index] = target.name();
        return index;
    }
    void b_transport(int id, tlm::tlm_generic_payload &tx,
                     sc_core::sc_time &t);
    unsigned int transport_dbg(int id, tlm::tlm_generic_payload &tx);
    bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload &tx,
                            tlm::tlm_dmi &dmi);
    void invalidate_direct_mem_ptr(int id, sc_dt::uint64 start,
                                   sc_dt::uint64 end);
    void end_of_elaboration() override;
    bool ensure_built();
    const sclink_map_seg *decode(uint64_t addr, uint64_t len);

    struct Window {
        std::string name;
        uint64_t base, size, offset;
        int priority;
        unsigned target;
    };
    std::vector<Window> m_windows;
    std::vector<std::string> m_target_names;
    unsigned m_default = SCLINK_MAP_NO_TARGET;
    std::string m_default_name;

    sclink_map *m_map = nullptr;
    bool m_dirty = true;
    // Last segment hit: consecutive accesses mostly go to one device.
    const sclink_map_seg *m_last = nullptr;
    sc_core::sc_time m_latency;
};

} // namespace sclink

#endif // SCLINK_ROUTER_ROUTER_H
