// PolicyServer and its connections; see policy_server.hpp. Per connection:
// read, frame requests, decide each, answer with one write, read again.
// Untrusted input never throws out of here; a bad request gets on_error (or a
// close) and the connection goes on when the stream is still in sync.
#include "policyd/policy_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/log/msg.hpp"
#include "core/util/strings.hpp"
#include "core/util/unix_socket_path.hpp"

namespace asio = boost::asio;
using asio::generic::stream_protocol;

namespace sw::policyd {

Result<ListenSpec> parse_listen(const std::string& text) {
    ListenSpec s;
    s.text = text;
    if (text.rfind("unix:", 0) == 0) {
        s.path = text.substr(5);
        if (s.path.empty() || s.path[0] != '/') return fail("listen = " + text + ": unix socket path must be absolute");
        if (s.path.size() >= sizeof(sockaddr_un::sun_path))
            return fail("listen = " + text + ": unix socket path too long");
        return s;
    }
    if (text.rfind("inet:", 0) == 0) {
        s.unix_socket = false;
        std::string rest = text.substr(5);
        auto colon = rest.rfind(':');
        if (colon == std::string::npos || colon + 1 == rest.size())
            return fail("listen = " + text + ": expected inet:HOST:PORT");
        s.host = rest.substr(0, colon);
        s.port = rest.substr(colon + 1);
        if (s.host.size() > 2 && s.host.front() == '[' && s.host.back() == ']') s.host = s.host.substr(1, s.host.size() - 2);
        return s;
    }
    return fail("listen = " + text + ": expected unix:PATH or inet:HOST:PORT");
}

struct PolicyServer::Listener {
    ListenSpec spec;
    std::unique_ptr<asio::local::stream_protocol::acceptor> unix_acceptor;
    std::unique_ptr<asio::ip::tcp::acceptor> tcp_acceptor;
    asio::steady_timer retry;
    std::chrono::steady_clock::time_point last_error_log{};
    std::uint64_t accept_errors = 0;
    explicit Listener(asio::io_context& io) : retry(io) {}
};

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(PolicyServer& server, stream_protocol::socket sock, std::string peer)
        : server_(server), sock_(std::move(sock)), peer_(std::move(peer)) {
        touch();
    }
    ~Connection() {
        if (!detached_) server_.forget(this);
    }

    // The server is going away before this connection (whose aborted
    // handlers the io_context destroys later): never reach back into it.
    void detach() { detached_ = true; }

    void start() { read(); }

    void close() {
        boost::system::error_code ec;
        sock_.shutdown(stream_protocol::socket::shutdown_both, ec);
        sock_.close(ec);
    }

    // Called by the sweep: closes the connection if its deadline passed.
    void check_deadline(std::chrono::steady_clock::time_point now) {
        if (!sock_.is_open()) return;
        const auto& cfg = *server_.decider_.policy().config;
        if (writing_) {
            // A client that does not read its replies: nothing is read from
            // it meanwhile, so without this it would never be closed.
            if (now - write_started_ < std::chrono::microseconds(cfg.policyd_request_timeout)) return;
            msg_warn("%s: reply not read within %llds: closing", peer_.c_str(),
                     static_cast<long long>(cfg.policyd_request_timeout / kMicrosPerSecond));
            close();
            return;
        }
        bool mid_request = buf_.size() > 0 || discarding_;
        // A started request must be complete within request_timeout however
        // its bytes trickle in; an idle connection counts from its last byte.
        auto since = mid_request ? request_started_ : last_activity_;
        auto limit = std::chrono::microseconds(mid_request ? cfg.policyd_request_timeout : cfg.policyd_idle_timeout);
        if (now - since < limit) return;
        if (mid_request)
            msg_warn("%s: request not completed within %llds: closing", peer_.c_str(),
                     static_cast<long long>(cfg.policyd_request_timeout / kMicrosPerSecond));
        close();
    }

private:
    void touch() { last_activity_ = std::chrono::steady_clock::now(); }

