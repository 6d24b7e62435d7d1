// Tests of src/core/dmarc storage and analysis over a real LMDB data
// environment: the record codec, the store (dedupe, range scans), sources
// (ours / known / unknown, grouping), names (forward-confirmed, cached),
// readiness verdicts and the HTML page.
#include <catch2/catch.hpp>

#include "core/dmarc/dmarc_store.hpp"
#include "core/dmarc/html_report.hpp"
#include "core/dmarc/readiness.hpp"
#include "core/dmarc/record_codec.hpp"
#include "core/dmarc/source_names.hpp"
#include "core/dmarc/sources.hpp"
#include "core/store/data_db.hpp"
#include "support/temp_dir.hpp"
#include "support/zone_resolver.hpp"

using namespace sw;
using namespace sw::dmarc;

namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kT0 = 1'790'000'000 - 1'790'000'000 % kDay;  // a midnight in 2026

Record rec(std::string_view ip, std::uint64_t count, bool dkim, bool spf, std::string from = "acme.example") {
    Record r;
    r.source_ip = *parse_address(ip);
    r.count = count;
    r.disposition = "none";
    r.dkim = dkim ? "pass" : "fail";
    r.spf = spf ? "pass" : "fail";
    r.header_from = from;
    r.envelope_from = from;
    if (dkim) r.dkim_results.push_back({"acme.example", "s1", "pass"});
    r.spf_results.push_back({from, "mfrom", spf ? "pass" : "fail"});
    return r;
}

AggregateReport report(std::string reporter, std::string id, std::int64_t begin, std::vector<Record> records,
                       std::string p = "none") {
    AggregateReport r;
    r.org_name = std::move(reporter);
    r.email = "noreply@" + r.org_name;
    r.report_id = std::move(id);
    r.begin = begin;
    r.end = begin + kDay - 1;
    r.policy.domain = "acme.example";
    r.policy.p = std::move(p);
    r.policy.pct = 100;
    r.records = std::move(records);
    return r;
}

struct World {
    test::TempDir dir;
    std::unique_ptr<store::DataDb> db = store::DataDb::open(dir.path(), 64 << 20);
    DmarcStore store{db->env()};

    DmarcStore::PutResult put(const AggregateReport& r) {
        store::lmdb::WriteTxn txn(db->env());
        auto res = store.put_in(txn, r, kT0 + 40 * kDay);
        txn.commit();
        return res;
    }
    SourcesAnalysis analyse(const OurIdentity& ours, std::int64_t since = kT0, std::int64_t until = kT0 + 60 * kDay) {
        store::lmdb::ReadTxn txn(db->env());
        return analyse_sources(store, txn, "acme.example", since, until, ours, 0.5);
    }
};

}  // namespace

TEST_CASE("dmarc record codec round-trips every field, v4 and v6", "[dmarc]") {
    Record r = rec("2001:db8::25", 1234567, true, false, "news.acme.example");
    r.disposition = "quarantine";
    r.envelope_to = "example.net";
    r.spf_results.push_back({"bounce.esp.example", "helo", "softfail"});
    r.reasons.push_back({"forwarded", "list"});
    std::string v = encode_record(r);
    RecordView view;
    REQUIRE(decode_record(v, view));
    Record back = to_record(view);
    CHECK(address_text(back.source_ip) == "2001:db8::25");
    CHECK(back.count == 1234567);
    CHECK(back.disposition == "quarantine");
    CHECK(back.dkim == "pass");
    CHECK(back.spf == "fail");
    CHECK(back.header_from == "news.acme.example");
    CHECK(back.envelope_to == "example.net");
    REQUIRE(back.dkim_results.size() == 1);
    CHECK(back.dkim_results[0].selector == "s1");
    REQUIRE(back.spf_results.size() == 2);
    CHECK(back.spf_results[1].scope == "helo");
    CHECK(back.spf_results[1].result == "softfail");
    REQUIRE(back.reasons.size() == 1);
    CHECK(back.reasons[0].comment == "list");

    Record v4 = rec("192.0.2.1", 1, false, true);
    REQUIRE(decode_record(encode_record(v4), view));
    CHECK(view.ip.v4);
    CHECK(address_text(view.ip) == "192.0.2.1");
    CHECK(parse_address("::ffff:192.0.2.1")->v4);  // mapped: the IPv4 source
    CHECK_FALSE(parse_address("192.0.2.256"));

    // Every truncation of a value is refused, never read past its end.
    for (std::size_t n = 0; n < v.size(); ++n) CHECK_FALSE(decode_record(v.substr(0, n), view));
    CHECK_FALSE(decode_record(std::string(1, '\x02') + v.substr(1), view));  // unknown version
}

