// Libspf2Engine (see libspf2_engine.hpp). Three parts: the libspf2 DNS layer
// that answers libspf2's lookups from dns::Resolver (built with libspf2's
// own SPF_dns_rr_new_init / SPF_dns_rr_buf_realloc, so libspf2 frees what
// it gets), the pool of SPF_server_t, and check(): input fixes, the
// libspf2 call, result mapping. libspf2 is C: nothing may throw through it.
#include "core/spf/libspf2_engine.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
extern "C" {
#include <spf2/spf.h>
}

#include <algorithm>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "core/log/msg.hpp"
#include "core/util/strings.hpp"

namespace sw::spf {
namespace {

struct ServerFree {
    void operator()(SPF_server_t* s) const noexcept { SPF_server_free(s); }
};
struct RequestFree {
    void operator()(SPF_request_t* r) const noexcept { SPF_request_free(r); }
};
struct ResponseFree {
    void operator()(SPF_response_t* r) const noexcept { SPF_response_free(r); }
};
struct RrFree {
    void operator()(SPF_dns_rr_t* r) const noexcept { SPF_dns_rr_free(r); }
};
using ServerPtr = std::unique_ptr<SPF_server_t, ServerFree>;
using RequestPtr = std::unique_ptr<SPF_request_t, RequestFree>;
using ResponsePtr = std::unique_ptr<SPF_response_t, ResponseFree>;
using RrPtr = std::unique_ptr<SPF_dns_rr_t, RrFree>;

// libspf2 reports through global handlers that print to stdout/stderr by
// default (and abort on internal errors). Route them to our log once.
// GNU spelling: clang makes it part of the function type, as libspf2's pointer wants.
__attribute__((noreturn)) void on_spf_error(const char* file, int line, const char* msg) {
    SW_PANIC("libspf2: %s:%d: %s", file ? file : "?", line, msg ? msg : "?");
}
void on_spf_warning(const char*, int, const char* msg) { msg_warn("libspf2: %s", printable(msg ? msg : "").c_str()); }

void install_log_handlers() {
    static std::once_flag once;
    std::call_once(once, [] {
        SPF_error_handler = on_spf_error;
        SPF_warning_handler = on_spf_warning;
        SPF_info_handler = nullptr;  // "errors in response, but no error code" and the like
        SPF_debug_handler = nullptr;
    });
}

}  // namespace

struct Libspf2Engine::Slot {
    SPF_dns_server_t layer{};  // must outlive server (declared first)
    ServerPtr server;
    dns::Resolver* resolver = nullptr;
    // State of the check in progress.
    bool dns_temporary = false;
    std::string dns_problem;