    // async_read_some, not async_wait + read: Asio then reads
    // speculatively and needs no epoll_ctl per request. The buffer is small
    // (a Postfix request is well under 2 KB) so idle connections stay cheap;
    // larger requests arrive over several reads.
    void read() {
        auto self = shared_from_this();
        sock_.async_read_some(asio::buffer(chunk_), [this, self](boost::system::error_code ec, std::size_t n) {
            if (ec) return;  // EOF, closed by us, or an error: the connection ends
            touch();
            on_data(std::string_view(chunk_.data(), n));
        });
    }

    void on_data(std::string_view data) {
        const auto& cfg = *server_.decider_.policy().config;
        out_.clear();
        if (buf_.empty() && !discarding_) request_started_ = last_activity_;
        bool completed = false;  // a request ended in this read: what follows started now
        if (discarding_) {
            data = skip_discarded(data);
            completed = !discarding_;
        }
        // Usually a whole request arrives in one read: parse it where it
        // lies and copy only an unfinished tail into buf_.
        bool direct = buf_.empty();
        if (!direct) buf_.append(data);
        std::string_view view = direct ? data : std::string_view(buf_);
        std::size_t pos = 0;
        bool keep_open = true;
        while (keep_open) {
            std::string_view rest = view.substr(pos);
            std::size_t consumed = 0;
            auto end = find_request_end(rest, scan_from_, consumed);
            if (!end) {
                if (rest.size() > cfg.policyd_max_request_size) {
                    // Too large: drop it and the rest of it as it arrives;
                    // answer on_error once it ends, keeping the stream in sync.
                    pending_reply_ = server_.decider_.on_bad_request(peer_, too_large(cfg));
                    if (pending_reply_.empty()) keep_open = false;
                    discarding_ = true;
                    last_was_newline_ = rest.back() == '\n';
                    pos = view.size();
                    scan_from_ = 0;
                }
                break;
            }
            std::string_view block = rest.substr(0, *end);
            PolicyRequest req;
            if (consumed > cfg.policyd_max_request_size) {
                // Complete but too large: its end came in the same read
                // that took it over the limit.
                keep_open = reply_bad(too_large(cfg));
            } else if (auto err = parse_request(block, {cfg.policyd_max_attributes}, req)) {
                keep_open = reply_bad(err->what);
            } else if (req.request != "smtpd_access_policy") {
                keep_open = reply_bad("unknown request type '" + printable(req.request, 64) + "'");
            } else {
                std::string action = server_.decider_.decide(req);
                if (action.empty()) keep_open = false;
                else append_reply(action);
            }
            pos += consumed;
            scan_from_ = 0;
            completed = true;
        }
        if (direct) buf_.assign(view.substr(std::min(pos, view.size())));
        else buf_.erase(0, std::min(pos, buf_.size()));
        if (buf_.empty() && buf_.capacity() > 16384) std::string().swap(buf_);  // after a large request
        if (completed) request_started_ = last_activity_;
        if (!keep_open) {
            // Send what was answered before the fault, then close.
            write_then(false);
            return;
        }
        write_then(true);
    }

    // In discard mode: drop bytes up to and including the blank line that
    // ends the oversized request; returns what follows it.
    std::string_view skip_discarded(std::string_view data) {
        for (std::size_t i = 0; i < data.size(); ++i) {
            char c = data[i];
            if (c == '\n' && last_was_newline_) {
                discarding_ = false;
                last_was_newline_ = false;
                append_reply(pending_reply_);
                return data.substr(i + 1);
            }
            last_was_newline_ = c == '\n';
        }
        return {};
    }

    static std::string too_large(const config::Config& cfg) {
        return "request larger than max_request_size (" + std::to_string(cfg.policyd_max_request_size) + " bytes)";
    }

