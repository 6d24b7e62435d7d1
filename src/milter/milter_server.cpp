// MilterServer and its connections; see milter_server.hpp. Per connection:
// read into the frame reader, handle every complete frame, write all
// replies at once, read again. Bytes from the MTA never throw out of here: a
// broken stream is logged and closed, and Postfix applies its
// milter_default_action to the message.
#include "milter/milter_server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <thread>
#include <vector>

#include "core/log/msg.hpp"
#include "core/util/unix_socket_path.hpp"
#include "milter/milter_conversation.hpp"

namespace asio = boost::asio;
using asio::generic::stream_protocol;

namespace sw::milter {
namespace {

// Postfix holds its milter connection for the whole SMTP session; libmilter
// waits 7210 s for the next command, and so do we. A frame that has begun
// must be complete within 300 s (Postfix's milter_content_timeout).
constexpr auto kIdleTimeout = std::chrono::seconds(7210);
constexpr auto kFrameTimeout = std::chrono::seconds(300);
constexpr auto kCheckEvery = std::chrono::seconds(30);

std::optional<std::uint16_t> parse_port(std::string_view s) {
    if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    unsigned long v = std::stoul(std::string(s));
    if (v == 0 || v > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(v);
}

}  // namespace

Result<MilterSocket> parse_milter_socket(const std::string& text) {
    MilterSocket s;
    s.text = text;
    for (const char* prefix : {"unix:", "local:"}) {
        if (text.rfind(prefix, 0) != 0) continue;
        s.path = text.substr(std::strlen(prefix));
        if (s.path.empty() || s.path[0] != '/') return fail("'" + text + "': the unix socket path must be absolute");
        if (s.path.size() >= sizeof(sockaddr_un::sun_path)) return fail("'" + text + "': unix socket path too long");
        return s;
    }
    for (const char* prefix : {"inet:", "inet6:"}) {
        if (text.rfind(prefix, 0) != 0) continue;
        s.unix_socket = false;
        s.v6 = std::strcmp(prefix, "inet6:") == 0;
        std::string rest = text.substr(std::strlen(prefix));
        auto at = rest.find('@');
        auto port = parse_port(std::string_view(rest).substr(0, at));
        if (!port) return fail("'" + text + "': the port must be a number from 1 to 65535");
        s.port = *port;
        if (at != std::string::npos) s.host = rest.substr(at + 1);
        if (s.host.size() > 2 && s.host.front() == '[' && s.host.back() == ']')
            s.host = s.host.substr(1, s.host.size() - 2);
        if (s.host == "localhost") s.host = s.v6 ? "::1" : "127.0.0.1";
        if (s.host.empty()) s.host = s.v6 ? "::" : "0.0.0.0";
        boost::system::error_code ec;
        asio::ip::make_address(s.host, ec);
        if (ec) return fail("'" + text + "': the host must be a numeric address or localhost");
        return s;
    }
    return fail("'" + text + "' is not unix:PATH, inet:PORT@HOST or inet6:PORT@HOST");
}

class MilterConnection : public std::enable_shared_from_this<MilterConnection> {
public:
    MilterConnection(MilterServer& server, asio::io_context& context, stream_protocol::socket sock, std::string peer)
        : server_(server),
          context_(context),
          sock_(std::move(sock)),
          timer_(sock_.get_executor()),
          peer_(peer),
          conversation_(*server.runtime_, std::move(peer)) {}

    ~MilterConnection() { server_.forget(this); }

    void start() {
        last_activity_ = std::chrono::steady_clock::now();
        arm_timer();
        read();
    }

    // On the connection's thread: close now, or once the message in
    // progress is done (a stop).
    void stop(bool only_between_messages) {
        if (only_between_messages && (busy_ || writing_ || !conversation_.between_messages())) {
            close_after_message_ = true;
            return;
        }
        close();
    }

    stream_protocol::socket::executor_type executor() { return sock_.get_executor(); }

    void close() {
        boost::system::error_code ec;
        sock_.shutdown(stream_protocol::socket::shutdown_both, ec);
        sock_.close(ec);
        timer_.cancel();
    }

private:
    void read() {
        auto [p, n] = reader_.prepare();
        sock_.async_read_some(asio::buffer(p, n), [this, self = shared_from_this()](boost::system::error_code ec,
                                                                                    std::size_t got) {
            if (ec) return close();  // EOF, closed by us, or an error: the connection ends
            reader_.commit(got);
            last_activity_ = std::chrono::steady_clock::now();
            process();
        });
    }

