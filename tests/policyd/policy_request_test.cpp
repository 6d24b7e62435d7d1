// Tests of src/policyd/policy_request.cpp: framing and the attribute codec.
#include <catch2/catch.hpp>

#include "policyd/policy_request.hpp"

using namespace sw::policyd;

TEST_CASE("a full Postfix request parses") {
    std::string block =
        "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address=192.0.2.7\n"
        "client_name=mx.example\nhelo_name=mx.example\nsender=a@acme.example\nrecipient=b@remote.example\n"
        "recipient_count=0\nqueue_id=4F2A81\ninstance=123.456.7\nsize=12345\nsasl_username=alice\n"
        "ccert_subject=\nx-future-attribute=ignored=too\n";
    PolicyRequest r;
    REQUIRE_FALSE(parse_request(block, {}, r));
    CHECK(r.request == "smtpd_access_policy");
    CHECK(r.protocol_state == "RCPT");
    CHECK(r.client_address == "192.0.2.7");
    CHECK(r.client_name == "mx.example");
    CHECK(r.sender == "a@acme.example");
    CHECK(r.recipient == "b@remote.example");
    CHECK(r.queue_id == "4F2A81");
    CHECK(r.size == "12345");
    CHECK(r.sasl_username == "alice");
    CHECK(r.recipient_count == "0");
    CHECK(r.attributes == 15);
}

TEST_CASE("bad requests are errors, never crashes") {
    struct Case {
        const char* label;
        std::string block;
        const char* want;
    };
    const Case cases[] = {
        {"no equals", "request=smtpd_access_policy\ngarbage\n", "line 2 has no '='"},
        {"empty name", "=value\n", "line 1 has an empty attribute name"},
        {"NUL byte", std::string("sender=a\0b\n", 11), "NUL byte in request"},
        {"too many", [] {
             std::string s;
             for (int i = 0; i < 101; ++i) s += "a" + std::to_string(i) + "=x\n";
             return s;
         }(), "more than 100 attributes"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.label) {
            PolicyRequest r;
            auto err = parse_request(c.block, {100}, r);
            REQUIRE(err);
            CHECK(err->what == c.want);
        }
    }
}

TEST_CASE("framing finds the blank line across chunks") {
    std::string buf = "a=1\nb=2\n";
    std::size_t from = 0, consumed = 0;
    CHECK_FALSE(find_request_end(buf, from, consumed));
    buf += "\n";
    auto end = find_request_end(buf, from, consumed);
    REQUIRE(end);
    CHECK(*end == 8);
    CHECK(consumed == 9);

    // Two requests in one read; the second half-arrived.
    buf = "a=1\n\nb=2\n\nc=";
    from = 0;
    end = find_request_end(buf, from, consumed);
    REQUIRE(end);
    CHECK(buf.substr(0, *end) == "a=1\n");
    buf.erase(0, consumed);
    end = find_request_end(buf, from, consumed);
    REQUIRE(end);
    CHECK(buf.substr(0, *end) == "b=2\n");
    buf.erase(0, consumed);
    CHECK_FALSE(find_request_end(buf, from, consumed));

    // An empty request is a block of zero bytes.
    buf = "\n";
    from = 0;
    end = find_request_end(buf, from, consumed);
    REQUIRE(end);
    CHECK(*end == 0);
}

TEST_CASE("framing byte by byte equals framing at once") {
    std::string all = "request=smtpd_access_policy\nsender=x\n\n";
    std::string buf;
    std::size_t from = 0, consumed = 0;
    std::optional<std::size_t> end;
    for (char c : all) {
        buf.push_back(c);
        end = find_request_end(buf, from, consumed);
        if (end) break;
    }
    REQUIRE(end);
    CHECK(consumed == all.size());
}
