// encode_record / decode_record; see record_codec.hpp.
#include "core/dmarc/record_codec.hpp"

namespace sw::dmarc {
namespace {

constexpr std::uint8_t kVersion = 1;

void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void put_str(std::string& out, std::string_view s) {
    put_varint(out, s.size());
    out.append(s);
}

// Reads from a value; every read checks the bounds and latches `ok`.
struct Reader {
    std::string_view in;
    std::size_t at = 0;
    bool ok = true;

    std::uint8_t byte() {
        if (at >= in.size()) return fail(), 0;
        return static_cast<std::uint8_t>(in[at++]);
    }
    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            std::uint8_t b = byte();
            if (!ok) return 0;
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }
        return fail(), 0;
    }
    std::string_view str() {
        std::uint64_t n = varint();
        if (!ok || n > in.size() - at) return fail(), std::string_view();
        auto s = in.substr(at, n);
        at += n;
        return s;
    }
    void fail() { ok = false; }
};

}  // namespace

Disposition disposition_from(std::string_view word) {
    if (word == "none") return Disposition::none;
    if (word == "quarantine") return Disposition::quarantine;
    if (word == "reject") return Disposition::reject;
    if (word == "pass") return Disposition::pass;
    return Disposition::other;
}

std::string_view to_string(Disposition d) {
    switch (d) {
        case Disposition::none: return "none";
        case Disposition::quarantine: return "quarantine";
        case Disposition::reject: return "reject";
        case Disposition::pass: return "pass";
        case Disposition::other: break;
    }
    return "other";
}

std::string encode_record(const Record& r) {
    std::string out;
    out.reserve(64 + r.header_from.size() + r.envelope_from.size() + r.dkim_results.size() * 40 +
                r.spf_results.size() * 32);
    out.push_back(static_cast<char>(kVersion));
    out.push_back(static_cast<char>(r.source_ip.v4 ? 4 : 6));
    out.append(reinterpret_cast<const char*>(r.source_ip.bytes.data()), r.source_ip.v4 ? 4 : 16);
    put_varint(out, r.count);
    out.push_back(static_cast<char>(disposition_from(r.disposition)));
    out.push_back(static_cast<char>((r.dkim == "pass" ? 1 : 0) | (r.spf == "pass" ? 2 : 0)));
    put_str(out, r.header_from);
    put_str(out, r.envelope_from);
    put_str(out, r.envelope_to);
    put_varint(out, r.dkim_results.size());
    for (const auto& d : r.dkim_results) {
        put_str(out, d.domain);
        put_str(out, d.selector);
        put_str(out, d.result);
    }
    put_varint(out, r.spf_results.size());
    for (const auto& s : r.spf_results) {
        put_str(out, s.domain);
        put_str(out, s.scope);
        put_str(out, s.result);
    }
    put_varint(out, r.reasons.size());
    for (const auto& o : r.reasons) {
        put_str(out, o.type);
        put_str(out, o.comment);
    }
    return out;
}

bool decode_record(std::string_view value, RecordView& out) {
    Reader rd{value};
    if (rd.byte() != kVersion) return false;
    std::uint8_t family = rd.byte();
    std::size_t len = family == 4 ? 4 : family == 6 ? 16 : 0;
    if (!rd.ok || len == 0 || value.size() - rd.at < len) return false;
    out.ip = dns::Address{};
    out.ip.v4 = family == 4;
    for (std::size_t i = 0; i < len; ++i) out.ip.bytes[i] = static_cast<std::uint8_t>(value[rd.at + i]);
    rd.at += len;
    out.count = rd.varint();
    out.disposition = static_cast<Disposition>(rd.byte());
    std::uint8_t flags = rd.byte();
    out.dkim_pass = flags & 1;
    out.spf_pass = flags & 2;
    out.header_from = rd.str();
    out.envelope_from = rd.str();
    out.envelope_to = rd.str();
    out.dkim.clear();
    out.spf.clear();
    out.reasons.clear();
    for (auto* list : {&out.dkim, &out.spf}) {
        std::uint64_t n = rd.varint();
        for (std::uint64_t i = 0; rd.ok && i < n; ++i) {
            RecordView::Auth a;
            a.domain = rd.str();
            a.detail = rd.str();
            a.result = rd.str();
            list->push_back(a);
        }
    }
    std::uint64_t n = rd.varint();
    for (std::uint64_t i = 0; rd.ok && i < n; ++i) {
        auto type = rd.str();
        auto comment = rd.str();
        out.reasons.emplace_back(type, comment);
    }
    return rd.ok;
}

Record to_record(const RecordView& v) {
    Record r;
    r.source_ip = v.ip;
    r.count = v.count;
    r.disposition = std::string(to_string(v.disposition));
    r.dkim = v.dkim_pass ? "pass" : "fail";
    r.spf = v.spf_pass ? "pass" : "fail";
    r.header_from = v.header_from;
    r.envelope_from = v.envelope_from;
    r.envelope_to = v.envelope_to;
    for (const auto& d : v.dkim) r.dkim_results.push_back({std::string(d.domain), std::string(d.detail), std::string(d.result)});
    for (const auto& s : v.spf) r.spf_results.push_back({std::string(s.domain), std::string(s.detail), std::string(s.result)});
    for (const auto& [t, c] : v.reasons) r.reasons.push_back({std::string(t), std::string(c)});
    return r;
}

}  // namespace sw::dmarc
