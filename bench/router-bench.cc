// Router benchmark: b_transport through sclink::Router into a trivial
// memory vs the same memory bound directly, in one process and one run, at
// 1, 100, 1,000 and 10,000 mapped regions.  Not a test: it measures and
// prints, it does not assert timing.
//
//   router-bench [--count N] [--json FILE]
//
// Regions are 4 KiB windows on an 8 KiB stride (so holes sit between them,
// as on a real bus) all mapped onto one 64 KiB memory.  "random" picks a
// region and an aligned word with a seeded xorshift; "same region" walks
// one region word by word.
// Each figure is the best of seven runs, direct and routed alternating, to
// shed noise from other load.  For reference it also times a hop that only
// forwards (the floor under any interconnect) and the map lookup alone.
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "map-internal.h"
#include "router.h"

using namespace sc_core;

namespace {

const uint64_t kMemSize = 0x10000;
const uint64_t kStride = 0x2000;
const uint64_t kRegion = 0x1000;
const int kReps = 7;

// What the benchmark's modules leave out: all but b_transport.
struct FwStubs : tlm::tlm_fw_transport_if<> {
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &,
                                       tlm::tlm_phase &, sc_time &) override
    {
        return tlm::TLM_COMPLETED;
    }
    bool get_direct_mem_ptr(tlm::tlm_generic_payload &, tlm::tlm_dmi &) override
    {
        return false;
    }
    unsigned int transport_dbg(tlm::tlm_generic_payload &) override { return 0; }
};

struct BwStubs : tlm::tlm_bw_transport_if<> {
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload &,
                                       tlm::tlm_phase &, sc_time &) override
    {
        return tlm::TLM_COMPLETED;
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}
};

// The cheapest honest memory: decode by mask (it mirrors every 64 KiB, so
// it accepts the system addresses of the direct binding as well as the
// router's target addresses), copy, answer OK.
struct Memory : sc_module, FwStubs {
    tlm::tlm_target_socket<> socket;
    unsigned char mem[kMemSize];