TEST_CASE("dmarc store: a report is stored once; scans by domain and time", "[dmarc]") {
    World w;
    CHECK(w.put(report("google.com", "r1", kT0, {rec("192.0.2.10", 10, true, true)})) == DmarcStore::PutResult::stored);
    CHECK(w.put(report("Google.com ", "r1", kT0, {rec("192.0.2.10", 10, true, true)})) ==
          DmarcStore::PutResult::duplicate);  // same reporter (case, spaces), same id
    CHECK(w.put(report("yahoo.com", "r1", kT0 + kDay, {rec("192.0.2.10", 5, true, true), rec("203.0.113.9", 2, false, false)})) ==
          DmarcStore::PutResult::stored);  // same id, another reporter
    auto other = report("google.com", "r2", kT0, {rec("198.51.100.1", 7, true, true)});
    other.policy.domain = "Other.Example";
    CHECK(w.put(other) == DmarcStore::PutResult::stored);

    store::lmdb::ReadTxn txn(w.db->env());
    std::uint64_t n = 0, records = 0;
    w.store.scan(txn, "acme.example", 0, kT0 + 10 * kDay, [&](std::int64_t, const RecordView& r) {
        n += r.count;
        ++records;
    });
    CHECK(records == 3);
    CHECK(n == 17);
    records = 0;
    w.store.scan(txn, "acme.example", kT0 + kDay, kT0 + 10 * kDay, [&](std::int64_t begin, const RecordView&) {
        CHECK(begin == kT0 + kDay);
        ++records;
    });
    CHECK(records == 2);
    auto metas = w.store.reports(txn, "acme.example", 0, kT0 + 10 * kDay);
    REQUIRE(metas.size() == 2);
    CHECK(metas[0].org_name == "google.com");
    CHECK(metas[0].messages == 10);
    CHECK(metas[1].records == 2);
    CHECK(metas[1].policy.p == "none");
    CHECK(w.store.domains(txn) == std::vector<std::string>{"acme.example", "other.example"});
}

