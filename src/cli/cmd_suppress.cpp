// `sendwarden suppress add|remove|list|export|import`: the suppression list
// by hand. Addresses are normalized as policyd will compare them
// (core/suppress/address). Every change is logged as an audit line (who:
// the Unix user; what; the time is syslog's) and recorded as an event in the
// data environment.
//
// CSV (export and import): a header row "address,org,reason,created,expires,source",
// then one row per entry; org empty for global; times in Unix seconds
// (expires 0: never). Fields are plain (no commas or quotes inside: the
// addresses are normalized and the rest are names and numbers); a source
// with a comma is written with it replaced by ';'.
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <pwd.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <variant>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/cli_context.hpp"
#include "cli/cli_options.hpp"
#include "cli/cli_state.hpp"
#include "core/config/config_file.hpp"
#include "core/log/msg.hpp"
#include "core/suppress/suppression_store.hpp"
#include "core/util/strings.hpp"

namespace po = boost::program_options;

namespace sw::cli {
namespace {

constexpr const char* kCsvHeader = "address,org,reason,created,expires,source";
constexpr std::size_t kImportBatch = 20000;

// [suppress] local_part_case of the config (insensitive when it cannot be
// read: opening the state reports that error).
suppress::LocalPartCase configured_case(const CliContext& ctx) {
    auto loaded = config::load_config(ctx.config_file);
    return loaded.config ? suppress::local_part_case(loaded.config->suppress_local_part_case)
                         : suppress::LocalPartCase::Insensitive;
}

nlohmann::json to_json(const suppress::Suppression& s) {
    return {{"address", s.address}, {"org", s.org},         {"reason", std::string(suppress::to_string(s.reason))},
            {"created", s.created}, {"expires", s.expires}, {"source", s.source}};
}

std::string csv_field(std::string v) {
    for (char& c : v)
        if (c == ',' || c == '"' || c == '\n' || c == '\r') c = ';';
    return v;
}

int add_cmd(const CliContext& ctx, const std::vector<std::string>& args) {
    std::string address, org, reason_text = "manual", source;
    long long expires_in = 0;
    po::options_description desc("usage: sendwarden [-c FILE] suppress add ADDRESS [--org ORG] --reason REASON");
    desc.add_options()("help,h", "show this help")("address", po::value(&address)->required(), "address or @domain")(
        "org", po::value(&org), "the org whose mail it stops (default: everyone's)")(
        "reason", po::value(&reason_text), "hard-bounce, soft-bounce, complaint, manual (default) or unsubscribe")(
        "expires-in", po::value(&expires_in), "seconds until it lapses (default: never)")(
        "source", po::value(&source), "where it comes from (default: cli:USER)");
    po::positional_options_description pos;
    pos.add("address", 1);
    po::variables_map vm;
    if (auto done = parse_command_options(args, desc, "suppress add", vm, &pos)) return *done;
    auto reason = suppress::parse_reason(reason_text);
    if (!reason) {
        std::cerr << "sendwarden suppress add: unknown reason '" << reason_text
                  << "' (hard-bounce, soft-bounce, complaint, manual, unsubscribe)\n";
        return EX_USAGE;
    }
    auto a = suppress::normalize_address(address, configured_case(ctx));
    if (!a) {
        std::cerr << "sendwarden suppress add: " << a.error() << "\n";
        return EX_DATAERR;
    }
    auto opened = open_state(ctx, "suppress");
    if (auto* rc = std::get_if<int>(&opened)) return *rc;
    auto& o = std::get<OpenedState>(opened);
    suppress::Suppression s;
    s.org = org;
    s.address = a->key();
    s.reason = *reason;
    s.created = std::time(nullptr);
    s.expires = expires_in > 0 ? s.created + expires_in : 0;
    s.source = source.empty() ? "cli:" + unix_user() : source;
    suppress::SuppressionStore store(*o.data);
    if (auto r = store.put(s); !r) {
        std::cerr << "sendwarden suppress add: " << r.error() << "\n";
        return EX_TEMPFAIL;
    }
    audit(*o.data, "suppress", "suppress add " + s.address + (org.empty() ? "" : " org=" + org) + " reason=" + reason_text, org,
          to_json(s));
    std::cout << "suppressed " << s.address << (org.empty() ? " for every org" : " for org " + org) << " ("
              << reason_text << ")\n";
    return 0;
}

int remove_cmd(const CliContext& ctx, const std::vector<std::string>& args) {
    std::string address, org;
    bool force = false;
    po::options_description desc("usage: sendwarden [-c FILE] suppress remove ADDRESS [--org ORG] [--force]");
    desc.add_options()("help,h", "show this help")("address", po::value(&address)->required(), "address or @domain")(
        "org", po::value(&org), "the org's entry (default: the global one)")(
        "force", po::bool_switch(&force), "also remove a complaint");
    po::positional_options_description pos;
    pos.add("address", 1);
    po::variables_map vm;
    if (auto done = parse_command_options(args, desc, "suppress remove", vm, &pos)) return *done;
    auto a = suppress::normalize_address(address, configured_case(ctx));
    if (!a) {
        std::cerr << "sendwarden suppress remove: " << a.error() << "\n";
        return EX_DATAERR;
    }
    auto opened = open_state(ctx, "suppress");
    if (auto* rc = std::get_if<int>(&opened)) return *rc;
    auto& o = std::get<OpenedState>(opened);
    suppress::SuppressionStore store(*o.data);
    // A complaint is the recipient's own word: it goes only when forced.
    if (auto s = store.get(org, a->key()); s && s->reason == suppress::Reason::Complaint && !force) {
        std::cerr << "sendwarden suppress remove: " << s->address
                  << " is suppressed by a complaint; --force removes it anyway\n";
        return EX_NOPERM;
    }
    auto gone = store.remove(org, a->key());
    if (!gone) {
        std::cerr << "sendwarden suppress remove: " << gone.error() << "\n";
        return EX_TEMPFAIL;
    }
    if (!*gone) {
        std::cerr << "sendwarden suppress remove: " << a->key() << " is not suppressed"
                  << (org.empty() ? " globally" : " for org " + org) << "\n";
        return 1;
    }
    audit(*o.data, "suppress", "suppress remove " + a->key() + (org.empty() ? "" : " org=" + org) + (force ? " forced" : ""), org,
          {{"address", a->key()}, {"org", org}, {"forced", force}});
    std::cout << "removed " << a->key() << (org.empty() ? " (global)" : " (org " + org + ")") << "\n";
    return 0;
}

int list_cmd(const CliContext& ctx, const std::vector<std::string>& args, bool csv) {
    std::string org;
    bool json = false;
    po::options_description desc(csv ? "usage: sendwarden [-c FILE] suppress export [--org ORG]"
                                     : "usage: sendwarden [-c FILE] suppress list [--org ORG] [--json]");
    desc.add_options()("help,h", "show this help")("org", po::value(&org), "one org's entries (default: all)");
    if (!csv) desc.add_options()("json", po::bool_switch(&json), "one JSON object per entry");
    po::variables_map vm;
    if (auto done = parse_command_options(args, desc, csv ? "suppress export" : "suppress list", vm)) return *done;
    auto opened = open_state(ctx, "suppress");
    if (auto* rc = std::get_if<int>(&opened)) return *rc;
    auto& o = std::get<OpenedState>(opened);
    suppress::SuppressionStore store(*o.data);
    auto entries = store.list(vm.count("org") ? std::optional<std::string>(org) : std::nullopt);
    if (csv) std::cout << kCsvHeader << "\n";
    else if (!json) std::cout << "ADDRESS\tORG\tREASON\tCREATED\tEXPIRES\tSOURCE\n";
    for (const auto& s : entries) {
        if (csv)
            std::cout << s.address << "," << s.org << "," << suppress::to_string(s.reason) << "," << s.created << ","
                      << s.expires << "," << csv_field(s.source) << "\n";
        else if (json)
            std::cout << to_json(s).dump() << "\n";
        else
            std::cout << s.address << "\t" << (s.org.empty() ? "*" : s.org) << "\t" << suppress::to_string(s.reason)
                      << "\t" << s.created << "\t" << (s.expires ? std::to_string(s.expires) : "never") << "\t"
                      << s.source << "\n";
    }
    return 0;
}

int import_cmd(const CliContext& ctx, const std::vector<std::string>& args) {
    const auto mode = configured_case(ctx);
    std::string file;
    bool dry_run = false;
    po::options_description desc("usage: sendwarden [-c FILE] suppress import FILE.csv [--dry-run]");
    desc.add_options()("help,h", "show this help")("file", po::value(&file)->required(), "CSV with a header row")(
        "dry-run", po::bool_switch(&dry_run), "check every row, change nothing");
    po::positional_options_description pos;
    pos.add("file", 1);
    po::variables_map vm;
    if (auto done = parse_command_options(args, desc, "suppress import", vm, &pos)) return *done;
    std::ifstream in(file);
    if (!in) {
        std::cerr << "sendwarden suppress import: cannot read " << file << "\n";
        return EX_NOINPUT;
    }
    std::unique_ptr<store::DataDb> db_holder;
    std::optional<suppress::SuppressionStore> store;
    if (!dry_run) {
        auto opened = open_state(ctx, "suppress");
        if (auto* rc = std::get_if<int>(&opened)) return *rc;
        db_holder = std::move(std::get<OpenedState>(opened).data);
        store.emplace(*db_holder);
    }
    const bool progress = isatty(STDERR_FILENO);
    const std::int64_t now = std::time(nullptr);
    const std::string source = "import:" + unix_user();
    std::vector<suppress::Suppression> batch;
    std::string line;
    std::size_t lineno = 0, good = 0, bad = 0;
    auto flush = [&]() -> bool {
        if (!store || batch.empty()) return true;
        if (auto r = store->put_all(batch); !r) {
            std::cerr << "sendwarden suppress import: " << r.error() << " (rows before line " << lineno
                      << " not in this batch are kept)\n";
            return false;
        }
        batch.clear();
        return true;
    };
    while (std::getline(in, line)) {
        ++lineno;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (lineno == 1) {
            if (line != kCsvHeader) {
                std::cerr << file << ":1: the header row must be '" << kCsvHeader << "'\n";
                return EX_DATAERR;
            }
            continue;
        }
        if (trim(line).empty()) continue;
        std::vector<std::string> f;
        std::stringstream row(line);
        for (std::string cell; std::getline(row, cell, ',');) f.push_back(cell);
        if (!line.empty() && line.back() == ',') f.emplace_back();
        auto reject = [&](const std::string& why) {
            ++bad;
            std::cerr << file << ":" << lineno << ": " << why << "\n";
        };
        if (f.size() != 6) {
            reject("expected 6 fields, found " + std::to_string(f.size()));
            continue;
        }
        auto a = suppress::normalize_address(f[0], mode);
        if (!a) {
            reject(a.error());
            continue;
        }
        auto reason = suppress::parse_reason(f[2]);
        if (!reason) {
            reject("unknown reason '" + f[2] + "'");
            continue;
        }
        suppress::Suppression s;
        s.address = a->key();
        s.org = f[1];
        s.reason = *reason;
        char* end = nullptr;
        s.created = f[3].empty() ? now : std::strtoll(f[3].c_str(), &end, 10);
        if (!f[3].empty() && (*end || s.created < 0)) {
            reject("created '" + f[3] + "' is not Unix seconds");
            continue;
        }
        s.expires = f[4].empty() ? 0 : std::strtoll(f[4].c_str(), &end, 10);
        if (!f[4].empty() && (*end || s.expires < 0)) {
            reject("expires '" + f[4] + "' is not Unix seconds");
            continue;
        }
        s.source = f[5].empty() ? source : f[5];
        ++good;
        batch.push_back(std::move(s));
        if (batch.size() >= kImportBatch) {
            if (!flush()) return EX_TEMPFAIL;
            if (progress) std::cerr << "\rimported " << good << " rows..." << std::flush;
        }
    }
    if (!flush()) return EX_TEMPFAIL;
    if (progress) std::cerr << "\r";
    std::cout << (dry_run ? "checked " : "imported ") << good << " rows from " << file << ", " << bad
              << " bad row(s) skipped" << (dry_run ? " (dry run: nothing changed)" : "") << "\n";
    if (db_holder && good)
        audit(*db_holder, "suppress", "suppress import " + file + " rows=" + std::to_string(good), "",
              {{"file", file}, {"rows", good}, {"bad_rows", bad}});
    return bad ? EX_DATAERR : 0;
}

}  // namespace

int cmd_suppress(const CliContext& ctx) {
    const std::string usage =
        "usage: sendwarden [-c FILE] suppress add ADDRESS [--org ORG] [--reason R] | remove ADDRESS [--org ORG] "
        "[--force] | list [--org ORG] [--json] | export [--org ORG] | import FILE.csv [--dry-run]\n";
    if (ctx.args.empty() || ctx.args[0] == "--help" || ctx.args[0] == "-h") {
        std::cerr << usage;
        return ctx.args.empty() ? EX_USAGE : 0;
    }
    std::vector<std::string> rest(ctx.args.begin() + 1, ctx.args.end());
    const std::string& sub = ctx.args[0];
    if (sub == "add") return add_cmd(ctx, rest);
    if (sub == "remove") return remove_cmd(ctx, rest);
    if (sub == "list") return list_cmd(ctx, rest, false);
    if (sub == "export") return list_cmd(ctx, rest, true);
    if (sub == "import") return import_cmd(ctx, rest);
    std::cerr << "sendwarden suppress: unknown subcommand '" << sub << "'\n" << usage;
    return EX_USAGE;
}

}  // namespace sw::cli