    bool reply_bad(const std::string& what) {
        // Postfix never sends a bad request: a client that keeps doing so is
        // broken or hostile, and must not flood the log.
        if (++bad_requests_ > kMaxBadRequests) {
            msg_warn("%s: more than %d bad requests: closing", peer_.c_str(), kMaxBadRequests);
            return false;
        }
        std::string action = server_.decider_.on_bad_request(peer_, what);
        if (action.empty()) return false;
        append_reply(action);
        return true;
    }

    void append_reply(const std::string& action) {
        out_ += "action=";
        out_ += action;
        out_ += "\n\n";
    }

    void write_then(bool keep_reading) {
        if (out_.empty()) {
            if (keep_reading) read();
            else close();
            return;
        }
        writing_ = true;
        write_started_ = std::chrono::steady_clock::now();
        auto self = shared_from_this();
        asio::async_write(sock_, asio::buffer(out_), [this, self, keep_reading](boost::system::error_code ec, std::size_t) {
            writing_ = false;
            touch();
            if (ec) return;
            if (keep_reading) read();
            else close();
        });
    }

    PolicyServer& server_;
    stream_protocol::socket sock_;
    std::string peer_;
    std::string buf_;
    std::string out_;
    std::size_t scan_from_ = 0;
    bool discarding_ = false, last_was_newline_ = false, writing_ = false, detached_ = false;
    std::array<char, 2048> chunk_{};
    std::string pending_reply_;
    static constexpr int kMaxBadRequests = 10;
    int bad_requests_ = 0;  // on_error answer owed for a discarded request
    std::chrono::steady_clock::time_point last_activity_;
    std::chrono::steady_clock::time_point request_started_;  // first byte of the request in buf_
    std::chrono::steady_clock::time_point write_started_;
};

PolicyServer::PolicyServer(asio::io_context& io, PolicyDecider& decider)
    : io_(io), decider_(decider), sweep_timer_(io) {}

PolicyServer::~PolicyServer() {
    stop();
    std::vector<std::shared_ptr<Connection>> live;
    for (auto& [p, w] : conns_)
        if (auto c = w.lock()) live.push_back(std::move(c));
    for (auto& c : live) c->detach();
    conns_.clear();
}

Result<void> PolicyServer::listen(const std::vector<std::string>& specs, unsigned mode, int uid, int gid) {
    for (const auto& text : specs) {
        auto spec = parse_listen(text);
        if (!spec) return fail(spec.error());
        auto l = std::make_unique<Listener>(io_);
        l->spec = *spec;
        boost::system::error_code ec;
        if (spec->unix_socket) {
            if (auto r = prepare_unix_socket_path(text, spec->path, uid, gid); !r) return fail(r.error());
            auto acc = std::make_unique<asio::local::stream_protocol::acceptor>(io_);
            asio::local::stream_protocol::endpoint ep(spec->path);
            acc->open(ep.protocol(), ec);
            if (!ec) acc->bind(ep, ec);
            if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
            if (ec) return fail(text + ": " + ec.message());
            if (auto r = set_unix_socket_access(text, spec->path, mode, uid, gid); !r) return fail(r.error());
            l->unix_acceptor = std::move(acc);
        } else {
            asio::ip::tcp::resolver resolver(io_);
            auto results = resolver.resolve(spec->host, spec->port,
                                            asio::ip::tcp::resolver::numeric_host | asio::ip::tcp::resolver::numeric_service, ec);
            if (ec || results.empty()) return fail(text + ": host must be a numeric address: " + ec.message());
            auto ep = results.begin()->endpoint();
            auto acc = std::make_unique<asio::ip::tcp::acceptor>(io_);
            acc->open(ep.protocol(), ec);
            if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
            if (!ec) acc->bind(ep, ec);
            if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
            if (ec) return fail(text + ": " + ec.message());
            l->tcp_acceptor = std::move(acc);
        }
        msg_info("listening on %s", text.c_str());
        listeners_.push_back(std::move(l));
    }
    return {};
}

