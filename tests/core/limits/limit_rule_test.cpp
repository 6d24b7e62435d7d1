// Tests of src/core/limits/limit_rule.cpp: the `limits` table syntax.
#include <catch2/catch.hpp>

#include <sstream>

#include "core/limits/limit_rule.hpp"

using namespace sw;
using namespace sw::limits;

static std::vector<LimitRule> parse(const std::string& text, std::vector<std::string>& errors) {
    std::istringstream in(text);
    return parse_limits(in, "/etc/sendwarden/limits", errors);
}

TEST_CASE("good limits lines") {
    std::vector<std::string> errors;
    auto rules = parse(
        "user * messages 5/1m 5 defer\n"
        "org acme recipients 100/1h 20 hold \"4.7.1 slow down\"\n"
        "client 10.0.0.0/8 bytes 50M/1h 10m reject\n"
        "global * messages 1000/1d 100 warn dry-run\n"
        "user Boss@Acme.Example messages 10/1h 10 defer 4.7.1 the boss waits too\n",
        errors);
    REQUIRE(errors.empty());
    REQUIRE(rules.size() == 5);
    CHECK(rules[0].scope == Scope::User);
    CHECK(rules[0].wildcard());
    CHECK(rules[0].bucket.rate == 5);
    CHECK(rules[0].bucket.period == 60 * kMicrosPerSecond);
    CHECK(rules[0].bucket.burst == 5);
    CHECK(rules[0].action == Action::Defer);
    CHECK(rules[0].origin == "limits:1");
    CHECK(rules[0].name() == "user:*:messages");
    CHECK(rules[1].reply_text == "4.7.1 slow down");
    CHECK(rules[1].action == Action::Hold);
    CHECK(rules[2].bucket.rate == 50u * 1024 * 1024);
    CHECK(rules[2].bucket.burst == 10u * 1024 * 1024);
    CHECK(rules[2].client_net->to_string() == "10.0.0.0/8");
    CHECK(rules[3].dry_run);
    CHECK(rules[3].reply_text.empty());
    CHECK(rules[4].selector == "boss@acme.example");
    CHECK(rules[4].reply_text == "4.7.1 the boss waits too");
}

TEST_CASE("every kind of bad limits line names file:line") {
    struct Case {
        const char* label;
        const char* line;
        const char* want;
    };
    const Case cases[] = {
        {"too few columns", "user * messages 5/1m 5", "expected 'scope selector metric rate burst action [reply text]', got 5 column(s)"},
        {"bad scope", "domain * messages 5/1m 5 defer", "unknown scope 'domain'"},
        {"global selector", "global acme messages 5/1m 5 defer", "global limits take the selector '*'"},
        {"bad org", "org ac/me messages 5/1m 5 defer", "bad org name 'ac/me'"},
        {"bad client", "client 10.0.0.0/33 messages 5/1m 5 defer", "bad client address or network"},
        {"bad metric", "user * mails 5/1m 5 defer", "unknown metric 'mails'"},
        {"rate without slash", "user * messages 5 5 defer", "rate '5' is not N/period"},
        {"rate word", "user * messages five/1m 5 defer", "rate 'five/1m': 'five' is not a positive number"},
        {"rate zero", "user * messages 0/1m 5 defer", "rate '0/1m': '0' is not a positive number"},
        {"bad period", "user * messages 5/1y 5 defer", "rate '5/1y': '1y' is not a period"},
        {"bad burst", "user * messages 5/1m -5 defer", "burst '-5' is not a positive number"},
        {"bad action", "user * messages 5/1m 5 block", "unknown action 'block'"},
        {"status mismatch", "user * messages 5/1m 5 reject \"4.7.1 later\"", "reply text starts with status 4.x.x but the action is reject"},
        {"unterminated", "user * messages 5/1m 5 defer \"oops", "unterminated quoted text"},
        {"duplicate bucket", "user * messages 9/1m 5 defer\nuser * messages 9/1m 7 reject",
         "same scope, selector, metric and rate as limits:2: merge the two lines"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.label) {
            std::vector<std::string> errors;
            auto rules = parse(std::string("# first line\n") + c.line + "\n", errors);
            CHECK(rules.size() == (std::string(c.label) == "duplicate bucket" ? 1u : 0u));
            REQUIRE(errors.size() == 1);
            CHECK_THAT(errors[0], Catch::StartsWith(std::string("/etc/sendwarden/limits:") +
                                                    (std::string(c.label) == "duplicate bucket" ? "3: " : "2: ") + c.want));
        }
    }
}

TEST_CASE("enhanced status codes are recognised only in RFC 3463 form") {
    CHECK(enhanced_status_length("4.7.1 slow down") == 5);
    CHECK(enhanced_status_length("5.7.26 x") == 6);
    CHECK(enhanced_status_length("4.7.1") == 5);
    CHECK(enhanced_status_length("4.2 million messages") == 0);
    CHECK(enhanced_status_length("4.7.1x") == 0);
    CHECK(enhanced_status_length("6.7.1 no") == 0);
    std::vector<std::string> errors;
    auto rules = parse("user * messages 5/1m 5 reject \"4.2 million is too many\"\n", errors);
    CHECK(errors.empty());
    CHECK(rules.size() == 1);
}
