// parse_report_bytes (src/core/dmarc/report_unpack.cpp, gzip_reader.cpp,
// zip_reader.cpp): every container, and hostile inputs generated here:
// bombs, garbage, truncation, archives without a report. No timing
// assertions: a bomb is "refused quickly" because the output stops at the
// limit, which the budget below the real size shows.
#include <catch2/catch.hpp>

#include <string>

#include "core/dmarc/gzip_reader.hpp"
#include "core/dmarc/report_unpack.hpp"
#include "core/dmarc/zip_reader.hpp"
#include "support/dmarc_fixtures.hpp"

using namespace sw::dmarc;
using sw::test::report_xml;

namespace {

const Limits limits;

bool mentions(const std::vector<std::string>& problems, std::string_view what) {
    for (const auto& p : problems)
        if (p.find(what) != std::string::npos) return true;
    return false;
}

std::string joined(const std::vector<std::string>& problems) {
    std::string s;
    for (const auto& p : problems) s += p + "\n";
    return s;
}

}  // namespace

TEST_CASE("unpack: raw XML, gzip, gzip in gzip, zip") {
    const std::string xml = report_xml(3);
    for (const std::string& bytes : {xml, sw::test::gzip_bytes(xml), sw::test::gzip_bytes(sw::test::gzip_bytes(xml)),
                                     sw::test::zip_bytes({{"a.xml", xml}})}) {
        auto u = parse_report_bytes(bytes, limits);
        INFO(joined(u.problems));
        REQUIRE(u.reports.size() == 1);
        CHECK(u.problems.empty());
        CHECK(u.reports[0].records.size() == 3);
    }
}

TEST_CASE("unpack: gzip three deep is refused") {
    auto u = parse_report_bytes(sw::test::gzip_bytes(sw::test::gzip_bytes(sw::test::gzip_bytes(report_xml()))), limits);
    CHECK(u.reports.empty());
    CHECK(u.problems == std::vector<std::string>{"gzip nested too deep"});
}

TEST_CASE("unpack: a zip of several reports, in folders, with macOS junk") {
    std::string zip = sw::test::zip_bytes({{"dir/", ""},
                                           {"dir/one.xml", report_xml(1, "one")},
                                           {"two.xml.gz", sw::test::gzip_bytes(report_xml(2, "two"))},
                                           {"__MACOSX/dir/._one.xml", "\x00\x05\x16\x07junk"},
                                           {"._two.xml.gz", "junk"},
                                           {"broken.xml", "<feedback>"}});
    auto u = parse_report_bytes(zip, limits);
    REQUIRE(u.reports.size() == 2);
    CHECK(u.reports[0].report_id == "one");
    CHECK(u.reports[1].report_id == "two");
    REQUIRE(u.problems.size() == 1);
    CHECK(u.problems[0] == "member 'broken.xml', missing report_metadata/report_id");
}

TEST_CASE("unpack: a zip with no report in it") {
    auto u = parse_report_bytes(sw::test::zip_bytes({{"readme.txt", "hello"}, {"sub/", ""}}), limits);
    CHECK(u.reports.empty());
    CHECK(u.problems == std::vector<std::string>{"member 'readme.txt', not XML, gzip or zip (starts with 'hello')"});
    // libzip writes nothing for an empty archive: the end record alone
    auto empty = parse_report_bytes(std::string("PK\x05\x06", 4) + std::string(18, '\0'), limits);
    CHECK(empty.reports.empty());
    CHECK(empty.problems == std::vector<std::string>{"zip holds no report (no file member)"});
}

TEST_CASE("unpack: a report e-mail, its attachment named and typed any way") {
    const std::string xml = report_xml(2);
    struct Case {
        const char* name;
        const char* type;
        std::string body;
    };
    for (const Case& c : {Case{"r.xml.gz", "application/gzip", sw::test::gzip_bytes(xml)},
                          Case{"r.zip", "application/zip", sw::test::zip_bytes({{"r.xml", xml}})},
                          Case{"r.xml", "text/xml", xml},
                          Case{"r.bin", "application/octet-stream", sw::test::gzip_bytes(xml)}}) {
        DYNAMIC_SECTION(c.name) {
            auto u = parse_report_bytes(sw::test::report_mail(c.name, c.type, c.body), limits);
            INFO(joined(u.problems));
            REQUIRE(u.reports.size() == 1);
            CHECK(u.problems.empty());
        }
    }
}

TEST_CASE("unpack: a PNG disguised as .xml.gz is refused gracefully") {
    std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
    auto u = parse_report_bytes(sw::test::report_mail("r.xml.gz", "application/gzip", png), limits);
    CHECK(u.reports.empty());
    CHECK(u.problems == std::vector<std::string>{"attachment 'r.xml.gz', not XML, gzip or zip (starts with '?PNG?\?\?\?')"});
}