TEST_CASE("dmarc sources: ours, known and unknown; unknown groups first", "[dmarc]") {
    World w;
    // Our MTA (outbound_ips), an ESP signing with our DKIM key, a forwarder
    // that passes sometimes, and a spoofer.
    w.put(report("google.com", "a", kT0,
                 {rec("192.0.2.10", 900, true, true), rec("198.51.100.20", 300, true, false),
                  rec("203.0.113.50", 40, false, true), rec("203.0.113.51", 20, false, false),
                  rec("203.0.113.66", 12, false, false, "acme.example")}));
    w.put(report("yahoo.com", "b", kT0 + 2 * kDay, {rec("192.0.2.10", 100, true, true)}));
    OurIdentity ours;
    ours.ips = *CidrList::parse("192.0.2.0/28");
    ours.dkim_domains = {"acme.example"};
    auto a = w.analyse(ours);
    CHECK(a.messages == 1372);
    CHECK(a.reports == 2);
    CHECK(a.reporters.size() == 2);
    CHECK(a.policy.p == "none");
    REQUIRE(a.sources.size() == 5);
    CHECK(a.sources[0].ip_text == "192.0.2.10");
    CHECK(a.sources[0].messages == 1000);
    CHECK(a.sources[0].ours);
    CHECK(a.sources[0].ours_why == "outbound_ips");
    CHECK(a.sources[1].ip_text == "198.51.100.20");
    CHECK(a.sources[1].ours);
    CHECK(a.sources[1].ours_why == "dkim d=acme.example");
    CHECK(a.sources[1].spf_aligned == 0);
    CHECK(a.sources[1].dkim_aligned == 300);
    CHECK(a.dmarc_pass == 1000 + 300 + 40);
    REQUIRE(a.days.size() == 2);
    CHECK(a.days[0].day == kT0);
    CHECK(a.days[0].pass == 1240);
    CHECK(a.days[0].fail == 32);
    CHECK(a.days[1].pass == 100);

    // Names: the ESP and the forwarder share an organisational domain; the
    // spoofer's PTR claims the ESP's domain but does not resolve back.
    test::ZoneResolver dns;
    dns.add_ptr(reverse_name(*parse_address("198.51.100.20")), "o1.mta.esp.example");
    dns.add_address("o1.mta.esp.example", "198.51.100.20");
    dns.add_ptr(reverse_name(*parse_address("203.0.113.50")), "relay.esp.example");
    dns.add_address("relay.esp.example", "203.0.113.50");
    dns.add_ptr(reverse_name(*parse_address("203.0.113.66")), "mail.esp.example");  // no A back: a lie
    dns.add_address("mail.esp.example", "198.51.100.99");
    dns.add_ptr(reverse_name(*parse_address("203.0.113.51")), "x.forwarder.example");
    dns.add_address("x.forwarder.example", "203.0.113.51");
    auto stats = name_sources(a.sources, w.store, w.db->env(), &dns, kT0 + 40 * kDay, 4);
    CHECK(stats.looked_up == 5);
    CHECK(stats.named == 3);
    CHECK(a.sources[1].name == "o1.mta.esp.example");
    CHECK(a.sources[1].org == "esp.example");
    CHECK(a.sources[4].ip_text == "203.0.113.66");
    CHECK(a.sources[4].name.empty());
    // Cached: a second run needs no resolver at all.
    auto b = w.analyse(ours);
    auto again = name_sources(b.sources, w.store, w.db->env(), nullptr, kT0 + 41 * kDay);
    CHECK(again.cached == 5);
    CHECK(again.looked_up == 0);
    CHECK(b.sources[1].name == "o1.mta.esp.example");
    // ... until the cache entry is a week old.
    auto c = w.analyse(ours);
    auto stale = name_sources(c.sources, w.store, w.db->env(), nullptr, kT0 + 48 * kDay);
    CHECK(stale.cached == 0);

    auto groups = group_sources(a.sources);
    // Unknown sources first, the most unknown volume first: forwarder.example
    // (20), the unnamed spoofer (12); then esp.example (known), then ours.
    REQUIRE(groups.size() == 4);
    CHECK(groups[0].org == "forwarder.example");
    CHECK(groups[1].org.empty());
    CHECK(groups[1].sources[0].ip_text == "203.0.113.66");
    CHECK(groups[2].org == "esp.example");
    CHECK(groups[2].sources.size() == 2);
    CHECK(groups[3].sources[0].ip_text == "192.0.2.10");
}

