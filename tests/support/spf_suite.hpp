// SpfSuite: the openspf.org SPF conformance suites (rfc7208-tests.yml,
// rfc4408-tests.yml; YAML, read with yaml-cpp) as cases over one
// ZoneResolver per scenario, and the suite's rule for a passing case. Shared
// by the suite tests of every SPF engine and by bench/spf_bench.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/spf/spf.hpp"
#include "core/util/result.hpp"
#include "support/zone_resolver.hpp"

namespace sw::test {

struct SpfCase {
    std::string scenario;  // the scenario's description
    std::string name;      // the test's key, unique within a suite file
    std::string spec;      // RFC section(s) it tests
    spf::Request request;
    std::vector<spf::Result> results;        // any of these passes
    std::optional<std::string> explanation;  // "DEFAULT": none of ours
    ZoneResolver* zone = nullptr;            // owned by the SpfSuite
};

struct SpfSuite {
    std::vector<std::unique_ptr<ZoneResolver>> zones;
    std::vector<SpfCase> cases;
};

// Loads a suite file. Zone data: TXT and SPF values are one string or a
// list of strings (joined without separator, RFC 7208 §3.3); "NONE" marks
// a name with no such record; TIMEOUT makes the name's other types time out.
// As the suites' drivers do, SPF records are also published as TXT for a
// name that has no TXT entry of its own (the suite header explains that the
// tests rely on this duplication; names that list TXT, even "NONE", are the
// ones that test type SPF against TXT).
Result<SpfSuite> load_spf_suite(const std::string& path);

// Where the suite files are: $SW_SPF_SUITE_DIR, else the directory compiled
// in (the source tree's tests/data/spf).
std::string spf_suite_dir();

// Whether `v` satisfies the case: its result is one of the accepted ones
// and, for a fail with an expected explanation, the explanation matches
// ("DEFAULT" = we give none). The explanation compares ignoring ASCII case:
// the suite's expected texts spell IPv6 nibbles in upper case, RFC 7208
// §7.4 in lower case, and DNS names are case-insensitive. `why` gets the
// difference.
bool spf_case_passes(const SpfCase& c, const spf::Verdict& v, std::string& why);

std::optional<spf::Result> parse_spf_result(std::string_view name);

}  // namespace sw::test
