// parse_report_xml (src/core/dmarc/report_xml.cpp): the schema variants,
// required fields, types and enumerations, skipped records, max_records.
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <string>

#include "core/dmarc/report_xml.hpp"
#include "support/dmarc_fixtures.hpp"

using namespace sw::dmarc;

namespace {

const Limits limits;

std::string ip_text(const sw::dns::Address& a) {
    char buf[INET6_ADDRSTRLEN] = "";
    inet_ntop(a.v4 ? AF_INET : AF_INET6, a.bytes.data(), buf, sizeof buf);
    return buf;
}

// A report whose one record (or metadata/policy) is replaced by the caller.
std::string with(std::string_view from, std::string_view to, std::string xml = sw::test::report_xml()) {
    auto p = xml.find(from);
    REQUIRE(p != std::string::npos);
    return xml.replace(p, from.size(), to);
}

std::string error_of(const std::string& xml) {
    auto r = parse_report_xml(xml, limits);
    REQUIRE_FALSE(r.ok());
    return r.error();
}

}  // namespace

TEST_CASE("report_xml: an RFC 7489 report, every field") {
    auto r = parse_report_xml(sw::test::report_xml(2), limits);
    REQUIRE(r.ok());
    CHECK(r->version == "1.0");
    CHECK(r->org_name == "Example Reporter");
    CHECK(r->email == "dmarc@reporter.example");
    CHECK(r->report_id == "r-1");
    CHECK(r->begin == 1700000000);
    CHECK(r->end == 1700086399);
    CHECK(r->policy.domain == "example.com");
    CHECK(r->policy.p == "none");
    CHECK(r->policy.sp == "none");
    CHECK(r->policy.adkim == "r");
    CHECK(r->policy.pct == 100);
    CHECK(r->policy.np.empty());
    REQUIRE(r->records.size() == 2);
    const Record& rec = r->records[1];
    CHECK(ip_text(rec.source_ip) == "192.0.2.2");
    CHECK(rec.count == 1);
    CHECK(rec.disposition == "none");
    CHECK(rec.dkim == "pass");
    CHECK(rec.spf == "fail");
    CHECK(rec.dmarc_pass());
    CHECK(rec.header_from == "example.com");
    REQUIRE(rec.dkim_results.size() == 1);
    CHECK(rec.dkim_results[0].selector == "s1");
    REQUIRE(rec.spf_results.size() == 1);
    CHECK(rec.spf_results[0].result == "softfail");
    CHECK(r->messages() == 2);
    CHECK(r->notes.empty());
}

TEST_CASE("report_xml: DMARCbis 2.0 with its namespace, prefixes, unknown elements, IPv6") {
    std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<d:feedback xmlns:d="urn:ietf:params:xml:ns:dmarc-2.0" xmlns:x="urn:example:ext">
  <d:version>2.0</d:version>
  <d:report_metadata>
    <d:org_name>  Big Mail  </d:org_name>
    <d:report_id><![CDATA[id-42]]></d:report_id>
    <d:date_range><d:begin> 1700000000 </d:begin><d:end>1700086399</d:end></d:date_range>
    <d:generator>x 1.0</d:generator>
    <d:error>DNS lookup timed out</d:error>
  </d:report_metadata>
  <d:policy_published>
    <d:domain>Example.COM</d:domain><d:p>reject</d:p><d:sp>quarantine</d:sp><d:np>none</d:np>
    <d:testing>y</d:testing><d:discovery_method>treewalk</d:discovery_method><d:fo>1</d:fo>
  </d:policy_published>
  <x:extension><x:anything>ignored</x:anything></x:extension>
  <d:record>
    <d:row>
      <d:source_ip>2001:DB8::1</d:source_ip><d:count>7</d:count>
      <d:policy_evaluated><d:disposition>pass</d:disposition><d:dkim>fail</d:dkim><d:spf>pass</d:spf>
        <d:reason><d:type>Local_Policy</d:type><d:comment>arc</d:comment></d:reason>
        <d:reason><d:type></d:type><d:comment></d:comment></d:reason>
      </d:policy_evaluated>
    </d:row>
    <d:identifiers><d:envelope_to>Example.net</d:envelope_to><d:envelope_from>Bounce.Example.com</d:envelope_from><d:header_from>EXAMPLE.com</d:header_from></d:identifiers>
    <d:auth_results>
      <d:dkim><d:domain>Example.com</d:domain><d:selector>Sel</d:selector><d:result>TempError</d:result><d:human_result>x</d:human_result></d:dkim>
      <d:spf><d:domain>bounce.example.com</d:domain><d:scope>MFROM</d:scope><d:result>a-provider-specific-result-word-longer-than-32</d:result></d:spf>
    </d:auth_results>
  </d:record>
</d:feedback>)";
    auto r = parse_report_xml(xml, limits);
    REQUIRE(r.ok());
    CHECK(r->version == "2.0");
    CHECK(r->org_name == "Big Mail");
    CHECK(r->report_id == "id-42");
    CHECK(r->begin == 1700000000);
    REQUIRE(r->errors.size() == 1);
    CHECK(r->errors[0] == "DNS lookup timed out");
    CHECK(r->policy.domain == "example.com");
    CHECK(r->policy.p == "reject");
    CHECK(r->policy.np == "none");
    CHECK(r->policy.testing == "y");
    CHECK(r->policy.discovery_method == "treewalk");
    CHECK(r->policy.pct == -1);
    REQUIRE(r->records.size() == 1);
    const Record& rec = r->records[0];
    CHECK(ip_text(rec.source_ip) == "2001:db8::1");
    CHECK_FALSE(rec.source_ip.v4);
    CHECK(rec.count == 7);
    CHECK(rec.disposition == "pass");
    REQUIRE(rec.reasons.size() == 1);  // the empty one is dropped
    CHECK(rec.reasons[0].type == "local_policy");
    CHECK(rec.header_from == "example.com");
    CHECK(rec.envelope_from == "bounce.example.com");
    CHECK(rec.envelope_to == "example.net");
    CHECK(rec.dkim_results.at(0).domain == "example.com");
    CHECK(rec.dkim_results.at(0).selector == "Sel");
    CHECK(rec.dkim_results.at(0).result == "temperror");
    CHECK(rec.spf_results.at(0).scope == "mfrom");
    CHECK(rec.spf_results.at(0).result == "a-provider-specific-result-word-");  // cut to 32 bytes
}

