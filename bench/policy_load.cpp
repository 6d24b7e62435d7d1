// policy_load.cpp — sendwarden benchmark load driver (bench/policy-load).
//
// Owns the client side of the Postfix SMTPD access policy delegation protocol
// for the benchmark: K threads, each with ONE persistent connection (as a
// Postfix smtpd process keeps one), each sending one request at a time
// (write the request, read until the empty line that ends the reply).
// Requests carry the attribute set Postfix 3.7 smtpd sends; a simulated
// message is a RCPT request and, if that passed, an END-OF-MESSAGE request
// (queue_id set, recipient_count=1). Every loop is bounded by a request count,
// a message count and a wall-clock limit. Like Postfix's policy client, a
// request whose used connection the server dropped is resent once on a new
// connection (counted as a retry, not an error).
//
// Output: one line on stdout,
//   RESULT conc=.. sent=.. ok=.. errors=.. secs=.. rps=.. p50_us=.. p99_us=..
//          max_us=.. mean_us=.. [server_cpu_us=.. cpu_us_per_req=..] retries=.. mode=..
//          msgs=.. msgs_passed=.. timed_out=0|1 actions=DUNNO:n,DEFER:n,...
// and, unless -q, a short human summary on stderr.
// Exit status: 0 all requests answered, 1 errors or time limit hit, 2 usage.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <dirent.h>
#include <csignal>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "unique_fd.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------- utilities

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "policy-load: %s (try --help)\n", msg.c_str());
    std::exit(2);
}

long parse_long(const char* s, const char* what, long lo, long hi) {
    long v = 0;
    std::string_view sv(s);
    auto [p, ec] = std::from_chars(sv.data(), sv.data() + sv.size(), v);
    if (ec != std::errc() || p != sv.data() + sv.size() || v < lo || v > hi)
        usage_error(std::string("bad value for ") + what + ": " + s);
    return v;
}

void append_num(std::string& out, unsigned long v, int base = 10) {
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v, base);
    (void)ec;
    out.append(buf, p);
}

// A name template: literal text with placeholders for the user number and the
// org number. "{u}" / "{o}", or printf-like "%ld" (first = user, second = org).
class NameTemplate {
public:
    explicit NameTemplate(std::string_view fmt) {
        int seq = 0;
        std::string lit;
        for (std::size_t i = 0; i < fmt.size();) {
            auto take = [&](std::string_view tok) { return fmt.substr(i, tok.size()) == tok; };
            Part::Kind k = Part::Literal;
            std::size_t adv = 0;
            if (take("{u}")) { k = Part::User; adv = 3; }
            else if (take("{o}")) { k = Part::Org; adv = 3; }
            else if (take("%ld") || take("%lu")) { k = seq++ == 0 ? Part::User : Part::Org; adv = 3; }
            else if (take("%d") || take("%u")) { k = seq++ == 0 ? Part::User : Part::Org; adv = 2; }
            else if (take("%%")) { lit += '%'; i += 2; continue; }
            else { lit += fmt[i++]; continue; }
            if (!lit.empty()) { parts_.push_back({Part::Literal, lit}); lit.clear(); }
            parts_.push_back({k, {}});
            i += adv;
        }
        if (!lit.empty()) parts_.push_back({Part::Literal, lit});
    }
    void expand(std::string& out, unsigned long user, unsigned long org) const {
        for (const auto& p : parts_) {
            switch (p.kind) {
            case Part::Literal: out += p.text; break;
            case Part::User: append_num(out, user); break;
            case Part::Org: append_num(out, org); break;
            }
        }
    }
private:
    struct Part { enum Kind { Literal, User, Org } kind; std::string text; };
    std::vector<Part> parts_;
};

// ---------------------------------------------------------------- options

enum class Mode { Mix, Rcpt, Eom };

struct Options {
    std::string target;
    int conc = 1;
    long requests = 10000;          // timed requests, all connections together
    long messages = -1;             // optional cap on simulated messages
    double time_limit = 60.0;       // seconds, whole run including warm-up
    int timeout_ms = 10000;         // per reply
    long users = 1000;
    long orgs = 50;
    std::string user_fmt = "u{u}@org{o}.example";
    long clients = 64;
    long rcpts = 1000;
    bool sasl = true;
    bool random = false;
    unsigned long seed = 1;
    long warmup = 0;                // untimed requests per connection
    Mode mode = Mode::Mix;
    long server_pid = 0;            // measure this process tree's CPU over the timed phase
    double rate = 0;                // requests/s of all connections together (0: as fast as answered)
    bool keep_going = false;        // a server that went away: reconnect until the time limit
    bool quiet = false;
    bool verbose = false;
};

