// sclink::ModelConfig's typed parameter access and the model type registry
// (model.h), shared by the built-in models and plugins.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "model.h"
#include "dma.h"
#include "id.h"
#include "memory.h"
#include "timer.h"
#include "uart.h"

namespace sclink {

static std::string bad_value(const ModelConfig &cfg, const std::string &key,
                             const std::string &val, const char *what)
{
    return cfg.name + ": param '" + key + "': '" + val + "' is not " + what;
}

// Decimal, or hexadecimal after 0x.  No sign, no octal: "010" is ten, as a
// person writing a platform file means it.
bool ModelConfig::get_u64(const std::string &key, uint64_t &out,
                          std::string &err) const
{
    auto it = params.find(key);
    if (it == params.end())
        return true;
    const std::string &s = it->second;
    bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char *digits = s.c_str() + (hex ? 2 : 0);
    // strtoull would accept leading blanks and a sign; refuse them first.
    if (!std::isxdigit((unsigned char)digits[0])) {
        err = bad_value(*this, key, s, "an unsigned integer");
        return false;
    }
    char *end;
    errno = 0;
    unsigned long long v = std::strtoull(digits, &end, hex ? 16 : 10);
    if (*end != '\0' || errno == ERANGE) {
        err = bad_value(*this, key, s, "an unsigned 64-bit integer");
        return false;
    }
    out = v;
    return true;
}

bool ModelConfig::get_bool(const std::string &key, bool &out,
                           std::string &err) const
{
    auto it = params.find(key);
    if (it == params.end())
        return true;
    std::string v = it->second;
    std::transform(v.begin(), v.end(), v.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (v == "true" || v == "1" || v == "yes" || v == "on")
        out = true;
    else if (v == "false" || v == "0" || v == "no" || v == "off")
        out = false;
    else {
        err = bad_value(*this, key, it->second, "a boolean (true/false)");
        return false;
    }
    return true;
}

// Any string is well-formed: like the typed getters, an absent key leaves
// `out` untouched, and the call always returns true (model.h).
bool ModelConfig::get_str(const std::string &key, std::string &out) const
{
    auto it = params.find(key);
    if (it != params.end())
        out = it->second;
    return true;
}

bool ModelConfig::only_keys(const std::vector<std::string> &known,
                            std::string &err) const
{
    for (const auto &p : params) {
        if (std::find(known.begin(), known.end(), p.first) != known.end())
            continue;
        std::string list;
        for (const auto &k : known)
            list += (list.empty() ? "" : ", ") + k;
        err = name + ": unknown param '" + p.first + "' for type '" + type +
              "' (known: " + (list.empty() ? "none" : list) + ")";
        return false;
    }
    return true;
}

// A function-local map: plugins and built-ins may register from static
// constructors of other translation units, in any order.
static std::map<std::string, ModelFactory> &registry()
{
    static std::map<std::string, ModelFactory> types;
    return types;
}

bool register_model_type(const std::string &type, ModelFactory factory)
{
    if (type.empty() || !factory)
        return false;
    return registry().emplace(type, factory).second;
}

ModelFactory find_model_type(const std::string &type)
{
    auto it = registry().find(type);
    return it == registry().end() ? nullptr : it->second;
}

std::vector<std::string> model_types()
{
    std::vector<std::string> names;
    for (const auto &t : registry())
        names.push_back(t.first);
    return names; // sorted: std::map keeps its keys in order
}

// Idempotent, so every entry point (gateway, tests, tools) may call it.
void register_builtin_models()
{
    static const struct {
        const char *type;
        ModelFactory factory;
    } builtins[] = {
        {"memory", models::make_memory}, {"uart", models::make_uart},
        {"timer", models::make_timer},   {"dma", models::make_dma},
        {"id", models::make_id},
    };
    for (const auto &b : builtins)
        if (find_model_type(b.type) != b.factory)
            register_model_type(b.type, b.factory);
}

} // namespace sclink
