// sendwarden.conf reader; see config_file.hpp. Program_options does the typing
// through the validate() overloads below and fills in the defaults from
// settings.def; the scan before it keeps the line of every key.
#include "core/config/config_file.hpp"

#include <boost/program_options.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "core/log/msg.hpp"
#include "core/util/strings.hpp"

namespace po = boost::program_options;

namespace sw::config {

// Value types with strict syntax; Program_options finds validate() by ADL.
struct CountValue { std::uint64_t v; };
struct SizeValue { std::uint64_t v; };
struct DurationValue { Micros v; };
struct FractionValue { double v; };
struct FlagValue { bool v; };
struct FileModeValue { unsigned v; };

namespace {

const std::string& single(const std::vector<std::string>& values) {
    return po::validators::get_single_string(values);
}

[[noreturn]] void invalid(const char* what) {
    throw po::error(what);
}

}  // namespace

void validate(boost::any& out, const std::vector<std::string>& values, CountValue*, int) {
    auto v = parse_uint(single(values));
    if (!v) invalid("expected a whole number");
    out = CountValue{*v};
}
void validate(boost::any& out, const std::vector<std::string>& values, SizeValue*, int) {
    auto v = parse_size(single(values));
    if (!v) invalid("expected a size such as 65536, 64k, 1g");
    out = SizeValue{*v};
}
void validate(boost::any& out, const std::vector<std::string>& values, DurationValue*, int) {
    auto v = parse_duration(single(values));
    if (!v) invalid("expected a duration such as 30s, 5m, 1h, 1d");
    out = DurationValue{*v};
}
void validate(boost::any& out, const std::vector<std::string>& values, FractionValue*, int) {
    const std::string& s = single(values);
    std::size_t used = 0;
    double d = 0;
    try {
        d = std::stod(s, &used);
    } catch (const std::exception&) {
        invalid("expected a number between 0 and 1");
    }
    if (used != s.size() || !(d > 0.0 && d <= 1.0)) invalid("expected a number between 0 and 1, such as 0.8");
    out = FractionValue{d};
}
void validate(boost::any& out, const std::vector<std::string>& values, FlagValue*, int) {
    std::string s = to_lower(single(values));
    if (s == "yes" || s == "true" || s == "on" || s == "1") out = FlagValue{true};
    else if (s == "no" || s == "false" || s == "off" || s == "0") out = FlagValue{false};
    else invalid("expected yes or no");
}
void validate(boost::any& out, const std::vector<std::string>& values, FileModeValue*, int) {
    const std::string& s = single(values);
    unsigned mode = 0;
    bool ok = !s.empty() && s.size() <= 4;
    for (char c : s) {
        if (c < '0' || c > '7') ok = false;
        mode = mode * 8 + static_cast<unsigned>(c - '0');
    }
    if (!ok || mode > 0777) invalid("expected an octal mode such as 0660");
    out = FileModeValue{mode};
}

namespace {

#define SW_VALUE_String std::string
#define SW_VALUE_StringList std::vector<std::string>
#define SW_VALUE_Count CountValue
#define SW_VALUE_Size SizeValue
#define SW_VALUE_Duration DurationValue
#define SW_VALUE_Fraction FractionValue
#define SW_VALUE_Flag FlagValue
#define SW_VALUE_FileMode FileModeValue

template <typename T>
T unwrap(const T& v) { return v; }
std::uint64_t unwrap(const CountValue& v) { return v.v; }
std::uint64_t unwrap(const SizeValue& v) { return v.v; }
Micros unwrap(const DurationValue& v) { return v.v; }
double unwrap(const FractionValue& v) { return v.v; }
bool unwrap(const FlagValue& v) { return v.v; }
unsigned unwrap(const FileModeValue& v) { return v.v; }

// The Program_options description of every setting, keyed "section.name".
po::options_description describe() {
    po::options_description desc("sendwarden.conf");
    auto add = desc.add_options();
#define SW_SETTING(section, name, type, def, help)                                            \
    {                                                                                         \
        auto* sem = po::value<SW_VALUE_##type>();                                             \
        if constexpr (std::is_same_v<SW_VALUE_##type, std::vector<std::string>>) {            \
            sem->composing();                                                                 \
        }                                                                                     \
        add(#section "." #name, sem, help);                                                   \
    }
#include "core/config/settings.def"
#undef SW_SETTING
    return desc;
}

struct ScannedOption {
    std::string key;  // "section.name"
    std::string value;
    int line;
};

bool is_list(const std::string& key) {
#define SW_SETTING(section, name, type, def, help) \
    if (key == #section "." #name) return std::string_view(#type) == "StringList";
#include "core/config/settings.def"
#undef SW_SETTING
    return false;
}

bool known_section(std::string_view s) {
#define SW_SETTING(section, name, type, def, help) \
    if (s == #section) return true;
#include "core/config/settings.def"
#undef SW_SETTING
    return false;
}

// Line-aware scan: sections, keys, comments; unknown or repeated keys are
// reported here with their line.
std::vector<ScannedOption> scan(std::istream& in, const std::string& path, const po::options_description& desc,
                                std::vector<std::string>& errors) {
    std::vector<ScannedOption> out;
    std::map<std::string, int> seen;
    std::string section, raw;
    int lineno = 0;
    auto err = [&](const std::string& m) { errors.push_back(path + ":" + std::to_string(lineno) + ": " + m); };
    while (std::getline(in, raw)) {
        ++lineno;
        std::string_view line = trim(raw);
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        if (line.front() == '[') {
            if (line.back() != ']') { err("section header without closing ']'"); continue; }
            section = std::string(trim(line.substr(1, line.size() - 2)));
            if (!known_section(section)) err("unknown section [" + section + "]");
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string_view::npos) { err("expected 'name = value'"); continue; }
        std::string name(trim(line.substr(0, eq)));
        std::string value(trim(line.substr(eq + 1)));
        if (section.empty()) { err("'" + name + "' is outside any [section]"); continue; }
        if (!known_section(section)) continue;  // already reported at the header
        std::string key = section + "." + name;
        if (!desc.find_nothrow(key, false)) { err("unknown option '" + name + "' in [" + section + "]"); continue; }
        if (!is_list(key)) {
            if (auto it = seen.find(key); it != seen.end()) {
                err("'" + name + "' is set again (first set on line " + std::to_string(it->second) + ")");
                continue;
            }
        }
        seen.emplace(key, lineno);
        out.push_back({key, value, lineno});
    }
    return out;
}

}  // namespace

const std::vector<SettingInfo>& all_settings() {
    static const std::vector<SettingInfo> rows = {
#define SW_SETTING(section, name, type, def, help) {#section, #name, #type, def, help},
#include "core/config/settings.def"
#undef SW_SETTING
    };
    return rows;
}

ConfigLoad parse_config(const std::string& text, const std::string& path) {
    std::istringstream in(text);
    ConfigLoad result;
    auto desc = describe();
    auto scanned = scan(in, path, desc, result.errors);

    // Type each value on its own so every bad one is reported with its line.
    po::parsed_options good(&desc);
    for (const auto& opt : scanned) {
        po::parsed_options one(&desc);
        one.options.emplace_back(opt.key, std::vector<std::string>{opt.value});
        try {
            po::variables_map scratch;
            po::store(one, scratch);
            good.options.push_back(one.options.front());
        } catch (const po::error& e) {
            auto dot = opt.key.find('.');
            result.errors.push_back(path + ":" + std::to_string(opt.line) + ": " + opt.key.substr(dot + 1) + " = " +
                                    opt.value + ": " + e.what());
        }
    }

    po::variables_map vm;
    po::store(good, vm);
    po::notify(vm);

    auto cfg = std::make_shared<Config>();
    cfg->path = path;
    std::map<std::string, int> line_of;
    for (const auto& opt : scanned) line_of.emplace(opt.key, opt.line);
    auto where = [&](const std::string& key) {
        auto it = line_of.find(key);
        return path + ":" + (it == line_of.end() ? std::string("0") : std::to_string(it->second)) + ": ";
    };

    // Defaults come from settings.def text through the same validators.
#define SW_SETTING(section, name, type, def, help)                                                    \
    {                                                                                                 \
        const char* key = #section "." #name;                                                         \
        if (vm.count(key)) {                                                                          \
            cfg->section##_##name = unwrap(vm[key].as<SW_VALUE_##type>());                            \
        } else {                                                                                      \
            po::variables_map dvm;                                                                    \
            po::parsed_options d(&desc);                                                              \
            if (std::string_view(def).size() > 0 || std::string_view(#type) == "String") {            \
                d.options.emplace_back(key, std::vector<std::string>{def});                           \
                po::store(d, dvm);                                                                    \
                cfg->section##_##name = unwrap(dvm[key].as<SW_VALUE_##type>());                       \
            }                                                                                         \
        }                                                                                             \
    }
#include "core/config/settings.def"
#undef SW_SETTING

    // Checks that need more than one value's syntax.
    if (!log::facility_known(cfg->global_syslog_facility))
        result.errors.push_back(where("global.syslog_facility") + "unknown syslog facility '" +
                                cfg->global_syslog_facility + "'");
    for (const auto& l : cfg->policyd_listen) {
        if (l.rfind("unix:/", 0) != 0 && l.rfind("inet:", 0) != 0)
            result.errors.push_back(where("policyd.listen") + "listen = " + l +
                                    ": expected unix:/ABSOLUTE/PATH or inet:HOST:PORT");
    }
    const auto& id = cfg->limits_user_identity;
    if (id != "sasl_or_sender" && id != "sasl" && id != "sender")
        result.errors.push_back(where("limits.user_identity") + "user_identity = " + id +
                                ": expected sasl_or_sender, sasl or sender");
    if (cfg->limits_client_ipv4_prefix < 1 || cfg->limits_client_ipv4_prefix > 32)
        result.errors.push_back(where("limits.client_ipv4_prefix") + "client_ipv4_prefix must be 1..32");
    if (cfg->limits_client_ipv6_prefix < 1 || cfg->limits_client_ipv6_prefix > 128)
        result.errors.push_back(where("limits.client_ipv6_prefix") + "client_ipv6_prefix must be 1..128");
    if (cfg->policyd_max_request_size < 256)
        result.errors.push_back(where("policyd.max_request_size") + "max_request_size must be at least 256 bytes");
    if (cfg->policyd_max_attributes < 1)
        result.errors.push_back(where("policyd.max_attributes") + "max_attributes must be at least 1");
    if (cfg->policyd_on_error.empty())
        result.errors.push_back(where("policyd.on_error") + "on_error must not be empty");

    if (result.errors.empty()) result.config = std::move(cfg);
    return result;
}

ConfigLoad load_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        ConfigLoad r;
        r.errors.push_back(path + ":0: cannot open: " + std::string(std::strerror(errno)));
        return r;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_config(ss.str(), path);
}

}  // namespace sw::config
