// sclink::Router: the TLM-2.0 side of the router.  All address decisions
// are the C map's (map.c); this file only moves payloads and DMI ranges
// between address spaces.
#include "router.h"

#include <utility>

#include "map-internal.h"

namespace sclink {

Router::Router(const sc_core::sc_module_name &name,
               const sc_core::sc_time &latency)
    : sc_core::sc_module(name), in("in"), out("out"), m_latency(latency)
{
    in.bind(*this);
    out.register_invalidate_direct_mem_ptr(this,
                                           &Router::invalidate_direct_mem_ptr);
    unprepare();
}

Router::~Router()
{
    sclink_map_free(m_map);
}

void Router::map(unsigned index, uint64_t base, uint64_t size, uint64_t offset,
                 int priority, const std::string &name)
{
    m_windows.push_back(Window{name, base, size, offset, priority, index});
    m_dirty = true;
    unprepare();
}

void Router::map_default(unsigned index, const std::string &name)
{
    m_default = index;
    m_default_name = name;
    m_dirty = true;
    unprepare();
}

// What the user sees for a window without a name: the target's socket.
static std::string target_label(const std::vector<std::string> &names,
                                unsigned index)
{
    if (index < names.size() && !names[index].empty())
        return names[index];
    return "target " + std::to_string(index);
}

bool Router::build(std::string &err)
{
    const unsigned ntargets = out.size();
    std::vector<std::string> names;
    std::vector<sclink_map_entry> entries;
    sclink_map_entry dflt{};
    sclink_map *map = nullptr;
    char text[512];
    bool rebuilt = m_map != nullptr;

    // The C core checks the windows against each other; only the router
    // knows how many targets are bound.
    names.reserve(m_windows.size());
    for (const Window &w : m_windows) {
        names.push_back(w.name.empty() ? target_label(m_target_names, w.target)
                                       : w.name);
        if (w.target >= ntargets) {
            err = "window '" + names.back() + "' names target " +
                  std::to_string(w.target) + " but " +
                  std::to_string(ntargets) + " are bound";
            return false;
        }
    }
    if (m_default != SCLINK_MAP_NO_TARGET && m_default >= ntargets) {
        err = "default target " + std::to_string(m_default) + " but " +
              std::to_string(ntargets) + " are bound";
        return false;
    }
    if (m_default_name.empty() && m_default != SCLINK_MAP_NO_TARGET)
        m_default_name = target_label(m_target_names, m_default);

    entries.resize(m_windows.size());
    for (size_t i = 0; i < m_windows.size(); i++) {
        const Window &w = m_windows[i];
        entries[i] = sclink_map_entry{names[i].c_str(), w.base, w.size,
                                      w.offset, w.priority, w.target};
    }
    dflt.name = m_default_name.c_str();
    dflt.target = m_default;
    if (sclink_map_build(&map, entries.data(), entries.size(),
                         m_default != SCLINK_MAP_NO_TARGET ? &dflt : nullptr,
                         text, sizeof(text)) != 0) {
        err = text;
        return false;
    }
    std::swap(map, m_map);
    sclink_map_free(map);
    m_dirty = false;
    unprepare();

    // DMI pointers handed out under the old map may now be wrong.  The
    // sockets can only be walked once elaboration has connected them.
    if (rebuilt && sc_core::sc_get_status() >= sc_core::SC_END_OF_ELABORATION) {
        for (int i = 0; i < in.size(); i++)
            in[i]->invalidate_direct_mem_ptr(0, ~sc_dt::uint64(0));
    }
    return true;
}

void Router::end_of_elaboration()
{
    if (m_dirty)
        ensure_built();
}

std::string Router::map_text()
{
    std::string err;

    if (m_dirty && !build(err))
        return "address map not built: " + err + "\n";
    int len = sclink_map_format(m_map, nullptr, 0);
    if (len < 0)
        return std::string("address map not printable: ") +
               sclink_map_strerror(len) + "\n";
    std::string text(static_cast<size_t>(len) + 1, '\0');
    sclink_map_format(m_map, &text[0], text.size());
    text.resize(static_cast<size_t>(len));
    return text;
}

bool Router::print(std::FILE *f, std::string &err)
{
    int rc;

    if (m_dirty && !build(err))
        return false;
    rc = sclink_map_print(m_map, f);
    if (rc != 0) {
        err = std::string("address map not printed: ") + sclink_map_strerror(rc);
        return false;
    }
    return true;
}

// Builds the map (reporting a failure as an error); no transport path
// needs it until the first transaction after a change.
bool Router::ensure_built()
{
    std::string err;

    if (build(err))
        return true;
    SC_REPORT_ERROR("sclink/router", (std::string(name()) + ": " + err).c_str());
    return false;
}

// Makes m_routes, m_table and m_last match the map and the bound targets:
// builds the map if it changed, then takes each segment's target interface
// from `out`, which knows them from before_end_of_elaboration on.  Out of
// line so decode() stays small enough to inline into every transport path.
bool Router::prepare()
{
    if (sc_core::sc_get_status() < sc_core::SC_END_OF_ELABORATION) {
        std::string what = std::string(name()) +
                           ": transaction before the end of elaboration";
        SC_REPORT_ERROR("sclink/router", what.c_str());
        return false;
    }
    if (m_dirty && !ensure_built())
        return false;
    size_t n;
    const sclink_map_seg *segs = sclink_map_segments(m_map, &n);
    m_routes.resize(n);
    m_fw.resize(n);
    for (size_t i = 0; i < n; i++) {
        const sclink_map_seg &s = segs[i];
        tlm::tlm_fw_transport_if<> *fw =
            s.target == SCLINK_MAP_NO_TARGET ? nullptr
                                             : out[static_cast<int>(s.target)];
        tlm::tlm_blocking_transport_if<> *bt = fw;
        m_routes[i] = Route{s.start, s.last, s.delta,
                            bt != nullptr ? bt : &m_hole};
        m_fw[i] = fw;
    }
    m_index = m_map->index;
    const size_t nslots = m_index.nbuckets + 2;
    const uint64_t mask = (uint64_t(1) << m_index.shift) - 1;
    m_table.resize(nslots);
    m_last.resize(nslots);
    for (size_t b = 0; b < nslots; b++) {
        const uint32_t i = m_index.bucket[b];
        if (i & SCLINK__MIXED) {
            const uint64_t a = m_index.base + (uint64_t(b) << m_index.shift);
            m_table[b] = Hop{0, &m_decode};
            m_last[b] = static_cast<uint32_t>(a + mask);
        } else {
            m_table[b] = Hop{m_routes[i].delta, m_routes[i].bt};
            m_last[b] = static_cast<uint32_t>(m_routes[i].last);
        }
    }
    m_ready = true;
    return true;
}

// Sends every b_transport to the full decode, which prepares the router
// before anything else: an index of no buckets whose two slots (above and
// below) lead to m_decode.
void Router::unprepare()
{
    m_ready = false;
    m_index = sclink__index{0, 0, nullptr, 0};
    m_table.assign(2, Hop{0, &m_decode});
    m_last.assign(2, UINT32_MAX);
}

// The route of the segment holding `addr` (the router must be prepared):
// the bucket index, which answers most addresses with one load, and a
// search where segments start inside a bucket.
inline const Router::Route *Router::lookup(uint64_t addr)
{
    const Route *routes = m_routes.data();
    return &routes[sclink__index_find(&m_index, &routes[0].start,
                                      sizeof(Route) / sizeof(uint64_t), addr)];
}

// True if a route forwards `len` bytes at `addr` (which it holds): it
// leads to a target and the access ends inside it.  len - 1 wraps for len
// 0, which always fits, as in sclink__seg_fits.
inline bool Router::forwards(const Route *r, uint64_t addr,
                             uint64_t len) const
{
    return r->bt != &m_hole && (len == 0 || len - 1 <= r->last - addr);
}

// The route for `len` bytes at `addr`, or nullptr for a hole or an access
// crossing a segment end.
inline const Router::Route *Router::decode(uint64_t addr, uint64_t len)
{
    if (__builtin_expect(!m_ready, 0) && !prepare())
        return nullptr;
    const Route *r = lookup(addr);
    return forwards(r, addr, len) ? r : nullptr;
}

// The bytes a transaction touches from its address: a streaming burst
// repeats over its streaming width, so only that much must fit.
static inline uint64_t span(const tlm::tlm_generic_payload &tx)
{
    uint64_t len = tx.get_data_length();
    uint64_t width = tx.get_streaming_width();

    // width - 1 wraps for width 0 (no streaming): then len.
    return width - 1 < len ? width : len;
}

// A hole's b_transport: the router's address error, reached like a target
// so that b_transport's hot path need not test for holes.
void Router::Hole::b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &)
{
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

// Translates, forwards and restores: the end of every decoded transport
// (b_transport's fast path does the same with its hop).  r is
// not used after the call, which may have prepared the router anew (a
// route to m_decode) and so replaced the table r points into.
inline void Router::forward(const Route *r, tlm::tlm_generic_payload &tx,
                            sc_core::sc_time &t, uint64_t addr)
{
    tx.set_address(addr + r->delta);
    r->bt->b_transport(tx, t);
    tx.set_address(addr);
}

// The hot path has no call but the target's, so that the compiler saves
// no more registers than that one call needs, and no test but one.  One
// load from the slot table finds the hop (a mixed bucket's, or any
// before the router is prepared, leads to m_decode; a hole's to m_hole),
// and one compare decides whether to forward: a length of 0 (which always
// fits) fails it and takes the slow path like an access crossing the
// segment's end, or one that m_last's 32 bits turn away.  Building and the
// errors are in b_transport_slow().
void Router::b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &t)
{
    const sc_dt::uint64 addr = tx.get_address();
    const size_t i = sclink__index_slot(&m_index, addr);
    const Hop *h = &m_table.data()[i];
    const uint32_t room = m_last.data()[i] - static_cast<uint32_t>(addr);

    t += m_latency;
    if (__builtin_expect(span(tx) - 1 <= room, 1)) {
        tx.set_address(addr + h->delta);
        h->bt->b_transport(tx, t);
        tx.set_address(addr);
    } else
        b_transport_slow(tx, t);
}

