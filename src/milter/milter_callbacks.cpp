// libmilter callbacks (extern "C" entry points) of sendwarden-milter. Each one
// goes through guarded(): exceptions are caught and logged once, the
// session's on_error answer returned. The MilterSession is created at
// connect, handed to libmilter with smfi_setpriv (release) and taken back
// into a unique_ptr at close, which libmilter calls for every connection,
// aborted or timed out ones included (libmilter engine.c).
// Protocol options negotiated: no replies for HELO, headers, end of headers
// and body chunks (fewer round trips), no RCPT/DATA/unknown events.
#include "milter/milter_callbacks.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>

#include "core/log/msg.hpp"
#include "milter/milter_session.hpp"

namespace sw::milter {
namespace {

MilterRuntime* g_runtime = nullptr;

MilterSession* session_of(SMFICTX* ctx) { return static_cast<MilterSession*>(smfi_getpriv(ctx)); }

std::string macro(SMFICTX* ctx, const char* name) {
    const char* v = smfi_getsymval(ctx, const_cast<char*>(name));
    return v ? std::string(v) : std::string();
}

std::string address_text(const sockaddr* sa) {
    if (!sa) return {};
    char buf[INET6_ADDRSTRLEN] = {};
    if (sa->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
        if (inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf)) return buf;
    } else if (sa->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            if (inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], buf, sizeof buf)) return buf;
        } else if (inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf)) {
            return buf;
        }
    }
    return {};
}

sfsistat apply(SMFICTX* ctx, const Answer& a) {
    switch (a.verdict) {
    case Verdict::Continue: return SMFIS_CONTINUE;
    case Verdict::Accept: return SMFIS_ACCEPT;
    case Verdict::Reject:
    case Verdict::Tempfail:
        if (!a.rcode.empty())
            smfi_setreply(ctx, const_cast<char*>(a.rcode.c_str()), const_cast<char*>(a.xcode.c_str()),
                          const_cast<char*>(a.text.c_str()));
        return a.verdict == Verdict::Reject ? SMFIS_REJECT : SMFIS_TEMPFAIL;
    }
    return SMFIS_CONTINUE;
}

// Runs `fn` for the session of `ctx`; exceptions become the on_error answer.
template <typename Fn>
sfsistat guarded(SMFICTX* ctx, const char* step, sfsistat no_session, Fn&& fn) {
    MilterSession* s = session_of(ctx);
    if (!s) return no_session;
    try {
        return fn(*s);
    } catch (const std::exception& e) {
        msg_error("%s: %s: internal error: %s; client=%s", macro(ctx, "i").c_str(), step, e.what(),
                  s->client_addr().c_str());
        return apply(ctx, s->on_error());
    }
}

