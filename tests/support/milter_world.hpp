// MilterWorld: a real MilterRuntime for tests and the milter fuzz target:
// fresh RSA and Ed25519 keys for acme.example in a TempDir, an in-memory DNS
// zone (spf.example allows only 192.0.2.10), the builtin SPF engine,
// internal_hosts 10.0.0.0/8 and authserv-id mx.test. Throws instead of
// using Catch2 so that the fuzz target can build one too.
#pragma once

#include <sys/stat.h>

#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/dkim/dkim_test_keys.hpp"
#include "core/dkim/from_address.hpp"
#include "core/spf/builtin_engine.hpp"
#include "milter/milter_runtime.hpp"
#include "support/temp_dir.hpp"
#include "support/zone_resolver.hpp"

namespace sw::test {

struct MilterWorld {
    TempDir dir;
    std::shared_ptr<ZoneResolver> zone = std::make_shared<ZoneResolver>();
    std::unique_ptr<milter::MilterRuntime> runtime;

    explicit MilterWorld(milter::SpfAction fail_action = milter::SpfAction::Reject, limits::SessionLimits caps = {}) {
        dkim::init_mime_library();
        ::chmod(dir.path().c_str(), 0700);
        std::string rows = "acme.example r rsa-sha256 r.private\nacme.example e ed25519-sha256 e.private\n";
        write_key(dir, "r.private", dkim::Algorithm::RsaSha256, 0600, 1024);
        write_key(dir, "e.private", dkim::Algorithm::Ed25519Sha256, 0600);
        std::istringstream table(rows);
        std::vector<std::string> errors;
        auto signing =
            std::make_shared<dkim::SigningTable>(dkim::SigningTable::parse(table, "signing", dir.path(), errors));
        signing->load_keys(errors);
        if (!errors.empty()) throw std::runtime_error("signing table: " + errors.front());

        zone->add_txt("spf.example", "v=spf1 ip4:192.0.2.10 -all");
        auto state = std::make_shared<milter::MilterState>();
        state->config = std::make_shared<config::Config>();
        state->signing = signing;
        state->internal_hosts = *CidrList::parse("10.0.0.0/8");
        state->authserv_id = "mx.test";
        state->receiver = "mx.test";
        state->fail_action = fail_action;
        state->session_limits = caps;
        state->resolver = zone;
        state->spf = std::make_shared<spf::BuiltinEngine>(*zone);
        auto lib = dkim::DkimLib::create();
        if (!lib.ok()) throw std::runtime_error("dkim library: " + lib.error());
        runtime = std::make_unique<milter::MilterRuntime>(std::move(*lib), state);
    }
};

}  // namespace sw::test
