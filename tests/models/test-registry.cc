// The model type registry (built-ins registered once, duplicates refused)
// and ModelConfig's typed parameter getters.
#include "harness.h"

using sclink::ModelConfig;

static bool no_model(const ModelConfig &cfg, std::unique_ptr<sclink::Model> &, std::string &err)
{
    err = cfg.name + ": not built";
    return false;
}

static void test_registry()
{
    CHECK(sclink::model_types().empty());
    CHECK(sclink::find_model_type("memory") == nullptr);
    sclink::register_builtin_models();
    std::vector<std::string> want = {"dma", "id", "memory", "timer", "uart"};
    CHECK(sclink::model_types() == want);
    sclink::ModelFactory mem = sclink::find_model_type("memory");
    CHECK(mem != nullptr);
    sclink::register_builtin_models(); // idempotent
    CHECK(sclink::model_types() == want);

    CHECK(!sclink::register_model_type("memory", no_model)); // taken
    CHECK(sclink::find_model_type("memory") == mem);
    CHECK(sclink::register_model_type("custom", no_model));
    CHECK(!sclink::register_model_type("custom", no_model));
    CHECK(sclink::find_model_type("custom") == no_model);
    CHECK(!sclink::register_model_type("", no_model));
    CHECK(!sclink::register_model_type("null", nullptr));
    CHECK(sclink::find_model_type("null") == nullptr);
    CHECK(sclink::find_model_type("Memory") == nullptr); // case matters
    CHECK_EQ(sclink::model_types().size(), 6);
}

static void test_u64()
{
    ModelConfig c = make_cfg("dev0", "x", 0);
    c.params = {{"dec", "010"}, {"hex", "0x1F"}, {"max", "18446744073709551615"},
                {"over", "18446744073709551616"}, {"neg", "-1"}, {"plus", "+1"},
                {"blank", " 1"}, {"tail", "1 "}, {"empty", ""}, {"hexonly", "0x"},
                {"word", "ten"}};
    std::string err;
    uint64_t v = 77;
    CHECK(c.get_u64("absent", v, err) && v == 77);
    CHECK(c.get_u64("dec", v, err) && v == 10); // no octal
    CHECK(c.get_u64("hex", v, err) && v == 0x1f);
    CHECK(c.get_u64("max", v, err) && v == ~0ull);
    for (const char *bad : {"over", "neg", "plus", "blank", "tail", "empty",
                            "hexonly", "word"}) {
        v = 5;
        err.clear();
        bool ok = c.get_u64(bad, v, err);
        check(!ok && v == 5, __LINE__, std::string("get_u64 refuses ") + bad);
        CHECK_ERR(err, "dev0", (std::string("'") + bad + "'").c_str());
    }
}

static void test_bool_str_keys()
{
    ModelConfig c = make_cfg("dev1", "x", 0);
    c.params = {{"a", "TRUE"}, {"b", "0"}, {"c", "yes"}, {"d", "off"},
                {"e", "maybe"}, {"s", "some text"}};
    std::string err;
    bool b = false;
    CHECK(c.get_bool("a", b, err) && b);
    CHECK(c.get_bool("b", b, err) && !b);
    CHECK(c.get_bool("c", b, err) && b);
    CHECK(c.get_bool("d", b, err) && !b);
    b = true;
    CHECK(c.get_bool("absent", b, err) && b);
    CHECK(!c.get_bool("e", b, err) && b);
    CHECK_ERR(err, "dev1", "'e'");

    std::string s = "dflt";
    CHECK(c.get_str("absent", s) && s == "dflt");
    CHECK(c.get_str("s", s) && s == "some text");

    err.clear();
    CHECK(c.only_keys({"a", "b", "c", "d", "e", "s"}, err) && err.empty());
    CHECK(!c.only_keys({"a", "b", "c", "d", "e"}, err));
    CHECK_ERR(err, "dev1", "'s'");
    ModelConfig none = make_cfg("dev2", "x", 0);
    CHECK(none.only_keys({}, err));
}

// get_u64 with a range: bounds inclusive, the error gives value and range.
static void test_u64_range()
{
    ModelConfig c = make_cfg("dev3", "x", 0);
    c.params = {{"lo", "1"}, {"hi", "0x10"}, {"under", "0"}, {"over", "17"},
                {"bad", "1x"}};
    std::string err;
    uint64_t v = 9;
    CHECK(c.get_u64("absent", v, 1, 16, err) && v == 9);
    CHECK(c.get_u64("lo", v, 1, 16, err) && v == 1);
    CHECK(c.get_u64("hi", v, 1, 16, err) && v == 16);
    v = 9;
    CHECK(!c.get_u64("under", v, 1, 16, err) && v == 9);
    CHECK_ERR(err, "dev3", "param 'under': '0' is out of range [1, 16]");
    CHECK(!c.get_u64("over", v, 1, 16, err) && v == 9);
    CHECK_ERR(err, "dev3", "param 'over': '17' is out of range [1, 16]");
    CHECK(!c.get_u64("bad", v, 1, 16, err) && v == 9);
    CHECK_ERR(err, "dev3", "'1x' is not an unsigned integer");
}

