/*
 * A protocol bridge, as a plugin: Accellera's lt_target_extension_mandatory
 * (libsystemc-doc's examples/tlm/lt_extension_mandatory) behind the gateway.
 *
 * The router binds a model's Model::target(), a tlm::tlm_target_socket<>:
 * 32 bits wide, tlm_base_protocol_types.  That target's socket has other
 * protocol traits (tlm_target_socket<32, extension_initiator_id>), so it
 * cannot bind there, and it needs an extension on every transaction that
 * the gateway never sets.  The bridge is a base-protocol target on one
 * side and an initiator of the other protocol on the other; on each call
 * it adds what the other protocol needs (here the extension), forwards the
 * same payload, and takes it off again before returning.  The pattern
 * holds for any traits class whose payload is tlm_generic_payload; for
 * another payload type the bridge would translate field by field.
 *
 * Model type "extension-mandatory".  The target's memory is 400 bytes
 * (0x190) and it only handles aligned 4-byte accesses: size the window to
 * 0x190 and the guest keeps to words (an address beyond asserts, a
 * shorter access has 4 bytes copied anyway).  Built at test time by
 * tests/gateway/example-protocol-bridge.sh, with the example's sources.
 */
#include <string>

#include <systemc>
#include <tlm>

#define REPORT_DEFINE_GLOBALS
#include "reporting.h"

#include "extension_initiator_id.h"
#include "lt_target_extension_mandatory.h"
#include <sclink/model.h>

namespace {

/* The other protocol: Accellera's traits class is the extension itself. */
using OtherTypes = extension_initiator_id;

class ExtensionBridge : public sc_core::sc_module,
                        public tlm::tlm_fw_transport_if<>,
                        public tlm::tlm_bw_transport_if<OtherTypes> {
public:
    tlm::tlm_target_socket<> in;                     /* the router's side */
    tlm::tlm_initiator_socket<32, OtherTypes> out;   /* the model's side */

    ExtensionBridge(sc_core::sc_module_name name, const std::string &initiator_id)
        : sc_module(name), in("in"), out("out")
    {
        in.bind(*static_cast<tlm::tlm_fw_transport_if<> *>(this));
        out.bind(*static_cast<tlm::tlm_bw_transport_if<OtherTypes> *>(this));
        ext_.m_initiator_id = initiator_id;
    }

    void b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &delay) override
    {
        With with(tx, ext_);
        out->b_transport(tx, delay);
    }
    unsigned int transport_dbg(tlm::tlm_generic_payload &tx) override
    {
        With with(tx, ext_);
        return out->transport_dbg(tx);
    }
    bool get_direct_mem_ptr(tlm::tlm_generic_payload &tx, tlm::tlm_dmi &dmi) override
    {
        With with(tx, ext_);
        return out->get_direct_mem_ptr(tx, dmi);
    }
    /* Neither the router nor the gateway calls the non-blocking path. */
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &tx, tlm::tlm_phase &,
                                       sc_core::sc_time &) override
    {
        tx.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return tlm::TLM_COMPLETED;
    }
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload &, tlm::tlm_phase &,
                                       sc_core::sc_time &) override
    {
        return tlm::TLM_COMPLETED;
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override
    {
        in->invalidate_direct_mem_ptr(start, end);
    }

private:
    extension_initiator_id ext_;

    /* The extension is on the payload for the call only. */
    struct With {
        tlm::tlm_generic_payload &tx;
        extension_initiator_id *prev;
        With(tlm::tlm_generic_payload &t, extension_initiator_id &e)
            : tx(t), prev(t.set_extension(&e)) {}
        ~With()
        {
            if (prev)
                tx.set_extension(prev);
            else
                tx.clear_extension<extension_initiator_id>();
        }
    };
};

class ExtensionMandatory : public sc_core::sc_module, public sclink::Model {
public:
    explicit ExtensionMandatory(sc_core::sc_module_name name)
        : sc_module(name), target_("target", sc_core::sc_time(25, sc_core::SC_NS)),
          bridge_("bridge", "sclink-gateway")
    {
        bridge_.out.bind(target_.m_socket);
    }
    tlm::tlm_target_socket<> &target() override { return bridge_.in; }

private:
    lt_target_extension_mandatory target_;
    ExtensionBridge bridge_;
};

bool make(const sclink::ModelConfig &cfg, std::unique_ptr<sclink::Model> &out, std::string &err)
{
    if (!cfg.only_keys({}, err))
        return false;
    if (cfg.size > 0x190) {
        err = cfg.name + ": size " + std::to_string(cfg.size) +
              " is beyond the target's 400 bytes (0x190), where it asserts";
        return false;
    }
    out.reset(new ExtensionMandatory(cfg.name.c_str()));
    return true;
}

} // namespace

static int init_plugin(void)
{
    REPORT_ENABLE_ALL_REPORTING();
    return sclink::register_model_type("extension-mandatory", make) ? 0 : -1;
}

SCLINK_PLUGIN(init_plugin);
