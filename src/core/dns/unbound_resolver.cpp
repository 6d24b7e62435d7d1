// UnboundResolver (see unbound_resolver.hpp). How a query runs:
//   query() registers a Pending (shared_ptr held by the registry), calls
//   ub_resolve_async() with the Pending as callback data, and waits on the
//   Pending's condition variable until the deadline. libunbound's own
//   thread resolves; the dispatcher thread polls ub_fd() and runs
//   ub_process(), which calls on_answer() for finished queries; on_answer()
//   parses the result, stores it, drops the registry entry and notifies.
//   On timeout the caller ub_cancel()s: if that succeeds no callback will
//   come and the caller drops the entry; if not, the answer is already on
//   its way and on_answer() drops it. A Pending therefore lives until the
//   last party that can touch it is done.
// libunbound answers the private and documentation zones itself (RFC 6303,
// RFC 6761); they are forwarded instead so tests can serve them. Each is
// declared an empty "transparent" local zone, which replaces the built-in
// one: "local-zone: Z nodefault" given through ub_ctx_set_option() is
// accepted but has no effect in libunbound 1.17 (test. stayed local).
#include "core/dns/unbound_resolver.hpp"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unbound.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/dns/rdata.hpp"
#include "core/log/msg.hpp"
#include "core/util/strings.hpp"

namespace sw::dns {
namespace {

struct UbCtxDelete {
    void operator()(ub_ctx* c) const noexcept { ub_ctx_delete(c); }
};
using UbCtxPtr = std::unique_ptr<ub_ctx, UbCtxDelete>;

struct UbResultDelete {
    void operator()(ub_result* r) const noexcept { ub_resolve_free(r); }
};
using UbResultPtr = std::unique_ptr<ub_result, UbResultDelete>;

// The dispatcher's wake-up descriptor (eventfd), closed on destruction.
class WakeFd {
public:
    WakeFd() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
    ~WakeFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    WakeFd(const WakeFd&) = delete;
    WakeFd& operator=(const WakeFd&) = delete;
    int get() const noexcept { return fd_; }
    void signal() const noexcept {
        std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
    }

private:
    int fd_;
};

const char* type_name(Type t) {
    switch (t) {
    case Type::A: return "A";
    case Type::CNAME: return "CNAME";
    case Type::PTR: return "PTR";
    case Type::MX: return "MX";
    case Type::TXT: return "TXT";
    case Type::AAAA: return "AAAA";
    case Type::SPF: return "SPF";
    }
    return "?";
}

Answer temporary(std::string why) {
    Answer a;
    a.status = Status::temporary;
    a.error = std::move(why);
    return a;
}

// The zones libunbound 1.17 serves itself unless told not to: RFC 6761/7686
// names and the AS112 reverse zones (RFC 6303, RFC 6598, RFC 5737, RFC 3849;
// unbound's util/as112.c). localhost and its reverse zones stay local.
std::vector<std::string> forwarded_special_zones() {
    std::vector<std::string> z = {"test.", "invalid.", "onion.", "home.arpa.", "resolver.arpa.", "service.arpa.",
                                  "10.in-addr.arpa.", "168.192.in-addr.arpa.", "0.in-addr.arpa.",
                                  "254.169.in-addr.arpa.", "2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.",
                                  "113.0.203.in-addr.arpa.", "255.255.255.255.in-addr.arpa.", "d.f.ip6.arpa.",
                                  "8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.", "b.e.f.ip6.arpa.",
                                  "8.b.d.0.1.0.0.2.ip6.arpa."};
    for (int i = 16; i <= 31; ++i) z.push_back(std::to_string(i) + ".172.in-addr.arpa.");
    for (int i = 64; i <= 127; ++i) z.push_back(std::to_string(i) + ".100.in-addr.arpa.");
    std::string unspecified;
    for (int i = 0; i < 32; ++i) unspecified += "0.";
    z.push_back(unspecified + "ip6.arpa.");
    return z;
}

// A query name libunbound can take: at most 253 octets without the
// trailing dot, labels of 1..63 octets (escapes counted as written, which
// only makes the check stricter).
bool plausible_name(std::string_view name) {
    if (name.empty() || name.size() > 253) return false;
    std::size_t label = 0;
    for (char c : name) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
        } else if (++label > 63) {
            return false;
        }
    }
    return label > 0;
}

}  // namespace

struct Pending {
    std::condition_variable cv;
    bool done = false;
    Answer answer;
    UnboundResolver::Impl* owner = nullptr;
};

struct UnboundResolver::Impl {
    UbCtxPtr ctx;
    Micros timeout = 0;
    WakeFd wake;
    std::thread dispatcher;

