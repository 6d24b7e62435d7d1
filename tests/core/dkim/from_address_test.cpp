// Tests of src/core/dkim/from_address.cpp (GMime): the one author domain.
#include <catch2/catch.hpp>

#include "core/dkim/from_address.hpp"

using sw::dkim::author_of;

TEST_CASE("From: author domain") {
    sw::dkim::init_mime_library();
    struct Case {
        const char* label;
        std::vector<std::string> values;
        bool ok;
        const char* domain_or_problem;
    };
    const Case cases[] = {
        {"plain", {"alice@Acme.Example"}, true, "acme.example"},
        {"display name", {"Alice Smith <alice@acme.example>"}, true, "acme.example"},
        {"quoted display name with comma", {"\"Smith, Alice\" <alice@acme.example>"}, true, "acme.example"},
        {"comment", {"alice@acme.example (Alice)"}, true, "acme.example"},
        {"quoted local part with @", {"\"a@b\"@acme.example"}, true, "acme.example"},
        {"encoded word", {"=?utf-8?q?Al=C3=AFce?= <alice@acme.example>"}, true, "acme.example"},
        {"folded", {"Alice\n\t<alice@acme.example>"}, true, "acme.example"},
        {"trailing dot", {"alice@acme.example."}, true, "acme.example"},
        {"no From", {}, false, "no From: header"},
        {"two From fields", {"a@acme.example", "b@acme.example"}, false, "2 From: headers"},
        {"two mailboxes", {"a@acme.example, b@other.example"}, false, "2 addresses in From:"},
        {"group of two", {"team: a@acme.example, b@acme.example;"}, false, "2 addresses in From:"},
        {"empty", {""}, false, "no address in From:"},
        {"no domain", {"alice"}, false, "no domain in From: address"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.label) {
            auto r = author_of(c.values);
            CHECK(r.ok == c.ok);
            CHECK((c.ok ? r.domain : r.problem) == c.domain_or_problem);
        }
    }
}