void print_help() {
    std::fputs(
        "usage: policy-load [options] TARGET\n"
        "  TARGET                unix:/path | /path | host:port | inet:host:port (loopback only)\n"
        "  -c, --conc K          persistent connections, one thread each (default 1)\n"
        "  -n, --requests N      timed requests in total (default 10000)\n"
        "  -m, --messages M      stop after M simulated messages (default: no cap)\n"
        "  -T, --time SEC        wall-clock limit for the whole run (default 60)\n"
        "      --timeout-ms MS   per-reply timeout (default 10000)\n"
        "  -u, --users N         distinct users (default 1000)\n"
        "      --orgs M          orgs; user i belongs to org i % M (default 50)\n"
        "      --user-fmt FMT    user address; {u}/{o} or %ld,%ld = user, org\n"
        "                        (default u{u}@org{o}.example)\n"
        "      --clients N       distinct client addresses (default 64)\n"
        "      --rcpts N         distinct recipients (default 1000)\n"
        "      --no-sasl         no sasl_username (the sender identifies the user)\n"
        "      --mode MODE       mix (RCPT then END-OF-MESSAGE per message, default),\n"
        "                        rcpt (RCPT only), eom (END-OF-MESSAGE only)\n"
        "      --random          pick users at random (default: round robin)\n"
        "      --seed S          random seed (default 1)\n"
        "  -w, --warmup N        untimed requests per connection before timing\n"
        "      --server-pid PID  report the CPU used by PID and its descendants during the\n"
        "                        timed phase (utime+stime+cutime+cstime from /proc)\n"
        "      --rate R          at most R requests/s in all (paced per connection;\n"
        "                        default: as fast as the server answers)\n"
        "      --keep-going      when the server goes away, keep reconnecting until the\n"
        "                        time limit (fault tests); default: a connection gives up\n"
        "                        after 4 failed reconnects\n"
        "  -q, --quiet           only the RESULT line\n"
        "  -v, --verbose         print the first request and reply\n",
        stderr);
}

Options parse_options(int argc, char** argv) {
    Options o;
    enum { OptTimeout = 256, OptOrgs, OptUserFmt, OptClients, OptRcpts, OptNoSasl, OptMode,
           OptRandom, OptSeed, OptServerPid, OptRate, OptKeepGoing };
    static const option longopts[] = {
        {"conc", required_argument, nullptr, 'c'},
        {"requests", required_argument, nullptr, 'n'},
        {"messages", required_argument, nullptr, 'm'},
        {"time", required_argument, nullptr, 'T'},
        {"timeout-ms", required_argument, nullptr, OptTimeout},
        {"users", required_argument, nullptr, 'u'},
        {"orgs", required_argument, nullptr, OptOrgs},
        {"user-fmt", required_argument, nullptr, OptUserFmt},
        {"clients", required_argument, nullptr, OptClients},
        {"rcpts", required_argument, nullptr, OptRcpts},
        {"no-sasl", no_argument, nullptr, OptNoSasl},
        {"mode", required_argument, nullptr, OptMode},
        {"random", no_argument, nullptr, OptRandom},
        {"seed", required_argument, nullptr, OptSeed},
        {"warmup", required_argument, nullptr, 'w'},
        {"server-pid", required_argument, nullptr, OptServerPid},
        {"rate", required_argument, nullptr, OptRate},
        {"keep-going", no_argument, nullptr, OptKeepGoing},
        {"quiet", no_argument, nullptr, 'q'},
        {"verbose", no_argument, nullptr, 'v'},
        {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "c:n:m:T:u:w:qvh", longopts, nullptr)) != -1) {
        switch (ch) {
        case 'c': o.conc = static_cast<int>(parse_long(optarg, "--conc", 1, 1024)); break;
        case 'n': o.requests = parse_long(optarg, "--requests", 1, 100000000); break;
        case 'm': o.messages = parse_long(optarg, "--messages", 1, 100000000); break;
        case 'T': {
            char* end = nullptr;
            o.time_limit = std::strtod(optarg, &end);
            if (!end || *end || !(o.time_limit > 0 && o.time_limit <= 86400))
                usage_error("--time wants seconds in (0, 86400]");
            break;
        }
        case OptTimeout: o.timeout_ms = static_cast<int>(parse_long(optarg, "--timeout-ms", 1, 600000)); break;
        case 'u': o.users = parse_long(optarg, "--users", 1, 1000000000); break;
        case OptOrgs: o.orgs = parse_long(optarg, "--orgs", 1, 1000000000); break;
        case OptUserFmt: o.user_fmt = optarg; break;
        case OptClients: o.clients = parse_long(optarg, "--clients", 1, 65000); break;
        case OptRcpts: o.rcpts = parse_long(optarg, "--rcpts", 1, 1000000000); break;
        case OptNoSasl: o.sasl = false; break;
        case OptMode: {
            std::string_view m(optarg);
            if (m == "mix") o.mode = Mode::Mix;
            else if (m == "rcpt") o.mode = Mode::Rcpt;
            else if (m == "eom") o.mode = Mode::Eom;
            else usage_error("--mode wants mix, rcpt or eom");
            break;
        }
        case OptRandom: o.random = true; break;
        case OptSeed: o.seed = static_cast<unsigned long>(parse_long(optarg, "--seed", 0, 1L << 40)); break;
        case OptServerPid: o.server_pid = parse_long(optarg, "--server-pid", 1, 1L << 30); break;
        case 'w': o.warmup = parse_long(optarg, "--warmup", 0, 1000000); break;
        case OptRate: {
            char* end = nullptr;
            o.rate = std::strtod(optarg, &end);
            if (!end || *end || !(o.rate > 0 && o.rate <= 1e7)) usage_error("--rate wants requests/s in (0, 1e7]");
            break;
        }
        case OptKeepGoing: o.keep_going = true; break;
        case 'q': o.quiet = true; break;
        case 'v': o.verbose = true; break;
        case 'h': print_help(); std::exit(0);
        default: print_help(); std::exit(2);
        }
    }
    if (optind != argc - 1) usage_error("exactly one TARGET expected");
    o.target = argv[optind];
    return o;
}