    std::mutex mu;
    std::unordered_map<Pending*, std::shared_ptr<Pending>> registry;  // guarded by mu

    void run_dispatcher();
    static void on_answer(void* data, int err, ub_result* result);
};

namespace {

Answer answer_from(int err, ub_result* r) {
    if (err != 0) return temporary(std::string("resolver error: ") + ub_strerror(err));
    if (!r) return temporary("resolver error: no result");
    if (r->bogus) return temporary(std::string("DNSSEC validation failed: ") + (r->why_bogus ? r->why_bogus : "bogus"));
    switch (r->rcode) {
    case 0: break;
    case 2: return temporary("SERVFAIL");
    case 3: {
        Answer a;
        a.status = Status::nxdomain;
        return a;
    }
    case 5: return temporary("REFUSED");
    default: return temporary("DNS rcode " + std::to_string(r->rcode));
    }
    Answer a;  // NOERROR; no data is NODATA
    if (!r->havedata || !r->data) return a;
    auto type = static_cast<Type>(r->qtype);
    for (int i = 0; r->data[i] != nullptr; ++i) {
        if (r->len[i] < 0) continue;
        Rdata rd(reinterpret_cast<const std::uint8_t*>(r->data[i]), static_cast<std::size_t>(r->len[i]));
        if (!add_rdata(type, rd, a))
            msg_warn("dns: malformed %s record for %s ignored", type_name(type),
                     printable(r->qname ? r->qname : "?", 300).c_str());
    }
    return a;
}

}  // namespace

void UnboundResolver::Impl::on_answer(void* data, int err, ub_result* result) {
    UbResultPtr owned(result);
    auto* p = static_cast<Pending*>(data);
    // By the registry invariant *p is alive: nobody else drops it while a
    // callback can still come.
    Answer a = answer_from(err, owned.get());
    Impl* self = p->owner;
    std::shared_ptr<Pending> keep;
    {
        std::lock_guard lock(self->mu);
        auto it = self->registry.find(p);
        if (it == self->registry.end()) return;  // cannot happen; be safe
        keep = std::move(it->second);
        self->registry.erase(it);
        p->answer = std::move(a);
        p->done = true;
        p->cv.notify_one();
    }
}

void UnboundResolver::Impl::run_dispatcher() {
    for (;;) {
        pollfd fds[2] = {{ub_fd(ctx.get()), POLLIN, 0}, {wake.get(), POLLIN, 0}};
        int n = ::poll(fds, 2, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            msg_error("dns: poll: %s", std::strerror(errno));
            return;
        }
        if (fds[1].revents) return;  // shutting down
        if (fds[0].revents) {
            int rc = ub_process(ctx.get());
            if (rc != 0) {
                msg_error("dns: ub_process: %s", ub_strerror(rc));
                return;
            }
        }
    }
}

Result<std::string> forwarder_to_unbound(std::string_view fwd) {
    std::string host;
    std::string_view port_text;
    if (!fwd.empty() && fwd.front() == '[') {
        auto close = fwd.find(']');
        if (close == std::string_view::npos) return fail("'" + std::string(fwd) + "': missing ']'");
        host = std::string(fwd.substr(1, close - 1));
        auto rest = fwd.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return fail("'" + std::string(fwd) + "': expected ':PORT' after ']'");
            port_text = rest.substr(1);
            if (port_text.empty()) return fail("'" + std::string(fwd) + "': empty port");
        }
    } else if (std::count(fwd.begin(), fwd.end(), ':') == 1) {
        auto colon = fwd.find(':');
        host = std::string(fwd.substr(0, colon));
        port_text = fwd.substr(colon + 1);
        if (port_text.empty()) return fail("'" + std::string(fwd) + "': empty port");
    } else {
        host = std::string(fwd);  // bare IPv4 or IPv6 address
    }
    unsigned char buf[16];
    if (inet_pton(AF_INET, host.c_str(), buf) != 1 && inet_pton(AF_INET6, host.c_str(), buf) != 1)
        return fail("'" + std::string(fwd) + "': '" + host + "' is not an IP address (HOST:PORT or [IPv6]:PORT)");
    std::uint64_t port = 53;
    if (!port_text.empty()) {
        auto p = parse_uint(port_text);
        if (!p || *p == 0 || *p > 65535) return fail("'" + std::string(fwd) + "': bad port");
        port = *p;
    }
    return host + "@" + std::to_string(port);
}

