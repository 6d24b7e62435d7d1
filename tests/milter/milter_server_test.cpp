// Tests of src/milter/milter_server.cpp: a real MilterServer on a unix
// socket (and once on TCP) in a temp dir, over a real runtime, spoken to
// through plain sockets as Postfix would: whole sessions, bytes one at a
// time, broken streams, many connections at once, a graceful stop; and
// parse_milter_socket(). Every read has a 5 s timeout, so a bug fails the
// test instead of hanging it.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "milter/milter_server.hpp"
#include "support/log_capture.hpp"
#include "support/milter_frames.hpp"
#include "support/milter_world.hpp"

using namespace std::chrono_literals;
using namespace sw;
using namespace sw::milter;
namespace mta = sw::test::mta;

namespace {

// A client connection with a read timeout; replies are cut into frames.
class Client {
public:
    static std::unique_ptr<Client> unix_socket(const std::string& path) {
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::strncpy(sa.sun_path, path.c_str(), sizeof(sa.sun_path) - 1);
        return std::unique_ptr<Client>(new Client(AF_UNIX, reinterpret_cast<sockaddr*>(&sa), sizeof sa));
    }
    static std::unique_ptr<Client> tcp(std::uint16_t port) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return std::unique_ptr<Client>(new Client(AF_INET, reinterpret_cast<sockaddr*>(&sa), sizeof sa));
    }
    ~Client() {
        if (fd_ >= 0) ::close(fd_);
    }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    void send(std::string_view bytes) {
        while (!bytes.empty()) {
            ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) FAIL("send: " << std::strerror(errno));
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    // One write per byte: the server sees frames cut everywhere.
    void send_bytewise(std::string_view bytes) {
        for (char c : bytes) send(std::string_view(&c, 1));
    }

    // Exactly `n` more reply frames (fails on timeout or close).
    std::vector<mta::Reply> replies(std::size_t n) {
        std::vector<mta::Reply> out;
        while (out.size() < n) {
            sw::milter::wire::Frame f;
            auto st = reader_.next(f);
            if (st == sw::milter::wire::FrameReader::Status::Bad) FAIL("bad reply frame: " << reader_.why());
            if (st == sw::milter::wire::FrameReader::Status::Frame) {
                out.push_back({f.command, std::string(f.data)});
                continue;
            }
            auto [p, room] = reader_.prepare(4096);
            ssize_t got = ::recv(fd_, p, room, 0);
            if (got <= 0)
                FAIL("after " << out.size() << " of " << n << " replies: "
                              << (got == 0 ? "closed by the server" : std::strerror(errno)));
            reader_.commit(static_cast<std::size_t>(got));
        }
        return out;
    }
    std::string commands(std::size_t n) { return mta::commands_of(replies(n)); }

    // The server closed the connection, with no more replies before that.
    bool closed_by_server() {
        sw::milter::wire::Frame f;
        if (reader_.next(f) != sw::milter::wire::FrameReader::Status::NeedMore) return false;
        char c;
        return ::recv(fd_, &c, 1, 0) == 0;
    }

private:
    Client(int family, const sockaddr* sa, socklen_t len) {
        fd_ = ::socket(family, SOCK_STREAM, 0);
        REQUIRE(fd_ >= 0);
        timeval tv{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        int rc = ::connect(fd_, sa, len);
        INFO("connect: " << std::strerror(errno));
        REQUIRE(rc == 0);
    }
    int fd_ = -1;
    sw::milter::wire::FrameReader reader_;
};

// A MilterServer serving on its own thread until stop() or the end of the test.
class RunningServer {
public:
    explicit RunningServer(MilterRuntime& runtime, std::string socket_text = {}) : server_(2, 2) {
        if (socket_text.empty()) socket_text = "unix:" + dir_.file("milter.sock");
        auto sock = parse_milter_socket(socket_text);
        REQUIRE(sock.ok());
        socket_ = *sock;
        auto listening = server_.listen(socket_, 0600, -1, -1);
        INFO(listening.error());
        REQUIRE(listening.ok());
        std::promise<void> done;
        finished_ = done.get_future();
        thread_ = std::thread([this, &runtime, done = std::move(done)]() mutable {
            server_.run(runtime);
            done.set_value();
        });
    }
    ~RunningServer() {
        server_.stop(200ms);
        thread_.join();
    }
    RunningServer(const RunningServer&) = delete;
    RunningServer& operator=(const RunningServer&) = delete;

    std::unique_ptr<Client> connect() {
        return socket_.unix_socket ? Client::unix_socket(socket_.path) : Client::tcp(socket_.port);
    }
    MilterServer& server() { return server_; }
    const std::string& path() const { return socket_.path; }
    // run() has returned.
    bool finished_within(std::chrono::milliseconds limit) {
        return finished_.wait_for(limit) == std::future_status::ready;
    }

private:
    test::TempDir dir_;
    MilterSocket socket_;
    MilterServer server_;
    std::thread thread_;
    std::future<void> finished_;
};

// Waits (bounded) until `ready` holds.
template <typename Pred>
bool eventually(Pred ready, std::chrono::milliseconds limit = 5s) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (!ready()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

// A whole outbound session and what it must get back.
const std::string kOutboundSession =
    mta::session_start() + mta::outbound_message("alice@acme.example") + mta::quit();
constexpr const char* kOutboundReplies = "Occiic";  // negotiate, connect, MAIL, 2 signatures, EOM

// Checks the replies of kOutboundSession; returns them without the signatures
// (their t= differs from run to run).
std::vector<mta::Reply> check_outbound(const std::vector<mta::Reply>& got) {
    REQUIRE(mta::commands_of(got) == kOutboundReplies);
    std::vector<mta::Reply> stable;
    for (const auto& r : got) {
        if (r.command == 'i') {
            auto h = mta::header_reply(r);
            CHECK(h.name == "DKIM-Signature");
            CHECK_THAT(h.value, Catch::Contains("d=acme.example"));
        } else {
            stable.push_back(r);
        }
    }
    return stable;
}

// A TCP port nobody listens on now (the kernel's choice).
std::uint16_t free_tcp_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
    ::close(fd);
    return ntohs(sa.sin_port);
}

}  // namespace

TEST_CASE("server: a whole outbound session over a unix socket") {
    test::MilterWorld w;
    test::LogCapture log;
    RunningServer s(*w.runtime);
    auto c = s.connect();
    c->send(kOutboundSession);
    check_outbound(c->replies(6));
    CHECK(c->closed_by_server());  // after QUIT
    CHECK(log.contains("4XyZ1Q: signed: d=acme.example"));
    CHECK(eventually([&] { return s.server().connections() == 0; }));
}

TEST_CASE("server: the same bytes one at a time get the same replies") {
    test::MilterWorld w;
    RunningServer s(*w.runtime);
    auto whole = s.connect();
    whole->send(kOutboundSession);
    auto want = check_outbound(whole->replies(6));

    auto bytewise = s.connect();
    bytewise->send_bytewise(kOutboundSession);
    CHECK(check_outbound(bytewise->replies(6)) == want);
    CHECK(bytewise->closed_by_server());
}

TEST_CASE("server: an inbound MAIL FROM is checked on a lookup thread, pipelined frames after it are kept") {
    test::MilterWorld w(SpfAction::Reject);
    RunningServer s(*w.runtime);
    auto c = s.connect();
    // MAIL, ABORT and the next MAIL in one write: the bytes after the first
    // MAIL wait in the reader while SPF runs elsewhere.
    c->send(mta::session_start("192.0.2.99", "bad.example") + mta::mail("<x@spf.example>") + mta::abort_message() +
            mta::mail("<>"));
    auto got = c->replies(4);
    REQUIRE(mta::commands_of(got) == "Ocyc");
    CHECK_THAT(got[2].data, Catch::StartsWith("550 5.7.23 SPF fail"));
}

TEST_CASE("server: a broken stream closes its connection, and the server serves the next one") {
    test::MilterWorld w;
    test::LogCapture log;
    RunningServer s(*w.runtime);
    struct Case {
        const char* label;
        bool after_good_start;
        std::string bytes;
        const char* log;
    };
    const std::vector<Case> cases = {
        {"a frame over kMaxFrame", false, mta::be32(wire::kMaxFrame + 1) + "O",
         "frame of 1048577 octets (at most 1048576) from the MTA: closing"},
        {"garbage", false, "GET / HTTP/1.0\r\nHost: x\r\n\r\n", "frame of 1195725856 octets"},
        {"a frame of length 0", false, std::string(4, '\0'), "frame of length 0 from the MTA: closing"},
        {"a connect before negotiation", false, mta::connect("x", '4', 25, "192.0.2.1"), "before option negotiation"},
        {"an oversized frame after a good start", true, mta::be32(0xFFFFFFFF), "frame of 4294967295 octets"},
    };
    for (const auto& cs : cases) {
        DYNAMIC_SECTION(cs.label) {
            auto bad = s.connect();
            if (cs.after_good_start) {
                bad->send(mta::session_start());
                REQUIRE(bad->commands(2) == "Oc");
            }
            bad->send(cs.bytes);
            CHECK(bad->closed_by_server());
            CHECK(log.contains(cs.log));

            auto good = s.connect();
            good->send(kOutboundSession);
            check_outbound(good->replies(6));
        }
    }
}

TEST_CASE("server: a connection closed mid-frame does not disturb the others") {
    test::MilterWorld w;
    RunningServer s(*w.runtime);
    auto busy = s.connect();
    busy->send(mta::session_start("10.1.2.3"));
    REQUIRE(busy->commands(2) == "Oc");
    {
        auto quitter = s.connect();
        quitter->send(mta::negotiate());
        REQUIRE(quitter->commands(1) == "O");
        quitter->send(mta::header("Subject", "half a frame").substr(0, 9));
    }  // closed with 9 octets of a frame sent
    busy->send(mta::outbound_message("") + mta::quit());
    CHECK(busy->commands(4) == "ciic");
    CHECK(busy->closed_by_server());
    CHECK(eventually([&] { return s.server().connections() == 0; }));
}

TEST_CASE("server: 50 concurrent connections each get their replies") {
    test::MilterWorld w;
    test::LogCapture log;
    RunningServer s(*w.runtime);
    constexpr int kConnections = 50;
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < kConnections; ++i) clients.push_back(s.connect());
    // Everything sent before anything is read: all 50 are open at once.
    for (int i = 0; i < kConnections; ++i)
        clients[i]->send(mta::session_start("10.0.0." + std::to_string(i + 1)) +
                         mta::outbound_message("", "Q" + std::to_string(i)) + mta::quit());
    for (int i = 0; i < kConnections; ++i) {
        INFO("connection " << i);
        CHECK(clients[i]->commands(6) == kOutboundReplies);
        CHECK(clients[i]->closed_by_server());
    }
    CHECK(log.count(": signed: d=acme.example") == kConnections);
    CHECK(log.contains("Q49: signed: d=acme.example s=r a=rsa-sha256, d=acme.example s=e a=ed25519-sha256; "
                       "internal client 10.0.0.50"));
}

