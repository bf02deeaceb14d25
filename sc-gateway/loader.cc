/*
 * sclink::Platform (loader.h): a platform file's gateway, router and
 * models, and the plugins they come from.
 */
#include <cstdio>
#include <cstring>
#include <map>

#include <dlfcn.h>

#include "loader.h"
#include "platform.h"

namespace sclink {

namespace {

/* "-std=c++17" for 201703L; the raw value for a standard not listed. */
std::string std_flag(long cplusplus)
{
    static const struct {
        long value;
        const char *flag;
    } stds[] = {{199711L, "c++98"}, {201103L, "c++11"}, {201402L, "c++14"},
                {201703L, "c++17"}, {202002L, "c++20"}, {202302L, "c++23"}};
    for (const auto &s : stds)
        if (s.value == cplusplus)
            return std::string("-std=") + s.flag;
    return "__cplusplus " + std::to_string(cplusplus) + "L";
}

/*
 * SystemC 2.3 bakes the C++ standard into a symbol every user of its
 * headers references, sc_api_version_2_3_4_cxx201703L: a plugin built
 * with another -std= fails dlopen on it.  Its standard, or 0.
 */
long std_of_missing_sc_api(const char *dlerr)
{
    const char *p = std::strstr(dlerr, "sc_api_version_");
    p = p ? std::strstr(p, "_cxx") : nullptr;
    if (!p)
        return 0;
    char *end;
    long v = std::strtol(p + 4, &end, 10);
    return end != p + 4 && *end == 'L' ? v : 0;
}

GatewayConfig gateway_config(const sclink_platform &pf, const PlatformOptions &o, unsigned lines)
{
    GatewayConfig c;

    c.name = pf.name;
    c.listen = !o.listen.empty() ? o.listen : pf.listen ? pf.listen : "";
    c.socket_group = !o.socket_group.empty() ? o.socket_group
                     : pf.socket_group      ? pf.socket_group : "";
    if (pf.tls) {
        c.tls.creds = pf.tls->creds;
        c.tls.verify_peer = !pf.tls->verify_peer || *pf.tls->verify_peer;
        for (unsigned i = 0; i < pf.tls->allow_count; i++)
            c.tls.allow.push_back(pf.tls->allow[i]);
    }
    /* The command line's credentials replace the file's, allow list too. */
    if (!o.tls_creds.empty()) {
        c.tls = TlsConfig();
        c.tls.creds = o.tls_creds;
    }
    if (!o.tls_allow.empty())
        c.tls.allow = o.tls_allow;
    c.insecure_tcp = pf.insecure_tcp || o.insecure_tcp;
    c.quantum = sc_core::sc_time((double)pf.quantum_ns, sc_core::SC_NS);
    c.quantum_fixed = pf.quantum_fixed;
    c.lookahead = !pf.lookahead || *pf.lookahead;
    if (pf.max_frame)
        c.max_frame = pf.max_frame;
    c.timeout_ms = pf.timeout_ms;
    if (pf.idle_timeout_ms)
        c.idle_timeout_ms = *pf.idle_timeout_ms;
    if (pf.stuck_timeout_ms)
        c.stuck_timeout_ms = *pf.stuck_timeout_ms;
    c.exit_when_stuck = o.exit_when_stuck;
    if (pf.max_time_jump_ms)
        c.max_time_jump_ps = *pf.max_time_jump_ms > UINT64_MAX / 1000000000
                                 ? 0 : *pf.max_time_jump_ms * 1000000000;
    c.vendor_id = pf.pci->vendor_id;
    c.device_id = pf.pci->device_id;
    c.subsystem_vendor_id = pf.pci->subsystem_vendor_id;
    c.subsystem_id = pf.pci->subsystem_id;
    if (pf.pci->class_code)
        c.class_code = pf.pci->class_code;
    c.revision = pf.pci->revision;
    switch (pf.pci->interrupt) {
    case SCLINK_PLATFORM_IRQ_INTX: c.irq_kind = IrqKind::intx; break;
    case SCLINK_PLATFORM_IRQ_MSI: c.irq_kind = IrqKind::msi; break;
    case SCLINK_PLATFORM_IRQ_MSIX: c.irq_kind = IrqKind::msix; break;
    default: c.irq_kind = IrqKind::none; break;
    }
    c.vectors = pf.pci->vectors;
    for (unsigned i = 0; i < pf.bars_count; i++) {
        BarConfig b;
        b.index = pf.bars[i].index;
        b.size = pf.bars[i].size;
        b.base = pf.bars[i].base;
        b.is64 = pf.bars[i].is64;
        b.prefetchable = pf.bars[i].prefetchable;
        b.posted_writes = pf.bars[i].posted_writes;
        c.bars.push_back(b);
    }
    c.irq_lines = lines;
    c.serve = o.serve;
    c.trace_path = o.trace;
    c.quiet = o.quiet;
    return c;
}

} // namespace

bool load_plugin(const std::string &path, std::string &err)
{
    const std::string ours = std_flag(SC_CPLUSPLUS);
    void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        long theirs = std_of_missing_sc_api(why);
        if (theirs && theirs != SC_CPLUSPLUS)
            err = "plugin " + path + " was compiled with " + std_flag(theirs) +
                  ", but the SystemC here was built with " + ours + ": rebuild the plugin with " +
                  ours + " (" + why + ")";
        else if (std::strstr(why, "register_model_type"))
            /* The factory's type is in the registry's mangled name. */
            err = "plugin " + path + " was built against another sclink's model API (plugin ABI " +
                  "before " + std::to_string(SCLINK_PLUGIN_ABI) + "?): rebuild it against this " +
                  "sclink's headers (" + why + ")";
        else
            err = std::string("cannot load plugin: ") + why;
        return false;
    }
    const auto *e = static_cast<const sclink_plugin_entry *>(dlsym(h, SCLINK_PLUGIN_SYMBOL));
    if (!e) {
        err = "plugin " + path + " has no " SCLINK_PLUGIN_SYMBOL " entry" +
              (dlsym(h, "sclink_plugin_init")
                   ? std::string(": it was written for plugin ABI 1 (sclink_plugin_init()); "
                                 "its factories must make a std::unique_ptr<Model> (doc/gateway.md, "
                                 "\"Plugins\"), then declare SCLINK_PLUGIN(init) and rebuild")
                   : std::string(" (declare SCLINK_PLUGIN(init) in one of its sources)"));
        goto out_close;
    }
    if (e->abi != SCLINK_PLUGIN_ABI) {
        err = "plugin " + path + " was built for plugin ABI " + std::to_string(e->abi) +
              ", this gateway loads ABI " + std::to_string(SCLINK_PLUGIN_ABI) +
              ": rebuild it against this sclink's headers";
        goto out_close;
    }
    if (e->cplusplus != SC_CPLUSPLUS || !e->systemc || std::strcmp(e->systemc, SC_VERSION) != 0) {
        err = "plugin " + path + " was built with " + std_flag(e->cplusplus) + " against SystemC " +
              (e->systemc ? e->systemc : "(none)") + ", this gateway with " + ours +
              " against SystemC " SC_VERSION ": rebuild it with " + ours;
        goto out_close;
    }
    if (int r = e->init(); r < 0) {
        err = "plugin " + path + ": its init refused (" + std::to_string(r) + ")";
        goto out_close;
    }
    /* The plugin's code stays loaded for the life of the process. */
    return true;
out_close:
    dlclose(h);
    return false;
}

