// parse_report_xml: the libxml2 tree of a report into AggregateReport; see
// report_xml.hpp for what is refused and what is kept with a note. Element
// names are local names (node->name), so any namespace or prefix matches.
#include "core/dmarc/report_xml.hpp"

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>

#include "core/dmarc/xml_doc.hpp"
#include "core/spf/spf_address.hpp"
#include "core/util/strings.hpp"

namespace sw::dmarc {
namespace {

using Node = const xmlNode*;

// Caps on kept text: a hostile report cannot make the store keep megabytes
// per field. Real values are far shorter.
constexpr std::size_t word_cap = 32;    // enumerations, result words
constexpr std::size_t name_cap = 255;   // domains, selectors, ids, numbers
constexpr std::size_t text_cap = 1024;  // free text: comments, metadata errors
constexpr std::size_t max_notes = 20;
constexpr std::size_t max_metadata_errors = 100;
// No reporter sees 10^12 messages from one source in a day; the cap keeps
// the sum over max_records records far from overflowing.
constexpr std::uint64_t max_count = 1'000'000'000'000;

bool named(Node n, std::string_view local) {
    return n && n->type == XML_ELEMENT_NODE && n->name && std::string_view(reinterpret_cast<const char*>(n->name)) == local;
}

Node child(Node parent, std::string_view local) {
    if (!parent) return nullptr;
    for (Node c = parent->children; c; c = c->next)
        if (named(c, local)) return c;
    return nullptr;
}

template <class F>
void for_each_child(Node parent, std::string_view local, F&& f) {
    if (!parent) return;
    for (Node c = parent->children; c; c = c->next)
        if (named(c, local)) f(c);
}

std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
        return k < s.size() && b(k) >= lo && b(k) <= hi;
    };
    unsigned c = b(i);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    }
    return 0;
}

// Valid UTF-8 of at most `cap` bytes, cut between characters. libxml2's
// recovery mode can leave a raw non-UTF-8 byte in text: it becomes '?'.
std::string clean_text(std::string_view s, std::size_t cap) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = utf8_sequence(s, i);
        std::string_view piece = n ? s.substr(i, n) : std::string_view("?");
        if (out.size() + piece.size() > cap) break;
        out.append(piece);
        i += n ? n : 1;
    }
    return out;
}

