/*
 * The contract between the gateway and the SystemC models it hosts:
 * built-in ones and those that plugins add.  A model is an sc_module that
 * also implements sclink::Model, so the platform builder can bind its bus
 * target to the router, its DMA initiator to the gateway and its interrupt
 * output to a gateway interrupt line without knowing its type.
 */
#ifndef SCLINK_MODEL_H
#define SCLINK_MODEL_H

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

namespace sclink {

/* What a platform file says about one device instance. */
struct ModelConfig {
    std::string name;   /* instance name, unique in the platform */
    std::string type;   /* registered model type, e.g. "memory" */
    uint64_t base = 0;  /* router address the model is mapped at */
    uint64_t size = 0;  /* bytes of address space the model decodes */
    /* Every target's window, in the order of Model::targets(); base and
     * size above are the first's (targets: [...] in the platform file). */
    struct Window {
        uint64_t base = 0;
        uint64_t size = 0;
    };
    std::vector<Window> windows;
    int irq = -1;       /* gateway interrupt line, -1: not connected */
    std::vector<int> irqs; /* every line, in the order of irq_outs(); irq
                              is the first (irq: N, or irqs: [N, M, ...]) */
    std::map<std::string, std::string> params; /* model-specific */

    /*
     * Typed access to params.  Absent keys leave `out` untouched and
     * return true; a malformed or out-of-range value returns false with
     * `out` untouched and a message in err naming the instance, the key
     * and the value (quoted, with control and non-ASCII bytes and quotes
     * written as C escapes): "dev0: param 'period': '10 parsecs' is not a
     * time (unknown unit 'parsecs'; units: fs, ps, ns, us, ms, s)".
     * doc/gateway.md, "Model params", has the syntax of each.
     */
    /* Decimal, or hexadecimal after 0x; no sign, no octal, no blanks. */
    bool get_u64(const std::string &key, uint64_t &out, std::string &err) const;
    /* The same, refused unless min <= value <= max. */
    bool get_u64(const std::string &key, uint64_t &out, uint64_t min,
                 uint64_t max, std::string &err) const;
    /*
     * A size in bytes: an integer as get_u64 takes it, then optionally a
     * binary suffix, K or KiB (2^10), M or MiB (2^20), G or GiB (2^30),
     * T or TiB (2^40), case as written, one blank allowed before it:
     * "4096", "0x1000", "4K", "64 KiB", "1M".  Overflow past 2^64 - 1 is
     * refused; the second form also checks min <= value <= max.
     */
    bool get_size(const std::string &key, uint64_t &out, std::string &err) const;
    bool get_size(const std::string &key, uint64_t &out, uint64_t min,
                  uint64_t max, std::string &err) const;
    /*
     * A time: a decimal number with an optional fraction, blanks allowed,
     * and a unit, one of fs ps ns us ms s: "10 ns", "1us", "2.5 ms".  A
     * missing or unknown unit, a sign, a value that is not a whole number
     * of the SystemC time resolution, or one past what sc_time holds are
     * refused.
     */
    bool get_time(const std::string &key, sc_core::sc_time &out,
                  std::string &err) const;
    /* true/false, 1/0, yes/no, on/off, any case. */
    bool get_bool(const std::string &key, bool &out, std::string &err) const;
    /*
     * One of `allowed`, exactly as written; out is set to the value's
     * index in `allowed`.  The error lists the allowed values.
     */
    bool get_enum(const std::string &key, const std::vector<std::string> &allowed,
                  unsigned &out, std::string &err) const;
    bool get_str(const std::string &key, std::string &out) const;
    /* Fails (false, err set) if params holds a key not in `known`. */
    bool only_keys(const std::vector<std::string> &known, std::string &err) const;
};

/*
 * Raising an MSI or MSI-X vector of the PCI function: the gateway
 * implements it; a model reaches it through an MsiPort (Model::msi_port),
 * which the platform binds to the gateway.  trigger_msi may be called from
 * any SystemC process; a vector the device does not have (pci.vectors)
 * or a device without MSI is logged and dropped.
 */
class MsiIf : public virtual sc_core::sc_interface {
public:
    virtual void trigger_msi(unsigned vector) = 0;
};
using MsiPort = sc_core::sc_port<MsiIf, 1, sc_core::SC_ZERO_OR_MORE_BOUND>;

class Model {
public:
    virtual ~Model() = default;
    /*
     * The register/memory interface, bound to the router: bus width 32,
     * tlm_base_protocol_types, reached through b_transport and
     * transport_dbg only.  An AT target goes behind sclink::AtAdapter
     * (at-adapter.h), a socket of other traits behind a bridge
     * (doc/gateway.md, "Using existing TLM-2.0 models").
     */
    virtual tlm::tlm_target_socket<> &target() = 0;
    /*
     * Every bus target, each mapped to its window of cfg.windows, in
     * order.  The default is target() alone; a model with several
     * returns them all here (target() being the first).
     */
    virtual std::vector<tlm::tlm_target_socket<> *> targets() { return {&target()}; }
    /* A bus master's socket (same traits), bound to the gateway's DMA socket. */
    virtual tlm::tlm_initiator_socket<> *dma_initiator() { return nullptr; }
    /* Interrupt output, bound to a gateway interrupt line (cfg.irq). */
    virtual sc_core::sc_out<bool> *irq_out() { return nullptr; }
    /*
     * Every interrupt output, bound in order to the lines cfg.irqs lists
     * (one left out of the list is bound to a line of its own that
     * reaches nothing).  The default is irq_out() alone; a model with
     * several outputs returns them all here.
     */
    virtual std::vector<sc_core::sc_out<bool> *> irq_outs()
    {
        sc_core::sc_out<bool> *o = irq_out();
        return o ? std::vector<sc_core::sc_out<bool> *>{o} : std::vector<sc_core::sc_out<bool> *>{};
    }
    /* An MSI port, bound to the gateway: vectors raised directly. */
    virtual MsiPort *msi_port() { return nullptr; }
    /* Back to the power-on state: the gateway calls it between links and
     * when QEMU resets the device (doc/protocol.md 8.10). */
    virtual void reset() {}
};

/*
 * Creates an instance during elaboration into `out` and returns true; for
 * a configuration it refuses, returns false with err set (naming the
 * instance and the problem), out untouched.  The object must also be an
 * sc_core::sc_module (the platform checks, and refuses one that is not).
 * Whoever called the factory owns what it made: nothing leaks on an
 * error return.  The C++ error convention (doc/architecture.md).
 */
using ModelFactory = bool (*)(const ModelConfig &cfg, std::unique_ptr<Model> &out,
                              std::string &err);

/* Type registry shared by built-ins and plugins.  False if taken. */
bool register_model_type(const std::string &type, ModelFactory factory);
ModelFactory find_model_type(const std::string &type);
std::vector<std::string> model_types();

/* Registers the built-in types (memory, uart, timer, dma, id). */
void register_builtin_models();

} // namespace sclink