// ---------------------------------------------------------------- target

struct Target {
    sockaddr_storage addr{};
    socklen_t len = 0;
    bool is_unix = false;
};

Target resolve_target(const std::string& spec) {
    Target t;
    std::string_view s(spec);
    if (s.starts_with("unix:") || s.starts_with("/")) {
        if (s.starts_with("unix:")) s.remove_prefix(5);
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        if (s.empty() || s.size() >= sizeof sun.sun_path) usage_error("bad unix socket path");
        std::memcpy(sun.sun_path, s.data(), s.size());
        std::memcpy(&t.addr, &sun, sizeof sun);
        t.len = sizeof sun;
        t.is_unix = true;
        return t;
    }
    if (s.starts_with("inet:")) s.remove_prefix(5);
    std::string host, port;
    if (s.starts_with("[")) {
        auto rb = s.find("]:");
        if (rb == std::string_view::npos) usage_error("bad target " + spec);
        host = s.substr(1, rb - 1);
        port = s.substr(rb + 2);
    } else {
        auto colon = s.rfind(':');
        if (colon == std::string_view::npos) usage_error("bad target " + spec + " (want host:port or unix:/path)");
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0)
        usage_error("target " + spec + ": " + gai_strerror(rc) + " (numeric loopback address expected)");
    std::memcpy(&t.addr, res->ai_addr, res->ai_addrlen);
    t.len = res->ai_addrlen;
    freeaddrinfo(res);
    // Benchmarks stay on this machine.
    bool loopback = false;
    if (t.addr.ss_family == AF_INET) {
        sockaddr_in sin{};
        std::memcpy(&sin, &t.addr, sizeof sin);
        loopback = (ntohl(sin.sin_addr.s_addr) >> 24) == 127;
    } else if (t.addr.ss_family == AF_INET6) {
        sockaddr_in6 sin6{};
        std::memcpy(&sin6, &t.addr, sizeof sin6);
        loopback = IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr);
    }
    if (!loopback) usage_error("refusing non-loopback target " + spec);
    return t;
}

// ---------------------------------------------------------------- server CPU

