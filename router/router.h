// sclink::Router: a TLM-2.0 loosely-timed interconnect over the C address
// map in sclink_router.h.  Initiators bind to `in` (a plain
// tlm_target_socket: the router is the forward interface itself, so an
// initiator's call reaches it with one virtual call), targets to `out`; each
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

#include "sclink_router.h"

namespace sclink {

class Router : public sc_core::sc_module,
               public tlm::tlm_fw_transport_if<> {
  public:
    // Any number of initiators; the router implements their forward calls.
    tlm::tlm_target_socket<32, tlm::tlm_base_protocol_types, 0> in;
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

    // Validates the windows as a whole and builds the map.  Returns false
    // with the reason in err (the C core's own message for a map error;
    // doc/architecture.md, "Errors and cleanup").  Called at
    // end_of_elaboration if the user has not; a failure there is an
    // SC_REPORT_ERROR.  Mapping after a successful build() rebuilds.
    bool build(std::string &err);

    // The map as the user should see it, one line per window piece
    // (building it first if needed; a build error becomes the text).
    std::string map_text();
    void print(std::ostream &os) { os << map_text(); }
    // The same text on a stdio stream; false with the reason in err if the
    // map cannot be built or the stream fails.
    bool print(std::FILE *f, std::string &err);

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
    // tlm_fw_transport_if, called through `in`.  nb_transport_fw is an
    // error: the router is loosely timed.
    void b_transport(tlm::tlm_generic_payload &tx,
                     sc_core::sc_time &t) override;
    unsigned int transport_dbg(tlm::tlm_generic_payload &tx) override;
    bool get_direct_mem_ptr(tlm::tlm_generic_payload &tx,
                            tlm::tlm_dmi &dmi) override;
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &tx,
                                       tlm::tlm_phase &phase,
                                       sc_core::sc_time &t) override;
    // From target `id`, through `out`.
    void invalidate_direct_mem_ptr(int id, sc_dt::uint64 start,
                                   sc_dt::uint64 end);
    void end_of_elaboration() override;
    bool ensure_built();
    bool prepare();
    void unprepare();

    // What decoding needs of one segment, in 32 bytes: its range,
    // translation and the target's interface (m_hole for a hole), already
    // cast to the virtual base that declares b_transport, so forwarding is
    // a single virtual call.  b_transport's fast path uses the smaller
    // Hop and m_last below instead.
    struct alignas(32) Route {
        uint64_t start, last, delta;
        tlm::tlm_blocking_transport_if<> *bt;
    };
    const Route *lookup(uint64_t addr);
    const Route *decode(uint64_t addr, uint64_t len);
    bool forwards(const Route *r, uint64_t addr, uint64_t len) const;
    void forward(const Route *r, tlm::tlm_generic_payload &tx,
                 sc_core::sc_time &t, uint64_t addr);
    void b_transport_slow(tlm::tlm_generic_payload &tx, sc_core::sc_time &t);

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
    bool m_dirty = true;  // windows changed since the last build
    bool m_ready = false; // m_routes matches m_map and the bound targets
    // One per segment of m_map, in the same order: what b_transport needs,
    // and each segment's full target interface for debug and DMI.  The
    // map's bucket index is copied beside them: one pointer less to chase.
    sclink__index m_index;
    std::vector<Route> m_routes;
    std::vector<tlm::tlm_fw_transport_if<> *> m_fw; // nullptr for a hole
    // What b_transport forwards with, per slot of m_index: a Route less
    // its bounds, so that a large map's table takes half the cache lines.
    struct alignas(16) Hop {
        uint64_t delta;
        tlm::tlm_blocking_transport_if<> *bt;
    };
    // One per slot of m_index: the hop of the segment a bucket lies in
    // (or of segment 0 and the last one for the two slots beyond the
    // buckets), so that b_transport decodes with one load; for a mixed
    // bucket, one to m_decode.  Until prepared, two slots that send every
    // address to m_decode (unprepare()).
    std::vector<Hop> m_table;
    // Beside each hop, the low 32 bits of its segment's last address (of
    // the bucket's for a mixed bucket).  (last - addr) mod 2^32 is never
    // more than last - addr, and equal to it within 4 GiB of the end, so an
    // access that fits by it fits; one it turns away (longer than 4 GiB,
    // or crossing a 4 GiB boundary counted from the segment's end) takes
    // the slow path's full decode.  Apart from the hops because the test
    // is predicted and so off the path to the target: only the hop's
    // load delays the call.
    std::vector<uint32_t> m_last;
    // The target of every hole's route: answers an address error.
    struct Hole : tlm::tlm_blocking_transport_if<> {
        void b_transport(tlm::tlm_generic_payload &tx,
                         sc_core::sc_time &t) override;
    } m_hole;
    // The target of a mixed bucket's route, and of every address while
    // the router is not prepared: decodes in full, preparing first if
    // need be, and forwards (b_transport_slow).
    struct Decode : tlm::tlm_blocking_transport_if<> {
        Router *router;
        explicit Decode(Router *r) : router(r) {}
        void b_transport(tlm::tlm_generic_payload &tx,
                         sc_core::sc_time &t) override;
    } m_decode{this};
    sc_core::sc_time m_latency;
};

} // namespace sclink

#endif // SCLINK_ROUTER_ROUTER_H