struct Platform::Impl {
    std::unique_ptr<sclink_platform, void (*)(sclink_platform *)> pf{nullptr, sclink_platform_free};
    PlatformOptions opts;
    std::unique_ptr<Router> router;
    /* Declared after the router and before the gateway: destroyed first. */
    std::vector<std::unique_ptr<Model>> models;
    std::map<std::string, Model *> by_name;
    std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> signals;
    /* Line N's signal and who drives it (for messages); nullptr: unused. */
    std::vector<sc_core::sc_signal<bool> *> line_signal;
    std::vector<std::string> line_owner;
    std::vector<tlm::tlm_initiator_socket<> *> dma;
    std::vector<MsiPort *> msi;
    std::unique_ptr<Gateway> gateway;

    sc_core::sc_signal<bool> *new_signal(const std::string &name)
    {
        signals.emplace_back(new sc_core::sc_signal<bool>(name.c_str(), false));
        return signals.back().get();
    }
    /* "FILE:LINE: devices[i] (name): " for the errors of a model. */
    std::string where(unsigned i) const
    {
        return std::string(pf->path) + ":" + std::to_string(pf->devices[i].line) +
               ": devices[" + std::to_string(i) + "] (" + pf->devices[i].name + "): ";
    }
    /* Binds `out` to line `line`: false if another has it. */
    bool take_line(sc_core::sc_out<bool> &out, unsigned line, const std::string &who,
                   std::string &err);
    bool make_model(unsigned i, std::string &err);
};