TEST_CASE("report_xml: the pre-RFC draft (no version) and an empty org_name") {
    std::string xml = with("<version>1.0</version>\n", "");
    xml = with("<org_name>Example Reporter</org_name>", "<org_name></org_name>", xml);
    auto r = parse_report_xml(xml, limits);
    REQUIRE(r.ok());
    CHECK(r->version.empty());
    CHECK(r->org_name.empty());
}

TEST_CASE("report_xml: refused reports say what is wrong, on one line") {
    struct Case {
        const char* label;
        std::string xml;
        std::string want;
    };
    const std::string base = sw::test::report_xml();
    std::vector<Case> cases = {
        {"empty", "", "XML error at line 1: Document is empty"},
        {"no report_id", with("<report_id>r-1</report_id>", ""), "missing report_metadata/report_id"},
        {"blank report_id", with("<report_id>r-1</report_id>", "<report_id>  </report_id>"),
         "missing report_metadata/report_id"},
        {"no metadata", with("<report_metadata>", "<other>", with("</report_metadata>", "</other>")),
         "missing report_metadata/report_id"},
        {"no begin", with("<begin>1700000000</begin>", ""), "missing report_metadata/date_range/begin"},
        {"begin not a number", with("<begin>1700000000</begin>", "<begin>x</begin>"),
         "report_metadata/date_range/begin is not a number: 'x'"},
        {"negative end", with("<end>1700086399</end>", "<end>-5</end>"),
         "report_metadata/date_range/end is not a number: '-5'"},
        {"no domain", with("<domain>example.com</domain>", ""), "missing policy_published/domain"},
        {"no p", with("<p>none</p>", ""), "missing policy_published/p"},
        {"bad p", with("<p>none</p>", "<p>None</p>"), "policy_published/p is not a schema value: 'None'"},
        {"count abc", with("<count>1</count>", "<count>abc</count>"), "record 1: count is not a number: 'abc'"},
        {"count negative", with("<count>1</count>", "<count>-1</count>"), "record 1: count is not a number: '-1'"},
        {"count float", with("<count>1</count>", "<count>1.5</count>"), "record 1: count is not a number: '1.5'"},
        {"no count", with("<count>1</count>", ""), "record 1: missing row/count"},
        {"count overflow", with("<count>1</count>", "<count>18446744073709551616</count>"),
         "record 1: count is not a number: '18446744073709551616'"},
        {"count too large", with("<count>1</count>", "<count>1000000000001</count>"),
         "record 1: count is out of range: '1000000000001'"},
        {"upper-cased Pass", with("<dkim>pass</dkim>", "<dkim>Pass</dkim>"),
         "record 1: policy_evaluated/dkim is not a schema value: 'Pass'"},
        {"softfail is no DMARC result", with("<spf>fail</spf>", "<spf>softfail</spf>"),
         "record 1: policy_evaluated/spf is not a schema value: 'softfail'"},
        {"no disposition", with("<disposition>none</disposition>", ""),
         "record 1: missing policy_evaluated/disposition"},
        {"no policy_evaluated", with("<policy_evaluated>", "<x>", with("</policy_evaluated>", "</x>")),
         "record 1: missing policy_evaluated/disposition"},
        {"not a report", "<html><body>hello</body></html>", "no feedback element (root element is 'html')"},
        {"broken beyond repair", "<<<>>>", "XML error at line 1: StartTag: invalid element name"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.label) {
            std::string e = error_of(c.xml);
            CHECK(e == c.want);
            CHECK(e.find('\n') == std::string::npos);
        }
    }
}