TEST_CASE("unpack: trailing bytes after the gzip data are ignored with a note") {
    auto u = parse_report_bytes(sw::test::gzip_bytes(report_xml()) + "\r\n", limits);
    REQUIRE(u.reports.size() == 1);
    CHECK(u.reports[0].notes == std::vector<std::string>{"2 bytes after the gzip data ignored"});
    // concatenated members are one stream (RFC 1952 §2.2)
    std::string xml = report_xml();
    auto g = gunzip(sw::test::gzip_bytes(xml.substr(0, 100)) + sw::test::gzip_bytes(xml.substr(100)), 1 << 20, limits);
    REQUIRE(g.ok());
    CHECK(g->data == xml);
    CHECK(g->note.empty());
}

TEST_CASE("unpack: garbage, truncated and corrupt data") {
    std::string gz = sw::test::gzip_bytes(report_xml(50));
    struct Case {
        const char* label;
        std::string bytes;
        std::string want;
    };
    for (const Case& c : {
             Case{"empty", "", "empty input"},
             Case{"garbage", "\x01\x02\x03 not a report at all", "no DMARC report found"},
             Case{"text", "A text file", "no DMARC report found"},
             Case{"truncated gzip", gz.substr(0, gz.size() / 2), "gzip: data is truncated"},
             Case{"gzip header only", gz.substr(0, 10), "gzip: data is truncated"},
             Case{"corrupt gzip", gz.substr(0, 10) + std::string(40, '\xff'), "gzip: corrupt data"},
             Case{"truncated zip", sw::test::zip_bytes({{"a.xml", report_xml()}}).substr(0, 60), "zip: not a readable archive"},
         }) {
        DYNAMIC_SECTION(c.label) {
            auto u = parse_report_bytes(c.bytes, limits);
            CHECK(u.reports.empty());
            INFO(joined(u.problems));
            CHECK(mentions(u.problems, c.want));
        }
    }
}

TEST_CASE("unpack: a gzip bomb stops at the ratio limit") {
    std::string bomb = sw::test::gzip_zeros(200u << 20);  // 200 MB of zeros
    CHECK(bomb.size() < 400u << 10);
    auto u = parse_report_bytes(bomb, limits);
    CHECK(u.reports.empty());
    CHECK(u.problems == std::vector<std::string>{"gzip: compression ratio over 200 (a decompression bomb?)"});
    // with no ratio limit, max_xml_size stops it
    Limits lax;
    lax.max_compression_ratio = 1u << 30;
    lax.max_xml_size = 4u << 20;
    auto v = parse_report_bytes(bomb, lax);
    CHECK(v.problems == std::vector<std::string>{"gzip: more than 4194304 bytes after decompression"});
}

TEST_CASE("unpack: zip bombs: declared sizes, and real sizes that lie") {
    std::string bomb = sw::test::zip_zeros("r.xml", 100u << 20);
    SECTION("declared ratio") {
        auto u = parse_report_bytes(bomb, limits);
        CHECK(u.reports.empty());
        CHECK(u.problems ==
              std::vector<std::string>{"member 'r.xml', declares a compression ratio over 200 (a decompression bomb?)"});
    }
    SECTION("declared size") {
        Limits lax;
        lax.max_compression_ratio = 1u << 30;
        auto u = parse_report_bytes(bomb, lax);
        CHECK(u.problems == std::vector<std::string>{"member 'r.xml', declares 104857600 bytes, more than 33554432"});
    }
    SECTION("a forged small size does not lift the limits") {
        sw::test::forge_zip_sizes(bomb, 1000);
        auto u = parse_report_bytes(bomb, limits);
        CHECK(u.reports.empty());
        INFO(joined(u.problems));
        CHECK(u.problems == std::vector<std::string>{"member 'r.xml', compression ratio over 200 (a decompression bomb?)"});
        Limits lax;
        lax.max_compression_ratio = 1u << 30;
        lax.max_xml_size = 4u << 20;
        auto v = parse_report_bytes(bomb, lax);
        CHECK(v.problems == std::vector<std::string>{"member 'r.xml', more than 4194304 bytes after decompression"});
    }
}

TEST_CASE("unpack: many bombs in one zip share one budget") {
    Limits lax;
    lax.max_compression_ratio = 1u << 30;
    lax.max_xml_size = 2u << 20;
    std::string zeros = sw::test::gzip_zeros((2u << 20) - 1);  // each just under max_xml_size
    sw::test::ZipMembers members;
    for (int i = 0; i < 6; ++i) members.push_back({"z" + std::to_string(i) + ".gz", zeros});
    auto u = parse_report_bytes(sw::test::zip_bytes(members), lax);
    CHECK(u.reports.empty());
    REQUIRE(u.problems.size() == 6);
    CHECK(mentions(u.problems, "(the input's total decompression budget)"));
}

TEST_CASE("unpack: is_zip_junk") {
    CHECK(is_zip_junk("__MACOSX/._a.xml"));
    CHECK(is_zip_junk("a/__MACOSX/b.xml"));
    CHECK(is_zip_junk("sub/._a.xml"));
    CHECK(is_zip_junk("sub/"));
    CHECK(is_zip_junk(".DS_Store"));
    CHECK_FALSE(is_zip_junk(""));
    CHECK_FALSE(is_zip_junk("sub/a.xml"));
    CHECK_FALSE(is_zip_junk("a._b.xml"));
}