// The element's own text (text and CDATA children; child elements are
// skipped), trimmed.
std::string text_of(Node n, std::size_t cap) {
    std::string raw;
    for (Node c = n->children; c; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            raw += reinterpret_cast<const char*>(c->content);
    return clean_text(trim(raw), cap);
}

// parent/local's text; nullopt when the element is absent.
std::optional<std::string> field(Node parent, std::string_view local, std::size_t cap) {
    Node n = child(parent, local);
    if (!n) return std::nullopt;
    return text_of(n, cap);
}

std::string lower_field(Node parent, std::string_view local, std::size_t cap) {
    return to_lower(field(parent, local, cap).value_or(""));
}

bool one_of(std::string_view v, std::initializer_list<std::string_view> allowed) {
    for (auto a : allowed)
        if (v == a) return true;
    return false;
}

std::string quoted(std::string_view v) {
    return "'" + printable(v, 64) + "'";
}

// The <feedback> element: the root, or (ikea.com's report wraps it in an
// unclosed <xs:schema>) the first one a few levels below.
Node find_feedback(Node n, int depth) {
    if (named(n, "feedback")) return n;
    if (depth == 0 || !n) return nullptr;
    for (Node c = n->children; c; c = c->next)
        if (Node f = find_feedback(c, depth - 1)) return f;
    return nullptr;
}

class ReportReader {
public:
    explicit ReportReader(const Limits& limits) : limits_(limits) {}

    Result<AggregateReport> read(Node feedback, std::string repair) {
        if (!repair.empty()) note(std::move(repair));
        r_.version = field(feedback, "version", word_cap).value_or("");
        if (auto ok = read_metadata(child(feedback, "report_metadata")); !ok) return fail(ok.error());
        if (auto ok = read_policy(child(feedback, "policy_published")); !ok) return fail(ok.error());
        if (auto ok = read_records(feedback); !ok) return fail(ok.error());
        if (dropped_notes_) r_.notes.push_back("(" + std::to_string(dropped_notes_) + " more notes)");
        return std::move(r_);
    }

private:
    void note(std::string line) {
        if (r_.notes.size() < max_notes)
            r_.notes.push_back(std::move(line));
        else
            ++dropped_notes_;
    }

    Result<void> read_metadata(Node md) {
        r_.org_name = field(md, "org_name", name_cap).value_or("");
        r_.email = field(md, "email", name_cap).value_or("");
        r_.report_id = field(md, "report_id", name_cap).value_or("");
        if (r_.report_id.empty()) return fail("missing report_metadata/report_id");
        Node range = child(md, "date_range");
        auto begin = timestamp(range, "begin");
        if (!begin) return fail(begin.error());
        auto end = timestamp(range, "end");
        if (!end) return fail(end.error());
        r_.begin = *begin;
        r_.end = *end;
        for_each_child(md, "error", [&](Node e) {
            std::string t = text_of(e, text_cap);
            if (!t.empty() && r_.errors.size() < max_metadata_errors) r_.errors.push_back(std::move(t));
        });
        return {};
    }

    static Result<std::int64_t> timestamp(Node range, const std::string& name) {
        auto v = field(range, name, name_cap);
        if (!v || v->empty()) return fail("missing report_metadata/date_range/" + name);
        auto n = parse_uint(*v);
        if (!n || *n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return fail("report_metadata/date_range/" + name + " is not a number: " + quoted(*v));
        return static_cast<std::int64_t>(*n);
    }

    Result<void> read_policy(Node pp) {
        PolicyPublished& p = r_.policy;
        p.domain = lower_field(pp, "domain", name_cap);
        if (p.domain.empty()) return fail("missing policy_published/domain");
        auto word = field(pp, "p", word_cap);
        if (!word || word->empty()) return fail("missing policy_published/p");
        if (!one_of(*word, {"none", "quarantine", "reject"}))
            return fail("policy_published/p is not a schema value: " + quoted(*word));
        p.p = *word;
        p.sp = optional_word(pp, "sp", {"none", "quarantine", "reject"});
        p.np = optional_word(pp, "np", {"none", "quarantine", "reject"});
        p.adkim = optional_word(pp, "adkim", {"r", "s"});
        p.aspf = optional_word(pp, "aspf", {"r", "s"});
        p.testing = optional_word(pp, "testing", {"y", "n"});
        p.discovery_method = optional_word(pp, "discovery_method", {"psl", "treewalk"});
        p.fo = field(pp, "fo", word_cap).value_or("");
        if (auto pct = field(pp, "pct", name_cap); pct && !pct->empty()) {
            auto n = parse_uint(*pct);
            if (n && *n <= 100)
                p.pct = static_cast<int>(*n);
            else
                note("policy_published/pct ignored: " + quoted(*pct));
        }
        return {};
    }

    // An optional enumeration: lower-cased; a value outside the schema is
    // dropped with a note rather than losing the whole report.
    std::string optional_word(Node pp, std::string_view name, std::initializer_list<std::string_view> allowed) {
        std::string v = lower_field(pp, name, word_cap);
        if (v.empty() || one_of(v, allowed)) return v;
        note("policy_published/" + std::string(name) + " ignored: " + quoted(v));
        return {};
    }

    Result<void> read_records(Node feedback) {
        std::size_t n = 0;
        for_each_child(feedback, "record", [&](Node) { ++n; });
        if (n > limits_.max_records)
            return fail(std::to_string(n) + " records, more than max_records (" + std::to_string(limits_.max_records) + ")");
        r_.records.reserve(n);
        std::size_t index = 0;
        Result<void> result;
        for (Node c = feedback->children; c && result; c = c->next)
            if (named(c, "record")) result = read_record(c, ++index);
        return result;
    }

    Result<void> read_record(Node rec, std::size_t index) {
        const std::string where = "record " + std::to_string(index) + ": ";
        Node row = child(rec, "row");
        std::string ip_text = field(row, "source_ip", name_cap).value_or("");
        auto ip = spf::parse_client_address(ip_text);
        if (!ip) {
            ++r_.skipped_records;
            note(where + "skipped: source_ip " + quoted(ip_text) + " is not an IP address");
            return {};
        }
        Record out;
        out.source_ip = *ip;
        auto count = field(row, "count", name_cap);
        if (!count || count->empty()) return fail(where + "missing row/count");
        auto n = parse_uint(*count);
        if (!n) return fail(where + "count is not a number: " + quoted(*count));
        if (*n > max_count) return fail(where + "count is out of range: " + quoted(*count));
        out.count = *n;

        Node pe = child(row, "policy_evaluated");
        auto disposition = evaluated(pe, "disposition", {"none", "quarantine", "reject", "pass"}, where);
        if (!disposition) return fail(disposition.error());
        auto dkim = evaluated(pe, "dkim", {"pass", "fail"}, where);
        if (!dkim) return fail(dkim.error());
        auto spf = evaluated(pe, "spf", {"pass", "fail"}, where);
        if (!spf) return fail(spf.error());
        out.disposition = std::move(*disposition);
        out.dkim = std::move(*dkim);
        out.spf = std::move(*spf);
        for_each_child(pe, "reason", [&](Node reason) {
            PolicyOverride o{lower_field(reason, "type", word_cap), field(reason, "comment", text_cap).value_or("")};
            if (!o.type.empty() || !o.comment.empty()) out.reasons.push_back(std::move(o));
        });

        Node ids = child(rec, "identifiers");
        out.header_from = lower_field(ids, "header_from", name_cap);
        out.envelope_from = lower_field(ids, "envelope_from", name_cap);
        out.envelope_to = lower_field(ids, "envelope_to", name_cap);

        Node auth = child(rec, "auth_results");
        for_each_child(auth, "dkim", [&](Node d) {
            DkimAuth a{lower_field(d, "domain", name_cap), field(d, "selector", name_cap).value_or(""),
                       lower_field(d, "result", word_cap)};
            if (!a.domain.empty() || !a.selector.empty() || !a.result.empty()) out.dkim_results.push_back(std::move(a));
        });
        for_each_child(auth, "spf", [&](Node s) {
            SpfAuth a{lower_field(s, "domain", name_cap), lower_field(s, "scope", word_cap),
                      lower_field(s, "result", word_cap)};
            if (!a.domain.empty() || !a.result.empty()) out.spf_results.push_back(std::move(a));
        });
        r_.records.push_back(std::move(out));
        return {};
    }

    // A required policy_evaluated word: exactly a schema value (RFC 7489
    // appendix C; "pass" disposition from DMARCbis). Case counts.
    static Result<std::string> evaluated(Node pe, std::string_view name, std::initializer_list<std::string_view> allowed,
                                         const std::string& where) {
        auto v = field(pe, name, word_cap);
        if (!v || v->empty()) return fail(where + "missing policy_evaluated/" + std::string(name));
        if (!one_of(*v, allowed))
            return fail(where + "policy_evaluated/" + std::string(name) + " is not a schema value: " + quoted(*v));
        return std::move(*v);
    }

    const Limits& limits_;
    AggregateReport r_;
    std::size_t dropped_notes_ = 0;
};

}  // namespace

Result<AggregateReport> parse_report_xml(std::string_view xml, const Limits& limits) {
    if (xml.size() > limits.max_xml_size)
        return fail("report XML is " + std::to_string(xml.size()) + " bytes, more than max_xml_size (" +
                    std::to_string(limits.max_xml_size) + ")");
    auto doc = read_xml(xml);
    if (!doc) return fail(doc.error());
    Node root = xmlDocGetRootElement(doc->doc.get());
    Node feedback = find_feedback(root, 3);
    if (!feedback)
        return fail("no feedback element (root element is " +
                    quoted(root->name ? reinterpret_cast<const char*>(root->name) : "") + ")");
    return ReportReader(limits).read(feedback, std::move(doc->repair));
}

}  // namespace sw::dmarc
