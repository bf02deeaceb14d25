/*
 * Using sclink as a library: your own sc_main, your own model, the gateway
 * from libsclink-gateway.  Build against an installed sclink with
 *     g++ custom_main.cc $(pkg-config --cflags --libs sclink-gateway) -o custom-main
 * and run it as `custom-main unix:/tmp/my.sock`; QEMU (or sclink-client)
 * then reads and writes the accumulator through BAR0.
 */
#include <cstdint>
#include <cstring>
#include <iostream>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <sclink/gateway.h>

/*
 * The user's model: a 32-bit accumulator.  Writing 0x0 adds the value,
 * reading 0x0 returns the sum, reading 0x4 the number of additions.  A
 * proper TLM target: anything else is answered with the exact TLM error.
 */
class Accumulator : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<Accumulator> socket;

    explicit Accumulator(sc_core::sc_module_name name) : sc_module(name), socket("socket")
    {
        socket.register_b_transport(this, &Accumulator::b_transport);
    }

private:
    uint32_t sum_ = 0, count_ = 0;

    void b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &delay)
    {
        uint64_t addr = tx.get_address();
        uint32_t v = 0;

        if (tx.get_data_length() != 4 || tx.get_streaming_width() != 4) {
            tx.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
            return;
        }
        if (tx.get_byte_enable_ptr()) {
            tx.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
            return;
        }
        if (tx.is_write() && addr == 0) {
            std::memcpy(&v, tx.get_data_ptr(), 4);
            sum_ += v;
            count_++;
        } else if (tx.is_read() && (addr == 0 || addr == 4)) {
            v = addr == 0 ? sum_ : count_;
            std::memcpy(tx.get_data_ptr(), &v, 4);
        } else {
            tx.set_response_status(addr > 4 ? tlm::TLM_ADDRESS_ERROR_RESPONSE
                                            : tlm::TLM_COMMAND_ERROR_RESPONSE);
            return;
        }
        delay += sc_core::sc_time(10, sc_core::SC_NS);
        tx.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

int sc_main(int argc, char **argv)
{
    sclink::GatewayConfig cfg;

    if (argc != 2) {
        std::cerr << "usage: custom-main ADDRESS (unix:PATH or tcp:HOST:PORT)\n";
        return 1;
    }
    cfg.name = "custom-main";
    cfg.listen = argv[1];
    cfg.quantum = sc_core::sc_time(10, sc_core::SC_US);
    cfg.irq_kind = sclink::IrqKind::none;
    sclink::BarConfig bar0;
    bar0.index = 0;
    bar0.size = 0x1000;
    cfg.bars.push_back(bar0);

    /* The gateway logs through sc_report (type sclink::kLogType); this
     * handler prints its lines and statistics as sclink-gateway does. */
    sc_core::sc_report_handler::set_handler(sclink::report_handler);

    sclink::Gateway gateway("gateway", cfg);
    Accumulator acc("acc");
    gateway.initiator.bind(acc.socket); /* one target: no router needed */

    std::string err;
    if (!gateway.listen(err)) {
        std::cerr << "custom-main: " << err << "\n";
        return 2;
    }
    sc_core::sc_start();                          /* until the link ends */
    return gateway.finish();                      /* tells QEMU if a model stopped SystemC */
}
