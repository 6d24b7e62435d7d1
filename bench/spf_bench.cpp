// spf_bench.cpp — the SPF benchmark behind `make bench-spf` (bench/spf-bench).
//
// Runs every case of the openspf RFC 7208 suite through BuiltinEngine in
// this process, answering DNS from the suite's in-memory zones
// (tests/support/zone_resolver), round after round for at least MIN_SECONDS,
// and prints checks/s and µs/check. Then, when /usr/bin/python3 has pyspf
// (Debian python3-spf), runs pyspf over the same suite and zones
// (bench/spf_bench_pyspf.py replaces its DNSLookup) and prints its rate and
// the ratio. Both sides do the whole check including the zone look-ups.
//
// usage: spf-bench SUITE.yml PYSPF_DRIVER.py [MIN_SECONDS]
// Exit status: 0 done, 1 a builtin case fails the suite, 2 usage or load error.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/spf/builtin_engine.hpp"
#include "support/spf_suite.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct PyResult {
    bool ran = false;
    long checks = 0;
    double seconds = 0;
    std::string line;
};

PyResult run_pyspf(const std::string& driver, const std::string& suite, int rounds) {
    PyResult r;
    std::string cmd = "/usr/bin/python3 '" + driver + "' '" + suite + "' " + std::to_string(rounds) + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) r.line += buf;
    int status = pclose(p);
    if (!r.line.empty() && r.line.back() == '\n') r.line.pop_back();
    if (status == 0 && std::sscanf(r.line.c_str(), "pyspf: %ld checks in %lf s", &r.checks, &r.seconds) == 2)
        r.ran = r.checks > 0 && r.seconds > 0;
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: spf-bench SUITE.yml PYSPF_DRIVER.py [MIN_SECONDS]\n");
        return 2;
    }
    std::string suite_path = argv[1], driver = argv[2];
    double min_seconds = argc > 3 ? std::atof(argv[3]) : 2.0;
    auto suite = sw::test::load_spf_suite(suite_path);
    if (!suite) {
        std::fprintf(stderr, "spf-bench: %s\n", suite.error().c_str());
        return 2;
    }
    const auto& cases = suite->cases;

    // One round to check the answers before timing them.
    std::size_t passed = 0;
    for (const auto& c : cases) {
        sw::spf::BuiltinEngine engine(*c.zone);
        std::string why;
        if (sw::test::spf_case_passes(c, engine.check(c.request), why))
            ++passed;
        else
            std::fprintf(stderr, "spf-bench: %s: %s\n", c.name.c_str(), why.c_str());
    }
    std::printf("suite: %zu cases, builtin passes %zu/%zu\n", cases.size(), passed, cases.size());

    long checks = 0;
    int rounds = 0;
    unsigned sink = 0;
    auto t0 = Clock::now();
    double elapsed = 0;
    do {
        for (int k = 0; k < 20; ++k, ++rounds) {
            for (const auto& c : cases) {
                sw::spf::BuiltinEngine engine(*c.zone);
                sink += static_cast<unsigned>(engine.check(c.request).result);
                ++checks;
            }
        }
        elapsed = seconds_since(t0);
    } while (elapsed < min_seconds);
    double builtin_rate = static_cast<double>(checks) / elapsed;
    std::printf("builtin: %ld checks (%d rounds) in %.3f s: %.0f checks/s, %.2f us/check (sink %u)\n", checks, rounds,
                elapsed, builtin_rate, 1e6 * elapsed / static_cast<double>(checks), sink % 10);

    PyResult py = run_pyspf(driver, suite_path, 30);
    if (!py.ran) {
        std::printf("pyspf: not run (%s)\n", py.line.empty() ? "no output" : py.line.c_str());
        return passed == cases.size() ? 0 : 1;
    }
    double py_rate = static_cast<double>(py.checks) / py.seconds;
    std::printf("%s\n", py.line.c_str());
    std::printf("pyspf: %.0f checks/s, %.2f us/check\n", py_rate, 1e6 * py.seconds / static_cast<double>(py.checks));
    std::printf("ratio: builtin %.1fx pyspf\n", builtin_rate / py_rate);
    return passed == cases.size() ? 0 : 1;
}
