// Received-SPF and Authentication-Results; see auth_headers.hpp.
#include "core/authres/auth_headers.hpp"

#include "core/util/strings.hpp"

namespace sw::authres {
namespace {

bool atext(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// RFC 5322 dot-atom-text.
bool dot_atom(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') return false;
            continue;
        }
        if (!atext(s[i])) return false;
    }
    return true;
}

// Printable ASCII only; header fields must never carry raw control bytes.
std::string clean(std::string_view s) {
    std::string out;
    for (unsigned char c : s) out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
    return out;
}

std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (char c : clean(s)) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

std::string atom_or_quoted(std::string_view s) { return dot_atom(s) ? std::string(s) : quoted(s); }

std::string comment_text(std::string_view s) {
    std::string out;
    for (char c : clean(s)) {
        if (c == '(' || c == ')' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

// An address as a pvalue: local@domain when the local part is a dot-atom.
std::string address_value(std::string_view addr) {
    auto at = addr.rfind('@');
    if (at != std::string_view::npos && dot_atom(addr.substr(0, at)) && dot_atom(addr.substr(at + 1)))
        return std::string(addr);
    return quoted(addr);
}

std::string sender_of(const spf::Request& r) {
    if (!r.mail_from.empty()) return r.mail_from;
    return "postmaster@" + r.helo;
}

std::string summary(const SpfContext& ctx) {
    const auto& r = *ctx.request;
    const auto& v = *ctx.verdict;
    std::string who = v.identity == "helo" ? "helo " + r.helo : "domain of " + sender_of(r);
    switch (v.result) {
    case spf::Result::pass: return who + " designates " + r.ip + " as permitted sender";
    case spf::Result::fail: return who + " does not designate " + r.ip + " as permitted sender";
    case spf::Result::softfail: return "transitioning " + who + " does not designate " + r.ip + " as permitted sender";
    case spf::Result::neutral: return r.ip + " is neither permitted nor denied by " + who;
    case spf::Result::none: return who + " does not publish an SPF record";
    case spf::Result::temperror: return "temporary error checking " + who + (v.problem.empty() ? "" : ": " + v.problem);
    case spf::Result::permerror: return "permanent error in the SPF record of " + who + (v.problem.empty() ? "" : ": " + v.problem);
    }
    return who;
}

}  // namespace

std::string received_spf(const SpfContext& ctx) {
    const auto& r = *ctx.request;
    const auto& v = *ctx.verdict;
    std::string out(spf::to_string(v.result));
    out += " (";
    out += comment_text(std::string(ctx.receiver) + ": " + summary(ctx));
    out += ")\n\tclient-ip=" + atom_or_quoted(r.ip) + ";";
    out += " envelope-from=" + quoted(sender_of(r)) + ";";
    if (!r.helo.empty()) out += " helo=" + atom_or_quoted(r.helo) + ";";
    out += "\n\treceiver=" + atom_or_quoted(ctx.receiver) + ";";
    if (!v.mechanism.empty() && v.mechanism != "default") out += " mechanism=" + quoted(v.mechanism) + ";";
    if (!v.problem.empty() && (v.result == spf::Result::permerror || v.result == spf::Result::temperror))
        out += " problem=" + quoted(v.problem) + ";";
    out += " identity=" + (v.identity.empty() ? std::string("mailfrom") : v.identity);
    return out;
}

std::string authentication_results_spf(std::string_view authserv_id, const SpfContext& ctx) {
    const auto& r = *ctx.request;
    const auto& v = *ctx.verdict;
    std::string out = atom_or_quoted(authserv_id) + ";\n\tspf=" + std::string(spf::to_string(v.result));
    out += " (" + comment_text(summary(ctx)) + ")";
    if (v.identity == "helo") out += " smtp.helo=" + atom_or_quoted(r.helo);
    else out += " smtp.mailfrom=" + address_value(r.mail_from);
    return out;
}

std::string authserv_id_of(std::string_view v) {
    std::size_t i = 0;
    auto skip_cfws = [&] {
        while (i < v.size()) {
            char c = v[i];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                ++i;
            } else if (c == '(') {
                int depth = 0;
                while (i < v.size()) {
                    if (v[i] == '\\') i += 2;
                    else {
                        if (v[i] == '(') ++depth;
                        else if (v[i] == ')' && --depth == 0) { ++i; break; }
                        ++i;
                    }
                }
            } else {
                break;
            }
        }
    };
    skip_cfws();
    std::string id;
    if (i < v.size() && v[i] == '"') {
        for (++i; i < v.size() && v[i] != '"'; ++i) {
            if (v[i] == '\\' && i + 1 < v.size()) ++i;
            id.push_back(v[i]);
        }
    } else {
        while (i < v.size() && v[i] != ';' && v[i] != ' ' && v[i] != '\t' && v[i] != '(' && v[i] != '\r' &&
               v[i] != '\n')
            id.push_back(v[i++]);
    }
    return to_lower(id);
}

}  // namespace sw::authres