    void reset() {
        dns_temporary = false;
        dns_problem.clear();
    }
};

// ---- the DNS layer --------------------------------------------------------

namespace {

bool is_spf_record(std::string_view t) {
    return t.size() >= 6 && iequals(t.substr(0, 6), "v=spf1") && (t.size() == 6 || t[6] == ' ');
}

// TXT data as libspf2 needs it. RFC 7208 §4.5 allows the record "v=spf1"
// with no terms; libspf2 only recognises "v=spf1 " followed by something,
// so give it the space. Any other TXT libspf2 asks for is either ignored
// (not a record) or an exp= explanation (§6.2), a macro-string whose spaces
// libspf2's macro compiler mangles ("a b" came out "a%b" and later macros
// were left unexpanded): spell them as the macro "%_", which is a space.
std::string txt_for_libspf2(std::string text) {
    if (text.size() == 6 && iequals(text, "v=spf1")) text += ' ';
    if (!is_spf_record(text)) {
        std::string spelled;
        for (char c : text) {
            if (c == ' ') spelled += "%_";
            else spelled += c;
        }
        text = std::move(spelled);
    }
    // A NUL would silently cut the record in libspf2's C strings; DEL makes
    // the record a syntax error (permerror) instead, as the bytes deserve.
    std::replace(text.begin(), text.end(), '\0', '\x7f');
    return text;
}

bool fill_records(SPF_dns_rr_t* rr, ns_type rr_type, const dns::Answer& a) {
    int n = 0;
    auto slot_for = [&](std::size_t len) { return SPF_dns_rr_buf_realloc(rr, n, len) == SPF_E_SUCCESS; };
    switch (rr_type) {
    case ns_t_a:
    case ns_t_aaaa:
        for (const auto& addr : a.addresses) {
            bool v4 = rr_type == ns_t_a;
            if (addr.v4 != v4) continue;
            if (!slot_for(v4 ? sizeof(in_addr) : sizeof(in6_addr))) return false;
            if (v4) std::memcpy(&rr->rr[n]->a, addr.bytes.data(), sizeof(in_addr));
            else std::memcpy(&rr->rr[n]->aaaa, addr.bytes.data(), sizeof(in6_addr));
            rr->num_rr = ++n;
        }
        return true;
    case ns_t_txt:
        for (const auto& t : a.texts) {
            std::string s = txt_for_libspf2(t);
            if (!slot_for(s.size() + 1)) return false;
            std::memcpy(rr->rr[n]->txt, s.c_str(), s.size() + 1);
            rr->num_rr = ++n;
        }
        return true;
    case ns_t_mx:
        for (const auto& mx : a.mx) {
            if (!slot_for(mx.host.size() + 1)) return false;
            std::memcpy(rr->rr[n]->mx, mx.host.c_str(), mx.host.size() + 1);
            rr->num_rr = ++n;
        }
        return true;
    case ns_t_ptr:
        for (const auto& name : a.names) {
            if (!slot_for(name.size() + 1)) return false;
            std::memcpy(rr->rr[n]->ptr, name.c_str(), name.size() + 1);
            rr->num_rr = ++n;
        }
        return true;
    default:
        return true;
    }
}

SPF_dns_rr_t* layer_lookup_impl(SPF_dns_server_t* layer, const char* domain_c, ns_type rr_type) {
    auto* slot = static_cast<Libspf2Engine::Slot*>(layer->hook);
    std::string domain = domain_c ? domain_c : "";
    auto make = [&](SPF_dns_stat_t herrno) {
        return RrPtr(SPF_dns_rr_new_init(layer, domain.c_str(), rr_type, 0, herrno));
    };
    dns::Type type;
    switch (rr_type) {
    case ns_t_a: type = dns::Type::A; break;
    case ns_t_aaaa: type = dns::Type::AAAA; break;
    case ns_t_txt: type = dns::Type::TXT; break;
    case ns_t_mx: type = dns::Type::MX; break;
    case ns_t_ptr: type = dns::Type::PTR; break;
    default:
        // Type SPF (99) is obsolete and must not be queried (RFC 7208 §3.1,
        // §14.1): "no data" sends libspf2 on to TXT at once.
        return make(NO_DATA).release();
    }
    dns::Answer answer = slot->resolver->query(domain, type);
    switch (answer.status) {
    case dns::Status::nxdomain: return make(HOST_NOT_FOUND).release();
    case dns::Status::temporary:
        slot->dns_temporary = true;
        slot->dns_problem = "DNS " + printable(domain, 300) + ": " + answer.error;
        return make(TRY_AGAIN).release();
    case dns::Status::ok: break;
    }
    auto rr = make(NETDB_SUCCESS);
    if (!rr) return nullptr;
    if (!fill_records(rr.get(), rr_type, answer)) {
        slot->dns_temporary = true;
        slot->dns_problem = "out of memory building a libspf2 DNS answer";
        rr->num_rr = 0;
        rr->herrno = TRY_AGAIN;
    } else if (rr->num_rr == 0) {
        rr->herrno = NO_DATA;
    }
    return rr.release();
}

// The SPF_dns_lookup_t of our layer: never NULL (libspf2 aborts on NULL),
// never throws into libspf2.
SPF_dns_rr_t* layer_lookup(SPF_dns_server_t* layer, const char* domain, ns_type rr_type, int /*should_cache*/) {
    try {
        if (auto* rr = layer_lookup_impl(layer, domain, rr_type)) return rr;
    } catch (const std::exception& e) {
        auto* slot = static_cast<Libspf2Engine::Slot*>(layer->hook);
        slot->dns_temporary = true;
        slot->dns_problem = std::string("DNS lookup failed: ") + e.what();
    }
    return SPF_dns_rr_new_init(layer, domain, rr_type, 0, TRY_AGAIN);
}

// ---- request checks (RFC 7208 §4.3) ----------------------------------------

// A multi-label domain with labels of 1..63 octets, at most 253 octets
// (one trailing dot tolerated), whose last label is not all digits (an
// address is not a domain).
bool valid_domain(std::string_view d) {
    if (!d.empty() && d.back() == '.') d.remove_suffix(1);
    if (d.empty() || d.size() > 253) return false;
    std::size_t labels = 0, start = 0;
    for (;;) {
        auto dot = d.find('.', start);
        auto label = d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty() || label.size() > 63) return false;
        ++labels;
        if (dot == std::string_view::npos) {
            bool numeric = std::all_of(label.begin(), label.end(), [](char c) { return c >= '0' && c <= '9'; });
            return labels >= 2 && !numeric;
        }
        start = dot + 1;
    }
}

struct ClientAddress {
    bool v4 = true;
    in_addr a4{};
    in6_addr a6{};
};

// IPv4 or IPv6 text; ::ffff:a.b.c.d is unmapped to IPv4 (libspf2 would
// otherwise match it against ip6 mechanisms only).
std::optional<ClientAddress> parse_client(const std::string& ip) {
    ClientAddress c;
    if (inet_pton(AF_INET, ip.c_str(), &c.a4) == 1) return c;
    if (inet_pton(AF_INET6, ip.c_str(), &c.a6) != 1) return std::nullopt;
    if (IN6_IS_ADDR_V4MAPPED(&c.a6)) {
        std::memcpy(&c.a4, &c.a6.s6_addr[12], 4);
        return c;
    }
    c.v4 = false;
    return c;
}

std::string strip_brackets(std::string s) {
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
    return s;
}

Result map_result(SPF_result_t r) {
    switch (r) {
    case SPF_RESULT_PASS: return Result::pass;
    case SPF_RESULT_FAIL: return Result::fail;
    case SPF_RESULT_SOFTFAIL: return Result::softfail;
    case SPF_RESULT_NEUTRAL: return Result::neutral;
    case SPF_RESULT_NONE: return Result::none;
    case SPF_RESULT_TEMPERROR: return Result::temperror;
    case SPF_RESULT_PERMERROR: return Result::permerror;
    case SPF_RESULT_INVALID: break;
    }
    return Result::permerror;
}

// The last error message libspf2 recorded (compile errors and the like).
std::string last_error(SPF_response_t* resp, bool* has_real_error) {
    std::string text;
    *has_real_error = false;
    for (int i = 0; i < SPF_response_messages(resp); ++i) {
        SPF_error_t* e = SPF_response_message(resp, i);
        if (!e || !SPF_error_errorp(e)) continue;
        const char* m = SPF_error_message(e);
        text = m ? m : SPF_strerror(SPF_error_code(e));
        if (SPF_error_code(e) != SPF_E_NOT_SPF) *has_real_error = true;
    }
    return text;
}

}  // namespace

