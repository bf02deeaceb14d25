/*
 * A platform file made into SystemC modules, for sclink-gateway and for a
 * user's own sc_main: the gateway, the router and the models the file
 * names (built-in types and plugins), bound as it says, with room for the
 * user's own modules beside them (doc/gateway.md, "Library use").
 *
 *     std::string err;
 *     auto p = sclink::Platform::load("platform.yaml", {}, err);
 *     if (!p) ...                                  // "FILE:LINE: ..."
 *     MyDevice mine("mine");
 *     p->map(mine.socket, 0x2000, 0x100, "mine", err);   // before build()
 *     if (!p->build(err) || !p->gateway().listen(err)) ...
 *     sc_core::sc_start();
 *     return p->gateway().finish();
 *
 * The Platform owns every model, signal and module it made; they go with
 * it.  Errors follow the C++ convention of doc/architecture.md: false (or
 * nullptr) and a message in err.
 */
#ifndef SCLINK_LOADER_H
#define SCLINK_LOADER_H

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "gateway.h"
#include "model.h"
#include "router.h"

namespace sclink {

/* What a command line may change of a platform file. */
struct PlatformOptions {
    std::string listen;       /* "": the file's listen, else the default */
    std::string socket_group; /* "": the file's */
    std::string tls_creds;    /* "x509:DIR" or "psk:DIR": replaces the file's tls: */
    std::vector<std::string> tls_allow; /* X.509 client DNs: replaces the file's */
    bool insecure_tcp = false; /* plain TCP off loopback (the file may say so too) */
    std::string trace;        /* a transaction trace file; "": none */
    std::vector<std::string> plugins; /* model plugins, loaded before the models */
    bool serve = false;       /* GatewayConfig::serve */
    bool quiet = false;       /* GatewayConfig::quiet */
    bool exit_when_stuck = false; /* GatewayConfig::exit_when_stuck */
};

/*
 * Loads a plugin (--plugin): checks its entry (ABI, C++ standard, SystemC
 * version) and calls its init.  Its code stays loaded for the process's
 * life.  Called by Platform::load for PlatformOptions::plugins.
 */
bool load_plugin(const std::string &path, std::string &err);

class Platform {
public:
    /*
     * Reads PATH, loads the plugins, makes the router and the models, and
     * maps each model's target.  The gateway is made by build().
     */
    static std::unique_ptr<Platform> load(const std::string &path, const PlatformOptions &opts,
                                          std::string &err);
    ~Platform();
    Platform(const Platform &) = delete;
    Platform &operator=(const Platform &) = delete;

    /*
     * Before build(): the user's own modules.  map() puts a target at
     * [base, base + size) of the router (offset added to each address the
     * target sees; the higher priority wins an overlap); add_irq() binds
     * an interrupt output to a gateway line no model of the file uses;
     * add_dma() binds a bus master to the gateway's DMA socket.
     */
    bool map(tlm::tlm_target_socket<> &target, uint64_t base, uint64_t size,
             const std::string &name, std::string &err, uint64_t offset = 0, int priority = 0);
    bool add_irq(sc_core::sc_out<bool> &out, unsigned line, const std::string &name,
                 std::string &err);
    void add_dma(tlm::tlm_initiator_socket<> &dma);

    /*
     * Makes the gateway and binds the rest to it, then builds the address
     * map (overlaps of equal priority are refused here).  Once.
     */
    bool build(std::string &err);

    Gateway &gateway();             /* after build() */
    Router &router();
    /* The model of that instance name, or nullptr. */
    Model *model(const std::string &name) const;
    /* The address map and the BARs, as sclink-gateway prints them. */
    void print_map(std::ostream &os) const;

private:
    struct Impl;
    explicit Platform(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace sclink

#endif /* SCLINK_LOADER_H */