    explicit Memory(sc_module_name n) : sc_module(n), socket("socket")
    {
        std::memset(mem, 0, sizeof(mem));
        socket.bind(*this);
    }
    void b_transport(tlm::tlm_generic_payload &tx, sc_time &t) override
    {
        uint64_t a = tx.get_address() & (kMemSize - 1);
        unsigned len = tx.get_data_length();
        if (tx.get_command() == tlm::TLM_READ_COMMAND)
            std::memcpy(tx.get_data_ptr(), mem + a, len);
        else
            std::memcpy(mem + a, tx.get_data_ptr(), len);
        tx.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

struct Initiator : sc_module, BwStubs {
    tlm::tlm_initiator_socket<> socket;

    explicit Initiator(sc_module_name n) : sc_module(n), socket("socket")
    {
        socket.bind(*this);
    }

    // Runs `count` word accesses, half reads half writes; returns seconds.
    // Errors are counted so that a broken map cannot look fast.
    double run(uint64_t count, uint64_t regions, bool random, uint64_t *errors)
    {
        tlm::tlm_generic_payload tx;
        uint32_t word = 0;
        sc_time t = SC_ZERO_TIME;
        uint64_t x = 0x2545f4914f6cdd1dull, bad = 0;

        tx.set_data_ptr(reinterpret_cast<unsigned char *>(&word));
        tx.set_data_length(4);
        tx.set_streaming_width(4);
        auto t0 = std::chrono::steady_clock::now();
        for (uint64_t i = 0; i < count; i++) {
            uint64_t addr;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if (random) {
                uint64_t r = ((x >> 32) * regions) >> 32; // no division
                addr = r * kStride + (x & (kRegion - 4));
            } else {
                addr = (i * 4) & (kRegion - 4);
            }
            tx.set_command(x & 1 ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
            tx.set_address(addr);
            tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            socket->b_transport(tx, t);
            bad += !tx.is_response_ok();
        }
        auto t1 = std::chrono::steady_clock::now();
        *errors += bad;
        return std::chrono::duration<double>(t1 - t0).count();
    }
};

// The floor under any interconnect: a hop that passes every b_transport
// to its one target through a cached interface pointer, deciding and
// translating nothing.  What the router costs beyond it is its own work.
struct Hop : sc_module, FwStubs, BwStubs {
    tlm::tlm_target_socket<> in;
    tlm::tlm_initiator_socket<> out;
    tlm::tlm_blocking_transport_if<> *target = nullptr;

    explicit Hop(sc_module_name n) : sc_module(n), in("in"), out("out")
    {
        in.bind(*this);
        out.bind(*this);
    }
    void end_of_elaboration() override { target = out.operator->(); }
    void b_transport(tlm::tlm_generic_payload &tx, sc_time &t) override
    {
        target->b_transport(tx, t);
    }
};

struct Row {
    uint64_t regions;
    bool random;
    double direct, routed; // transactions per second
};

struct Bench : sc_module {
    std::vector<uint64_t> sizes{1, 100, 1000, 10000};
    Initiator direct_cpu{"direct_cpu"};
    Memory direct_mem{"direct_mem"};
    Initiator hop_cpu{"hop_cpu"};
    Hop hop{"hop"};
    Memory hop_mem{"hop_mem"};
    Row hop_row{1, false, 0, 0};
    std::vector<std::unique_ptr<Initiator>> cpus;
    std::vector<std::unique_ptr<sclink::Router>> routers;
    std::vector<std::unique_ptr<Memory>> mems;
    uint64_t count;
    std::vector<Row> rows;
    uint64_t errors = 0;

    SC_HAS_PROCESS(Bench);
    Bench(sc_module_name n, uint64_t count) : sc_module(n), count(count)
    {
        direct_cpu.socket.bind(direct_mem.socket);
        hop_cpu.socket.bind(hop.in);
        hop.out.bind(hop_mem.socket);
        for (uint64_t regions : sizes) {
            std::string tag = std::to_string(regions);
            cpus.emplace_back(new Initiator(("cpu" + tag).c_str()));
            routers.emplace_back(new sclink::Router(("router" + tag).c_str(),
                                                    sc_time(1, SC_NS)));
            mems.emplace_back(new Memory(("mem" + tag).c_str()));
            sclink::Router &r = *routers.back();
            cpus.back()->socket.bind(r.in);
            unsigned target = r.bind(mems.back()->socket, 0, kRegion,
                                     0, 0, "r0");
            for (uint64_t i = 1; i < regions; i++)
                r.map(target, i * kStride, kRegion, (i * kRegion) % kMemSize);
        }
        SC_THREAD(run);
    }

    // Direct and routed runs alternate, so that a burst of load from
    // elsewhere on the machine hits both alike; each keeps its best.
    Row measure(Initiator &cpu, uint64_t regions, bool random)
    {
        double d = 1e30, r = 1e30;
        for (int rep = 0; rep < kReps; rep++) {
            d = std::min(d, direct_cpu.run(count, regions, random, &errors));
            r = std::min(r, cpu.run(count, regions, random, &errors));
        }
        return Row{regions, random, count / d, count / r};
    }

    void run()
    {
        hop_row = measure(hop_cpu, 1, false);
        for (int random = 1; random >= 0; random--)
            for (size_t k = 0; k < sizes.size(); k++)
                rows.push_back(measure(*cpus[k], sizes[k], random));
    }
};

// The lookup alone, without TLM around it: does the last-hit cache pay?
struct LookupRow {
    uint64_t regions;
    double random_ns, same_ns, cached_random_ns, cached_same_ns;
};

LookupRow bench_lookup(const sclink_map *m, uint64_t regions, uint64_t count)
{
    LookupRow row{regions, 0, 0, 0, 0};
    double *out[4] = {&row.random_ns, &row.same_ns, &row.cached_random_ns,
                      &row.cached_same_ns};

    for (int mode = 0; mode < 4; mode++) {
        const bool random = mode % 2 == 0, cached = mode >= 2;
        const sclink_map_seg *last = &m->segs[0];
        uint64_t x = 0x2545f4914f6cdd1dull, sum = 0;
        auto t0 = std::chrono::steady_clock::now();
        for (uint64_t i = 0; i < count; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            uint64_t addr = random ? (((x >> 32) * regions) >> 32) * kStride +
                                         (x & (kRegion - 4))
                                   : (i * 4) & (kRegion - 4);
            const sclink_map_seg *s;
            if (cached && sclink__seg_holds(last, addr)) {
                s = last;
            } else {
                s = sclink__map_find(m, addr);
                last = s;
            }
            sum += s->delta;
        }
        auto t1 = std::chrono::steady_clock::now();
        *out[mode] = std::chrono::duration<double, std::nano>(t1 - t0).count() / count;
        if (sum == 42) // keeps the loop's result alive
            std::puts("");
    }
    return row;
}

} // namespace

int sc_main(int argc, char **argv)
{
    uint64_t count = 5000000;
    const char *json = nullptr;

    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--count") && i + 1 < argc)
            count = std::strtoull(argv[++i], nullptr, 0);
        else if (!std::strcmp(argv[i], "--json") && i + 1 < argc)
            json = argv[++i];
        else {
            std::fprintf(stderr, "usage: %s [--count N] [--json FILE]\n", argv[0]);
            return 2;
        }
    }

    Bench bench("bench", count);
    sc_start();

    std::printf("\nrouter b_transport, %" PRIu64 " transactions per figure, best of %d\n\n",
                count, kReps);
    std::printf("| pattern     | regions | direct Mtx/s | routed Mtx/s | routed/direct cost |\n");
    std::printf("|-------------|--------:|-------------:|-------------:|-------------------:|\n");
    for (const Row &r : bench.rows)
        std::printf("| %-11s | %7" PRIu64 " | %12.1f | %12.1f | %17.2fx |\n",
                    r.random ? "random" : "same region", r.regions,
                    r.direct / 1e6, r.routed / 1e6, r.direct / r.routed);
    std::printf("\nfloor: a hop that only forwards (one cached virtual call), same"
                " region:\n%.1f Mtx/s direct, %.1f Mtx/s through the hop, %.2fx\n",
                bench.hop_row.direct / 1e6, bench.hop_row.routed / 1e6,
                bench.hop_row.direct / bench.hop_row.routed);

    std::vector<LookupRow> lookups;
    for (size_t k = 0; k < bench.sizes.size(); k++)
        lookups.push_back(bench_lookup(bench.routers[k]->address_map(),
                                       bench.sizes[k], count));
    std::printf("\nmap lookup alone, ns per lookup\n\n");
    std::printf("| regions | random | same region | random, last-hit cache | same region, last-hit cache |\n");
    std::printf("|--------:|-------:|------------:|-----------------------:|----------------------------:|\n");
    for (const LookupRow &l : lookups)
        std::printf("| %7" PRIu64 " | %6.2f | %11.2f | %22.2f | %27.2f |\n",
                    l.regions, l.random_ns, l.same_ns, l.cached_random_ns,
                    l.cached_same_ns);
    if (bench.errors != 0)
        std::printf("\nWARNING: %" PRIu64 " transactions failed: figures are void\n",
                    bench.errors);

    if (json != nullptr) {
        FILE *f = std::fopen(json, "w");
        if (f == nullptr) {
            std::perror(json);
            return 1;
        }
        std::fprintf(f, "{\n  \"count\": %" PRIu64 ",\n  \"transport\": [\n", count);
        for (size_t i = 0; i < bench.rows.size(); i++) {
            const Row &r = bench.rows[i];
            std::fprintf(f, "    {\"pattern\": \"%s\", \"regions\": %" PRIu64
                         ", \"direct_tps\": %.0f, \"routed_tps\": %.0f,"
                         " \"ratio\": %.3f}%s\n",
                         r.random ? "random" : "same", r.regions, r.direct,
                         r.routed, r.direct / r.routed,
                         i + 1 < bench.rows.size() ? "," : "");
        }
        std::fprintf(f, "  ],\n  \"hop\": {\"direct_tps\": %.0f, \"hop_tps\": %.0f,"
                     " \"ratio\": %.3f},\n", bench.hop_row.direct,
                     bench.hop_row.routed, bench.hop_row.direct / bench.hop_row.routed);
        std::fprintf(f, "  \"lookup_ns\": [\n");
        for (size_t i = 0; i < lookups.size(); i++) {
            const LookupRow &l = lookups[i];
            std::fprintf(f, "    {\"regions\": %" PRIu64 ", \"random\": %.3f,"
                         " \"same\": %.3f, \"cached_random\": %.3f,"
                         " \"cached_same\": %.3f}%s\n",
                         l.regions, l.random_ns, l.same_ns,
                         l.cached_random_ns, l.cached_same_ns,
                         i + 1 < lookups.size() ? "," : "");
        }
        std::fprintf(f, "  ]\n}\n");
        std::fclose(f);
    }
    return bench.errors != 0 ? 1 : 0;
}
