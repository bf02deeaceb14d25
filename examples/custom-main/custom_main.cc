/*
 * Using sclink as a library: your own sc_main, which loads a platform
 * file with the library's loader (<sclink/loader.h>) and mixes your own
 * module into it.  Build against an installed sclink with
 *     g++ custom_main.cc $(pkg-config --cflags --libs sclink-gateway) -o custom-main
 * and run it as `custom-main platform.yaml unix:/tmp/my.sock`; QEMU (or
 * sclink-client) then finds the file's id model at BAR0 offset 0 and the
 * accumulator at 0x1000.
 */
#include <cstdint>
#include <cstring>
#include <iostream>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <sclink/bus.h>
#include <sclink/loader.h>

/*
 * The user's module: a 32-bit accumulator, not an sclink model.  Writing
 * 0x0 adds the value, reading 0x0 returns the sum, reading 0x4 the number
 * of additions; `irq` is high while the sum is above 100.  check_access
 * (<sclink/bus.h>) gives every other access its exact TLM error.
 */
class Accumulator : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<Accumulator> socket;
    sc_core::sc_out<bool> irq;

    explicit Accumulator(sc_core::sc_module_name name) : sc_module(name), socket("socket"), irq("irq")
    {
        socket.register_b_transport(this, &Accumulator::b_transport);
        SC_METHOD(drive);
        sensitive << changed_;
    }
    SC_HAS_PROCESS(Accumulator);

private:
    uint32_t sum_ = 0, count_ = 0;
    sc_core::sc_event changed_;

    void drive() { irq.write(sum_ > 100); }

    void b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &delay)
    {
        tlm::tlm_response_status st = sclink::check_access(tx, 8, 4, false);
        uint64_t addr = tx.get_address();
        uint32_t v = 0;

        if (st == tlm::TLM_OK_RESPONSE && tx.is_write()) {
            if (addr != 0) {
                st = tlm::TLM_COMMAND_ERROR_RESPONSE; /* the count is read-only */
            } else {
                std::memcpy(&v, tx.get_data_ptr(), 4);
                sum_ += v;
                count_++;
                changed_.notify(sc_core::SC_ZERO_TIME);
            }
        } else if (st == tlm::TLM_OK_RESPONSE) {
            v = addr == 0 ? sum_ : count_;
            std::memcpy(tx.get_data_ptr(), &v, 4);
        }
        delay += sc_core::sc_time(10, sc_core::SC_NS);
        tx.set_response_status(st);
    }
};

int sc_main(int argc, char **argv)
{
    sclink::PlatformOptions opts;
    std::string err;

    if (argc != 3) {
        std::cerr << "usage: custom-main PLATFORM.yaml ADDRESS (unix:PATH or tcp:HOST:PORT)\n";
        return 1;
    }
    opts.listen = argv[2];

    /* The gateway logs through sc_report (type sclink::kLogType); this
     * handler prints its lines and statistics as sclink-gateway does. */
    sc_core::sc_report_handler::set_handler(sclink::report_handler);

    std::unique_ptr<sclink::Platform> p = sclink::Platform::load(argv[1], opts, err);
    Accumulator acc("acc");
    if (!p || !p->map(acc.socket, 0x1000, 8, "acc", err) ||
        !p->add_irq(acc.irq, 0, "acc", err) || !p->build(err) || !p->gateway().listen(err)) {
        std::cerr << "custom-main: " << err << "\n";
        return 1;
    }
    p->print_map(std::cout);
    sc_core::sc_start();             /* until the link ends */
    return p->gateway().finish();    /* tells QEMU if a model stopped SystemC */
}
