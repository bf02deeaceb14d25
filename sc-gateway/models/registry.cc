// sclink::ModelConfig's typed parameter access and the model type registry
// (model.h), shared by the built-in models and plugins.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>

#include "model.h"
#include "dma.h"
#include "id.h"
#include "memory.h"
#include "timer.h"
#include "uart.h"

namespace sclink {

// The value as an error message quotes it: printable ASCII as is, the
// quote and backslash escaped, every other byte as \xNN.
static std::string escape(const std::string &v)
{
    std::string out;
    for (unsigned char c : v) {
        if (c == '\'' || c == '\\') {
            out += '\\';
            out += (char)c;
        } else if (c >= 0x20 && c < 0x7f) {
            out += (char)c;
        } else {
            static const char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

static std::string bad_value(const ModelConfig &cfg, const std::string &key,
                             const std::string &val, const std::string &what)
{
    return cfg.name + ": param '" + key + "': '" + escape(val) + "' is not " + what;
}

static std::string out_of_range(const ModelConfig &cfg, const std::string &key,
                                const std::string &val, uint64_t lo, uint64_t hi)
{
    return cfg.name + ": param '" + key + "': '" + escape(val) +
           "' is out of range [" + std::to_string(lo) + ", " +
           std::to_string(hi) + "]";
}

// Decimal, or hexadecimal after 0x, at the start of s; *end past it.  No
// sign, no octal: "010" is ten, as a person writing a platform file means
// it.  False if there are no digits, or (overflow set) the value does not
// fit in 64 bits; each caller words the error for what it parses.
static bool parse_u64(const char *s, uint64_t &out, const char *&end,
                      bool &overflow)
{
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
               std::isxdigit((unsigned char)s[2]);
    const char *p = s + (hex ? 2 : 0);
    unsigned base = hex ? 16 : 10;
    uint64_t v = 0;
    if (!std::isdigit((unsigned char)*p)) {
        overflow = false;
        return false;
    }
    for (; hex ? std::isxdigit((unsigned char)*p) : std::isdigit((unsigned char)*p); p++) {
        unsigned d = std::isdigit((unsigned char)*p)
                         ? (unsigned)(*p - '0')
                         : (unsigned)(std::tolower((unsigned char)*p) - 'a' + 10);
        if (v > (UINT64_MAX - d) / base) {
            overflow = true;
            return false;
        }
        v = v * base + d;
    }
    out = v;
    end = p;
    return true;
}

bool ModelConfig::get_u64(const std::string &key, uint64_t &out,
                          std::string &err) const
{
    return get_u64(key, out, 0, UINT64_MAX, err);
}

bool ModelConfig::get_u64(const std::string &key, uint64_t &out, uint64_t min,
                          uint64_t max, std::string &err) const
{
    auto it = params.find(key);
    if (it == params.end())
        return true;
    const std::string &s = it->second;
    const char *end = nullptr;
    bool overflow;
    uint64_t v;
    if (!parse_u64(s.c_str(), v, end, overflow)) {
        err = bad_value(*this, key, s, overflow ? "an unsigned 64-bit integer"
                                                : "an unsigned integer");
        return false;
    }
    if (end != s.c_str() + s.size()) {
        err = bad_value(*this, key, s, "an unsigned integer");
        return false;
    }
    if (v < min || v > max) {
        err = out_of_range(*this, key, s, min, max);
        return false;
    }
    out = v;
    return true;
}

bool ModelConfig::get_size(const std::string &key, uint64_t &out,
                           std::string &err) const
{
    return get_size(key, out, 0, UINT64_MAX, err);
}

bool ModelConfig::get_size(const std::string &key, uint64_t &out, uint64_t min,
                           uint64_t max, std::string &err) const
{
    auto it = params.find(key);
    if (it == params.end())
        return true;
    const std::string &s = it->second;
    const char *end = nullptr;
    bool overflow;
    uint64_t v;
    if (!parse_u64(s.c_str(), v, end, overflow)) {
        err = bad_value(*this, key, s, overflow ? "a size below 2^64"
                                                : "a size (bytes, K, M, G, T, KiB, ...)");
        return false;
    }
    std::string suffix(end, s.c_str() + s.size() - end);
    unsigned shift = 0;
    if (!suffix.empty()) {
        static const struct {
            const char *name;
            unsigned shift;
        } suffixes[] = {{"K", 10}, {"KiB", 10}, {"M", 20}, {"MiB", 20},
                        {"G", 30}, {"GiB", 30}, {"T", 40}, {"TiB", 40}};
        std::string name = suffix[0] == ' ' ? suffix.substr(1) : suffix;
        for (const auto &x : suffixes)
            if (name == x.name)
                shift = x.shift;
        if (!shift) {
            err = bad_value(*this, key, s,
                            "a size (unknown suffix '" + escape(name) +
                                "'; suffixes: K, M, G, T, KiB, MiB, GiB, TiB)");
            return false;
        }
    }
    if (shift && v > (UINT64_MAX >> shift)) {
        err = bad_value(*this, key, s, "a size below 2^64");
        return false;
    }
    v <<= shift;
    if (v < min || v > max) {
        err = out_of_range(*this, key, s, min, max);
        return false;
    }
    out = v;
    return true;
}

bool ModelConfig::get_time(const std::string &key, sc_core::sc_time &out,
                           std::string &err) const
{
    auto it = params.find(key);
    if (it == params.end())
        return true;
    const std::string &s = it->second;
    const char *p = s.c_str(), *stop = p + s.size();
    auto blank = [](char c) { return c == ' ' || c == '\t'; };
    while (p < stop && blank(*p))
        p++;
    if (p < stop && (*p == '-' || *p == '+')) {
        err = bad_value(*this, key, s, "a time (no sign: times are not negative)");
        return false;
    }
    // Femtoseconds in 128 bits: sc_time holds 2^64 - 1 of its resolution,
    // which may be coarser than 1 fs.
    using u128 = unsigned __int128;
    const u128 limit = (u128)1 << 100;
    u128 whole = 0;
    std::string frac;
    bool digits = false;
    for (; p < stop && std::isdigit((unsigned char)*p); p++, digits = true)
        if ((whole = whole * 10 + (unsigned)(*p - '0')) > limit) {
            err = bad_value(*this, key, s, "a time sc_time can hold");
            return false;
        }
    if (p < stop && *p == '.') {
        for (p++; p < stop && std::isdigit((unsigned char)*p); p++)
            frac += *p;
        if (frac.empty())
            digits = false;
    }
    if (!digits) {
        err = bad_value(*this, key, s, "a time (a number and a unit: '10 ns')");
        return false;
    }
    while (p < stop && blank(*p))
        p++;
    std::string unit(p, stop - p);
    while (!unit.empty() && blank(unit.back()))
        unit.pop_back();
    static const struct {
        const char *name;
        unsigned exp; // femtoseconds are 10^exp of it
    } units[] = {{"fs", 0}, {"ps", 3}, {"ns", 6}, {"us", 9}, {"ms", 12}, {"s", 15}};
    int exp = -1;
    for (const auto &u : units)
        if (unit == u.name)
            exp = (int)u.exp;
    if (exp < 0) {
        err = bad_value(*this, key, s,
                        unit.empty() ? std::string("a time (no unit; units: fs, ps, ns, us, ms, s)")
                                     : "a time (unknown unit '" + escape(unit) +
                                           "'; units: fs, ps, ns, us, ms, s)");
        return false;
    }
    u128 fs = whole;
    for (int i = 0; i < exp; i++)
        fs *= 10;
    // The fraction: digit i (from 0) is worth 10^(exp - 1 - i) fs.
    for (size_t i = 0; i < frac.size(); i++) {
        int e = exp - 1 - (int)i;
        unsigned d = (unsigned)(frac[i] - '0');
        if (e < 0) {
            if (d) {
                err = bad_value(*this, key, s, "a whole number of femtoseconds");
                return false;
            }
            continue;
        }
        u128 w = d;
        for (int k = 0; k < e; k++)
            w *= 10;
        fs += w;
    }
    const double res_s = sc_core::sc_get_time_resolution().to_seconds();
    const uint64_t res_fs = (uint64_t)(res_s * 1e15 + 0.5);
    if (res_fs == 0 || fs % res_fs != 0) {
        err = bad_value(*this, key, s,
                        "a whole number of the time resolution (" +
                            sc_core::sc_get_time_resolution().to_string() + ")");
        return false;
    }
    u128 ticks = fs / res_fs;
    if (ticks > (u128)UINT64_MAX) {
        err = bad_value(*this, key, s, "a time sc_time can hold");
        return false;
    }
    out = sc_core::sc_time::from_value((uint64_t)ticks);
    return true;
}

bool ModelConfig::get_enum(const std::string &key,
                           const std::vector<std::string> &allowed,
                           unsigned &out, std::string &err) const
{
    auto it = params.find(key);
    if (it == params.end())
        return true;
    for (size_t i = 0; i < allowed.size(); i++)
        if (it->second == allowed[i]) {
            out = (unsigned)i;
            return true;
        }
    std::string list;
    for (const auto &a : allowed)
        list += (list.empty() ? "" : ", ") + a;
    err = bad_value(*this, key, it->second, "one of: " + list);
    return false;
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
        err = bad_value(*this, key, it->second,
                        "a boolean (true/false, yes/no, on/off, 1/0)");
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