TEST_CASE("server: stop() lets the message in progress finish, then run() returns") {
    test::MilterWorld w;
    RunningServer s(*w.runtime);
    auto idle = s.connect();
    idle->send(mta::session_start("10.1.2.4"));
    REQUIRE(idle->commands(2) == "Oc");
    auto c = s.connect();
    c->send(mta::session_start("10.1.2.3") + mta::mail("<alice@acme.example>"));
    REQUIRE(c->commands(3) == "Occ");  // the MAIL reply: the message has begun
    c->send(mta::header("From", "alice@acme.example"));

    s.server().stop(5s);
    // stop() removes the socket file before it asks the connections to close.
    struct stat st;
    REQUIRE(eventually([&] { return ::stat(s.path().c_str(), &st) != 0; }));
    CHECK(idle->closed_by_server());  // between messages: closed at once
    std::this_thread::sleep_for(20ms);  // (the busy connection has heard of the stop)
    CHECK_FALSE(s.finished_within(0ms));

    c->send(mta::end_of_headers() + mta::body("hi\r\n") + mta::end_of_message());
    CHECK(c->commands(3) == "iic");
    CHECK(c->closed_by_server());  // after its message
    CHECK(s.finished_within(2s));
}

TEST_CASE("server: stop() closes a connection still mid-message after the grace time") {
    test::MilterWorld w;
    RunningServer s(*w.runtime);
    auto c = s.connect();
    c->send(mta::session_start("10.1.2.3") + mta::mail("<alice@acme.example>"));
    REQUIRE(c->commands(3) == "Occ");
    auto before = std::chrono::steady_clock::now();
    s.server().stop(100ms);
    CHECK(c->closed_by_server());
    CHECK(std::chrono::steady_clock::now() - before >= 100ms);
    CHECK(s.finished_within(2s));
}

