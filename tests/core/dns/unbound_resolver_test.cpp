// Tests of src/core/dns/unbound_resolver.cpp against a dnsmasq on
// 127.0.0.1: record types, NXDOMAIN vs NODATA, a TXT over 255 octets in
// several strings, an MX set, PTR in the documentation reverse zones (which
// libunbound would otherwise answer itself), timeouts against a server that
// never answers, and concurrent use from many threads.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "core/dns/unbound_resolver.hpp"
#include "core/dns/resolver_factory.hpp"
#include "core/config/config_file.hpp"
#include "dnsmasq_server.hpp"

using namespace sw;
using namespace sw::dns;
using sw::test::DnsmasqServer;

namespace {

const std::string kLongA(200, 'a');
const std::string kLongB(200, 'b');
const std::string kLongC(50, 'c');

std::vector<std::string> zone_records() {
    std::vector<std::string> r = {
        "--host-record=a.test,192.0.2.7,2001:db8::7",
        "--host-record=v6only.test,2001:db8::8",
        "--txt-record=txt.test,v=spf1 ip4:192.0.2.0/24 -all",
        "--txt-record=multi.test,first",
        "--txt-record=multi.test,second",
        "--txt-record=long.test," + kLongA + "," + kLongB + "," + kLongC,
        "--txt-record=split.test,v=spf1 ,ip4:192.0.2.1 ,-all",
        "--cname=alias.test,a.test",
        // dnsmasq in auth mode serves reverse data only from host records
        "--host-record=ptr-only.test,192.0.2.9",
        "--host-record=v6ptr.test,2001:db8::9",
    };
    for (int i = 0; i <= 10; ++i)
        r.push_back("--mx-host=mx.test,m" + std::to_string(i) + ".test," + std::to_string(i));
    return r;
}

std::string text(const Address& a) {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(a.v4 ? AF_INET : AF_INET6, a.bytes.data(), buf, sizeof buf);
    return buf;
}

std::unique_ptr<UnboundResolver> resolver_for(const std::string& forwarder, Micros timeout = 3 * kMicrosPerSecond) {
    UnboundOptions o;
    o.forwarder = forwarder;
    o.timeout = timeout;
    auto r = UnboundResolver::create(o);
    REQUIRE(r.ok());
    return std::move(*r);
}

#define SKIP_WITHOUT_DNSMASQ()                                                                     \
    if (!DnsmasqServer::available()) {                                                             \
        WARN("SKIPPED: " << DnsmasqServer::kPath << " missing (Debian package dnsmasq-base)");    \
        return;                                                                                    \
    }

// A UDP port that is bound but never read, and a TCP port that listens but
// never accepts: a server that does not answer.
class BlackHole {
public:
    BlackHole() {
        // The UDP port the kernel picks may be taken on TCP by another
        // process (tests run in parallel): try again with a fresh one.
        for (int attempt = 0; attempt < 50 && port_ == 0; ++attempt) {
            if (udp_ >= 0) ::close(udp_);
            if (tcp_ >= 0) ::close(tcp_);
            udp_ = ::socket(AF_INET, SOCK_DGRAM, 0);
            tcp_ = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            socklen_t len = sizeof a;
            REQUIRE(::bind(udp_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
            REQUIRE(::getsockname(udp_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
            if (::bind(tcp_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) continue;
            REQUIRE(::listen(tcp_, 1) == 0);
            port_ = ntohs(a.sin_port);
        }
        REQUIRE(port_ != 0);
    }
    ~BlackHole() {
        ::close(udp_);
        ::close(tcp_);
    }
    std::string forwarder() const { return "127.0.0.1:" + std::to_string(port_); }

private:
    int udp_ = -1, tcp_ = -1, port_ = 0;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("forwarder_to_unbound accepts addresses with ports") {
    CHECK(*forwarder_to_unbound("127.0.0.1:5353") == "127.0.0.1@5353");
    CHECK(*forwarder_to_unbound("[::1]:5353") == "::1@5353");
    CHECK(*forwarder_to_unbound("[::1]") == "::1@53");
    CHECK(*forwarder_to_unbound("192.0.2.1") == "192.0.2.1@53");
    CHECK(*forwarder_to_unbound("2001:db8::1") == "2001:db8::1@53");
    for (const char* bad : {"", "localhost:53", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "[::1", "[::1]5353",
                            "[::1]:", "1.2.3.4:x", "ns.example"}) {
        DYNAMIC_SECTION("bad forwarder '" << bad << "'") { CHECK_FALSE(forwarder_to_unbound(bad).ok()); }
    }
}

TEST_CASE("UnboundResolver::create rejects bad options") {
    UnboundOptions o;
    o.forwarder = "dns.example:53";
    CHECK_FALSE(UnboundResolver::create(o).ok());
    o.forwarder = "127.0.0.1:53";
    o.timeout = 0;
    CHECK_FALSE(UnboundResolver::create(o).ok());
    o.timeout = kMicrosPerSecond;
    o.trust_anchor_file = "/nonexistent/root.key";
    CHECK_FALSE(UnboundResolver::create(o).ok());
}

TEST_CASE("make_resolver reads [dns]") {
    auto bad = config::parse_config("[dns]\nserver = not-an-address\n", "test.conf");
    REQUIRE(bad.config);
    auto r = make_resolver(*bad.config);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().find("[dns]") != std::string::npos);
    auto good = config::parse_config("[dns]\nserver = 127.0.0.1:5353\ntimeout = 2s\n", "test.conf");
    REQUIRE(good.config);
    CHECK(make_resolver(*good.config).ok());
}

TEST_CASE("UnboundResolver answers every record type from the test server") {
    SKIP_WITHOUT_DNSMASQ();
    DnsmasqServer dns(zone_records());
    auto res = resolver_for(dns.forwarder());

    SECTION("A and AAAA") {
        auto a = res->query("a.test", Type::A);
        REQUIRE(a.status == Status::ok);
        REQUIRE(a.addresses.size() == 1);
        CHECK(a.addresses[0].v4);
        CHECK(text(a.addresses[0]) == "192.0.2.7");
        auto aaaa = res->query("a.test.", Type::AAAA);  // trailing dot tolerated
        REQUIRE(aaaa.status == Status::ok);
        REQUIRE(aaaa.addresses.size() == 1);
        CHECK_FALSE(aaaa.addresses[0].v4);
        CHECK(text(aaaa.addresses[0]) == "2001:db8::7");
        CHECK(res->query("A.TEST", Type::A).addresses.size() == 1);  // case-insensitive
    }
    SECTION("NXDOMAIN and NODATA differ") {
        auto nx = res->query("nothing-here.test", Type::A);
        CHECK(nx.status == Status::nxdomain);
        CHECK(nx.empty());
        auto nodata = res->query("a.test", Type::TXT);
        CHECK(nodata.status == Status::ok);
        CHECK(nodata.empty());
        auto v6only = res->query("v6only.test", Type::A);
        CHECK(v6only.status == Status::ok);
        CHECK(v6only.empty());
    }
    SECTION("TXT: strings of one record are concatenated, records stay apart") {
        auto t = res->query("txt.test", Type::TXT);
        REQUIRE(t.status == Status::ok);
        REQUIRE(t.texts.size() == 1);
        CHECK(t.texts[0] == "v=spf1 ip4:192.0.2.0/24 -all");
        auto split = res->query("split.test", Type::TXT);
        REQUIRE(split.texts.size() == 1);
        CHECK(split.texts[0] == "v=spf1 ip4:192.0.2.1 -all");
        auto multi = res->query("multi.test", Type::TXT);
        REQUIRE(multi.texts.size() == 2);
        std::sort(multi.texts.begin(), multi.texts.end());
        CHECK(multi.texts[0] == "first");
        CHECK(multi.texts[1] == "second");
    }
    SECTION("TXT longer than 255 octets, in three strings, over 512 octets on the wire") {
        auto t = res->query("long.test", Type::TXT);
        REQUIRE(t.status == Status::ok);
        REQUIRE(t.texts.size() == 1);
        CHECK(t.texts[0].size() == 450);
        CHECK(t.texts[0] == kLongA + kLongB + kLongC);
    }
    SECTION("MX set of 11, in any order, names without trailing dot") {
        auto mx = res->query("mx.test", Type::MX);
        REQUIRE(mx.status == Status::ok);
        REQUIRE(mx.mx.size() == 11);
        std::sort(mx.mx.begin(), mx.mx.end(), [](const Mx& x, const Mx& y) { return x.preference < y.preference; });
        for (int i = 0; i <= 10; ++i) {
            CHECK(mx.mx[static_cast<std::size_t>(i)].preference == i);
            CHECK(mx.mx[static_cast<std::size_t>(i)].host == "m" + std::to_string(i) + ".test");
        }
    }
    SECTION("PTR in 192.0.2.0/24 and 2001:db8::/32 reaches the server") {
        auto p = res->query("9.2.0.192.in-addr.arpa", Type::PTR);
        REQUIRE(p.status == Status::ok);
        REQUIRE(p.names.size() == 1);
        CHECK(p.names[0] == "ptr-only.test");
        auto host = res->query("7.2.0.192.in-addr.arpa", Type::PTR);  // from --host-record
        REQUIRE(host.names.size() == 1);
        CHECK(host.names[0] == "a.test");
        auto v6 = res->query("9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", Type::PTR);
        REQUIRE(v6.names.size() == 1);
        CHECK(v6.names[0] == "v6ptr.test");
        CHECK(res->query("99.2.0.192.in-addr.arpa", Type::PTR).status == Status::nxdomain);
    }
    SECTION("CNAME: followed for A, returned for CNAME") {
        auto a = res->query("alias.test", Type::A);
        REQUIRE(a.addresses.size() == 1);
        CHECK(text(a.addresses[0]) == "192.0.2.7");
        auto c = res->query("alias.test", Type::CNAME);
        REQUIRE(c.names.size() == 1);
        CHECK(c.names[0] == "a.test");
    }
    SECTION("names that cannot exist are NXDOMAIN without a query") {
        CHECK(res->query("", Type::A).status == Status::nxdomain);
        CHECK(res->query("a..test", Type::A).status == Status::nxdomain);
        CHECK(res->query(std::string(64, 'x') + ".test", Type::A).status == Status::nxdomain);
        CHECK(res->query(std::string(300, 'x'), Type::A).status == Status::nxdomain);
    }
    SECTION("a name outside the test zones is refused by the server: temporary") {
        auto r = res->query("outside.example", Type::A);
        CHECK(r.status == Status::temporary);
        CHECK_FALSE(r.error.empty());
    }
}

TEST_CASE("UnboundResolver: a server that never answers is a timeout within the limit") {
    BlackHole hole;
    auto res = resolver_for(hole.forwarder(), 700'000);  // 0.7 s
    auto t0 = std::chrono::steady_clock::now();
    auto r = res->query("a.test", Type::A);
    double took = seconds_since(t0);
    CHECK(r.status == Status::temporary);
    CHECK(r.error.find("timeout") != std::string::npos);
    CHECK(took >= 0.65);
    CHECK(took < 1.5);

    // Concurrent timeouts all end at their own deadline, not one after another.
    t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    std::atomic<int> temporaries{0};
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&, i] {
            if (res->query("t" + std::to_string(i) + ".test", Type::TXT).status == Status::temporary) ++temporaries;
        });
    for (auto& t : threads) t.join();
    CHECK(temporaries == 8);
    CHECK(seconds_since(t0) < 2.0);
}

TEST_CASE("UnboundResolver: a port where nothing listens is temporary") {
    int port = DnsmasqServer::free_port();
    REQUIRE(port > 0);
    auto res = resolver_for("127.0.0.1:" + std::to_string(port), kMicrosPerSecond);
    auto t0 = std::chrono::steady_clock::now();
    auto r = res->query("a.test", Type::A);
    CHECK(r.status == Status::temporary);
    CHECK(seconds_since(t0) < 1.5);
}

TEST_CASE("UnboundResolver is correct under concurrent use") {
    SKIP_WITHOUT_DNSMASQ();
    DnsmasqServer dns(zone_records());
    auto res = resolver_for(dns.forwarder());
    constexpr int kThreads = 8, kPerThread = 150;
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                switch ((t + i) % 4) {
                case 0: {
                    auto a = res->query("a.test", Type::A);
                    if (a.addresses.size() != 1 || text(a.addresses[0]) != "192.0.2.7") ++wrong;
                    break;
                }
                case 1: {
                    auto m = res->query("mx.test", Type::MX);
                    if (m.mx.size() != 11) ++wrong;
                    break;
                }
                case 2: {
                    // distinct names: real round trips to dnsmasq, not cache hits
                    auto n = res->query("n" + std::to_string(t) + "-" + std::to_string(i) + ".test", Type::A);
                    if (n.status != Status::nxdomain) ++wrong;
                    break;
                }
                default: {
                    auto x = res->query("long.test", Type::TXT);
                    if (x.texts.size() != 1 || x.texts[0].size() != 450) ++wrong;
                }
                }
            }
        });
    for (auto& t : threads) t.join();
    CHECK(wrong == 0);
}

TEST_CASE("UnboundResolver: deadlines racing answers never lose or corrupt a query") {
    SKIP_WITHOUT_DNSMASQ();
    DnsmasqServer dns(zone_records());
    // 1 ms: about half the answers arrive before the deadline, the rest are
    // cancelled while in flight, which exercises both sides of the race.
    auto res = resolver_for(dns.forwarder(), 1000);
    std::atomic<int> ok{0}, timeouts{0}, wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                auto r = res->query("race" + std::to_string(t) + "-" + std::to_string(i) + ".test", Type::A);
                if (r.status == Status::nxdomain) ++ok;
                else if (r.status == Status::temporary && r.error.find("timeout") != std::string::npos) ++timeouts;
                else ++wrong;
            }
        });
    for (auto& t : threads) t.join();
    CHECK(wrong == 0);
    CHECK(ok + timeouts == 800);
}

