// Differential test of the two SPF engines (src/core/spf/builtin_engine and
// libspf2_engine): both evaluate every case of the RFC 7208 and RFC 4408
// suites over the same in-memory zones; wherever their results differ, the
// case must be listed in tests/data/spf/libspf2-deviations.tsv with the known
// libspf2 deviation that explains it (a new disagreement fails the test, and
// so does a listed one that no longer occurs). Prints both engines' scores.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "core/spf/builtin_engine.hpp"
#include "core/spf/libspf2_engine.hpp"
#include "support/fake_clock.hpp"
#include "support/spf_suite.hpp"

namespace test = sw::test;
using namespace sw::spf;

namespace {

using Key = std::pair<std::string, std::string>;  // suite, case name

// suite <TAB> case <TAB> builtin result <TAB> libspf2 result <TAB> reason
std::map<Key, std::pair<std::string, std::string>> load_deviations() {
    std::map<Key, std::pair<std::string, std::string>> out;
    std::ifstream in(test::spf_suite_dir() + "/libspf2-deviations.tsv");
    REQUIRE(in);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> f;
        std::size_t at = 0;
        for (auto tab = line.find('\t'); tab != std::string::npos; tab = line.find('\t', at)) {
            f.push_back(line.substr(at, tab - at));
            at = tab + 1;
        }
        f.push_back(line.substr(at));
        REQUIRE(f.size() == 5);
        REQUIRE(!f[4].empty());
        out[{f[0], f[1]}] = {f[2] + "/" + f[3], f[4]};
    }
    return out;
}

void compare(const std::string& file, const std::string& label, std::size_t& builtin_passed,
             std::size_t& libspf2_passed, std::size_t& cases, std::set<Key>& disagreements) {
    std::string path = test::spf_suite_dir() + "/" + file;
    if (!std::filesystem::exists(path)) {
        std::cerr << "\n*** SKIP: SPF suite " << path << " not found (set SW_SPF_SUITE_DIR) ***\n\n";
        std::exit(77);
    }
    auto suite = test::load_spf_suite(path);
    REQUIRE(suite.ok());
    test::FakeClock clock;
    for (const auto& c : suite->cases) {
        BuiltinEngine ours(*c.zone, clock);
        Libspf2Engine theirs(*c.zone);
        Verdict a = ours.check(c.request);
        Verdict b = theirs.check(c.request);
        std::string why;
        builtin_passed += test::spf_case_passes(c, a, why);
        libspf2_passed += test::spf_case_passes(c, b, why);
        ++cases;
        if (a.result != b.result) {
            disagreements.insert({label, c.name});
            if (std::getenv("SW_SPF_DIFF_DUMP"))
                std::cout << label << "\t" << c.name << "\t" << to_string(a.result) << "\t" << to_string(b.result)
                          << "\t" << c.spec << " " << c.scenario << "\n";
        }
    }
}

}  // namespace

TEST_CASE("builtin and libspf2 disagree only where libspf2 is known to deviate") {
    auto listed = load_deviations();
    std::set<Key> seen;
    for (auto [file, label] : {std::pair{"rfc7208-tests.yml", "rfc7208"}, std::pair{"rfc4408-tests.yml", "rfc4408"}}) {
        std::size_t b = 0, l = 0, n = 0;
        std::set<Key> diff;
        compare(file, label, b, l, n, diff);
        std::cout << label << " suite: builtin " << b << "/" << n << " passed, libspf2 " << l << "/" << n
                  << " passed (caller-side fixes applied), " << diff.size() << " disagreements\n";
        seen.insert(diff.begin(), diff.end());
    }
    for (const auto& k : seen)
        if (!listed.count(k)) FAIL_CHECK("new disagreement, not in libspf2-deviations.tsv: " << k.first << " " << k.second);
    for (const auto& [k, v] : listed)
        if (!seen.count(k)) FAIL_CHECK("listed deviation no longer seen: " << k.first << " " << k.second << " (" << v.second << ")");
}