// CPU clock ticks used so far by process root and all its descendants:
// utime+stime, plus cutime+cstime of children they have reaped (a prefork
// server's recycled workers). Returns -1 when root is gone.
long tree_cpu_ticks(long root) {
    struct Proc { long ppid; long ticks; };
    std::map<long, Proc> procs;
    DIR* d = ::opendir("/proc");
    if (!d) return -1;
    while (dirent* e = ::readdir(d)) {
        char* end = nullptr;
        long pid = std::strtol(e->d_name, &end, 10);
        if (pid <= 0 || *end) continue;
        char path[64];
        std::snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE* f = std::fopen(path, "re");
        if (!f) continue;
        char buf[1024];
        std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
        std::fclose(f);
        buf[n] = 0;
        // fields after "pid (comm) ": state ppid ... utime(12) stime(13) cutime(14) cstime(15)
        char* p = std::strrchr(buf, ')');
        if (!p) continue;
        p += 2;
        long v[16] = {};
        for (int i = 1; i <= 15 && *p; ++i) {
            if (i == 1) { ++p; }            // state is a letter
            else v[i] = std::strtol(p, &p, 10);
            while (*p == ' ') ++p;
        }
        procs[pid] = {v[2], v[12] + v[13] + v[14] + v[15]};
    }
    ::closedir(d);
    if (!procs.contains(root)) return -1;
    std::map<long, std::vector<long>> kids;
    for (auto& [pid, pr] : procs) kids[pr.ppid].push_back(pid);
    long sum = 0;
    std::vector<long> todo{root};
    while (!todo.empty()) {
        long pid = todo.back();
        todo.pop_back();
        sum += procs[pid].ticks;
        for (long k : kids[pid]) todo.push_back(k);
    }
    return sum;
}

// ---------------------------------------------------------------- shared run state

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }

struct Shared {
    const Options& opt;
    const Target& target;
    NameTemplate user_name;
    Clock::time_point deadline;
    std::atomic<long> next_msg{0};       // timed messages handed out so far
    std::atomic<long> next_warm{0};
    long start_epoch = 0;                // for instance= values
    bool past_deadline() const { return g_stop.load(std::memory_order_relaxed) || Clock::now() >= deadline; }
};

struct WorkerResult {
    long sent = 0, ok = 0, errors = 0, reconnects = 0, retries = 0, msgs = 0, msgs_passed = 0;
    bool timed_out = false;         // stopped by the time limit with requests left
    std::vector<std::uint32_t> lat_us;
    std::map<std::string, long> actions;
    std::string first_error, first_retry;
    std::string first_request, first_reply;
};

// ---------------------------------------------------------------- one connection

class Connection {
public:
    explicit Connection(const Shared& sh) : sh_(sh) {}

    bool open() {
        buf_len_ = 0;
        served_ = 0;
        for (int attempt = 0; attempt < 20 && !sh_.past_deadline(); ++attempt) {
            Fd fd(::socket(sh_.target.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
            if (!fd.valid()) return fail(std::string("socket: ") + std::strerror(errno));
            if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sh_.target.addr), sh_.target.len) == 0) {
                if (!sh_.target.is_unix) {
                    int one = 1;
                    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                }
                fd_ = std::move(fd);
                return true;
            }
            int e = errno;
            if (e != ECONNREFUSED && e != EAGAIN && e != EINTR && e != ETIMEDOUT && e != ENOENT)
                return fail(std::string("connect: ") + std::strerror(e));
            // listen backlog full or server not up yet: back off a little
            std::this_thread::sleep_for(std::chrono::milliseconds(10 * (attempt + 1)));
            if (attempt == 19) return fail(std::string("connect: ") + std::strerror(e));
        }
        return fail("connect: time limit reached");
    }

    bool is_open() const { return fd_.valid(); }
    void close() { fd_.reset(); buf_len_ = 0; }
    const std::string& last_error() const { return last_error_; }
    // The last failure was the server dropping a connection that had already
    // served requests, before any byte of the reply: Postfix's policy client
    // (attr_clnt) then reconnects and sends the request once more.
    bool retryable() const { return dropped_ && served_ > 0; }

    // Sends req and reads one reply into reply (without the empty line).
    bool transact(const std::string& req, std::string& reply) {
        dropped_ = false;
        const char* p = req.data();
        std::size_t left = req.size();
        while (left > 0) {
            ssize_t k = ::send(fd_.get(), p, left, MSG_NOSIGNAL);
            if (k < 0) {
                if (errno == EINTR) continue;
                dropped_ = errno == EPIPE || errno == ECONNRESET;
                return fail(std::string("send: ") + std::strerror(errno));
            }
            p += k;
            left -= static_cast<std::size_t>(k);
        }
        // A reply ends with an empty line: "\n" right after "\n" (or at its start).
        std::size_t scan = 0;
        for (;;) {
            for (; scan < buf_len_; ++scan) {
                if (buf_[scan] == '\n' && (scan == 0 || buf_[scan - 1] == '\n')) {
                    reply.assign(buf_, scan);
                    std::size_t used = scan + 1;
                    std::memmove(buf_, buf_ + used, buf_len_ - used);
                    buf_len_ -= used;
                    ++served_;
                    return true;
                }
            }
            if (buf_len_ == sizeof buf_) return fail("reply too long");
            auto now = Clock::now();
            if (now >= sh_.deadline || g_stop.load()) return fail("time limit reached while waiting for a reply");
            auto left_ms = std::chrono::duration_cast<std::chrono::milliseconds>(sh_.deadline - now).count() + 1;
            int wait_ms = static_cast<int>(std::min<long long>(sh_.opt.timeout_ms, left_ms));
            pollfd pfd{fd_.get(), POLLIN, 0};
            int pr = ::poll(&pfd, 1, wait_ms);
            if (pr == 0) {
                if (wait_ms < sh_.opt.timeout_ms) return fail("time limit reached while waiting for a reply");
                return fail("reply timeout after " + std::to_string(sh_.opt.timeout_ms) + " ms");
            }
            if (pr < 0) {
                if (errno == EINTR) continue;
                return fail(std::string("poll: ") + std::strerror(errno));
            }
            ssize_t k = ::recv(fd_.get(), buf_ + buf_len_, sizeof buf_ - buf_len_, 0);
            if (k == 0) {
                dropped_ = buf_len_ == 0;
                return fail("server closed the connection");
            }
            if (k < 0) {
                if (errno == EINTR) continue;
                dropped_ = errno == ECONNRESET && buf_len_ == 0;
                return fail(std::string("recv: ") + std::strerror(errno));
            }
            buf_len_ += static_cast<std::size_t>(k);
        }
    }

