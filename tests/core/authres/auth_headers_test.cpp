// Tests of src/core/authres/auth_headers.cpp: the exact trace fields.
#include <catch2/catch.hpp>

#include "core/authres/auth_headers.hpp"

using namespace sw;

TEST_CASE("Received-SPF and Authentication-Results") {
    spf::Request req;
    req.ip = "192.0.2.1";
    req.mail_from = "alice@acme.example";
    req.helo = "mail.acme.example";
    spf::Verdict v;
    v.result = spf::Result::pass;
    v.identity = "mailfrom";
    v.domain = "acme.example";
    v.mechanism = "ip4:192.0.2.0/24";
    authres::SpfContext ctx{&req, &v, "mx.example.net"};
    CHECK(authres::received_spf(ctx) ==
          "pass (mx.example.net: domain of alice@acme.example designates 192.0.2.1 as permitted sender)\n"
          "\tclient-ip=192.0.2.1; envelope-from=\"alice@acme.example\"; helo=mail.acme.example;\n"
          "\treceiver=mx.example.net; mechanism=\"ip4:192.0.2.0/24\"; identity=mailfrom");
    CHECK(authres::authentication_results_spf("mx.example.net", ctx) ==
          "mx.example.net;\n\tspf=pass (domain of alice@acme.example designates 192.0.2.1 as permitted sender) "
          "smtp.mailfrom=alice@acme.example");

    SECTION("null sender: the HELO identity, IPv6 quoted") {
        req.mail_from = "";
        req.ip = "2001:db8::1";
        v.identity = "helo";
        v.result = spf::Result::fail;
        v.mechanism = "-all";
        auto r = authres::received_spf(ctx);
        CHECK_THAT(r, Catch::StartsWith("fail (mx.example.net: helo mail.acme.example does not designate 2001:db8::1"));
        CHECK_THAT(r, Catch::Contains("client-ip=\"2001:db8::1\"; envelope-from=\"postmaster@mail.acme.example\";"));
        CHECK_THAT(r, Catch::EndsWith("identity=helo"));
        CHECK_THAT(authres::authentication_results_spf("mx.example.net", ctx),
                   Catch::EndsWith("smtp.helo=mail.acme.example"));
    }
    SECTION("hostile text is quoted and escaped, never raw") {
        req.mail_from = "\"a(b)\\\"c\"@acme.example";
        req.helo = "bad\r\nX-Injected: yes";
        v.result = spf::Result::permerror;
        v.problem = "bad (term)";
        auto r = authres::received_spf(ctx);
        CHECK(r.find('\r') == std::string::npos);
        CHECK(r.find("\nX-Injected") == std::string::npos);
        CHECK_THAT(r, Catch::Contains("helo=\"bad??X-Injected: yes\";"));
        CHECK_THAT(r, Catch::Contains("problem=\"bad (term)\";"));
        CHECK_THAT(authres::authentication_results_spf("mx.example.net", ctx),
                   Catch::EndsWith("smtp.mailfrom=\"\\\"a(b)\\\\\\\"c\\\"@acme.example\""));
    }
}

TEST_CASE("authserv-id of an existing Authentication-Results field") {
    struct Case {
        const char* value;
        const char* id;
    };
    const Case cases[] = {
        {"mx.example.net; spf=pass smtp.mailfrom=a@b", "mx.example.net"},
        {" MX.Example.NET 1; none", "mx.example.net"},
        {"(comment (nested)) mx.example.net; dkim=pass", "mx.example.net"},
        {"\"mx.example.net\"; none", "mx.example.net"},
        {"\n\tmx.example.net;none", "mx.example.net"},
        {"", ""},
        {"(unclosed", ""},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.value) { CHECK(authres::authserv_id_of(c.value) == c.id); }
    }
}