Result<std::unique_ptr<UnboundResolver>> UnboundResolver::create(const UnboundOptions& options) {
    if (options.timeout <= 0) return fail("dns timeout must be positive");
    auto impl = std::make_unique<Impl>();
    impl->timeout = options.timeout;
    if (impl->wake.get() < 0) return fail(std::string("eventfd: ") + std::strerror(errno));
    impl->ctx.reset(ub_ctx_create());
    if (!impl->ctx) return fail("ub_ctx_create failed");
    ub_ctx* ctx = impl->ctx.get();

    auto check = [](int rc, const std::string& what) -> Result<void> {
        if (rc != 0) return fail(what + ": " + ub_strerror(rc));
        return {};
    };
    std::vector<std::pair<const char*, std::string>> opts = {
        {"do-not-query-localhost:", "no"},
        {"unblock-lan-zones:", "yes"},
        {"insecure-lan-zones:", "yes"},
        {"verbosity:", "0"},
    };
    for (const auto& zone : forwarded_special_zones()) opts.emplace_back("local-zone:", zone + " transparent");
    for (const auto& [opt, val] : opts) {
        if (auto r = check(ub_ctx_set_option(ctx, opt, val.c_str()), std::string("option ") + opt + " " + val); !r)
            return fail(r.error());
    }
    if (options.forwarder.empty()) {
        if (auto r = check(ub_ctx_resolvconf(ctx, nullptr), "reading /etc/resolv.conf"); !r) return fail(r.error());
    } else {
        auto addr = forwarder_to_unbound(options.forwarder);
        if (!addr) return fail("dns server " + addr.error());
        if (auto r = check(ub_ctx_set_fwd(ctx, addr->c_str()), "dns server " + options.forwarder); !r)
            return fail(r.error());
    }
    if (!options.trust_anchor_file.empty()) {
        // libunbound reads the file only at the first query; fail here instead.
        if (::access(options.trust_anchor_file.c_str(), R_OK) != 0)
            return fail("trust anchor " + options.trust_anchor_file + ": " + std::strerror(errno));
        if (auto r = check(ub_ctx_add_ta_file(ctx, options.trust_anchor_file.c_str()),
                           "trust anchor " + options.trust_anchor_file);
            !r)
            return fail(r.error());
    }
    // Threaded async mode: libunbound resolves in its own thread (not a
    // forked process), answers are read from ub_fd() by our dispatcher.
    if (auto r = check(ub_ctx_async(ctx, 1), "threaded mode"); !r) return fail(r.error());

    Impl* raw = impl.get();
    try {
        impl->dispatcher = std::thread([raw] { raw->run_dispatcher(); });
    } catch (const std::system_error& e) {
        return fail(std::string("dns dispatcher thread: ") + e.what());
    }
    return std::make_unique<UnboundResolver>(std::move(impl));
}

UnboundResolver::UnboundResolver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

UnboundResolver::~UnboundResolver() {
    impl_->wake.signal();
    if (impl_->dispatcher.joinable()) impl_->dispatcher.join();
    // ub_ctx_delete (impl_->ctx) stops libunbound's thread; queries still
    // outstanding (only possible after timeouts) are discarded with it.
}

Answer UnboundResolver::query(std::string_view name_in, Type type) {
    std::string_view name = name_in;
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (!plausible_name(name)) {
        Answer a;
        a.status = Status::nxdomain;  // no such name can exist in the DNS
        a.error = "invalid domain name";
        return a;
    }
    std::string qname(name);
    Impl& im = *impl_;
    auto p = std::make_shared<Pending>();
    p->owner = &im;
    {
        std::lock_guard lock(im.mu);
        im.registry.emplace(p.get(), p);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(im.timeout);
    int async_id = 0;
    int rc = ub_resolve_async(im.ctx.get(), qname.c_str(), static_cast<int>(type), 1 /* IN */, p.get(),
                              &Impl::on_answer, &async_id);
    std::unique_lock lock(im.mu);
    if (rc != 0) {
        im.registry.erase(p.get());
        return temporary(std::string("resolver error: ") + ub_strerror(rc));
    }
    if (p->cv.wait_until(lock, deadline, [&] { return p->done; })) return std::move(p->answer);

    lock.unlock();
    int cancelled = ub_cancel(im.ctx.get(), async_id);
    lock.lock();
    if (p->done) return std::move(p->answer);  // arrived while cancelling
    if (cancelled == 0) im.registry.erase(p.get());
    // else: the answer is being delivered; on_answer() drops the entry.
    return temporary("timeout after " + format_duration(im.timeout) + " for " + printable(qname, 300) + "/" +
                     type_name(type));
}

}  // namespace sw::dns