private:
    bool fail(const std::string& why) {
        last_error_ = why;
        return false;
    }
    const Shared& sh_;
    Fd fd_;
    char buf_[8192];
    std::size_t buf_len_ = 0;
    long served_ = 0;               // replies received on this connection
    bool dropped_ = false;
    std::string last_error_;
};

// ---------------------------------------------------------------- requests

enum class Stage { Rcpt, Eom };

void add_attr(std::string& r, std::string_view name, std::string_view value) {
    r += name;
    r += '=';
    r += value;
    r += '\n';
}

// splitmix64 finalizer: spreads consecutive numbers over the whole range.
unsigned long mix64(unsigned long x) {
    std::uint64_t z = x + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<unsigned long>(z ^ (z >> 31));
}

// A Postfix-style long queue id (base 52 digits, 15 characters).
void queue_id(std::string& out, unsigned long n) {
    static constexpr char digits[] = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjkmnpqrstvwxyz";
    char id[15];
    constexpr unsigned long base = sizeof digits - 1;
    for (char& c : id) { c = digits[n % base]; n /= base; }
    out.append(id, sizeof id);
}

// Builds the request for message msg at the given stage, as Postfix 3.7 smtpd
// sends it (SMTPD_POLICY_README attribute list up to "server_port").
void build_request(std::string& r, const Shared& sh, int conn_id, unsigned long msg, unsigned long user, Stage st) {
    const Options& o = sh.opt;
    unsigned long org = user % static_cast<unsigned long>(o.orgs);
    unsigned long client = msg % static_cast<unsigned long>(o.clients);
    // recipients spread independently of users (a user does not always mail one
    // rcpt): a 64-bit mix of the message number, not a function of msg % users
    unsigned long rcpt = mix64(msg) % static_cast<unsigned long>(o.rcpts);
    std::string tmp;
    tmp.reserve(128);
    r.clear();
    add_attr(r, "request", "smtpd_access_policy");
    add_attr(r, "protocol_state", st == Stage::Rcpt ? "RCPT" : "END-OF-MESSAGE");
    add_attr(r, "protocol_name", "ESMTP");
    auto client_name = [&](std::string& s) {
        s = "mail";
        append_num(s, client);
        s += ".client";
        append_num(s, client % 7);
        s += ".example";
    };
    client_name(tmp);
    add_attr(r, "helo_name", tmp);
    // smtpd creates the queue file with the first accepted recipient: the
    // queue id is still empty when the first RCPT is checked.
    tmp.clear();
    if (st == Stage::Eom) queue_id(tmp, msg * 2654435761UL + static_cast<unsigned long>(conn_id));
    add_attr(r, "queue_id", tmp);
    tmp.clear();
    sh.user_name.expand(tmp, user, org);
    add_attr(r, "sender", tmp);
    std::string user_addr = tmp;
    tmp = "rcpt";
    append_num(tmp, rcpt);
    tmp += "@dest";
    append_num(tmp, rcpt % 97);
    tmp += ".example";
    add_attr(r, "recipient", tmp);
    add_attr(r, "recipient_count", st == Stage::Rcpt ? "0" : "1");
    // RFC 2544 benchmark range 198.18.0.0/15: never a real peer
    tmp = "198.18.";
    append_num(tmp, (client + 1) >> 8 & 255);
    tmp += '.';
    append_num(tmp, (client + 1) & 255);
    add_attr(r, "client_address", tmp);
    client_name(tmp);
    add_attr(r, "client_name", tmp);
    add_attr(r, "reverse_client_name", tmp);
    tmp.clear();
    append_num(tmp, 0x1000UL + static_cast<unsigned long>(conn_id), 16);
    tmp += '.';
    append_num(tmp, static_cast<unsigned long>(sh.start_epoch), 16);
    tmp += '.';
    append_num(tmp, msg & 0xfffff, 16);
    tmp += ".0";
    add_attr(r, "instance", tmp);
    add_attr(r, "sasl_method", o.sasl ? "PLAIN" : "");
    add_attr(r, "sasl_username", o.sasl ? std::string_view(user_addr) : std::string_view());
    add_attr(r, "sasl_sender", "");
    add_attr(r, "size", "4096");
    add_attr(r, "ccert_subject", "");
    add_attr(r, "ccert_issuer", "");
    add_attr(r, "ccert_fingerprint", "");
    add_attr(r, "encryption_protocol", "TLSv1.3");
    add_attr(r, "encryption_cipher", "TLS_AES_256_GCM_SHA384");
    add_attr(r, "encryption_keysize", "256");
    add_attr(r, "etrn_domain", "");
    add_attr(r, "stress", "");
    add_attr(r, "ccert_pubkey_fingerprint", "");
    tmp.clear();
    append_num(tmp, 32768 + (msg * 7919 + static_cast<unsigned long>(conn_id)) % 28000);
    add_attr(r, "client_port", tmp);
    add_attr(r, "policy_context", "");
    add_attr(r, "server_address", "127.0.0.1");
    add_attr(r, "server_port", "587");
    r += '\n';
}