extern "C" {

sfsistat sw_connect(SMFICTX* ctx, char* hostname, _SOCK_ADDR* hostaddr) {
    try {
        auto session = std::make_unique<MilterSession>(*g_runtime, hostname ? hostname : "unknown",
                                                       address_text(hostaddr));
        Answer a = session->connect();
        smfi_setpriv(ctx, session.release());
        return apply(ctx, a);
    } catch (const std::exception& e) {
        msg_error("connect: internal error: %s", e.what());
        return SMFIS_TEMPFAIL;
    }
}

sfsistat sw_helo(SMFICTX* ctx, char* name) {
    return guarded(ctx, "helo", SMFIS_NOREPLY, [&](MilterSession& s) {
        s.helo(name ? name : "");
        return SMFIS_NOREPLY;
    });
}

sfsistat sw_envfrom(SMFICTX* ctx, char** argv) {
    return guarded(ctx, "mail", SMFIS_CONTINUE, [&](MilterSession& s) {
        return apply(ctx, s.mail_from(argv && argv[0] ? argv[0] : "", macro(ctx, "{auth_authen}")));
    });
}

sfsistat sw_header(SMFICTX* ctx, char* name, char* value) {
    return guarded(ctx, "header", SMFIS_NOREPLY, [&](MilterSession& s) {
        s.header(name ? name : "", value ? value : "");
        return SMFIS_NOREPLY;
    });
}

sfsistat sw_eoh(SMFICTX* ctx) {
    return guarded(ctx, "eoh", SMFIS_NOREPLY, [&](MilterSession& s) {
        s.end_of_headers(macro(ctx, "i"));
        return SMFIS_NOREPLY;
    });
}

sfsistat sw_body(SMFICTX* ctx, unsigned char* data, size_t len) {
    return guarded(ctx, "body", SMFIS_NOREPLY, [&](MilterSession& s) {
        s.body(data, len);
        return SMFIS_NOREPLY;
    });
}

sfsistat sw_eom(SMFICTX* ctx) {
    return guarded(ctx, "eom", SMFIS_CONTINUE, [&](MilterSession& s) {
        EomResult r = s.end_of_message(macro(ctx, "i"));
        for (const auto& e : r.edits) {
            int rc = e.insert ? smfi_insheader(ctx, 0, const_cast<char*>(e.name.c_str()),
                                               const_cast<char*>(e.value.c_str()))
                              : smfi_chgheader(ctx, const_cast<char*>(e.name.c_str()), e.index, nullptr);
            if (rc != MI_SUCCESS) {
                msg_error("%s: could not %s header %s", macro(ctx, "i").c_str(), e.insert ? "add" : "remove",
                          e.name.c_str());
                return apply(ctx, s.on_error());
            }
        }
        return apply(ctx, r.answer);
    });
}

sfsistat sw_abort(SMFICTX* ctx) {
    return guarded(ctx, "abort", SMFIS_CONTINUE, [&](MilterSession& s) {
        s.abort();
        return SMFIS_CONTINUE;
    });
}

sfsistat sw_close(SMFICTX* ctx) {
    std::unique_ptr<MilterSession> session(session_of(ctx));
    smfi_setpriv(ctx, nullptr);
    return SMFIS_CONTINUE;  // the session (and its cap slots) ends here
}

sfsistat sw_negotiate(SMFICTX*, unsigned long f0, unsigned long f1, unsigned long, unsigned long,
                      unsigned long* pf0, unsigned long* pf1, unsigned long* pf2, unsigned long* pf3) {
    const unsigned long want_actions = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
    if ((f0 & want_actions) != want_actions) {
        msg_error("the MTA does not allow adding and changing headers; check milter_protocol (6)");
        return SMFIS_REJECT;
    }
    *pf0 = want_actions;
    // The no-reply bits are asked for whatever the MTA offers: where it lacks
    // one, libmilter answers "continue" in our place (its sendreply()).
    const unsigned long no_reply = SMFIP_NR_HELO | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY;
    const unsigned long skip_events = SMFIP_NORCPT | SMFIP_NODATA | SMFIP_NOUNKNOWN;
    *pf1 = no_reply | (f1 & skip_events);
    *pf2 = 0;
    *pf3 = 0;
    return SMFIS_CONTINUE;
}

}  // extern "C"

}  // namespace

void install_runtime(MilterRuntime* runtime) { g_runtime = runtime; }

smfiDesc milter_description() {
    smfiDesc d{};
    d.xxfi_name = const_cast<char*>("sendwarden");
    d.xxfi_version = SMFI_VERSION;
    d.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
    d.xxfi_connect = sw_connect;
    d.xxfi_helo = sw_helo;
    d.xxfi_envfrom = sw_envfrom;
    d.xxfi_header = sw_header;
    d.xxfi_eoh = sw_eoh;
    d.xxfi_body = sw_body;
    d.xxfi_eom = sw_eom;
    d.xxfi_abort = sw_abort;
    d.xxfi_close = sw_close;
    d.xxfi_negotiate = sw_negotiate;
    return d;
}

}  // namespace sw::milter