TEST_CASE("server: stop() while clients keep connecting still returns from run()") {
    test::MilterWorld w;
    RunningServer s(*w.runtime);
    std::atomic<bool> done{false};
    std::atomic<int> connected{0};
    // Plain sockets on another thread (Catch2 assertions are for this one).
    std::thread storm([&] {
        std::vector<int> fds;
        const std::string hello = mta::negotiate();
        while (!done && fds.size() < 500) {
            int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
            sockaddr_un sa{};
            sa.sun_family = AF_UNIX;
            std::strncpy(sa.sun_path, s.path().c_str(), sizeof(sa.sun_path) - 1);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
                ++connected;
                (void)::send(fd, hello.data(), hello.size(), MSG_NOSIGNAL);
            }
            fds.push_back(fd);
        }
        for (int fd : fds) ::close(fd);
    });
    REQUIRE(eventually([&] { return connected > 20; }));
    s.server().stop(100ms);
    CHECK(s.finished_within(3s));
    done = true;
    storm.join();
}

TEST_CASE("server: a whole session over TCP on 127.0.0.1") {
    test::MilterWorld w;
    RunningServer s(*w.runtime, "inet:" + std::to_string(free_tcp_port()) + "@127.0.0.1");
    auto c = s.connect();
    c->send(kOutboundSession);
    check_outbound(c->replies(6));
    CHECK(c->closed_by_server());
}