    // Handles every complete frame; then writes the replies, or reads on.
    void process() {
        bool close_now = false;
        while (!close_now) {
            wire::Frame f;
            auto st = reader_.next(f);
            if (st == wire::FrameReader::Status::NeedMore) break;
            if (st == wire::FrameReader::Status::Bad) {
                msg_warn("%s: %s from the MTA: closing", peer_.c_str(), reader_.why().c_str());
                return flush(true);  // the replies to the good frames before it first
            }
            if (conversation_.may_block(f)) return handle_elsewhere(f);
            close_now = conversation_.handle(f, out_) == MilterConversation::Next::Close;
            if (close_after_message_ && conversation_.between_messages()) close_now = true;
        }
        flush(close_now);
    }

    // A frame whose handling waits on DNS: on a lookup thread, then back
    // here. Nothing else of this connection runs meanwhile (no read is
    // pending, the reader's buffer stays put).
    void handle_elsewhere(wire::Frame f) {
        busy_ = true;
        auto guard = asio::make_work_guard(context_);  // run() must not return meanwhile
        asio::post(server_.lookups_, [this, self = shared_from_this(), f, guard = std::move(guard)]() mutable {
            auto next = conversation_.handle(f, out_);
            asio::post(sock_.get_executor(), [this, self = std::move(self), next, guard = std::move(guard)] {
                busy_ = false;
                if (next == MilterConversation::Next::Close || !sock_.is_open()) return flush(true);
                process();
            });
        });
    }

    void flush(bool then_close) {
        if (out_.empty()) {
            if (then_close) return close();
            reader_.shrink();
            return read();
        }
        writing_ = true;
        asio::async_write(sock_, asio::buffer(out_), [this, self = shared_from_this(), then_close](
                                                         boost::system::error_code ec, std::size_t) {
            writing_ = false;
            out_.clear();
            last_activity_ = std::chrono::steady_clock::now();
            if (ec || then_close) return close();
            if (close_after_message_ && conversation_.between_messages()) return close();
            read();
        });
    }

    void arm_timer() {
        timer_.expires_after(kCheckEvery);
        timer_.async_wait([this, self = shared_from_this()](boost::system::error_code ec) {
            if (ec || !sock_.is_open()) return;
            auto idle = std::chrono::steady_clock::now() - last_activity_;
            bool mid = reader_.mid_frame() || writing_;
            if (!busy_ && idle > (mid ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(kFrameTimeout)
                                      : std::chrono::duration_cast<std::chrono::steady_clock::duration>(kIdleTimeout))) {
                msg_warn("%s: %s for %llds: closing", peer_.c_str(), mid ? "frame not completed" : "idle",
                         static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(idle).count()));
                return close();
            }
            arm_timer();
        });
    }

    MilterServer& server_;
    asio::io_context& context_;
    stream_protocol::socket sock_;
    asio::steady_timer timer_;
    std::string peer_;
    MilterConversation conversation_;
    wire::FrameReader reader_;
    std::string out_;
    std::chrono::steady_clock::time_point last_activity_{};
    bool busy_ = false, writing_ = false, close_after_message_ = false;
};

namespace {

std::vector<std::unique_ptr<asio::io_context>> make_contexts(unsigned n) {
    std::vector<std::unique_ptr<asio::io_context>> v;
    for (unsigned i = 0; i < n; ++i) v.push_back(std::make_unique<asio::io_context>(1));  // one thread each
    return v;
}

}  // namespace

MilterServer::MilterServer(unsigned io_threads, unsigned lookup_threads)
    : io_threads_(io_threads ? io_threads : std::max(1u, std::thread::hardware_concurrency())),
      contexts_(make_contexts(io_threads_)),
      lookups_(std::max(1u, lookup_threads)),
      retry_timer_(*contexts_[0]),
      grace_timer_(*contexts_[0]) {
    for (std::size_t i = 1; i < contexts_.size(); ++i) idle_guards_.push_back(asio::make_work_guard(*contexts_[i]));
}

MilterServer::~MilterServer() {
    destroying_ = true;
    lookups_.join();
}

Result<void> MilterServer::listen(const MilterSocket& socket, unsigned mode, int uid, int gid) {
    socket_ = socket;
    boost::system::error_code ec;
    if (socket.unix_socket) {
        if (auto r = prepare_unix_socket_path(socket.text, socket.path, uid, gid); !r) return fail(r.error());
        auto acc = std::make_unique<asio::local::stream_protocol::acceptor>(*contexts_[0]);
        asio::local::stream_protocol::endpoint ep(socket.path);
        acc->open(ep.protocol(), ec);
        if (!ec) acc->bind(ep, ec);
        if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) return fail(socket.text + ": " + ec.message());
        if (auto r = set_unix_socket_access(socket.text, socket.path, mode, uid, gid); !r) return fail(r.error());
        unix_acceptor_ = std::move(acc);
    } else {
        asio::ip::tcp::endpoint ep(asio::ip::make_address(socket.host), socket.port);
        auto acc = std::make_unique<asio::ip::tcp::acceptor>(*contexts_[0]);
        acc->open(ep.protocol(), ec);
        if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) acc->bind(ep, ec);
        if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) return fail(socket.text + ": " + ec.message());
        tcp_acceptor_ = std::move(acc);
    }
    return {};
}

