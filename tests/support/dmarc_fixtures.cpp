// Builders of tests/support/dmarc_fixtures.hpp.
#include "support/dmarc_fixtures.hpp"

#include <zip.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace sw::test {
namespace {

// deflate in gzip format over `feed` (called until it returns false).
template <class Feed>
std::string deflate_gzip(Feed feed) {
    z_stream s{};
    if (deflateInit2(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2");
    std::string out;
    char buf[64 * 1024];
    std::string_view chunk;
    bool more = true;
    while (true) {
        if (s.avail_in == 0 && more) {
            more = feed(chunk);
            s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(chunk.data()));
            s.avail_in = static_cast<uInt>(chunk.size());
        }
        s.next_out = reinterpret_cast<Bytef*>(buf);
        s.avail_out = sizeof buf;
        int rc = deflate(&s, more ? Z_NO_FLUSH : Z_FINISH);
        out.append(buf, sizeof buf - s.avail_out);
        if (rc == Z_STREAM_END) break;
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            deflateEnd(&s);
            throw std::runtime_error("deflate");
        }
    }
    deflateEnd(&s);
    return out;
}

struct Zeros {
    std::uint64_t size = 0;
    std::uint64_t pos = 0;
};

zip_int64_t zeros_source(void* user, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
    auto* z = static_cast<Zeros*>(user);
    switch (cmd) {
    case ZIP_SOURCE_OPEN:
        z->pos = 0;
        return 0;
    case ZIP_SOURCE_READ: {
        zip_uint64_t n = std::min<zip_uint64_t>(len, z->size - z->pos);
        std::memset(data, 0, n);
        z->pos += n;
        return static_cast<zip_int64_t>(n);
    }
    case ZIP_SOURCE_CLOSE:
    case ZIP_SOURCE_FREE:
        return 0;
    case ZIP_SOURCE_STAT: {
        auto* st = static_cast<zip_stat_t*>(data);
        zip_stat_init(st);
        st->size = z->size;
        st->valid |= ZIP_STAT_SIZE;
        return sizeof(zip_stat_t);
    }
    case ZIP_SOURCE_ERROR: {
        int* e = static_cast<int*>(data);
        e[0] = e[1] = 0;
        return 2 * sizeof(int);
    }
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                              ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
    default:
        return -1;
    }
}

// Writes a zip into memory; `add` adds the members to the open archive.
template <class Add>
std::string build_zip(Add add) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* buf = zip_source_buffer_create(nullptr, 0, 0, &err);
    zip_t* z = buf ? zip_open_from_source(buf, ZIP_TRUNCATE, &err) : nullptr;
    zip_error_fini(&err);
    if (!z) throw std::runtime_error("zip_open_from_source");
    zip_source_keep(buf);
    add(z);
    if (zip_close(z) != 0) throw std::runtime_error(std::string("zip_close: ") + zip_strerror(z));
    std::string out;
    zip_stat_t st;
    if (zip_source_stat(buf, &st) == 0 && zip_source_open(buf) == 0) {
        out.resize(st.size);
        zip_int64_t got = zip_source_read(buf, out.data(), out.size());
        out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
        zip_source_close(buf);
    }
    zip_source_free(buf);
    return out;
}

void put_le32(std::string& s, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::string base64(std::string_view in) {
    static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t line = 0;
    for (std::size_t i = 0; i < in.size(); i += 3) {
        std::uint32_t v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
        if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
        out += abc[(v >> 18) & 63];
        out += abc[(v >> 12) & 63];
        out += i + 1 < in.size() ? abc[(v >> 6) & 63] : '=';
        out += i + 2 < in.size() ? abc[v & 63] : '=';
        if ((line += 4) >= 76) {
            out += "\n";
            line = 0;
        }
    }
    return out + "\n";
}

}  // namespace

std::string report_xml(std::size_t records, std::string_view report_id) {
    std::string x = "<?xml version=\"1.0\"?>\n<feedback>\n<version>1.0</version>\n<report_metadata>\n"
                    "<org_name>Example Reporter</org_name><email>dmarc@reporter.example</email>\n"
                    "<report_id>" + std::string(report_id) + "</report_id>\n"
                    "<date_range><begin>1700000000</begin><end>1700086399</end></date_range>\n"
                    "</report_metadata>\n<policy_published><domain>example.com</domain><adkim>r</adkim>"
                    "<aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>\n";
    for (std::size_t i = 0; i < records; ++i)
        x += "<record><row><source_ip>192.0.2." + std::to_string(i % 250 + 1) +
             "</source_ip><count>1</count><policy_evaluated><disposition>none</disposition>"
             "<dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>"
             "<identifiers><header_from>example.com</header_from></identifiers>"
             "<auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim>"
             "<spf><domain>bounce.example.com</domain><result>softfail</result></spf></auth_results></record>\n";
    return x + "</feedback>\n";
}

std::string gzip_bytes(std::string_view data) {
    bool given = false;
    return deflate_gzip([&](std::string_view& chunk) {
        chunk = given ? std::string_view() : data;
        given = true;
        return false;
    });
}

std::string gzip_zeros(std::size_t n) {
    static const std::string zeros(1 << 20, '\0');
    std::size_t left = n;
    return deflate_gzip([&](std::string_view& chunk) {
        std::size_t k = std::min(left, zeros.size());
        chunk = std::string_view(zeros.data(), k);
        left -= k;
        return left > 0;
    });
}

std::string zip_bytes(const ZipMembers& members) {
    return build_zip([&](zip_t* z) {
        for (const auto& [name, content] : members) {
            zip_source_t* s = zip_source_buffer(z, content.data(), content.size(), 0);
            if (!s || zip_file_add(z, name.c_str(), s, ZIP_FL_ENC_UTF_8) < 0) {
                zip_source_free(s);
                throw std::runtime_error("zip_file_add");
            }
        }
    });
}

std::string zip_zeros(const std::string& name, std::size_t n) {
    Zeros zeros{n, 0};
    return build_zip([&](zip_t* z) {
        zip_source_t* s = zip_source_function(z, zeros_source, &zeros);
        if (!s || zip_file_add(z, name.c_str(), s, ZIP_FL_ENC_UTF_8) < 0) {
            zip_source_free(s);
            throw std::runtime_error("zip_file_add");
        }
    });
}

void forge_zip_sizes(std::string& zip, std::uint32_t size) {
    for (std::size_t p = zip.find("PK\x03\x04"); p != std::string::npos; p = zip.find("PK\x03\x04", p + 4))
        if (p + 26 <= zip.size()) put_le32(zip, p + 22, size);
    for (std::size_t p = zip.find("PK\x01\x02"); p != std::string::npos; p = zip.find("PK\x01\x02", p + 4))
        if (p + 28 <= zip.size()) put_le32(zip, p + 24, size);
}

std::string report_mail(std::string_view filename, std::string_view content_type, std::string_view attachment) {
    return "From: noreply-dmarc@reporter.example\nTo: dmarc@example.com\n"
           "Subject: Report domain: example.com Submitter: reporter.example Report-ID: r-1\n"
           "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n"
           "--b1\nContent-Type: text/plain\n\nThis is an aggregate report.\n"
           "--b1\nContent-Type: " + std::string(content_type) + "\nContent-Transfer-Encoding: base64\n"
           "Content-Disposition: attachment; filename=\"" + std::string(filename) + "\"\n\n" +
           base64(attachment) + "--b1--\n";
}

}  // namespace sw::test
