// PolicyServer: the Asio event loop of sendwarden-policyd. Listens on unix
// and TCP sockets, keeps persistent connections (Postfix reuses them), reads
// requests, answers each with one write, and closes connections that stall
// in the middle of a request (request_timeout), idle too long (idle_timeout)
// or exceed max_connections. One thread: all decisions are serialised, as the
// store's single writer would serialise them anyway.
#pragma once

#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange unincluded
#include <boost/asio.hpp>

#include <array>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "policyd/policy_decide.hpp"

namespace sw::policyd {

class Connection;

struct ListenSpec {
    std::string text;   // as configured: "unix:/path" or "inet:host:port"
    bool unix_socket = true;
    std::string path;   // unix
    std::string host;   // inet
    std::string port;
};

Result<ListenSpec> parse_listen(const std::string& text);

class PolicyServer {
public:
    PolicyServer(boost::asio::io_context& io, PolicyDecider& decider);
    ~PolicyServer();

    // Binds every listener (before privileges are dropped). Unix sockets get
    // `mode` and, when given, `uid`/`gid` as owner.
    Result<void> listen(const std::vector<std::string>& specs, unsigned mode, int uid, int gid);

    // Starts accepting and the housekeeping timer.
    void start();
    // Stops accepting, closes every connection, removes unix socket files.
    void stop();

    std::size_t connections() const { return conns_.size(); }

private:
    friend class Connection;
    struct Listener;

    void accept_next(Listener& l);
    void on_accepted(Listener& l, boost::asio::generic::stream_protocol::socket sock);
    void sweep();
    void forget(Connection* c) { conns_.erase(c); }

    boost::asio::io_context& io_;
    PolicyDecider& decider_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::unordered_map<Connection*, std::weak_ptr<Connection>> conns_;
    boost::asio::steady_timer sweep_timer_;
    std::uint64_t next_id_ = 1;
    std::uint64_t refused_ = 0;
    std::chrono::steady_clock::time_point last_refusal_log_{};
    bool stopping_ = false;
};

}  // namespace sw::policyd