bool Platform::Impl::take_line(sc_core::sc_out<bool> &out, unsigned line, const std::string &who,
                               std::string &err)
{
    if (line >= line_signal.size()) {
        line_signal.resize(line + 1, nullptr);
        line_owner.resize(line + 1);
    }
    if (line_signal[line]) {
        err = "irq: line " + std::to_string(line) + " is already used by " + line_owner[line];
        return false;
    }
    line_signal[line] = new_signal(who + "_irq" + std::to_string(line));
    line_owner[line] = who;
    out.bind(*line_signal[line]);
    return true;
}

bool Platform::Impl::make_model(unsigned i, std::string &err)
{
    const sclink_platform_device &d = pf->devices[i];
    ModelConfig mc;
    mc.name = d.name;
    mc.type = d.type;
    for (unsigned k = 0; k < sclink_platform_device_targets(&d); k++) {
        sclink_platform_window w = sclink_platform_device_target(&d, k);
        ModelConfig::Window mw;
        mw.base = w.base;
        mw.size = w.size;
        mc.windows.push_back(mw);
    }
    mc.base = mc.windows[0].base;
    mc.size = mc.windows[0].size;
    for (unsigned k = 0; k < sclink_platform_device_lines(&d); k++)
        mc.irqs.push_back((int)sclink_platform_device_line(&d, k));
    mc.irq = mc.irqs.empty() ? -1 : mc.irqs[0];
    for (unsigned j = 0; j < d.params_count; j++)
        mc.params[d.params[j].key] = d.params[j].value;

    ModelFactory make = find_model_type(d.type);
    if (!make) {
        std::string known;
        for (const std::string &t : model_types())
            known += (known.empty() ? "" : ", ") + t;
        err = where(i) + "type: unknown model type '" + d.type + "' (known: " + known + ")";
        return false;
    }
    std::unique_ptr<Model> m;
    if (!make(mc, m, err)) {
        err = where(i) + err;
        return false;
    }
    if (!m || !dynamic_cast<sc_core::sc_module *>(m.get())) {
        err = where(i) + "type: model type '" + d.type + "' made " +
              (m ? "an object that is not an sc_core::sc_module" : "nothing, yet said it did") +
              " (doc/gateway.md, \"Plugins\")";
        return false;
    }
    Model *mp = m.get();
    models.push_back(std::move(m));
    by_name[d.name] = mp;
    std::vector<tlm::tlm_target_socket<> *> targets = mp->targets();
    if (targets.size() != mc.windows.size()) {
        err = where(i) + (d.targets_count ? "targets: " : "base: ") +
              std::to_string(mc.windows.size()) + " window(s) given, but model type '" + d.type +
              "' has " + std::to_string(targets.size()) + " target socket(s)" +
              (d.targets_count ? "" : " (list them under targets:)");
        return false;
    }
    for (size_t k = 0; k < targets.size(); k++) {
        sclink_platform_window w = sclink_platform_device_target(&d, (unsigned)k);
        /* The map names a model's second and later windows NAME.K. */
        router->bind(*targets[k], w.base, w.size, w.offset, (int)w.priority,
                     k ? std::string(d.name) + "." + std::to_string(k) : std::string(d.name));
    }
    if (mp->dma_initiator())
        dma.push_back(mp->dma_initiator());
    if (mp->msi_port())
        msi.push_back(mp->msi_port());

    std::vector<sc_core::sc_out<bool> *> outs = mp->irq_outs();
    if (mc.irqs.size() > outs.size()) {
        err = where(i) + (d.irqs_count ? "irqs: " : "irq: ") + std::to_string(mc.irqs.size()) +
              " line(s) given, but model type '" + d.type + "' has " +
              (outs.empty() ? std::string("no interrupt output")
                            : std::to_string(outs.size()) + " interrupt output(s)");
        return false;
    }
    for (size_t k = 0; k < outs.size(); k++) {
        if (k < mc.irqs.size()) {
            if (!take_line(*outs[k], (unsigned)mc.irqs[k], d.name, err)) {
                err = where(i) + err;
                return false;
            }
        } else {
            /* An output the file connects nowhere: SystemC wants it bound. */
            outs[k]->bind(*new_signal(std::string(d.name) + "_irq_out" + std::to_string(k)));
        }
    }
    return true;
}

