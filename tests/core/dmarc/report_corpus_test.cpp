// parse_report_bytes over every file of the DMARC corpus
// (../shared/corpus/dmarc, or $SW_CORPUS_DIR/dmarc; skipped when absent).
// Oracle: DERIVED-report-summary.jsonl (Python's strict readers: org_name,
// report_id, <record>s and the sum of <count> per file or member). Files it
// could not read are real reports parsedmarc repairs: they must parse too.
// parsedmarc's invalid samples, its empty.xml and a plain text file must
// be refused.
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/dmarc/report_unpack.hpp"

#ifndef SW_CORPUS_DIR
#define SW_CORPUS_DIR ""
#endif

namespace fs = std::filesystem;
using namespace sw::dmarc;

namespace {

fs::path corpus_dir() {
    const char* env = std::getenv("SW_CORPUS_DIR");
    return fs::path(env && *env ? env : SW_CORPUS_DIR) / "dmarc";
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Expected {
    std::string org_name, report_id;
    std::uint64_t records = 0, messages = 0;
};

// file (relative) -> the reports the oracle read in it
std::map<std::string, std::vector<Expected>> load_summary(const fs::path& jsonl) {
    std::map<std::string, std::vector<Expected>> out;
    std::ifstream in(jsonl);
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        auto j = nlohmann::json::parse(line);
        auto& list = out[j.at("file").get<std::string>()];
        if (j.contains("parse_error")) continue;
        list.push_back({j.at("org_name").get<std::string>(), j.at("report_id").get<std::string>(),
                        j.at("records").get<std::uint64_t>(), j.at("messages").get<std::uint64_t>()});
    }
    return out;
}

bool not_a_sample(const fs::path& p) {
    std::string n = p.filename().string();
    return n.rfind("LICENSE", 0) == 0 || n == "MANIFEST.md" || n.rfind("DERIVED", 0) == 0 || p.extension() == ".xsd";
}

bool must_reject(const std::string& rel) {
    return rel.find("/aggregate_invalid/") != std::string::npos || rel == "parsedmarc/samples/empty.xml" ||
           rel == "avvertix-dmarc-report-parser/tests/fixtures/plain.txt";
}

std::string ip_text(const sw::dns::Address& a) {
    char buf[INET6_ADDRSTRLEN] = "";
    inet_ntop(a.v4 ? AF_INET : AF_INET6, a.bytes.data(), buf, sizeof buf);
    return buf;
}

}  // namespace

TEST_CASE("dmarc corpus: every report parses as the oracle read it; the invalid ones are refused") {
    fs::path root = corpus_dir();
    if (!fs::is_directory(root)) {
        WARN("dmarc corpus not found at " << root << "; skipped");
        return;
    }
    auto summary = load_summary(root / "DERIVED-report-summary.jsonl");
    REQUIRE_FALSE(summary.empty());
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file() && !not_a_sample(e.path())) files.push_back(e.path());
    std::sort(files.begin(), files.end());

    std::size_t parsed = 0, rejected = 0, compared = 0;
    for (const auto& f : files) {
        std::string rel = fs::relative(f, root).string();
        auto u = parse_report_bytes(slurp(f), Limits{});
        INFO(rel);
        std::string problems;
        for (const auto& p : u.problems) problems += p + "; ";
        INFO("problems: " << problems);
        if (must_reject(rel)) {
            CHECK(u.reports.empty());
            CHECK_FALSE(u.problems.empty());
            rejected += u.reports.empty();
            continue;
        }
        CHECK(u.problems.empty());
        REQUIRE_FALSE(u.reports.empty());
        parsed += u.reports.size();
        auto it = summary.find(rel);
        if (it == summary.end() || it->second.empty()) continue;  // the oracle could not read it
        REQUIRE(u.reports.size() == it->second.size());
        for (std::size_t i = 0; i < u.reports.size(); ++i) {
            const AggregateReport& r = u.reports[i];
            const Expected& want = it->second[i];
            CHECK(r.org_name == want.org_name);
            CHECK(r.report_id == want.report_id);
            CHECK(r.records.size() + r.skipped_records == want.records);
            CHECK(r.messages() == want.messages);
            ++compared;
        }
    }
    std::cout << "dmarc corpus: " << files.size() << " files, " << parsed << " reports parsed (" << compared
              << " compared with the oracle), " << rejected << " rejected as expected\n";
    CHECK(rejected == 3);
}

