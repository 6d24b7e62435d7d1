// DnsmasqServer: a dnsmasq the test starts on 127.0.0.1 (a free port found by
// binding port 0), authoritative for test. and the 192.0.2.0/24 and
// 2001:db8::/32 reverse zones (auth mode, so negative answers carry an SOA
// as libunbound wants), with the records the test passes. Stopped by PID in
// the destructor. No query ever leaves the machine (TESTING.md).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace sw::test {

class DnsmasqServer {
public:
    static constexpr const char* kPath = "/usr/sbin/dnsmasq";
    static bool available() { return ::access(kPath, X_OK) == 0; }

    explicit DnsmasqServer(const std::vector<std::string>& records) {
        for (int attempt = 0; attempt < 5; ++attempt) {
            port_ = free_port();
            if (port_ > 0 && start(records)) return;
        }
        throw std::runtime_error("could not start dnsmasq");
    }
    ~DnsmasqServer() { stop(); }
    DnsmasqServer(const DnsmasqServer&) = delete;
    DnsmasqServer& operator=(const DnsmasqServer&) = delete;

    int port() const { return port_; }
    std::string forwarder() const { return "127.0.0.1:" + std::to_string(port_); }

    // A port on 127.0.0.1 that is free for both UDP and TCP right now.
    static int free_port() {
        int s = ::socket(AF_INET, SOCK_DGRAM, 0);
        if (s < 0) return -1;
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        int port = -1;
        if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
            ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
            port = ntohs(a.sin_port);
        ::close(s);
        return port;
    }

private:
    bool start(const std::vector<std::string>& records) {
        std::vector<std::string> args = {kPath,
                                         "--no-daemon",
                                         "--no-resolv",
                                         "--no-hosts",
                                         "--conf-file=/dev/null",
                                         "--pid-file=",
                                         "--port=" + std::to_string(port_),
                                         "--listen-address=127.0.0.1",
                                         "--bind-interfaces",
                                         "--auth-server=ns.test,127.0.0.1",
                                         "--auth-zone=test,192.0.2.0/24,2001:db8::/32",
                                         "--auth-soa=1,hostmaster.test",
                                         "--auth-ttl=60"};
        if (std::getenv("SW_TEST_VERBOSE")) args.push_back("--log-queries=extra");
        // As root dnsmasq would switch to nobody, which clears the parent-death
        // signal set below; stay root so a killed test takes dnsmasq along.
        if (::geteuid() == 0) args.push_back("--user=root");
        args.insert(args.end(), records.begin(), records.end());
        pid_ = ::fork();
        if (pid_ < 0) return false;
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            if (!std::getenv("SW_TEST_VERBOSE")) {
                // dnsmasq logs to stderr in --no-daemon mode
                int null = ::open("/dev/null", O_WRONLY);
                if (null >= 0) ::dup2(null, 2);
            }
            ::execv(kPath, argv.data());
            ::_exit(127);
        }
        // Ready when its TCP port accepts; gone early means the port was taken.
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (std::chrono::steady_clock::now() < until) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            if (tcp_accepts()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        stop();
        return false;
    }

    bool tcp_accepts() const {
        int s = ::socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0) return false;
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port_));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        ::close(s);
        return ok;
    }

    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

    int port_ = -1;
    pid_t pid_ = -1;
};

}  // namespace sw::test
