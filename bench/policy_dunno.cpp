// policy_dunno.cpp — the protocol floor for the sendwarden benchmark (bench/policy-dunno).
//
// Owns the cheapest possible Postfix policy server: one thread, one epoll
// loop, no parsing beyond finding the empty line that ends each request, and
// "action=DUNNO\n\n" for every request (all replies for one read go out in
// one write). Whatever a real policy daemon does costs more than this, so its
// throughput is the ceiling the benchmark compares against.
//
//   policy-dunno [--max-secs S] unix:/path | /path | 127.0.0.1:PORT | inet:HOST:PORT
//
// Stops on SIGTERM/SIGINT or after --max-secs (default 900) and then prints
// the number of requests it answered to stderr.
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "unique_fd.hpp"

namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) { g_stop = 1; }

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "policy-dunno: %s\n", msg.c_str());
    std::exit(1);
}

constexpr std::string_view kReply = "action=DUNNO\n\n";
constexpr std::size_t kMaxRequest = 16384;   // a longer request is a protocol error

struct Client {
    Fd fd;
    bool at_line_start = true;   // the previous byte was '\n' (or nothing yet)
    std::size_t pending = 0;     // bytes of the current request seen so far
};

// Unix socket paths are unlinked when the listener goes away.
struct Listener {
    Fd fd;
    std::string unix_path;
    ~Listener() { if (!unix_path.empty()) ::unlink(unix_path.c_str()); }
};

void open_listener(Listener& l, std::string_view spec) {
    if (spec.starts_with("unix:") || spec.starts_with("/")) {
        if (spec.starts_with("unix:")) spec.remove_prefix(5);
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        if (spec.empty() || spec.size() >= sizeof sun.sun_path) die("bad unix socket path");
        std::memcpy(sun.sun_path, spec.data(), spec.size());
        l.fd = Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!l.fd.valid()) die(std::string("socket: ") + std::strerror(errno));
        std::string path(spec);
        ::unlink(path.c_str());
        if (::bind(l.fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun) < 0)
            die("bind " + path + ": " + std::strerror(errno));
        l.unix_path = path;
        ::chmod(path.c_str(), 0666);
    } else {
        if (spec.starts_with("inet:")) spec.remove_prefix(5);
        auto colon = spec.rfind(':');
        if (colon == std::string_view::npos) die("want unix:/path or HOST:PORT");
        std::string host(spec.substr(0, colon)), port(spec.substr(colon + 1));
        if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
        addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
        addrinfo* res = nullptr;
        if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0)
            die("address " + std::string(spec) + ": " + gai_strerror(rc));
        std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, freeaddrinfo);
        l.fd = Fd(::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!l.fd.valid()) die(std::string("socket: ") + std::strerror(errno));
        int one = 1;
        ::setsockopt(l.fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(l.fd.get(), res->ai_addr, res->ai_addrlen) < 0)
            die("bind " + std::string(spec) + ": " + std::strerror(errno));
    }
    if (::listen(l.fd.get(), 1024) < 0) die(std::string("listen: ") + std::strerror(errno));
}

// Reads what the client sent and answers each complete request. Returns false
// when the connection should be closed.
bool serve(Client& c, std::string& out, long& served) {
    char buf[16384];
    for (;;) {
        ssize_t k = ::recv(c.fd.get(), buf, sizeof buf, 0);
        if (k == 0) return false;
        if (k < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN || errno == EWOULDBLOCK;
        }
        out.clear();
        for (ssize_t i = 0; i < k; ++i) {
            if (buf[i] == '\n') {
                if (c.at_line_start) {               // empty line: end of one request
                    out += kReply;
                    ++served;
                    c.pending = 0;
                    continue;                         // at_line_start stays true
                }
                c.at_line_start = true;
            } else {
                c.at_line_start = false;
            }
            if (++c.pending > kMaxRequest) return false;
        }
        std::size_t off = 0;
        while (off < out.size()) {
            // Replies are tiny; the socket buffer takes them. A client that
            // stops reading its replies is dropped rather than buffered.
            ssize_t w = ::send(c.fd.get(), out.data() + off, out.size() - off, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EINTR) continue;
                return false;
            }
            off += static_cast<std::size_t>(w);
        }
        if (static_cast<std::size_t>(k) < sizeof buf) return true;   // drained for now
    }
}

} // namespace

int main(int argc, char** argv) {
    double max_secs = 900;
    std::string spec;
    for (int i = 1; i < argc; ++i) {
        std::string_view a(argv[i]);
        if (a == "--max-secs" && i + 1 < argc) {
            char* end = nullptr;
            max_secs = std::strtod(argv[++i], &end);
            if (!end || *end || !(max_secs > 0)) die("--max-secs wants a positive number");
        } else if (a == "-h" || a == "--help") {
            std::fputs("usage: policy-dunno [--max-secs S] unix:/path | HOST:PORT\n", stderr);
            return 0;
        } else if (spec.empty() && !a.starts_with("-")) {
            spec = a;
        } else {
            die("usage: policy-dunno [--max-secs S] unix:/path | HOST:PORT");
        }
    }
    if (spec.empty()) die("usage: policy-dunno [--max-secs S] unix:/path | HOST:PORT");

    std::signal(SIGPIPE, SIG_IGN);
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    Listener lst;
    open_listener(lst, spec);
    Fd ep(::epoll_create1(EPOLL_CLOEXEC));
    if (!ep.valid()) die(std::string("epoll_create1: ") + std::strerror(errno));
    epoll_event lev{};
    lev.events = EPOLLIN;
    lev.data.fd = lst.fd.get();
    if (::epoll_ctl(ep.get(), EPOLL_CTL_ADD, lst.fd.get(), &lev) < 0) die("epoll_ctl listener");

    std::unordered_map<int, Client> clients;
    std::string out;
    out.reserve(4096);
    long served = 0;
    auto end_time = std::chrono::steady_clock::now() +
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(max_secs));
    epoll_event evs[128];
    while (!g_stop && std::chrono::steady_clock::now() < end_time) {
        int n = ::epoll_wait(ep.get(), evs, 128, 250);
        if (n < 0) {
            if (errno == EINTR) continue;
            die(std::string("epoll_wait: ") + std::strerror(errno));
        }
        for (int i = 0; i < n; ++i) {
            int fd = evs[i].data.fd;
            if (fd == lst.fd.get()) {
                for (;;) {
                    Fd cfd(::accept4(lst.fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
                    if (!cfd.valid()) break;
                    if (lst.unix_path.empty()) {
                        int one = 1;
                        ::setsockopt(cfd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    }
                    epoll_event cev{};
                    cev.events = EPOLLIN | EPOLLRDHUP;
                    cev.data.fd = cfd.get();
                    if (::epoll_ctl(ep.get(), EPOLL_CTL_ADD, cfd.get(), &cev) < 0) continue;
                    int key = cfd.get();
                    clients[key].fd = std::move(cfd);
                }
                continue;
            }
            auto it = clients.find(fd);
            if (it == clients.end()) continue;
            if (!serve(it->second, out, served)) {
                ::epoll_ctl(ep.get(), EPOLL_CTL_DEL, fd, nullptr);
                clients.erase(it);           // closes the socket
            }
        }
    }
    std::fprintf(stderr, "policy-dunno: served %ld requests\n", served);
    return 0;
}