// Action kind of a reply: the first word of its action= line, upper-cased;
// numeric 4xx codes count as DEFER and 5xx as REJECT.
std::string classify(std::string_view reply) {
    std::string_view a;
    std::size_t pos = 0;
    while (pos < reply.size()) {
        std::size_t nl = reply.find('\n', pos);
        std::string_view line = reply.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        if (line.starts_with("action=")) { a = line.substr(7); break; }
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    if (a.empty()) return "NO_ACTION";
    std::size_t end = a.find_first_of(" \t\r");
    std::string word(a.substr(0, end));
    if (word.size() == 3 && std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        if (word[0] == '4') return "DEFER";
        if (word[0] == '5') return "REJECT";
    }
    for (char& c : word) if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return word;
}

bool is_pass(const std::string& kind) {
    return kind == "DUNNO" || kind == "OK" || kind == "PREPEND" || kind == "WARN" || kind == "INFO";
}

// ---------------------------------------------------------------- worker

void run_worker(int id, long budget, Shared& sh, std::barrier<>& ready, std::barrier<>& go, WorkerResult& res) {
    const Options& o = sh.opt;
    Connection conn(sh);
    auto note_error = [&] {
        if (res.first_error.empty()) res.first_error = conn.last_error();
    };
    std::mt19937_64 rng(o.seed * 1000003ULL + static_cast<unsigned long>(id));
    auto pick_user = [&](unsigned long msg) {
        if (o.random) return static_cast<unsigned long>(rng() % static_cast<unsigned long>(o.users));
        return msg % static_cast<unsigned long>(o.users);
    };
    std::string req, reply;
    req.reserve(1024);
    res.lat_us.reserve(static_cast<std::size_t>(budget));

    // Warm-up: untimed and not in the statistics (a failure still counts as an
    // error); users come from the same rotation.
    if (!conn.open()) {
        note_error();
    } else {
        for (long i = 0; i < o.warmup && !sh.past_deadline(); ++i) {
            unsigned long m = static_cast<unsigned long>(sh.next_warm.fetch_add(1));
            Stage st = o.mode == Mode::Eom ? Stage::Eom : Stage::Rcpt;
            build_request(req, sh, id, m + 500000000UL, pick_user(m), st);
            if (!conn.transact(req, reply)) { ++res.errors; note_error(); conn.close(); break; }
        }
    }
    ready.arrive_and_wait();
    go.arrive_and_wait();

    int fails_in_row = 0;
    // --rate: this connection's share, one request every `gap`
    const auto gap = o.rate > 0 ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.conc / o.rate))
                                : Clock::duration::zero();
    auto next_slot = Clock::now();
    while (budget > 0 && !sh.past_deadline()) {
        if (!conn.is_open()) {
            if (fails_in_row > 3 && !o.keep_going) break;
            if (!conn.open()) {
                ++res.errors; note_error(); ++fails_in_row;
                if (o.keep_going) std::this_thread::sleep_for(std::chrono::milliseconds(100));
                continue;
            }
            ++res.reconnects;
        }
        if (gap != Clock::duration::zero()) {
            next_slot += gap;
            if (next_slot > Clock::now()) std::this_thread::sleep_until(next_slot);
            else next_slot = Clock::now();
        }
        long m = sh.next_msg.fetch_add(1);
        if (o.messages > 0 && m >= o.messages) break;
        unsigned long msg = static_cast<unsigned long>(m);
        unsigned long user = pick_user(msg);

        Stage stages[2];
        int nstages = 0;
        if (o.mode != Mode::Eom) stages[nstages++] = Stage::Rcpt;
        if (o.mode != Mode::Rcpt) stages[nstages++] = Stage::Eom;
        bool passed = true, complete = true;
        for (int s = 0; s < nstages; ++s) {
            if (budget <= 0 || sh.past_deadline()) { complete = false; break; }
            build_request(req, sh, id, msg, user, stages[s]);
            --budget;
            ++res.sent;
            auto t0 = Clock::now();
            bool answered = conn.transact(req, reply);
            if (!answered && conn.retryable()) {
                ++res.retries;
                if (res.first_retry.empty()) res.first_retry = conn.last_error();
                conn.close();
                answered = conn.open() && conn.transact(req, reply);
                if (answered) ++res.reconnects;
            }
            if (!answered) {
                ++res.errors;
                note_error();
                ++fails_in_row;
                conn.close();
                complete = false;
                break;
            }
            auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
            res.lat_us.push_back(static_cast<std::uint32_t>(std::clamp<long long>(us, 0, UINT32_MAX)));
            ++res.ok;
            fails_in_row = 0;
            if (o.verbose && res.first_request.empty()) { res.first_request = req; res.first_reply = reply; }
            std::string kind = classify(reply);
            ++res.actions[kind];
            // Postfix sends no END-OF-MESSAGE for a message whose only recipient was refused.
            if (!is_pass(kind)) { passed = false; break; }
        }
        if (complete) {
            ++res.msgs;
            if (passed) ++res.msgs_passed;
        }
    }
    if (budget > 0 && sh.past_deadline()) res.timed_out = true;
}