// ---- the engine -------------------------------------------------------------

Libspf2Engine::Libspf2Engine(dns::Resolver& resolver) : resolver_(resolver) { install_log_handlers(); }

Libspf2Engine::~Libspf2Engine() = default;

std::unique_ptr<Libspf2Engine::Slot> Libspf2Engine::acquire() {
    {
        std::lock_guard lock(mu_);
        if (!idle_.empty()) {
            auto s = std::move(idle_.back());
            idle_.pop_back();
            return s;
        }
    }
    auto s = std::make_unique<Slot>();
    s->resolver = &resolver_;
    s->layer.destroy = nullptr;  // owned by the Slot, not by libspf2
    s->layer.lookup = layer_lookup;
    s->layer.name = "sendwarden";
    s->layer.hook = s.get();
    s->server.reset(SPF_server_new_dns(&s->layer, 0));
    if (!s->server) return nullptr;
    // No default explanation (libspf2's points at openspf.org): a fail
    // carries the domain's exp= text or nothing.
    SPF_response_t* raw = nullptr;
    SPF_errcode_t err = SPF_server_set_explanation(s->server.get(), "", &raw);
    ResponsePtr discard(raw);
    if (err != SPF_E_SUCCESS) msg_warn("libspf2: cannot clear the default explanation: %s", SPF_strerror(err));
    return s;
}

void Libspf2Engine::release(std::unique_ptr<Slot> slot) {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(slot));
}

