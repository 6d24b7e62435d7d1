// Tests of src/policyd/policy_server.cpp that need the server object itself
// (the protocol over real sockets is tests/policyd/policyd_integration.py).
#include <catch2/catch.hpp>

#include "policyd/policy_server.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "core/config/config_file.hpp"
#include "core/store/counters_db.hpp"
#include "core/store/data_db.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace sw;
using namespace sw::policyd;

namespace {

int connect_unix(const std::string& path) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    timeval tv{2, 0};  // a read never blocks the test for long
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof(sa.sun_path) - 1);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0);
    return fd;
}

}  // namespace

// main() on SIGTERM: server.stop(), io.stop(), then the server is destroyed
// before the io_context, whose destructor destroys the aborted reads and
// with them the last references to the connections. Those must not reach
// back into the destroyed server (a use after free that valgrind and ASan
// report; the server is on the heap here so they can see it).
TEST_CASE("connections outliving their server at shutdown leave it alone") {
    test::TempDir dir;
    test::FakeClock clock;
    dir.write("limits", "user * messages 5/1m 5 defer\n");
    dir.write("orgs", "");
    auto cfg = config::parse_config("[global]\npolicy_dir = " + dir.path() + "\n", "test.conf");
    REQUIRE(cfg.errors.empty());
    auto policy = config::load_policy(dir.path(), "");
    REQUIRE(policy.errors.empty());
    auto counters = store::CountersDb::open(dir.path(), 16 << 20);
    auto data = store::DataDb::open(dir.path(), 16 << 20);
    PolicyDecider decider(*counters, *data, clock);
    decider.set_policy({cfg.config, policy.policy});

    int idle = -1, half = -1;
    {
        boost::asio::io_context io(1);
        auto server = std::make_unique<PolicyServer>(io, decider);
        std::string path = dir.file("p.sock");
        REQUIRE(server->listen({"unix:" + path}, 0600, -1, -1).ok());
        server->start();
        idle = connect_unix(path);
        half = connect_unix(path);
        const char part[] = "request=smtpd_access_policy\nprotocol_state=RC";
        REQUIRE(write(half, part, sizeof(part) - 1) == static_cast<ssize_t>(sizeof(part) - 1));
        for (int i = 0; i < 200 && server->connections() < 2; ++i) io.run_for(std::chrono::milliseconds(10));
        REQUIRE(server->connections() == 2);
        io.run_for(std::chrono::milliseconds(20));  // the half request is read
        server->stop();
        io.stop();
        server.reset();
    }  // ~io_context: the connections go now
    char c;
    CHECK(read(idle, &c, 1) == 0);  // closed by stop()
    CHECK(read(half, &c, 1) == 0);
    close(idle);
    close(half);
}
