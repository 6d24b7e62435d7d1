// Tests of src/core/config/config_file.cpp: typing through Program_options,
// defaults from settings.def, and file:line for every error.
#include <catch2/catch.hpp>

#include "core/config/config_file.hpp"
#include "support/temp_dir.hpp"

using namespace sw;

TEST_CASE("an empty config file gives every default") {
    auto r = config::parse_config("", "sw.conf");
    REQUIRE(r.errors.empty());
    const auto& c = *r.config;
    CHECK(c.global_policy_dir == "/etc/sendwarden");
    CHECK(c.store_state_dir == "/var/lib/sendwarden");
    CHECK(c.policyd_listen == std::vector<std::string>{"unix:/run/sendwarden/policyd.sock"});
    CHECK(c.policyd_socket_mode == 0660u);
    CHECK(c.policyd_max_request_size == 65536u);
    CHECK(c.policyd_max_attributes == 100u);
    CHECK(c.policyd_request_timeout == 10 * kMicrosPerSecond);
    CHECK(c.limits_approaching_fraction == Approx(0.8));
    CHECK_FALSE(c.limits_dry_run);
    CHECK(c.global_default_org.empty());
}

TEST_CASE("values are typed and listen repeats") {
    auto r = config::parse_config(R"(
# comment
[global]
policy_dir = /tmp/p
[store]
state_dir = /tmp/s
counters_max_size = 64m
[policyd]
listen = unix:/tmp/a.sock
listen = inet:127.0.0.1:10040
socket_mode = 0666
request_timeout = 2s
[limits]
dry_run = yes
approaching_fraction = 0.5
)",
                                  "sw.conf");
    REQUIRE(r.errors.empty());
    const auto& c = *r.config;
    CHECK(c.global_policy_dir == "/tmp/p");
    CHECK(c.store_counters_max_size == 64u * 1024 * 1024);
    CHECK(c.policyd_listen == std::vector<std::string>{"unix:/tmp/a.sock", "inet:127.0.0.1:10040"});
    CHECK(c.policyd_socket_mode == 0666u);
    CHECK(c.policyd_request_timeout == 2 * kMicrosPerSecond);
    CHECK(c.limits_dry_run);
    CHECK(c.limits_approaching_fraction == Approx(0.5));
}

TEST_CASE("every bad line is reported as file:line") {
    struct Case {
        const char* label;
        const char* text;
        const char* want;
    };
    const Case cases[] = {
        {"unknown option", "[global]\nno_such = 1\n", "sw.conf:2: unknown option 'no_such' in [global]"},
        {"unknown section", "[nope]\nx = 1\n", "sw.conf:1: unknown section [nope]"},
        {"no equals", "[global]\npolicy_dir\n", "sw.conf:2: expected 'name = value'"},
        {"outside section", "policy_dir = /x\n", "sw.conf:1: 'policy_dir' is outside any [section]"},
        {"bad duration", "[policyd]\nrequest_timeout = soon\n", "sw.conf:2: request_timeout = soon: expected a duration"},
        {"bad size", "[policyd]\n\nmax_request_size = lots\n", "sw.conf:3: max_request_size = lots"},
        {"bad flag", "[limits]\ndry_run = maybe\n", "sw.conf:2: dry_run = maybe: expected yes or no"},
        {"bad mode", "[policyd]\nsocket_mode = 0999\n", "sw.conf:2: socket_mode = 0999"},
        {"bad count", "[policyd]\nmax_attributes = -5\n", "sw.conf:2: max_attributes = -5: expected a whole number"},
        {"repeated key", "[global]\npolicy_dir = /a\npolicy_dir = /b\n", "sw.conf:3: 'policy_dir' is set again (first set on line 2)"},
        {"bad listen", "[policyd]\nlisten = tcp:1.2.3.4:5\n", "sw.conf:2: listen = tcp:1.2.3.4:5"},
        {"bad facility", "[global]\nsyslog_facility = kern9\n", "sw.conf:2: unknown syslog facility 'kern9'"},
        {"bad identity", "[limits]\nuser_identity = who\n", "sw.conf:2: user_identity = who"},
        {"bad fraction", "[limits]\napproaching_fraction = 1.5\n", "sw.conf:2: approaching_fraction = 1.5"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.label) {
            auto r = config::parse_config(c.text, "sw.conf");
            CHECK_FALSE(r.config);
            REQUIRE(r.errors.size() == 1);
            CHECK_THAT(r.errors[0], Catch::StartsWith(c.want));
        }
    }
}

TEST_CASE("all errors are collected, not just the first") {
    auto r = config::parse_config("[global]\nbad1 = 1\n[policyd]\nrequest_timeout = x\nmax_attributes = y\n", "f");
    CHECK(r.errors.size() == 3);
}

TEST_CASE("a missing file is an error naming it") {
    auto r = config::load_config("/nonexistent/sendwarden.conf");
    REQUIRE(r.errors.size() == 1);
    CHECK_THAT(r.errors[0], Catch::StartsWith("/nonexistent/sendwarden.conf:0: cannot open"));
}

TEST_CASE("settings.def lists every option once") {
    const auto& all = config::all_settings();
    CHECK(all.size() >= 20);
    for (std::size_t i = 0; i < all.size(); ++i)
        for (std::size_t j = i + 1; j < all.size(); ++j)
            CHECK_FALSE((std::string(all[i].section) == all[j].section && std::string(all[i].name) == all[j].name));
}