static void test_size()
{
    ModelConfig c = make_cfg("dev4", "x", 0);
    c.params = {{"plain", "4096"}, {"hex", "0x1000"}, {"k", "4K"}, {"kib", "64 KiB"},
                {"m", "1M"}, {"mib", "2MiB"}, {"g", "1 G"}, {"gib", "3GiB"},
                {"t", "1T"}, {"tib", "2 TiB"}, {"hexk", "0x10K"},
                {"maxt", "16777215T"}, {"overt", "16777216T"}, {"over", "18446744073709551616"},
                {"lower", "4k"}, {"kb", "4KB"}, {"two", "4  K"}, {"trail", "4K "},
                {"neg", "-4K"}, {"empty", ""}, {"unit", "K"}, {"frac", "1.5M"},
                {"ctl", "4\x01"}, {"quote", "4'"}};
    std::string err;
    uint64_t v = 5;
    CHECK(c.get_size("absent", v, err) && v == 5);
    CHECK(c.get_size("plain", v, err) && v == 4096);
    CHECK(c.get_size("hex", v, err) && v == 4096);
    CHECK(c.get_size("k", v, err) && v == 4096);
    CHECK(c.get_size("kib", v, err) && v == 65536);
    CHECK(c.get_size("m", v, err) && v == 1u << 20);
    CHECK(c.get_size("mib", v, err) && v == 2u << 20);
    CHECK(c.get_size("g", v, err) && v == 1ull << 30);
    CHECK(c.get_size("gib", v, err) && v == 3ull << 30);
    CHECK(c.get_size("t", v, err) && v == 1ull << 40);
    CHECK(c.get_size("tib", v, err) && v == 2ull << 40);
    CHECK(c.get_size("hexk", v, err) && v == 16 << 10);
    CHECK(c.get_size("maxt", v, err) && v == 16777215ull << 40);
    for (const char *bad : {"overt", "over", "lower", "kb", "two", "trail", "neg",
                            "empty", "unit", "frac", "ctl", "quote"}) {
        v = 5;
        err.clear();
        bool ok = c.get_size(bad, v, err);
        check(!ok && v == 5, __LINE__, std::string("get_size refuses ") + bad);
        CHECK_ERR(err, "dev4", (std::string("param '") + bad + "'").c_str());
    }
    c.get_size("overt", v, err);
    CHECK_ERR(err, "dev4", "'16777216T' is not a size below 2^64");
    c.get_size("kb", v, err);
    CHECK_ERR(err, "dev4", "unknown suffix 'KB'; suffixes: K, M, G, T, KiB");
    c.get_size("ctl", v, err);
    CHECK_ERR(err, "dev4", "'4\\x01'");
    c.get_size("quote", v, err);
    CHECK_ERR(err, "dev4", "'4\\''");
    // The range applies to the value the suffix gives.
    CHECK(c.get_size("k", v, 1, 4096, err) && v == 4096);
    v = 5;
    CHECK(!c.get_size("kib", v, 1, 4096, err) && v == 5);
    CHECK_ERR(err, "dev4", "'64 KiB' is out of range [1, 4096]");
}

static void test_time()
{
    ModelConfig c = make_cfg("dev5", "x", 0);
    c.params = {{"ns", "10 ns"}, {"us", "1us"}, {"ms", "2.5 ms"}, {"s", "3 s"},
                {"ps", "7ps"}, {"zero", "0 ns"}, {"frac", "0.001 us"}, {"pad", " 4 ns "},
                {"long", "1.500000 ms"}, {"big", "100000 s"},
                {"nounit", "10"}, {"unknown", "10 parsecs"}, {"upper", "10 NS"},
                {"neg", "-1 ns"}, {"plus", "+1 ns"}, {"fs", "1 fs"}, {"subps", "1.5 ps"},
                {"over", "1e3 ns"}, {"huge", "99999999999 s"},
                {"vast", "999999999999999999999999999999999999 s"},
                {"empty", ""}, {"dot", ". ns"}, {"dotonly", "1. ns"}, {"word", "ten ns"},
                {"nl", "1 ns\n"}};
    std::string err;
    sc_time t = sc_time(42, SC_NS);
    CHECK(c.get_time("absent", t, err) && t == sc_time(42, SC_NS));
    CHECK(c.get_time("ns", t, err) && t == sc_time(10, SC_NS));
    CHECK(c.get_time("us", t, err) && t == sc_time(1, SC_US));
    CHECK(c.get_time("ms", t, err) && t == sc_time(2500, SC_US));
    CHECK(c.get_time("s", t, err) && t == sc_time(3, SC_SEC));
    CHECK(c.get_time("ps", t, err) && t == sc_time(7, SC_PS));
    CHECK(c.get_time("zero", t, err) && t == SC_ZERO_TIME);
    CHECK(c.get_time("frac", t, err) && t == sc_time(1, SC_NS));
    CHECK(c.get_time("pad", t, err) && t == sc_time(4, SC_NS));
    CHECK(c.get_time("long", t, err) && t == sc_time(1500, SC_US));
    CHECK(c.get_time("big", t, err) && t == sc_time(100000, SC_SEC));
    // Default resolution 1 ps: fs and below-ps fractions are not whole ticks.
    for (const char *bad : {"nounit", "unknown", "upper", "neg", "plus", "fs", "subps",
                            "over", "huge", "vast", "empty", "dot", "dotonly", "word",
                            "nl"}) {
        t = sc_time(42, SC_NS);
        err.clear();
        bool ok = c.get_time(bad, t, err);
        check(!ok && t == sc_time(42, SC_NS), __LINE__,
              std::string("get_time refuses ") + bad);
        CHECK_ERR(err, "dev5", (std::string("param '") + bad + "'").c_str());
    }
    c.get_time("nounit", t, err);
    CHECK_ERR(err, "dev5", "'10' is not a time (no unit; units: fs, ps, ns, us, ms, s)");
    c.get_time("unknown", t, err);
    CHECK_ERR(err, "dev5", "unknown unit 'parsecs'");
    c.get_time("neg", t, err);
    CHECK_ERR(err, "dev5", "'-1 ns' is not a time (no sign");
    c.get_time("huge", t, err);
    CHECK_ERR(err, "dev5", "a time sc_time can hold");
    c.get_time("vast", t, err);
    CHECK_ERR(err, "dev5", "a time sc_time can hold");
    c.get_time("fs", t, err);
    CHECK_ERR(err, "dev5", "time resolution");
    c.get_time("nl", t, err);
    CHECK_ERR(err, "dev5", "'1 ns\\x0a'");
}