TEST_CASE("report_xml: the record number of a bad record is named") {
    std::string xml = sw::test::report_xml(3);
    auto p = xml.rfind("<count>1</count>");
    xml.replace(p, 16, "<count>abc</count>");
    CHECK(error_of(xml) == "record 3: count is not a number: 'abc'");
}

TEST_CASE("report_xml: a record without a usable source_ip is skipped with a note") {
    std::string xml = sw::test::report_xml(3);
    xml = with("<source_ip>192.0.2.2</source_ip>", "<source_ip/>", xml);
    // nothing else in a skipped record is checked
    xml = with("<source_ip>192.0.2.3</source_ip><count>1</count>", "<source_ip>not-an-ip</source_ip><count>x</count>", xml);
    auto r = parse_report_xml(xml, limits);
    REQUIRE(r.ok());
    REQUIRE(r->records.size() == 1);
    CHECK(r->skipped_records == 2);
    REQUIRE(r->notes.size() == 2);
    CHECK(r->notes[0] == "record 2: skipped: source_ip '' is not an IP address");
    CHECK(r->notes[1] == "record 3: skipped: source_ip 'not-an-ip' is not an IP address");
}

TEST_CASE("report_xml: optional policy values outside the schema are dropped with a note") {
    std::string xml = with("<sp>none</sp><pct>100</pct>", "<sp>Reject</sp><pct>250</pct><adkim>x</adkim>");
    auto r = parse_report_xml(xml, limits);
    REQUIRE(r.ok());
    CHECK(r->policy.sp == "reject");  // lower-cased: optional values are normalised
    CHECK(r->policy.pct == -1);
    CHECK(r->policy.adkim == "r");    // the first adkim wins
    REQUIRE(r->notes.size() == 1);
    CHECK(r->notes[0] == "policy_published/pct ignored: '250'");
}

TEST_CASE("report_xml: max_records") {
    Limits small;
    small.max_records = 10;
    CHECK(parse_report_xml(sw::test::report_xml(10), small).ok());
    auto r = parse_report_xml(sw::test::report_xml(11), small);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == "11 records, more than max_records (10)");
}

TEST_CASE("report_xml: max_xml_size") {
    Limits small;
    small.max_xml_size = 100;
    auto r = parse_report_xml(sw::test::report_xml(), small);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().find("more than max_xml_size (100)") != std::string::npos);
}

TEST_CASE("report_xml: repaired documents parse, with a note") {
    SECTION("a Windows-1252 byte in a UTF-8 document") {
        std::string xml = with("<header_from>example.com</header_from>", "<header_from>bad\x91</header_from>");
        auto r = parse_report_xml(xml, limits);
        REQUIRE(r.ok());
        CHECK(r->records.at(0).header_from == "bad\xE2\x80\x98");  // U+2018
        REQUIRE_FALSE(r->notes.empty());
        CHECK(r->notes[0].rfind("read as Windows-1252, not UTF-8 (line ", 0) == 0);
    }
    SECTION("unescaped markup in values, an unclosed wrapper") {
        std::string xml = with("<email>dmarc@reporter.example</email>", "<email><bad@bad.example></email>");
        xml = "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n" + xml.substr(xml.find("<feedback>"));
        auto r = parse_report_xml(xml, limits);
        REQUIRE(r.ok());
        CHECK(r->report_id == "r-1");  // what recovery makes of <email> is libxml2's choice
        REQUIRE(r->records.size() == 1);
        REQUIRE_FALSE(r->notes.empty());
        CHECK(r->notes[0].rfind("malformed XML repaired (line ", 0) == 0);
    }
    SECTION("text left as invalid UTF-8 by recovery becomes '?'") {
        std::string xml = with("<header_from>example.com</header_from>", "<header_from>a\x91</header_from><<");
        auto r = parse_report_xml(xml, limits);
        REQUIRE(r.ok());
        for (char c : r->records.at(0).header_from) CHECK(static_cast<unsigned char>(c) < 0x80);
    }
}
