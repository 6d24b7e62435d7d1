// dmarc-parse-bench: parse_report_bytes over every file of the DMARC corpus
// (../shared/corpus/dmarc or the directory given), ROUNDS times (default
// 20), and the rate in reports/s and input MB/s. `--dump FILE...` prints
// what the parser found in each file instead.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/dmarc/report_unpack.hpp"

namespace fs = std::filesystem;
using namespace sw::dmarc;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool is_sample(const fs::path& p) {
    std::string n = p.filename().string();
    return !(n.rfind("LICENSE", 0) == 0 || n == "MANIFEST.md" || n.rfind("DERIVED", 0) == 0 || p.extension() == ".xsd");
}

void dump(const char* file) {
    UnpackedReports u = parse_report_bytes(slurp(file), Limits{});
    std::printf("%s: %zu reports\n", file, u.reports.size());
    for (const auto& r : u.reports) {
        std::printf("  org=%s id=%s version=%s begin=%lld end=%lld domain=%s p=%s records=%zu skipped=%llu messages=%llu\n",
                    r.org_name.c_str(), r.report_id.c_str(), r.version.c_str(), static_cast<long long>(r.begin),
                    static_cast<long long>(r.end), r.policy.domain.c_str(), r.policy.p.c_str(), r.records.size(),
                    static_cast<unsigned long long>(r.skipped_records), static_cast<unsigned long long>(r.messages()));
        for (const auto& n : r.notes) std::printf("  note: %s\n", n.c_str());
    }
    for (const auto& p : u.problems) std::printf("  problem: %s\n", p.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--dump") == 0) {
        for (int i = 2; i < argc; ++i) dump(argv[i]);
        return 0;
    }
    fs::path root = argc > 1 ? fs::path(argv[1]) : fs::path(SW_CORPUS_DIR) / "dmarc";
    int rounds = 20;
    if (const char* r = std::getenv("ROUNDS"); r && std::atoi(r) > 0) rounds = std::atoi(r);
    std::vector<std::string> inputs;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); ++it)
        if (it->is_regular_file() && is_sample(it->path())) inputs.push_back(slurp(it->path()));
    if (inputs.empty()) {
        std::fprintf(stderr, "dmarc-parse-bench: no files under %s\n", root.c_str());
        return 1;
    }
    std::size_t bytes = 0;
    for (const auto& in : inputs) bytes += in.size();

    using clock = std::chrono::steady_clock;
    std::size_t reports = 0, records = 0;
    auto t0 = clock::now();
    for (int r = 0; r < rounds; ++r)
        for (const auto& in : inputs) {
            UnpackedReports u = parse_report_bytes(in, Limits{});
            reports += u.reports.size();
            for (const auto& rep : u.reports) records += rep.records.size();
        }
    double s = std::chrono::duration<double>(clock::now() - t0).count();
    std::printf("dmarc-parse-bench: %zu files (%.2f MB) x %d rounds in %.2f s\n", inputs.size(), bytes / 1e6, rounds, s);
    std::printf("  %.0f files/s, %.0f reports/s, %.0f records/s, %.1f MB/s of input\n", inputs.size() * rounds / s,
                reports / s, records / s, bytes * rounds / 1e6 / s);
    return 0;
}
