// ingest-parse-bench: parse_report over every message of the corpus
// (../shared/corpus or the directory given) in a loop, and the rate in
// messages per second: the parser alone, and the whole ingest step as
// `sendwarden ingest` runs it (read the file, parse, build the key of
// each recipient). `--dump FILE...` prints what the parser found instead.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/reports/report.hpp"
#include "core/util/strings.hpp"

namespace fs = std::filesystem;
using namespace sw::reports;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool is_message(const fs::path& p) {
    std::string n = p.filename().string(), ext = p.extension().string();
    if (n.rfind("LICENSE", 0) == 0 || n.rfind("EXPECTED", 0) == 0 || n.rfind("DERIVED", 0) == 0 ||
        n.rfind("ARF-FIELDS", 0) == 0 || n == "debian-copyright.txt")
        return false;
    return ext == ".eml" || ext == ".msg" || ext == ".txt";
}

void dump(const fs::path& p) {
    ParsedReport r = parse_report(slurp(p));
    std::printf("%s\tkind=%s format=%s qid=%s omid=%s osender=%s\n", p.c_str(), std::string(to_string(r.kind)).c_str(),
                r.format.c_str(), r.original_queue_id.c_str(), r.original_message_id.c_str(), r.original_sender.c_str());
    for (const auto& f : r.recipients)
        std::printf("  rcpt=%s action=%s status=%s reply=%s cmd=%s reason=%s hard=%d perm=%d\n    diag=%s\n", f.address.c_str(),
                    f.action.c_str(), f.status.c_str(), f.reply_code.c_str(), f.smtp_command.c_str(), std::string(to_string(f.reason)).c_str(),
                    f.hard, f.permanent, sw::printable(f.diagnostic, 300).c_str());
    if (r.kind == ReportKind::Complaint)
        std::printf("  feedback=%s rcpt=%s ip=%s ua=%s\n", r.complaint.feedback_type.c_str(),
                    r.complaint.recipient.c_str(), r.complaint.source_ip.c_str(), r.complaint.user_agent.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--dump") == 0) {
        for (int i = 2; i < argc; ++i) dump(argv[i]);
        return 0;
    }
    fs::path root = argc > 1 ? fs::path(argv[1]) : fs::path(SW_CORPUS_DIR);
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& top : {root / "bounces", root / "arf"})
        for (auto it = fs::recursive_directory_iterator(top, ec); !ec && it != fs::recursive_directory_iterator(); ++it)
            if (it->is_regular_file() && is_message(it->path())) files.push_back(it->path());
    if (files.empty()) {
        std::fprintf(stderr, "ingest-parse-bench: no messages under %s\n", root.c_str());
        return 1;
    }
    std::vector<std::string> texts;
    for (const auto& f : files) texts.push_back(slurp(f));

    using clock = std::chrono::steady_clock;
    const int rounds = 5;
    std::size_t n = 0, recipients = 0;
    auto t0 = clock::now();
    for (int r = 0; r < rounds; ++r)
        for (const auto& t : texts) {
            recipients += parse_report(t).recipients.size();
            ++n;
        }
    double parse_s = std::chrono::duration<double>(clock::now() - t0).count();

    // Whole ingest as the CLI does it per message: read, parse, key.
    std::size_t keys = 0;
    auto t1 = clock::now();
    for (const auto& f : files) {
        ParsedReport r = parse_report(slurp(f));
        for (const auto& rc : r.recipients) keys += sw::to_lower(rc.address).size();
        keys += sw::to_lower(r.complaint.recipient).size();
    }
    double ingest_s = std::chrono::duration<double>(clock::now() - t1).count();

    std::printf("ingest-parse-bench: %zu messages, %d rounds\n", files.size(), rounds);
    std::printf("  parse_report alone : %8.0f messages/s (%zu recipients)\n", double(n) / parse_s, recipients / rounds);
    std::printf("  read+parse+key     : %8.0f messages/s (target >= 2000; %zu key bytes)\n",
                double(files.size()) / ingest_s, keys);
    return double(files.size()) / ingest_s >= 2000 ? 0 : 2;
}