std::uint32_t percentile(const std::vector<std::uint32_t>& sorted, double p) {
    if (sorted.empty()) return 0;
    // nearest rank
    auto rank = static_cast<std::size_t>(p * static_cast<double>(sorted.size()) + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > sorted.size()) rank = sorted.size();
    return sorted[rank - 1];
}

} // namespace

int main(int argc, char** argv) {
    Options opt = parse_options(argc, argv);
    Target target = resolve_target(opt.target);

    std::signal(SIGPIPE, SIG_IGN);
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    Shared sh{opt, target, NameTemplate(opt.user_fmt), {}, {}, {}, 0};
    sh.start_epoch = static_cast<long>(std::time(nullptr)) & 0xffffff;
    sh.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.time_limit));

    std::vector<WorkerResult> results(static_cast<std::size_t>(opt.conc));
    std::vector<std::thread> threads;
    std::barrier<> ready(opt.conc + 1), go(opt.conc + 1);
    long per = opt.requests / opt.conc, extra = opt.requests % opt.conc;
    for (int i = 0; i < opt.conc; ++i) {
        long budget = per + (i < extra ? 1 : 0);
        threads.emplace_back(run_worker, i, budget, std::ref(sh), std::ref(ready), std::ref(go), std::ref(results[static_cast<std::size_t>(i)]));
    }
    ready.arrive_and_wait();     // every connection is up (or failed) and warmed up
    long cpu0 = opt.server_pid > 0 ? tree_cpu_ticks(opt.server_pid) : 0;
    auto t0 = Clock::now();
    go.arrive_and_wait();
    for (auto& t : threads) t.join();
    auto t1 = Clock::now();
    long cpu1 = opt.server_pid > 0 ? tree_cpu_ticks(opt.server_pid) : 0;
    double secs = std::chrono::duration<double>(t1 - t0).count();

    WorkerResult tot;
    std::vector<std::uint32_t> all;
    for (auto& r : results) {
        tot.sent += r.sent; tot.ok += r.ok; tot.errors += r.errors; tot.reconnects += r.reconnects;
        tot.retries += r.retries;
        if (tot.first_retry.empty()) tot.first_retry = r.first_retry;
        tot.msgs += r.msgs; tot.msgs_passed += r.msgs_passed;
        tot.timed_out = tot.timed_out || r.timed_out;
        for (auto& [k, v] : r.actions) tot.actions[k] += v;
        if (tot.first_error.empty() && !r.first_error.empty()) tot.first_error = r.first_error;
        if (tot.first_request.empty()) { tot.first_request = r.first_request; tot.first_reply = r.first_reply; }
        all.insert(all.end(), r.lat_us.begin(), r.lat_us.end());
        r.lat_us.clear();
        r.lat_us.shrink_to_fit();
    }
    bool timed_out = tot.timed_out;
    std::sort(all.begin(), all.end());
    double mean = 0;
    for (auto v : all) mean += v;
    if (!all.empty()) mean /= static_cast<double>(all.size());
    double rps = secs > 0 ? static_cast<double>(tot.ok) / secs : 0;
    std::vector<std::pair<std::string, long>> kinds(tot.actions.begin(), tot.actions.end());
    std::sort(kinds.begin(), kinds.end(), [](auto& a, auto& b) { return a.second > b.second; });
    std::string actions;
    for (auto& [k, v] : kinds) {
        if (!actions.empty()) actions += ',';
        actions += k + ':' + std::to_string(v);
    }
    if (actions.empty()) actions = "none";
    std::string cpu_fields;
    if (opt.server_pid > 0) {
        if (cpu0 < 0 || cpu1 < 0) {
            cpu_fields = "server_cpu_us=-1 cpu_us_per_req=-1 ";
        } else {
            double us = static_cast<double>(cpu1 - cpu0) * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
            char b[96];
            std::snprintf(b, sizeof b, "server_cpu_us=%.0f cpu_us_per_req=%.1f ", us,
                          tot.ok > 0 ? us / static_cast<double>(tot.ok) : 0.0);
            cpu_fields = b;
        }
    }
    const char* mode = opt.mode == Mode::Mix ? "mix" : opt.mode == Mode::Rcpt ? "rcpt" : "eom";

    if (!opt.quiet) {
        if (opt.verbose && !tot.first_request.empty())
            std::fprintf(stderr, "--- first request ---\n%s--- its reply ---\n%s\n---\n", tot.first_request.c_str(),
                         tot.first_reply.c_str());
        std::fprintf(stderr, "target      %s, %d connections, mode %s, %ld users over %ld orgs\n",
                     opt.target.c_str(), opt.conc, mode, opt.users, opt.orgs);
        std::fprintf(stderr, "requests    sent %ld ok %ld errors %ld reconnects %ld retries %ld in %.3f s = %.0f req/s\n",
                     tot.sent, tot.ok, tot.errors, tot.reconnects, tot.retries, secs, rps);
        std::fprintf(stderr, "latency us  mean %.0f p50 %u p90 %u p99 %u p99.9 %u max %u\n", mean,
                     percentile(all, .5), percentile(all, .9), percentile(all, .99), percentile(all, .999),
                     all.empty() ? 0U : all.back());
        std::fprintf(stderr, "messages    %ld complete, %ld passed; actions %s\n", tot.msgs, tot.msgs_passed,
                     actions.c_str());
        if (!tot.first_error.empty()) std::fprintf(stderr, "first error %s\n", tot.first_error.c_str());
        if (!tot.first_retry.empty())
            std::fprintf(stderr, "first retry %s (server dropped a used connection; resent once, as Postfix does)\n",
                         tot.first_retry.c_str());
        if (timed_out) std::fprintf(stderr, "note        stopped by the %.0f s time limit\n", opt.time_limit);
    }
    std::printf("RESULT conc=%d sent=%ld ok=%ld errors=%ld secs=%.3f rps=%.1f p50_us=%u p99_us=%u max_us=%u "
                "mean_us=%.0f %sretries=%ld mode=%s msgs=%ld msgs_passed=%ld timed_out=%d actions=%s\n",
                opt.conc, tot.sent, tot.ok, tot.errors, secs, rps, percentile(all, .5), percentile(all, .99),
                all.empty() ? 0U : all.back(), mean, cpu_fields.c_str(), tot.retries, mode, tot.msgs, tot.msgs_passed, timed_out ? 1 : 0,
                actions.c_str());
    std::fflush(stdout);
    return (tot.errors > 0 || timed_out) ? 1 : 0;
}