// The target of m_decode's routes: the address is untranslated (their
// delta is 0) and the latency added; decode it in full.
void Router::Decode::b_transport(tlm::tlm_generic_payload &tx,
                                 sc_core::sc_time &t)
{
    router->b_transport_slow(tx, t);
}

// b_transport once the latency is added: after a change to the map, for a
// crossing access, or for a length of 0.  Never inlined: it would bring
// its calls, and the registers they cost, into the hot path.
__attribute__((noinline)) void
Router::b_transport_slow(tlm::tlm_generic_payload &tx, sc_core::sc_time &t)
{
    const sc_dt::uint64 addr = tx.get_address();
    const Route *r = decode(addr, span(tx));

    if (r == nullptr) {
        tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    forward(r, tx, t, addr);
}

unsigned int Router::transport_dbg(tlm::tlm_generic_payload &tx)
{
    const sc_dt::uint64 addr = tx.get_address();
    const Route *r = decode(addr, tx.get_data_length());

    // Debug transport has no response status of its own; a hole says so
    // anyway, so that an initiator can tell it from a target that moved
    // no bytes (one without transport_dbg, say).
    if (r == nullptr) {
        tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return 0;
    }
    tx.set_address(addr + r->delta);
    unsigned int n = m_fw[r - m_routes.data()]->transport_dbg(tx);
    tx.set_address(addr);
    return n;
}

// The router is loosely timed: an AT initiator is told so, as the TLM
// convenience sockets do, and the transaction fails without reaching a
// target.
tlm::tlm_sync_enum Router::nb_transport_fw(tlm::tlm_generic_payload &tx,
                                           tlm::tlm_phase &, sc_core::sc_time &)
{
    std::string what = std::string(name()) +
                       ": nb_transport_fw is not supported (loosely timed)";
    SC_REPORT_ERROR("sclink/router", what.c_str());
    tx.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return tlm::TLM_COMPLETED;
}

// Describes "no DMI here" for [start, last] in system addresses.
static void refuse(tlm::tlm_dmi &dmi, uint64_t start, uint64_t last)
{
    dmi.init();
    dmi.set_start_address(start);
    dmi.set_end_address(last);
}

bool Router::get_direct_mem_ptr(tlm::tlm_generic_payload &tx,
                                tlm::tlm_dmi &dmi)
{
    const sc_dt::uint64 addr = tx.get_address();
    const Route *seg = decode(addr, 0);

    if (seg == nullptr) {
        // A hole: no DMI anywhere in it, which the initiator may cache.
        // Without a map, only addr is known.
        if (m_ready) {
            const Route *hole = lookup(addr);
            refuse(dmi, hole->start, hole->last);
        } else
            refuse(dmi, addr, addr);
        return false;
    }
    tx.set_address(addr + seg->delta);
    bool granted = m_fw[seg - m_routes.data()]->get_direct_mem_ptr(tx, dmi);
    tx.set_address(addr);

    // The answer, grant or refusal, is in target addresses and may cover
    // more than this segment (a refusal is [0, 2^64-1] by default): clip
    // it to the segment, then translate it back.
    const uint64_t lo = seg->start + seg->delta;
    const uint64_t hi = seg->last + seg->delta;
    uint64_t start = dmi.get_start_address();
    uint64_t end = dmi.get_end_address();
    if (start > end || start > hi || end < lo) {
        // Nothing of the answer falls in the segment: a target bug; all we
        // may still claim is that this one address has no DMI.
        refuse(dmi, addr, addr);
        return false;
    }
    if (start < lo) {
        // dmi_ptr points at start_address: move it along with the start.
        if (granted)
            dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (lo - start));
        start = lo;
    }
    if (end > hi)
        end = hi;
    dmi.set_start_address(start - seg->delta);
    dmi.set_end_address(end - seg->delta);
    return granted;
}

// A target's invalidation is in its own addresses: every segment that maps
// onto the range invalidates the matching system range, for every
// initiator.  Rare enough that a walk over all segments is the right cost.
void Router::invalidate_direct_mem_ptr(int id, sc_dt::uint64 start,
                                       sc_dt::uint64 end)
{
    size_t n;
    const sclink_map_seg *segs;

    if (m_map == nullptr)
        return;
    segs = sclink_map_segments(m_map, &n);
    for (size_t i = 0; i < n; i++) {
        const sclink_map_seg &s = segs[i];
        if (s.target != static_cast<unsigned>(id))
            continue;
        const uint64_t lo = s.start + s.delta;
        const uint64_t hi = s.last + s.delta;
        if (start > hi || end < lo)
            continue;
        const uint64_t a = (start > lo ? start : lo) - s.delta;
        const uint64_t b = (end < hi ? end : hi) - s.delta;
        for (int j = 0; j < in.size(); j++)
            in[j]->invalidate_direct_mem_ptr(a, b);
    }
}

} // namespace sclink