static void test_enum()
{
    ModelConfig c = make_cfg("dev6", "x", 0);
    c.params = {{"mode", "fifo"}, {"bad", "FIFO"}, {"empty", ""}};
    std::string err;
    unsigned i = 7;
    CHECK(c.get_enum("absent", {"raw", "fifo"}, i, err) && i == 7);
    CHECK(c.get_enum("mode", {"raw", "fifo"}, i, err) && i == 1);
    i = 7;
    CHECK(!c.get_enum("bad", {"raw", "fifo"}, i, err) && i == 7);
    CHECK_ERR(err, "dev6", "param 'bad': 'FIFO' is not one of: raw, fifo");
    CHECK(!c.get_enum("empty", {"raw", "fifo"}, i, err) && i == 7);
    CHECK_ERR(err, "dev6", "param 'empty': '' is not one of: raw, fifo");
}

// The built-in models that take the typed forms: sizes and times, and the
// legacy integer keys next to them.
static void test_builtin_typed()
{
    sclink::register_builtin_models();
    std::string err;
    std::unique_ptr<sclink::Model> m;
    ModelConfig d = make_cfg("dma9", "dma", 0x10000);
    d.params = {{"buffer_size", "8K"}, {"chunk", "1 KiB"}};
    CHECK(sclink::find_model_type("dma")(d, m, err) && m);
    d.params = {{"buffer_size", "32M"}};
    m.reset();
    CHECK(!sclink::find_model_type("dma")(d, m, err) && !m);
    CHECK_ERR(err, "dma9", "'32M' is out of range [1, 16777216]");

    ModelConfig mem = make_cfg("ram9", "memory", 0x1000);
    mem.params = {{"read_latency", "10 ns"}, {"write_latency", "1.5 us"}};
    CHECK(sclink::find_model_type("memory")(mem, m, err) && m);
    mem.params = {{"read_latency", "10"}};
    CHECK(!sclink::find_model_type("memory")(mem, m, err));
    CHECK_ERR(err, "ram9", "param 'read_latency': '10' is not a time");
    mem.params = {{"read_latency", "10 ns"}, {"read_latency_ns", "10"}};
    CHECK(!sclink::find_model_type("memory")(mem, m, err));
    CHECK_ERR(err, "ram9", "'read_latency' and 'read_latency_ns' both given");

    ModelConfig tm = make_cfg("tmr9", "timer", 0x1000);
    tm.params = {{"min_period", "1 us"}};
    CHECK(sclink::find_model_type("timer")(tm, m, err) && m);
    tm.params = {{"min_period", "2 s"}};
    CHECK(!sclink::find_model_type("timer")(tm, m, err));
    CHECK_ERR(err, "tmr9", "'2 s' is out of range [1 ns, 1 s]");
    tm.params = {{"min_period", "1 us"}, {"min_period_ns", "5"}};
    CHECK(!sclink::find_model_type("timer")(tm, m, err));
    CHECK_ERR(err, "tmr9", "'min_period' and 'min_period_ns' both given");
}

static const ScCase cases[] = {
    {"registry", test_registry},
    {"u64", test_u64},
    {"u64_range", test_u64_range},
    {"size", test_size},
    {"time", test_time},
    {"enum", test_enum},
    {"builtin_typed", test_builtin_typed},
    {"bool_str_keys", test_bool_str_keys},
};

int sc_main(int argc, char **argv)
{
    return run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