TEST_CASE("dmarc readiness verdicts", "[dmarc]") {
    ReadinessThresholds t;
    t.min_messages = 1000;
    t.min_days = 14;
    OurIdentity ours;
    ours.ips = *CidrList::parse("192.0.2.10");

    SECTION("no reports: no-data") {
        World w;
        auto v = judge_readiness(w.analyse(ours), t);
        CHECK(v.verdict == "no-data");
        CHECK_FALSE(v.ready());
    }
    SECTION("clean for 30 days with a little spoofing: ready for quarantine") {
        World w;
        for (int d = 0; d < 30; ++d)
            w.put(report("google.com", "g" + std::to_string(d), kT0 + d * kDay,
                         {rec("192.0.2.10", 1600, true, true), rec("203.0.113.9", d == 3 ? 5 : 0, false, false)}));
        auto a = w.analyse(ours);
        auto v = judge_readiness(a, t);
        CHECK(v.verdict == "ready");
        CHECK(v.next == "p=quarantine");
        CHECK(v.current == "p=none");
        CHECK(v.unknown_sources == 1);
        CHECK(v.summary.find("ready for p=quarantine: 100% of 48,000 messages from known sources pass aligned over 30 days; "
                             "1 unknown source (0.1%) look") == 0);
        REQUIRE(v.spoofing.size() == 1);
        CHECK(v.spoofing[0] == "203.0.113.9: 5 messages, 0% aligned");
    }
    SECTION("a large unknown sender blocks") {
        World w;
        for (int d = 0; d < 20; ++d)
            w.put(report("google.com", "g" + std::to_string(d), kT0 + d * kDay,
                         {rec("192.0.2.10", 880, true, true), rec("198.51.100.7", 120, false, false)}));
        auto v = judge_readiness(w.analyse(ours), t);
        CHECK(v.verdict == "not-ready");
        CHECK(v.summary.find("not ready for p=quarantine: source 198.51.100.7 sends 12.0% of volume (2,400 messages) "
                             "without aligned SPF or DKIM") == 0);
    }
    SECTION("a known source without aligned DKIM blocks") {
        World w;
        for (int d = 0; d < 20; ++d)
            w.put(report("google.com", "g" + std::to_string(d), kT0 + d * kDay,
                         {rec("192.0.2.10", 800, true, true), rec("198.51.100.7", 140, false, true),
                          rec("198.51.100.7", 60, false, false)}));
        auto v = judge_readiness(w.analyse(ours), t);
        CHECK(v.verdict == "not-ready");
        CHECK(v.summary.find("source 198.51.100.7 sends 20.0% of volume, 30.0% of it failing DMARC (no aligned DKIM "
                             "on 100%)") != std::string::npos);
    }
    SECTION("many small unknown senders block together") {
        World w;
        for (int d = 0; d < 20; ++d) {
            std::vector<Record> recs{rec("192.0.2.10", 900, true, true)};
            for (int k = 0; k < 10; ++k) recs.push_back(rec("203.0.113." + std::to_string(k + 1), 8, false, false));
            w.put(report("google.com", "g" + std::to_string(d), kT0 + d * kDay, recs));
        }
        auto v = judge_readiness(w.analyse(ours), t);
        CHECK(v.verdict == "not-ready");
        CHECK(v.summary.find("10 unknown sources send 8.2% of volume in all (more than 5%") != std::string::npos);
    }
    SECTION("too little data") {
        World w;
        w.put(report("google.com", "g", kT0, {rec("192.0.2.10", 50, true, true)}));
        auto v = judge_readiness(w.analyse(ours), t);
        CHECK(v.verdict == "insufficient-data");
        CHECK(v.summary.find("needs 1,000 messages over 14 days") != std::string::npos);
    }
    SECTION("quarantine at pct=50, then 100, then reject") {
        World w;
        auto fill = [&](const std::string& p, int pct) {
            for (int d = 0; d < 20; ++d) {
                auto r = report("google.com", p + std::to_string(pct) + "-" + std::to_string(d), kT0 + d * kDay,
                                {rec("192.0.2.10", 100, true, true)}, p);
                r.policy.pct = pct;
                w.put(r);
            }
        };
        fill("quarantine", 50);
        auto v = judge_readiness(w.analyse(ours), t);
        CHECK(v.current == "p=quarantine pct=50");
        CHECK(v.next == "p=quarantine pct=100");
        CHECK(v.ready());
    }
}

TEST_CASE("dmarc readiness: the newest report's policy decides the next step", "[dmarc]") {
    World w;
    OurIdentity ours;
    ours.ips = *CidrList::parse("192.0.2.10");
    for (int d = 0; d < 20; ++d)
        w.put(report("google.com", "q" + std::to_string(d), kT0 + d * kDay, {rec("192.0.2.10", 100, true, true)},
                     d < 19 ? "quarantine" : "reject"));
    auto v = judge_readiness(w.analyse(ours), ReadinessThresholds{});
    CHECK(v.verdict == "at-reject");
    CHECK(v.next.empty());
    CHECK(v.summary.find("already at p=reject") == 0);
}

TEST_CASE("dmarc html report: self-contained, escaped, with chart and table", "[dmarc]") {
    World w;
    auto hostile = rec("203.0.113.9", 3, false, false, "<script>alert(1)</script>.example");
    w.put(report("evil\"<img src=x>", "x", kT0, {rec("192.0.2.10", 100, true, true), hostile}));
    OurIdentity ours;
    auto a = w.analyse(ours);
    auto groups = group_sources(a.sources);
    auto v = judge_readiness(a, ReadinessThresholds{});
    std::string page = render_html_report(a, groups, v, kT0 + 40 * kDay);
    CHECK(page.find("<script") == std::string::npos);
    CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;.example") != std::string::npos);
    CHECK(page.find("<svg") != std::string::npos);
    CHECK(page.find("<table id=\"sources\"") != std::string::npos);
    CHECK(page.find("id=\"verdict\"") != std::string::npos);
    // Nothing is fetched: no src/href to anywhere, and a CSP that forbids it.
    CHECK(page.find("src=") == std::string::npos);
    CHECK(page.find("href=") == std::string::npos);
    CHECK(page.find("default-src 'none'") != std::string::npos);
    CHECK(html_escape("a&b'\"\x01") == "a&amp;b&#39;&quot;&#xFFFD;");
}
