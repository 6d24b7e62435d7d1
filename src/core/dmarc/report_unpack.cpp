// parse_report_bytes: sniff the bytes (magic numbers, not names or
// Content-Types, which reporters get wrong), unwrap, parse each XML; see
// report_unpack.hpp. A budget shared by the whole input bounds the work a
// zip of many bombs or a deep nest could cause.
#include "core/dmarc/report_unpack.hpp"

#include <algorithm>
#include <limits>

#include "core/dmarc/gzip_reader.hpp"
#include "core/dmarc/report_xml.hpp"
#include "core/dmarc/zip_reader.hpp"
#include "core/reports/mime_message.hpp"
#include "core/util/strings.hpp"

namespace sw::dmarc {
namespace {

constexpr int max_layers = 2;  // containers below the input or attachment
constexpr std::size_t max_members = 256;
constexpr std::size_t budget_factor = 4;

enum class Kind { Xml, Gzip, Zip, Other };

Kind sniff(std::string_view b) {
    if (is_gzip(b)) return Kind::Gzip;
    if (is_zip(b)) return Kind::Zip;
    if (b.starts_with("\xFE\xFF") || b.starts_with("\xFF\xFE")) return Kind::Xml;  // UTF-16 with a BOM
    if (b.starts_with("\xEF\xBB\xBF")) b.remove_prefix(3);
    b = trim(b.substr(0, 4096));
    return b.starts_with('<') ? Kind::Xml : Kind::Other;
}

// The first bytes, for "not a report" problems: "\x89PNG..." shows as "?PNG".
std::string first_bytes(std::string_view b) {
    return b.empty() ? "empty" : "starts with '" + printable(b.substr(0, 8)) + "'";
}

std::string join(const std::string& label, const std::string& what) {
    return label.empty() ? what : label + ", " + what;
}

// A MIME leaf a reporter means as the report: named or typed as XML, gzip
// or zip (RFC 7489 §7.2.1.1; dmarc_detect.cpp recognises the same).
bool report_like(const reports::MimeLeaf& leaf) {
    std::string fn = to_lower(leaf.filename);
    const std::string& ct = leaf.content_type;
    return fn.find(".xml") != std::string::npos || fn.ends_with(".gz") || fn.ends_with(".zip") ||
           ct.find("xml") != std::string::npos || ct.find("zip") != std::string::npos;
}

bool mentions_feedback(std::string_view b) {
    b = b.substr(0, 4096);
    return b.find("<feedback") != std::string_view::npos || b.find(":feedback") != std::string_view::npos;
}

class Unpacker {
public:
    explicit Unpacker(const Limits& limits) : limits_(limits) {
        budget_ = limits.max_xml_size > std::numeric_limits<std::size_t>::max() / budget_factor
                      ? std::numeric_limits<std::size_t>::max()
                      : limits.max_xml_size * budget_factor;
    }

    void input(std::string_view b) {
        if (b.empty())
            problem("", "empty input");
        else if (sniff(b) == Kind::Other)
            message(b);
        else
            bytes(b, "", 0);
    }

    UnpackedReports take() { return std::move(out_); }

private:
    void problem(const std::string& label, const std::string& what) { out_.problems.push_back(join(label, what)); }

    std::size_t max_out() const { return std::min(limits_.max_xml_size, budget_); }

    void bytes(std::string_view b, const std::string& label, int layer) {
        switch (sniff(b)) {
        case Kind::Xml:
            if (auto r = parse_report_xml(b, limits_))
                out_.reports.push_back(std::move(*r));
            else
                problem(label, r.error());
            return;
        case Kind::Gzip:
            return gzip(b, label, layer);
        case Kind::Zip:
            return zip(b, label, layer);
        case Kind::Other:
            problem(label, "not XML, gzip or zip (" + first_bytes(b) + ")");
            return;
        }
    }

    void gzip(std::string_view b, const std::string& label, int layer) {
        if (layer >= max_layers) return problem(label, "gzip nested too deep");
        auto g = gunzip(b, max_out(), limits_);
        if (!g) return problem(label, budget_note(g.error()));
        budget_ -= g->data.size();
        std::size_t before = out_.reports.size();
        bytes(g->data, label, layer + 1);
        if (!g->note.empty())
            for (std::size_t i = before; i < out_.reports.size(); ++i) out_.reports[i].notes.push_back(g->note);
    }

    void zip(std::string_view b, const std::string& label, int layer) {
        if (layer >= max_layers) return problem(label, "zip nested too deep");
        auto z = ZipArchive::open(b);
        if (!z) return problem(label, z.error());
        std::size_t members = 0;
        for (std::size_t i = 0; i < z->size(); ++i) {
            std::string name = z->name(i);
            if (is_zip_junk(name)) continue;
            std::string member = join(label, "member '" + printable(name, 200) + "'");
            if (++members > max_members) return problem(label, "more than " + std::to_string(max_members) + " members");
            auto data = z->read(i, max_out(), limits_);
            if (!data) {
                problem(member, budget_note(data.error()));
                continue;
            }
            budget_ -= data->size();
            bytes(*data, member, layer + 1);
        }
        if (members == 0) problem(label, "zip holds no report (no file member)");
    }

    // Once the shared budget is what limited the output, say so.
    std::string budget_note(const std::string& e) const {
        return budget_ < limits_.max_xml_size ? e + " (the input's total decompression budget)" : e;
    }

    void message(std::string_view raw) {
        reports::MimeMessage m = reports::parse_mime(raw);
        std::size_t tried = 0, part = 0;
        for (const auto& leaf : m.leaves) {
            ++part;
            Kind k = sniff(leaf.body);
            bool candidate = k == Kind::Gzip || k == Kind::Zip || report_like(leaf) ||
                             (k == Kind::Xml && mentions_feedback(leaf.body));
            if (!candidate) continue;
            ++tried;
            std::string label = leaf.filename.empty()
                                    ? "part " + std::to_string(part) + " (" + printable(leaf.content_type, 100) + ")"
                                    : "attachment '" + printable(leaf.filename, 200) + "'";
            // A cut attachment would parse as a broken (or, repaired, a
            // shortened) report: refuse it instead.
            if (leaf.truncated) {
                problem(label, "cut at the MIME reader's size limit");
                continue;
            }
            bytes(leaf.body, label, 0);
        }
        if (tried == 0) problem("", "no DMARC report found (not XML, gzip, zip or an e-mail with a report attachment)");
    }

    const Limits& limits_;
    std::size_t budget_;
    UnpackedReports out_;
};

}  // namespace

UnpackedReports parse_report_bytes(std::string_view bytes, const Limits& limits) {
    Unpacker u(limits);
    u.input(bytes);
    return u.take();
}

}  // namespace sw::dmarc