// Throughput figures for the report (hidden: run with
// `tests/core/dns/test-dns "[.perf]" -s`).
TEST_CASE("UnboundResolver throughput", "[.perf]") {
    SKIP_WITHOUT_DNSMASQ();
    DnsmasqServer dns(zone_records());
    auto res = resolver_for(dns.forwarder());
    for (int threads_n : {1, 4, 16}) {
        for (bool cached : {true, false}) {
            constexpr int kTotal = 4000;
            std::vector<std::thread> threads;
            std::atomic<int> wrong{0};
            auto t0 = std::chrono::steady_clock::now();
            for (int t = 0; t < threads_n; ++t)
                threads.emplace_back([&, t] {
                    for (int i = 0; i < kTotal / threads_n; ++i) {
                        auto name = cached ? std::string("a.test")
                                           : "p" + std::to_string(threads_n) + "-" + std::to_string(t) + "-" +
                                                 std::to_string(i) + ".test";
                        auto r = res->query(name, Type::A);
                        if (r.status == Status::temporary) ++wrong;
                    }
                });
            for (auto& t : threads) t.join();
            double s = seconds_since(t0);
            std::printf("threads=%d %s: %.0f queries/s (%d temporary)\n", threads_n,
                        cached ? "cached" : "uncached (round trip to dnsmasq)", kTotal / s, wrong.load());
        }
    }
}
