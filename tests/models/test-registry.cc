// The model type registry (built-ins registered once, duplicates refused)
// and ModelConfig's typed parameter getters.
#include "harness.h"

using sclink::ModelConfig;

static bool no_model(const ModelConfig &cfg, sclink::Model *&, std::string &err)
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

static const ScCase cases[] = {
    {"registry", test_registry},
    {"u64", test_u64},
    {"bool_str_keys", test_bool_str_keys},
};

int sc_main(int argc, char **argv)
{
    return run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