void MilterServer::run(MilterRuntime& runtime) {
    runtime_ = &runtime;
    accept_next();
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < contexts_.size(); ++i) threads.emplace_back([this, i] { contexts_[i]->run(); });
    contexts_[0]->run();
    for (auto& t : threads) t.join();
}

void MilterServer::accept_next() {
    if (stopping_) return;
    auto on_error = [this](const boost::system::error_code& ec) {
        // EMFILE and friends: back off and try again, never spin; one log
        // line per 10 s.
        ++accept_errors_;
        auto now = std::chrono::steady_clock::now();
        if (now - last_error_log_ > std::chrono::seconds(10)) {
            msg_warn("accept on %s: %s (%llu errors so far); retrying", socket_.text.c_str(), ec.message().c_str(),
                     static_cast<unsigned long long>(accept_errors_));
            last_error_log_ = now;
        }
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        retry_timer_.async_wait([this](boost::system::error_code e) {
            if (!e) accept_next();
        });
    };
    // the new connection's thread, in turn
    asio::io_context& context = *contexts_[next_context_++ % contexts_.size()];
    if (unix_acceptor_) {
        using Socket = asio::local::stream_protocol::socket::rebind_executor<asio::io_context::executor_type>::other;
        unix_acceptor_->async_accept(context.get_executor(), [this, on_error, &context](boost::system::error_code ec,
                                                                                       Socket s) {
            if (ec == asio::error::operation_aborted || stopping_) return;
            if (ec) return on_error(ec);
            on_accepted(context, stream_protocol::socket(std::move(s)));
            accept_next();
        });
    } else if (tcp_acceptor_) {
        using Socket = asio::ip::tcp::socket::rebind_executor<asio::io_context::executor_type>::other;
        tcp_acceptor_->async_accept(context.get_executor(), [this, on_error, &context](boost::system::error_code ec,
                                                                                      Socket s) {
            if (ec == asio::error::operation_aborted || stopping_) return;
            if (ec) return on_error(ec);
            boost::system::error_code ignored;
            s.set_option(asio::ip::tcp::no_delay(true), ignored);
            on_accepted(context, stream_protocol::socket(std::move(s)));
            accept_next();
        });
    }
}

void MilterServer::on_accepted(asio::io_context& context, stream_protocol::socket sock) {
    std::shared_ptr<MilterConnection> c;
    {
        std::lock_guard lock(mu_);
        c = std::make_shared<MilterConnection>(*this, context, std::move(sock),
                                               "milter connection #" + std::to_string(next_id_++));
        conns_.emplace(c.get(), c);
    }
    asio::dispatch(asio::bind_executor(c->executor(), [c] { c->start(); }));
}

void MilterServer::forget(MilterConnection* c) {
    if (destroying_) return;
    bool last = false;
    {
        std::lock_guard lock(mu_);
        conns_.erase(c);
        last = conns_.empty();
    }
    if (last && stopping_) asio::post(*contexts_[0], [this] { grace_timer_.cancel(); });
}

std::size_t MilterServer::connections() const {
    std::lock_guard lock(mu_);
    return conns_.size();
}

void MilterServer::ping_loops(std::function<void()> answered) {
    if (stopping_) return;
    struct Countdown {
        std::atomic<std::size_t> left;
        std::function<void()> then;
    };
    auto countdown = std::make_shared<Countdown>();
    countdown->left = contexts_.size();
    countdown->then = std::move(answered);
    for (auto& context : contexts_)
        boost::asio::post(*context, [countdown] {
            if (countdown->left.fetch_sub(1) == 1) countdown->then();
        });
}

void MilterServer::close_all(bool only_between_messages) {
    std::vector<std::shared_ptr<MilterConnection>> live;
    {
        std::lock_guard lock(mu_);
        for (auto& [p, w] : conns_)
            if (auto c = w.lock()) live.push_back(std::move(c));
    }
    for (auto& c : live)
        asio::post(c->executor(), [c, only_between_messages] { c->stop(only_between_messages); });
}

void MilterServer::stop(std::chrono::milliseconds grace) {
    asio::post(*contexts_[0], [this, grace] {
        if (stopping_.exchange(true)) return;
        for (auto& g : idle_guards_) g.reset();  // each thread ends with its last connection
        boost::system::error_code ec;
        if (unix_acceptor_) {
            unix_acceptor_->close(ec);
            unlink(socket_.path.c_str());
        }
        if (tcp_acceptor_) tcp_acceptor_->close(ec);
        retry_timer_.cancel();
        if (connections() == 0) return;
        close_all(true);
        grace_timer_.expires_after(grace);
        grace_timer_.async_wait([this](boost::system::error_code e) {
            if (!e) close_all(false);
        });
    });
}

}  // namespace sw::milter
