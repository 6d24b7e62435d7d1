// MilterServer: the event loop of sendwarden-milter (Boost.Asio). Accepts
// the MTA's connections on one unix or TCP socket and runs each through a
// MilterConversation: read what has arrived, handle every complete frame,
// send all replies with one write, read again. Each event-loop thread (one
// per CPU by default) runs an io_context of its own, and new connections
// go to them in turn: a connection lives on one thread, so nothing of it is
// locked and no thread wakes another to serve it. An SPF check at MAIL FROM,
// which waits on DNS, runs on a separate pool of lookup threads so that it
// never holds up signing.
//
// We speak the milter protocol ourselves rather than through libmilter:
// Debian's libmilter hands every command of every connection from its
// polling thread to a worker thread and back, which cost more CPU per
// message than the whole DKIM signature (bench/milter-bench.sh measures its
// null milter beside us).
#pragma once

#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange unincluded
#include <boost/asio.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/util/result.hpp"
#include "milter/milter_runtime.hpp"

namespace sw::milter {

struct MilterSocket {
    std::string text;       // as configured
    bool unix_socket = true;
    std::string path;       // unix:PATH (also local:PATH)
    std::string host;       // inet:PORT@HOST, inet6:PORT@HOST (no HOST: every address)
    std::uint16_t port = 0;
    bool v6 = false;
};

// unix:PATH | local:PATH | inet:PORT[@HOST] | inet6:PORT[@HOST]; HOST is
// a numeric address or localhost.
Result<MilterSocket> parse_milter_socket(const std::string& text);

class MilterConnection;

class MilterServer {
public:
    // io_threads event-loop threads (0: one per CPU), lookup_threads for SPF.
    MilterServer(unsigned io_threads, unsigned lookup_threads);
    ~MilterServer();
    MilterServer(const MilterServer&) = delete;
    MilterServer& operator=(const MilterServer&) = delete;

    // Binds (before privileges are dropped); a unix socket gets `mode` and
    // uid/gid (>= 0) as owner.
    Result<void> listen(const MilterSocket& socket, unsigned mode, int uid, int gid);

    // Serves until stop(): the calling thread is one of the event-loop threads.
    void run(MilterRuntime& runtime);

    // From any thread (the signal thread): stops accepting, lets each
    // connection finish the message in progress (at most `grace`), closes
    // them, and makes run() return. Removes the unix socket file.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

    std::size_t connections() const;

    // From any thread: runs `answered` (on an event-loop thread) once every
    // event loop has run a task posted now, i.e. none of them is stuck.
    // The systemd watchdog is fed from there.
    void ping_loops(std::function<void()> answered);

private:
    friend class MilterConnection;
    void accept_next();
    void on_accepted(boost::asio::io_context& context, boost::asio::generic::stream_protocol::socket sock);
    void forget(MilterConnection* c);
    void close_all(bool only_between_messages);

    // Declared before the io_contexts so that they outlive them: the
    // connections that their destructors release still call forget().
    MilterRuntime* runtime_ = nullptr;
    unsigned io_threads_;
    mutable std::mutex mu_;
    std::unordered_map<MilterConnection*, std::weak_ptr<MilterConnection>> conns_;
    std::atomic<bool> stopping_{false}, destroying_{false};
    std::uint64_t next_id_ = 1;
    std::uint64_t accept_errors_ = 0;
    std::chrono::steady_clock::time_point last_error_log_{};
    MilterSocket socket_;
    using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;  // [0] also accepts
    std::vector<WorkGuard> idle_guards_;  // keep the others running until stop()
    std::size_t next_context_ = 0;
    boost::asio::thread_pool lookups_;
    std::unique_ptr<boost::asio::local::stream_protocol::acceptor> unix_acceptor_;
    std::unique_ptr<boost::asio::ip::tcp::acceptor> tcp_acceptor_;
    boost::asio::steady_timer retry_timer_, grace_timer_;
};

}  // namespace sw::milter