namespace {

// A libspf2 request for one check. A null sender (empty `mail_from`) makes
// libspf2 check postmaster@HELO, the HELO identity (RFC 7208 §2.3).
RequestPtr make_request(SPF_server_t* server, const ClientAddress& client, const std::string& mail_from,
                        const std::string& helo) {
    RequestPtr req(SPF_request_new(server));
    if (!req) return req;
    if (client.v4) SPF_request_set_ipv4(req.get(), client.a4);
    else SPF_request_set_ipv6(req.get(), client.a6);
    if (mail_from.empty()) {
        SPF_request_set_helo_dom(req.get(), helo.c_str());
    } else {
        SPF_request_set_env_from(req.get(), mail_from.c_str());
        SPF_request_set_helo_dom(req.get(), helo.empty() ? "unknown" : helo.c_str());
    }
    return req;
}

// libspf2's response -> result, explanation, mechanism, problem.
void read_response(SPF_response_t* resp, SPF_errcode_t err, const Libspf2Engine::Slot& slot, Verdict& v) {
    SPF_result_t r = SPF_response_result(resp);
    bool compile_error = false;
    std::string message = last_error(resp, &compile_error);
    v.result = map_result(r);
    if (r == SPF_RESULT_INVALID) {
        // libspf2 gives no result when it found no usable record: a DNS
        // failure (temperror), a record it could not compile (permerror),
        // or TXT records none of which is SPF (none, RFC 7208 §4.5).
        if (slot.dns_temporary || err == SPF_E_DNS_ERROR) v.result = Result::temperror;
        else if (compile_error) v.result = Result::permerror;
        else v.result = Result::none;
    }
    if (v.result == Result::fail) {
        // Third-party text bound for SMTP replies and headers: printable only.
        if (const char* exp = SPF_response_get_explanation(resp)) v.explanation = printable(exp, 1000);
    }
    switch (SPF_response_reason(resp)) {
    case SPF_REASON_DEFAULT: v.mechanism = "default"; break;
    case SPF_REASON_LOCALHOST: v.mechanism = "localhost"; break;
    default: break;  // libspf2 does not say which term matched
    }
    if (v.result == Result::temperror || v.result == Result::permerror) {
        if (v.result == Result::temperror && !slot.dns_problem.empty()) v.problem = slot.dns_problem;
        else if (!message.empty()) v.problem = message;
        else v.problem = SPF_strerror(SPF_response_errcode(resp));
    }
}

}  // namespace

Verdict Libspf2Engine::check(const Request& request) try {
    Verdict v;
    std::string mail_from = strip_brackets(request.mail_from);
    bool null_sender = mail_from.empty();
    v.identity = null_sender ? "helo" : "mailfrom";
    std::string identity_domain = null_sender ? request.helo : mail_from.substr(mail_from.rfind('@') + 1);
    v.domain = identity_domain;

    auto client = parse_client(request.ip);
    if (!client) {
        v.result = Result::none;
        v.problem = "client address '" + printable(request.ip, 100) + "' is not an IP address";
        return v;
    }
    if (!valid_domain(identity_domain)) {
        // RFC 7208 §4.3: a malformed or single-label domain is "none".
        v.result = Result::none;
        v.problem = (null_sender ? "HELO name '" : "sender domain '") + printable(identity_domain, 300) +
                    "' is not a domain";
        return v;
    }

    auto slot = acquire();
    if (!slot) {
        v.result = Result::temperror;
        v.problem = "libspf2: cannot create a server (out of memory)";
        return v;
    }
    struct Return {  // the slot goes back to the pool however check() ends
        Libspf2Engine* self;
        std::unique_ptr<Slot>& slot;
        ~Return() { self->release(std::move(slot)); }
    } give_back{this, slot};
    slot->reset();
    SPF_server_t* server = slot->server.get();
    SPF_server_set_rec_dom(server, request.receiver.empty() ? "unknown" : request.receiver.c_str());

    RequestPtr req =
        make_request(server, *client, null_sender ? "" : mail_from, null_sender ? identity_domain : request.helo);
    if (!req) {
        v.result = Result::temperror;
        v.problem = "libspf2: out of memory";
        return v;
    }

    SPF_response_t* raw = nullptr;
    SPF_errcode_t err = SPF_request_query_mailfrom(req.get(), &raw);
    ResponsePtr resp(raw);
    if (!resp) {
        v.result = Result::temperror;
        v.problem = "libspf2: out of memory";
        return v;
    }
    read_response(resp.get(), err, *slot, v);
    return v;
} catch (const std::exception& e) {
    Verdict v;
    v.result = Result::temperror;
    v.problem = std::string("internal error: ") + e.what();
    return v;
}

}  // namespace sw::spf