void PolicyServer::start() {
    for (auto& l : listeners_) accept_next(*l);
    sweep();
}

void PolicyServer::accept_next(Listener& l) {
    if (stopping_) return;
    auto retry_later = [this, &l](const boost::system::error_code& ec) {
        // EMFILE and friends: back off and try again, never spin; one log
        // line per 10 s per listener.
        auto now = std::chrono::steady_clock::now();
        ++l.accept_errors;
        if (now - l.last_error_log > std::chrono::seconds(10)) {
            l.last_error_log = now;
            msg_warn("accept on %s: %s (%llu accept errors so far)", l.spec.text.c_str(), ec.message().c_str(),
                     static_cast<unsigned long long>(l.accept_errors));
        }
        l.retry.expires_after(std::chrono::milliseconds(100));
        l.retry.async_wait([this, &l](boost::system::error_code e) {
            if (!e) accept_next(l);
        });
    };
    if (l.unix_acceptor) {
        l.unix_acceptor->async_accept([this, &l, retry_later](boost::system::error_code ec,
                                                              asio::local::stream_protocol::socket s) {
            if (ec == asio::error::operation_aborted) return;
            if (ec) return retry_later(ec);
            on_accepted(l, stream_protocol::socket(std::move(s)));
            accept_next(l);
        });
    } else {
        l.tcp_acceptor->async_accept([this, &l, retry_later](boost::system::error_code ec, asio::ip::tcp::socket s) {
            if (ec == asio::error::operation_aborted) return;
            if (ec) return retry_later(ec);
            boost::system::error_code ignored;
            s.set_option(asio::ip::tcp::no_delay(true), ignored);
            on_accepted(l, stream_protocol::socket(std::move(s)));
            accept_next(l);
        });
    }
}

void PolicyServer::on_accepted(Listener& l, stream_protocol::socket sock) {
    const auto& cfg = *decider_.policy().config;
    if (conns_.size() >= cfg.policyd_max_connections) {
        ++refused_;
        auto now = std::chrono::steady_clock::now();
        if (now - last_refusal_log_ > std::chrono::seconds(10)) {
            last_refusal_log_ = now;
            msg_warn("max_connections (%llu) reached on %s: closing new connections (%llu so far)",
                     static_cast<unsigned long long>(cfg.policyd_max_connections), l.spec.text.c_str(),
                     static_cast<unsigned long long>(refused_));
        }
        boost::system::error_code ec;
        sock.close(ec);
        return;
    }
    std::string peer = l.spec.text + "#" + std::to_string(next_id_++);
    auto c = std::make_shared<Connection>(*this, std::move(sock), std::move(peer));
    conns_.emplace(c.get(), c);
    c->start();
}

void PolicyServer::sweep() {
    if (stopping_) return;
    auto now = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<Connection>> live;
    live.reserve(conns_.size());
    for (auto& [p, w] : conns_)
        if (auto c = w.lock()) live.push_back(std::move(c));
    for (auto& c : live) c->check_deadline(now);
    sweep_timer_.expires_after(std::chrono::seconds(1));
    sweep_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) sweep();
    });
}

void PolicyServer::stop() {
    if (stopping_) return;
    stopping_ = true;
    boost::system::error_code ec;
    sweep_timer_.cancel();
    for (auto& l : listeners_) {
        l->retry.cancel();
        if (l->unix_acceptor) {
            l->unix_acceptor->close(ec);
            unlink(l->spec.path.c_str());
        }
        if (l->tcp_acceptor) l->tcp_acceptor->close(ec);
    }
    std::vector<std::shared_ptr<Connection>> live;
    for (auto& [p, w] : conns_)
        if (auto c = w.lock()) live.push_back(std::move(c));
    for (auto& c : live) c->close();
}

}  // namespace sw::policyd
