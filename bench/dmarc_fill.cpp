// dmarc-fill STATE_DIR DOMAIN RECORDS [SOURCES]: stores RECORDS synthetic
// report records (50 per report, reports spread over the last 30 days, from
// SOURCES distinct addresses, default 5,000) for DOMAIN in STATE_DIR/data,
// through DmarcStore as ingest does, and prints the time it took. Sets up
// bench/dmarc-bench.sh's "dmarc sources over 1,000,000 records".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>

#include "core/dmarc/dmarc_store.hpp"
#include "core/store/data_db.hpp"

using namespace sw;

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: dmarc-fill STATE_DIR DOMAIN RECORDS [SOURCES]\n");
        return 64;
    }
    const std::string dir = argv[1], domain = argv[2];
    const std::uint64_t total = std::strtoull(argv[3], nullptr, 10);
    const unsigned sources = argc > 4 ? static_cast<unsigned>(std::strtoul(argv[4], nullptr, 10)) : 5000;
    constexpr std::size_t kPerReport = 50;
    auto db = store::DataDb::open(dir, std::size_t{8} << 30);
    dmarc::DmarcStore store(db->env());
    std::mt19937 rng(7);
    const std::int64_t now = std::time(nullptr);
    const std::int64_t first_day = now - now % 86400 - 30 * 86400;
    auto t0 = std::chrono::steady_clock::now();
    std::uint64_t done = 0;
    std::size_t n_report = 0;
    while (done < total) {
        store::lmdb::WriteTxn txn(db->env());
        for (int k = 0; k < 200 && done < total; ++k, ++n_report) {
            dmarc::AggregateReport r;
            r.org_name = "reporter" + std::to_string(n_report % 40) + ".example";
            r.report_id = "fill-" + std::to_string(n_report);
            r.begin = first_day + static_cast<std::int64_t>(n_report % 30) * 86400;
            r.end = r.begin + 86399;
            r.policy.domain = domain;
            r.policy.p = "none";
            for (std::size_t i = 0; i < kPerReport && done < total; ++i, ++done) {
                dmarc::Record rec;
                unsigned s = rng() % sources;
                rec.source_ip = dns::Address{};
                rec.source_ip.bytes = {10, static_cast<std::uint8_t>(s >> 16), static_cast<std::uint8_t>(s >> 8),
                                       static_cast<std::uint8_t>(s)};
                rec.count = 1 + rng() % 40;
                rec.disposition = "none";
                bool good = s % 10 != 0;
                rec.dkim = good && rng() % 20 ? "pass" : "fail";
                rec.spf = good ? "pass" : "fail";
                rec.header_from = domain;
                rec.envelope_from = domain;
                rec.dkim_results.push_back({domain, "s1", rec.dkim});
                rec.spf_results.push_back({domain, "mfrom", rec.spf});
                r.records.push_back(std::move(rec));
            }
            store.put_in(txn, r, now);
        }
        txn.commit();
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("dmarc-fill: %llu records in %zu reports stored in %.2f s (%.0f records/s)\n",
                static_cast<unsigned long long>(done), n_report, secs, double(done) / secs);
    return 0;
}