Platform::Platform(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Platform::~Platform() = default;

std::unique_ptr<Platform> Platform::load(const std::string &path, const PlatformOptions &opts,
                                         std::string &err)
{
    char why[512];
    sclink_platform *pf = nullptr;

    if (sclink_platform_load(path.c_str(), &pf, why, sizeof(why)) < 0) {
        err = why;
        return nullptr;
    }
    std::unique_ptr<Impl> impl(new Impl);
    impl->pf.reset(pf);
    impl->opts = opts;
    register_builtin_models();
    for (const std::string &p : opts.plugins)
        if (!load_plugin(p, err))
            return nullptr;
    impl->router.reset(new Router(
        "router", sc_core::sc_time((double)pf->routing_latency_ns, sc_core::SC_NS)));
    for (unsigned i = 0; i < pf->devices_count; i++)
        if (!impl->make_model(i, err))
            return nullptr;
    return std::unique_ptr<Platform>(new Platform(std::move(impl)));
}

bool Platform::map(tlm::tlm_target_socket<> &target, uint64_t base, uint64_t size,
                   const std::string &name, std::string &err, uint64_t offset, int priority)
{
    if (impl_->gateway) {
        err = name + ": mapped after build()";
        return false;
    }
    if (size == 0 || size - 1 > UINT64_MAX - base) {
        err = name + ": [" + std::to_string(base) + ", +" + std::to_string(size) +
              ") is empty or wraps past 2^64";
        return false;
    }
    impl_->router->bind(target, base, size, offset, priority, name);
    return true;
}

bool Platform::add_irq(sc_core::sc_out<bool> &out, unsigned line, const std::string &name,
                       std::string &err)
{
    if (impl_->gateway) {
        err = name + ": interrupt line added after build()";
        return false;
    }
    if (line > 2047) {
        err = name + ": irq: " + std::to_string(line) + " is not a line 0..2047";
        return false;
    }
    if (!impl_->take_line(out, line, name, err)) {
        err = name + ": " + err;
        return false;
    }
    return true;
}

void Platform::add_dma(tlm::tlm_initiator_socket<> &dma)
{
    impl_->dma.push_back(&dma);
}

bool Platform::build(std::string &err)
{
    Impl &p = *impl_;

    if (p.gateway) {
        err = "build(): the platform is built already";
        return false;
    }
    unsigned lines = (unsigned)p.line_signal.size();
    GatewayConfig cfg = gateway_config(*p.pf, p.opts, lines);
    p.gateway.reset(new Gateway("gateway", cfg));
    Gateway &g = *p.gateway;
    g.initiator.bind(p.router->in);
    for (tlm::tlm_initiator_socket<> *d : p.dma)
        d->bind(g.dma);
    for (MsiPort *m : p.msi)
        m->bind(g.msi);
    for (unsigned l = 0; l < lines; l++)
        g.irq[l].bind(p.line_signal[l] ? *p.line_signal[l]
                                       : *p.new_signal("unused_line_" + std::to_string(l)));
    std::string why;
    if (!p.router->build(why)) {
        err = std::string(p.pf->path) + ": address map: " + why;
        return false;
    }
    const sclink_map *map = p.router->address_map();
    g.set_target_namer([map](uint64_t addr) {
        const sclink_map_seg *seg = sclink_map_find(map, addr);
        const char *n = seg ? sclink_map_entry_name(map, seg->entry) : nullptr;
        return std::string(n && *n ? n : "(unmapped)");
    });
    g.on_reset([&p]() {
        for (const std::unique_ptr<Model> &m : p.models)
            m->reset();
    });
    return true;
}

Gateway &Platform::gateway()
{
    if (!impl_->gateway)
        SC_REPORT_ERROR(kLogType, "sclink::Platform::gateway() before build()");
    return *impl_->gateway;
}

Router &Platform::router()
{
    return *impl_->router;
}

Model *Platform::model(const std::string &name) const
{
    auto it = impl_->by_name.find(name);
    return it == impl_->by_name.end() ? nullptr : it->second;
}

void Platform::print_map(std::ostream &os) const
{
    const sclink_platform &pf = *impl_->pf;
    char line[160];

    os << "sclink-gateway: address map of " << pf.path << ":\n";
    impl_->router->print(os);
    for (unsigned i = 0; i < pf.bars_count; i++) {
        std::snprintf(line, sizeof(line), "  BAR%u: %#llx bytes at router address %#llx%s\n",
                      pf.bars[i].index, (unsigned long long)pf.bars[i].size,
                      (unsigned long long)pf.bars[i].base,
                      pf.bars[i].posted_writes ? ", posted writes" : "");
        os << line;
    }
}

} // namespace sclink
