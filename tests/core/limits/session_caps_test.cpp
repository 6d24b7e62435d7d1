// Tests of src/core/limits/session_caps.cpp: exact concurrent session counts.
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "core/limits/session_caps.hpp"

using namespace sw::limits;

TEST_CASE("session caps: per client, released when the slot goes") {
    SessionCaps caps({0, 2, 0});
    Refusal why;
    auto a = caps.open_connection("192.0.2.1", why);
    auto b = caps.open_connection("192.0.2.1", why);
    REQUIRE(a);
    REQUIRE(b);
    CHECK_FALSE(caps.open_connection("192.0.2.1", why));
    CHECK(why.scope == "client");
    CHECK(why.who == "192.0.2.1");
    CHECK(why.limit == 2);
    CHECK(caps.open_connection("192.0.2.2", why));  // another client; its slot ends at once
    a.reset();
    CHECK(caps.client_sessions("192.0.2.1") == 1);
    auto c = caps.open_connection("192.0.2.1", why);
    CHECK(c);
    CHECK(caps.counts().global == 2);
}

TEST_CASE("session caps: global and per user") {
    SessionCaps caps({3, 0, 1});
    Refusal why;
    std::vector<SessionSlot> held;
    for (int i = 0; i < 3; ++i) held.push_back(std::move(*caps.open_connection("198.51.100." + std::to_string(i), why)));
    CHECK_FALSE(caps.open_connection("198.51.100.9", why));
    CHECK(why.scope == "global");
    auto u = caps.open_user("alice@acme.example", why);
    REQUIRE(u);
    CHECK_FALSE(caps.open_user("alice@acme.example", why));
    CHECK(why.scope == "user");
    u->release();
    CHECK(caps.open_user("alice@acme.example", why));
    held.clear();
    CHECK(caps.counts().global == 0);
    CHECK(caps.counts().peak_global == 3);
    CHECK(caps.counts().clients == 0);
}

TEST_CASE("session caps: a moved slot releases once") {
    SessionCaps caps({0, 1, 0});
    Refusal why;
    auto a = caps.open_connection("192.0.2.1", why);
    SessionSlot moved = std::move(*a);
    a.reset();
    CHECK(caps.client_sessions("192.0.2.1") == 1);
    moved.release();
    moved.release();
    CHECK(caps.client_sessions("192.0.2.1") == 0);
    CHECK(caps.counts().global == 0);
}

TEST_CASE("session caps: exact under concurrency") {
    SessionCaps caps({0, 5, 0});
    std::atomic<int> admitted{0}, max_seen{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 2000; ++i) {
                Refusal why;
                auto slot = caps.open_connection("203.0.113.5", why);
                if (slot) {
                    ++admitted;
                    int now = static_cast<int>(caps.client_sessions("203.0.113.5"));
                    int prev = max_seen.load();
                    while (now > prev && !max_seen.compare_exchange_weak(prev, now)) {}
                }
            }
        });
    for (auto& t : threads) t.join();
    CHECK(admitted > 0);
    CHECK(max_seen <= 5);
    CHECK(caps.counts().global == 0);
}
