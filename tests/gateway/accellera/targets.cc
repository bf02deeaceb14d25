/*
 * A test plugin wrapping Accellera's TLM-2.0 example targets, unmodified,
 * as sclink model types: the tests build it at test time from the sources
 * Debian's libsystemc-doc installs (tests/gateway/accellera/lib.sh), never
 * from copies in this tree.  Built with -DACCELLERA_LT it registers
 *
 *   accellera-lt-target        lt_target         (b_transport, annotates)
 *   accellera-lt-synch-target  lt_synch_target   (wait()s in b_transport)
 *
 * and with -DACCELLERA_AT, each behind sclink::AtAdapter,
 *
 *   accellera-at-target-1-phase      at_target_1_phase
 *   accellera-at-target-2-phase      at_target_2_phase
 *   accellera-at-target-4-phase      at_target_4_phase
 *   accellera-at-target-ooo-2-phase  at_target_ooo_2_phase
 *
 * Params, all optional: memory_size (bytes of the target's memory,
 * default the window's size; a multiple of 4), accept_ns, read_ns,
 * write_ns (the delays the examples use, 10, 50 and 30).  The examples'
 * own reports are on, as their sc_main turns them on: INFO lines on
 * stdout show the phases.
 */
#include <string>

#include <systemc>
#include <tlm>

#define REPORT_DEFINE_GLOBALS
#include "reporting.h"

#include "model.h"

#ifdef ACCELLERA_LT
#include "lt_synch_target.h"
#include "lt_target.h"
#endif
#ifdef ACCELLERA_AT
#include "at-adapter.h"
#include "at_target_1_phase.h"
#include "at_target_2_phase.h"
#include "at_target_4_phase.h"
#include "at_target_ooo_2_phase.h"
#endif

namespace {

struct Delays {
    uint64_t memory_size = 0, accept_ns = 10, read_ns = 50, write_ns = 30;
};

sc_core::sc_time ns(uint64_t n)
{
    return sc_core::sc_time(static_cast<double>(n), sc_core::SC_NS);
}

/* An LT target: its own socket is the model's. */
template <class Target>
class Lt : public sc_core::sc_module, public sclink::Model {
public:
    Lt(sc_core::sc_module_name name, const Delays &d)
        : sc_module(name),
          target_("target", 201, "memory_socket", d.memory_size, 4, ns(d.accept_ns),
                  ns(d.read_ns), ns(d.write_ns))
    {
    }
    tlm::tlm_target_socket<> &target() override { return target_.m_memory_socket; }

private:
    Target target_;
};

#ifdef ACCELLERA_AT
/* An AT target behind the adapter: the one line is out.bind(). */
template <class Target>
class At : public sc_core::sc_module, public sclink::Model {
public:
    At(sc_core::sc_module_name name, const Delays &d)
        : sc_module(name),
          target_("target", 201, "memory_socket", d.memory_size, 4, ns(d.accept_ns),
                  ns(d.read_ns), ns(d.write_ns)),
          adapter_("adapter")
    {
        adapter_.out.bind(target_.m_memory_socket);
    }
    tlm::tlm_target_socket<> &target() override { return adapter_.in; }

private:
    Target target_;
    sclink::AtAdapter adapter_;
};
#endif

template <class Wrapped>
bool make(const sclink::ModelConfig &cfg, std::unique_ptr<sclink::Model> &out, std::string &err)
{
    Delays d;

    d.memory_size = cfg.size;
    if (!cfg.only_keys({"memory_size", "accept_ns", "read_ns", "write_ns"}, err) ||
        !cfg.get_u64("memory_size", d.memory_size, err) ||
        !cfg.get_u64("accept_ns", d.accept_ns, err) || !cfg.get_u64("read_ns", d.read_ns, err) ||
        !cfg.get_u64("write_ns", d.write_ns, err))
        return false;
    if (d.memory_size < 4 || d.memory_size % 4) {
        err = cfg.name + ": memory_size " + std::to_string(d.memory_size) +
              " is not a positive multiple of the 4-byte memory width";
        return false;
    }
    if (cfg.irq >= 0) {
        err = cfg.name + ": the Accellera example targets have no interrupt output";
        return false;
    }
    out.reset(new Wrapped(cfg.name.c_str(), d));
    return true;
}

} // namespace

static int init_plugin(void)
{
    bool ok = true;

    REPORT_ENABLE_ALL_REPORTING();
#ifdef ACCELLERA_LT
    ok = ok && sclink::register_model_type("accellera-lt-target", make<Lt<lt_target>>);
    ok = ok && sclink::register_model_type("accellera-lt-synch-target", make<Lt<lt_synch_target>>);
#endif
#ifdef ACCELLERA_AT
    ok = ok && sclink::register_model_type("accellera-at-target-1-phase",
                                           make<At<at_target_1_phase>>);
    ok = ok && sclink::register_model_type("accellera-at-target-2-phase",
                                           make<At<at_target_2_phase>>);
    ok = ok && sclink::register_model_type("accellera-at-target-4-phase",
                                           make<At<at_target_4_phase>>);
    ok = ok && sclink::register_model_type("accellera-at-target-ooo-2-phase",
                                           make<At<at_target_ooo_2_phase>>);
#endif
    return ok ? 0 : -1;
}

SCLINK_PLUGIN(init_plugin);