TEST_CASE("dmarc corpus: the files only a repairing reader can read") {
    fs::path root = corpus_dir();
    if (!fs::is_directory(root)) return;
    struct Want {
        const char* file;
        const char* report_id;
        std::size_t records;
    };
    for (const Want& w : {
             Want{"parsedmarc/samples/aggregate/ikea.com!example.de!1538690400!1538776800.xml",
                  "aggr_report_2018_10_05_5bc7e9b4f3e8a", 1},
             Want{"parsedmarc/samples/aggregate/invalid_utf_8.xml", "example.com:1538463741", 1},
             Want{"parsedmarc/samples/aggregate/invalid_xml.xml", "sonexushealth.com:1530233361", 1},
             Want{"parsedmarc/samples/aggregate/mimecast-weird-gzip.eml",
                  "157a5fe30ec76f4bc0d8bccfc96c118a167a1280fee7c7465af5115e73082e5e", 1},
             Want{"dmarc-report-converter/pkg/dmarc/testdata/test.xml.gz.gz", "1.id.0", 2},
         }) {
        DYNAMIC_SECTION(w.file) {
            auto u = parse_report_bytes(slurp(root / w.file), Limits{});
            REQUIRE(u.reports.size() == 1);
            CHECK(u.problems.empty());
            CHECK(u.reports[0].records.size() == w.records);
            CHECK(u.reports[0].report_id == w.report_id);
        }
    }
}

TEST_CASE("dmarc corpus: rfc9990-sample.xml and a full report's fields") {
    fs::path root = corpus_dir();
    if (!fs::is_directory(root)) return;
    auto s = parse_report_bytes(slurp(root / "parsedmarc/samples/aggregate/rfc9990-sample.xml"), Limits{});
    REQUIRE(s.reports.size() == 1);
    CHECK(s.reports[0].org_name == "Sample Reporter");
    CHECK(s.reports[0].report_id == "3v98abbp8ya9n3va8yr8oa3ya");
    CHECK(s.reports[0].messages() == 123);
    CHECK(s.reports[0].records.at(0).disposition == "pass");
    CHECK(s.reports[0].policy.discovery_method == "treewalk");

    auto u = parse_report_bytes(
        slurp(root / "parsedmarc/samples/aggregate/fastmail.com!example.com!1516060800!1516147199!102675056.xml.gz"),
        Limits{});
    REQUIRE(u.reports.size() == 1);
    const AggregateReport& r = u.reports[0];
    CHECK(r.version == "1.0");
    CHECK(r.org_name == "FastMail Pty Ltd");
    CHECK(r.email == "reports@fastmaildmarc.com");
    CHECK(r.begin == 1516060800);
    CHECK(r.end == 1516147199);
    CHECK(r.policy.domain == "indemed.com");
    CHECK(r.policy.p == "none");
    CHECK(r.policy.sp == "none");
    CHECK(r.policy.pct == 100);
    CHECK(r.policy.fo == "0");
    CHECK(r.policy.adkim.empty());
    REQUIRE(r.records.size() == 1);
    const Record& rec = r.records[0];
    CHECK(ip_text(rec.source_ip) == "104.195.80.20");
    CHECK(rec.count == 1);
    CHECK(rec.disposition == "none");
    CHECK(rec.dkim == "fail");
    CHECK(rec.spf == "fail");
    CHECK(rec.header_from == "example.com");
    CHECK(rec.envelope_from == "example.com");
    CHECK(rec.envelope_to == "fastmail.fm");
    CHECK(rec.dkim_results.empty());
    REQUIRE(rec.spf_results.size() == 1);
    CHECK(rec.spf_results[0].domain == "example.com");
    CHECK(rec.spf_results[0].scope == "mfrom");
    CHECK(rec.spf_results[0].result == "softfail");
}