/*
 * The plugin ABI: what a plugin and the gateway that loads it must agree
 * on (Model, ModelConfig, ModelFactory, the registry).  Raised with every
 * incompatible change: 3 since factories make a std::unique_ptr<Model>
 * and a Model has targets(), irq_outs() and msi_port(); 2 since factories return
 * bool (1: a Model*).
 */
#define SCLINK_PLUGIN_ABI 3

/* What a plugin was built with, and its init (doc/gateway.md, "Plugins"). */
struct sclink_plugin_entry {
    unsigned abi;        /* SCLINK_PLUGIN_ABI */
    long cplusplus;      /* the C++ standard, SC_CPLUSPLUS (e.g. 201703L) */
    const char *systemc; /* SC_VERSION of the SystemC headers */
    int (*init)(void);   /* registers its types: 0, or negative to refuse */
};

/*
 * A plugin (--plugin libfoo.so) says SCLINK_PLUGIN(init) once, at file
 * scope; the gateway checks the entry, then calls init() once after
 * dlopen.
 */
#define SCLINK_PLUGIN(init_fn)                                                 \
    extern "C" const struct sclink_plugin_entry sclink_plugin = {              \
        SCLINK_PLUGIN_ABI, SC_CPLUSPLUS, SC_VERSION, (init_fn)}
#define SCLINK_PLUGIN_SYMBOL "sclink_plugin"

#endif /* SCLINK_MODEL_H */