TEST_CASE("server: listen() refuses a path that is not a socket") {
    test::TempDir dir;
    std::string path = dir.write("not-a-socket", "data");
    MilterServer server(1, 1);
    auto r = server.listen(*parse_milter_socket("unix:" + path), 0600, -1, -1);
    CHECK_FALSE(r.ok());
}

TEST_CASE("server: parse_milter_socket") {
    struct Good {
        const char* text;
        bool unix_socket;
        std::string path, host;
        std::uint16_t port;
        bool v6;
    };
    const std::vector<Good> good = {
        {"unix:/run/sendwarden/milter.sock", true, "/run/sendwarden/milter.sock", "", 0, false},
        {"local:/x", true, "/x", "", 0, false},
        {"inet:8891@127.0.0.1", false, "", "127.0.0.1", 8891, false},
        {"inet:8891", false, "", "0.0.0.0", 8891, false},
        {"inet:1@[192.0.2.1]", false, "", "192.0.2.1", 1, false},
        {"inet:65535@localhost", false, "", "127.0.0.1", 65535, false},
        {"inet:8891@localhost", false, "", "127.0.0.1", 8891, false},
        {"inet6:8891@::1", false, "", "::1", 8891, true},
        {"inet6:8891", false, "", "::", 8891, true},
        {"inet6:8891@localhost", false, "", "::1", 8891, true},
    };
    for (const auto& g : good) {
        DYNAMIC_SECTION(g.text) {
            auto s = parse_milter_socket(g.text);
            INFO((s.ok() ? std::string() : s.error()));
            REQUIRE(s.ok());
            CHECK(s->text == g.text);
            CHECK(s->unix_socket == g.unix_socket);
            CHECK(s->path == g.path);
            CHECK(s->host == g.host);
            CHECK(s->port == g.port);
            CHECK(s->v6 == g.v6);
        }
    }
    const std::vector<std::pair<const char*, const char*>> bad = {
        {"unix:milter.sock", "must be absolute"},
        {"local:", "must be absolute"},
        {"inet:0@127.0.0.1", "from 1 to 65535"},
        {"inet:65536", "from 1 to 65535"},
        {"inet:123456", "from 1 to 65535"},
        {"inet:88a1@127.0.0.1", "from 1 to 65535"},
        {"inet:@127.0.0.1", "from 1 to 65535"},
        {"inet:-1", "from 1 to 65535"},
        {"inet:8891@mail.example", "numeric address or localhost"},
        {"inet:8891@127.0.0.256", "numeric address or localhost"},
        {"inet6:8891@[::1", "numeric address or localhost"},
        {"tcp:8891", "is not unix:PATH"},
        {"/run/milter.sock", "is not unix:PATH"},
        {"", "is not unix:PATH"},
    };
    for (const auto& [text, why] : bad) {
        DYNAMIC_SECTION("refused: " << text) {
            auto s = parse_milter_socket(text);
            REQUIRE_FALSE(s.ok());
            CHECK_THAT(s.error(), Catch::Contains(why));
        }
    }
    std::string long_path = "unix:/" + std::string(sizeof(sockaddr_un::sun_path), 'x');
    CHECK_THAT(parse_milter_socket(long_path).error(), Catch::Contains("too long"));
}
