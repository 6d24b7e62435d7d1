// read_xml (src/core/dmarc/xml_doc.cpp): no DOCTYPE gets through, in any
// spelling or encoding, so no entity is ever declared or expanded.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <string>

#include "core/dmarc/report_xml.hpp"
#include "core/dmarc/xml_doc.hpp"
#include "support/dmarc_fixtures.hpp"

using namespace sw::dmarc;

namespace {

const std::string refused = "DOCTYPE refused (entity declarations are not allowed in a report)";

std::string billion_laughs() {
    std::string x = "<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [\n<!ENTITY lol0 \"lol\">\n";
    for (int i = 1; i <= 9; ++i) {
        x += "<!ENTITY lol" + std::to_string(i) + " \"";
        for (int k = 0; k < 10; ++k) x += "&lol" + std::to_string(i - 1) + ";";
        x += "\">\n";
    }
    std::string report = sw::test::report_xml();
    std::string body = report.substr(report.find("<feedback>"));
    body.replace(body.find("Example Reporter"), 16, "&lol9;");
    return x + "]>\n" + body;
}

// UTF-16LE with a byte order mark: the byte search for "<!DOCTYPE" cannot
// see it; the parser's own hook must.
std::string utf16le(const std::string& ascii) {
    std::string out = "\xFF\xFE";
    for (char c : ascii) {
        out += c;
        out += '\0';
    }
    return out;
}

// What the code under test writes to stderr (fd 2) while `f` runs.
template <class F>
std::string stderr_of(F f) {
    std::fflush(stderr);
    FILE* tmp = std::tmpfile();
    REQUIRE(tmp);
    int saved = dup(2);
    dup2(fileno(tmp), 2);
    f();
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    std::string out;
    std::rewind(tmp);
    for (int c; (c = std::fgetc(tmp)) != EOF;) out += static_cast<char>(c);
    std::fclose(tmp);
    return out;
}

}  // namespace

TEST_CASE("xml_doc: billion laughs is refused before parsing") {
    auto r = parse_report_xml(billion_laughs(), Limits{});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == refused);
}

TEST_CASE("xml_doc: an external entity (XXE) is refused") {
    std::string report = sw::test::report_xml();
    std::string body = report.substr(report.find("<feedback>"));
    body.replace(body.find("Example Reporter"), 16, "&xxe;");
    std::string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n" + body;
    auto r = parse_report_xml(xml, Limits{});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == refused);
    // an external DTD the same
    auto d = read_xml("<!DOCTYPE feedback SYSTEM \"http://127.0.0.1:9/x.dtd\"><feedback/>");
    REQUIRE_FALSE(d.ok());
    CHECK(d.error() == refused);
}

TEST_CASE("xml_doc: any spelling of a declaration is refused") {
    for (const char* x : {"<!doctype feedback><feedback/>", "<feedback><!ENTITY a \"b\"></feedback>",
                          "<feedback/><!DocType x>"}) {
        auto d = read_xml(x);
        REQUIRE_FALSE(d.ok());
        CHECK(d.error() == refused);
    }
}

TEST_CASE("xml_doc: a DOCTYPE the byte search cannot see stops the parser") {
    auto d = read_xml(utf16le("<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE feedback [<!ENTITY a \"b\">]><feedback>&a;</feedback>"));
    REQUIRE_FALSE(d.ok());
    CHECK(d.error() == refused);
    // while a UTF-16 report without one is read
    auto ok = read_xml(utf16le("<?xml version=\"1.0\" encoding=\"UTF-16\"?><feedback>x</feedback>"));
    REQUIRE(ok.ok());
    CHECK(ok->repair.empty());
}

TEST_CASE("xml_doc: errors are one line with the line number") {
    auto d = read_xml("<feedback>\n<a>\n</feedback>");
    REQUIRE(d.ok());  // recovered
    CHECK(d->repair == "malformed XML repaired (line 3: Opening and ending tag mismatch: a line 2 and feedback)");
    auto e = read_xml("\n\nplain text");
    REQUIRE_FALSE(e.ok());
    CHECK(e.error() == "XML error at line 3: Start tag expected, '<' not found");
}

TEST_CASE("xml_doc: nothing is printed, even when the Windows-1252 retry fails (fuzz finding)") {
    // 0x9D has no Windows-1252 character: iconv fails, libxml2 used to print
    // "encoding error : input conversion failed" on stderr; recovery reads it.
    std::string xml = "<feedback><a>x\x91</a><b>\x9d</b></feedback>";
    std::string printed = stderr_of([&] {
        auto d = read_xml(xml);
        REQUIRE(d.ok());
        CHECK(d->repair.rfind("malformed XML repaired (line 1: Input is not proper UTF-8", 0) == 0);
    });
    CHECK(printed.empty());
}
