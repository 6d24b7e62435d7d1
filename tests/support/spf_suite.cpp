// Loading the openspf YAML suites; see spf_suite.hpp.
#include "support/spf_suite.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>

#include "core/util/strings.hpp"

#ifndef SW_SPF_SUITE_DIR
#define SW_SPF_SUITE_DIR "tests/data/spf"
#endif

namespace sw::test {

namespace {

std::string text_of(const YAML::Node& value) {
    if (value.IsSequence()) {  // character-strings of one RR, glued (§3.3)
        std::string joined;
        for (const auto& part : value) joined += part.as<std::string>();
        return joined;
    }
    return value.as<std::string>();
}

// "4.3/1" or [4.3/1, 5/10/3] as "4.3/1, 5/10/3".
std::string text_list(const YAML::Node& value) {
    if (!value.IsSequence()) return value.as<std::string>();
    std::string out;
    for (const auto& v : value) out += (out.empty() ? "" : ", ") + v.as<std::string>();
    return out;
}

// One zonedata name: its entries into `zone`.
void load_name(const std::string& name, const YAML::Node& entries, ZoneResolver& zone) {
    zone.add_name(name);
    std::vector<std::string> spf;
    bool own_txt = false;
    for (const auto& entry : entries) {
        if (entry.IsScalar()) {
            if (entry.as<std::string>() != "TIMEOUT")
                throw std::runtime_error(name + ": unknown entry " + entry.as<std::string>());
            zone.add_timeout(name);
            continue;
        }
        for (const auto& kv : entry) {
            std::string type = kv.first.as<std::string>();
            const YAML::Node& v = kv.second;
            if (type == "TXT" || type == "SPF") {
                if (type == "TXT") own_txt = true;
                if (v.IsScalar() && v.as<std::string>() == "NONE") continue;
                std::string text = text_of(v);
                if (type == "SPF") {
                    spf.push_back(text);
                    zone.add_spf(name, std::move(text));
                } else {
                    zone.add_txt(name, std::move(text));
                }
            } else if (type == "A" || type == "AAAA") {
                if (!zone.add_address(name, v.as<std::string>()))
                    throw std::runtime_error(name + ": bad address " + v.as<std::string>());
            } else if (type == "MX") {
                zone.add_mx(name, static_cast<std::uint16_t>(v[0].as<unsigned>()), v[1].as<std::string>());
            } else if (type == "PTR") {
                zone.add_ptr(name, v.as<std::string>());
            } else if (type == "CNAME") {
                zone.add_cname(name, v.as<std::string>());
            } else {
                throw std::runtime_error(name + ": unknown record type " + type);
            }
        }
    }
    if (!own_txt)
        for (auto& s : spf) zone.add_txt(name, std::move(s));
}

std::vector<spf::Result> results_of(const YAML::Node& node, const std::string& test) {
    std::vector<spf::Result> out;
    auto add = [&](const std::string& s) {
        auto r = parse_spf_result(s);
        if (!r) throw std::runtime_error(test + ": unknown result " + s);
        out.push_back(*r);
    };
    if (node.IsSequence())
        for (const auto& r : node) add(r.as<std::string>());
    else
        add(node.as<std::string>());
    return out;
}

}  // namespace

std::optional<spf::Result> parse_spf_result(std::string_view name) {
    using spf::Result;
    for (Result r : {Result::none, Result::neutral, Result::pass, Result::fail, Result::softfail, Result::temperror,
                     Result::permerror})
        if (spf::to_string(r) == name) return r;
    return std::nullopt;
}

Result<SpfSuite> load_spf_suite(const std::string& path) {
    SpfSuite suite;
    try {
        for (const auto& doc : YAML::LoadAllFromFile(path)) {
            if (!doc.IsMap()) continue;
            auto zone = std::make_unique<ZoneResolver>();
            if (doc["zonedata"])
                for (const auto& kv : doc["zonedata"]) load_name(kv.first.as<std::string>(), kv.second, *zone);
            std::string scenario = doc["description"] ? doc["description"].as<std::string>() : "";
            for (const auto& kv : doc["tests"]) {
                const YAML::Node& t = kv.second;
                SpfCase c;
                c.scenario = scenario;
                c.name = kv.first.as<std::string>();
                c.spec = t["spec"] ? text_list(t["spec"]) : "";
                c.request.helo = t["helo"].as<std::string>();
                c.request.ip = t["host"].as<std::string>();
                c.request.mail_from = t["mailfrom"].as<std::string>();
                c.results = results_of(t["result"], c.name);
                if (t["explanation"]) c.explanation = t["explanation"].as<std::string>();
                c.zone = zone.get();
                suite.cases.push_back(std::move(c));
            }
            suite.zones.push_back(std::move(zone));
        }
    } catch (const std::exception& e) {
        return fail(path + ": " + e.what());
    }
    return suite;
}

std::string spf_suite_dir() {
    const char* env = std::getenv("SW_SPF_SUITE_DIR");
    return env && *env ? env : SW_SPF_SUITE_DIR;
}

bool spf_case_passes(const SpfCase& c, const spf::Verdict& v, std::string& why) {
    bool ok = false;
    for (auto r : c.results) ok = ok || r == v.result;
    if (!ok) {
        why = "got " + std::string(spf::to_string(v.result)) + ", want";
        for (auto r : c.results) why += " " + std::string(spf::to_string(r));
        if (!v.problem.empty()) why += " (" + v.problem + ")";
        return false;
    }
    if (c.explanation && v.result == spf::Result::fail) {
        std::string want = *c.explanation == "DEFAULT" ? std::string() : *c.explanation;
        if (!iequals(want, v.explanation)) {
            why = "explanation \"" + v.explanation + "\", want \"" + want + "\"";
            return false;
        }
    }
    return true;
}

}  // namespace sw::test
