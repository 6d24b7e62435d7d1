// `sendwarden org status [ORG] [--json]`, `org pause ORG --reason TEXT`,
// `org resume ORG`, and `sendwarden stats [--org ORG] [--json]`: an org's
// sending state and its counts and rates over the [reputation] window. Pause
// and resume are audited; resume makes the rates count afresh from then on.
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <sysexits.h>

#include <cstdio>
#include <ctime>
#include <iostream>
#include <set>

#include "cli/cli_context.hpp"
#include "cli/cli_options.hpp"
#include "cli/cli_state.hpp"
#include "core/orgs/org_map.hpp"
#include "core/reputation/org_counters.hpp"
#include "core/reputation/notify.hpp"
#include "core/reputation/org_state.hpp"
#include "core/reputation/thresholds.hpp"

namespace po = boost::program_options;

namespace sw::cli {
namespace {

struct OrgReport {
    reputation::OrgState state;
    reputation::Counts counts;
    reputation::Thresholds thresholds;
    reputation::Assessment assessment;
    std::int64_t window_start = 0;
};

OrgReport report_of(const std::string& org, const OpenedState& o, std::int64_t now) {
    OrgReport r;
    reputation::OrgStateStore states(*o.data);
    reputation::OrgCounters counters(o.counters->env());
    r.state = states.get(org);
    r.thresholds = reputation::thresholds_for(org, *o.cfg, *o.policy);
    std::int64_t window = r.thresholds.window_secs;
    if (r.state.resumed > 0 && now - r.state.resumed < window) window = now - r.state.resumed;
    r.window_start = now - window;
    r.counts = counters.window(org, now, window);
    r.assessment = reputation::assess(r.counts, r.thresholds);
    return r;
}

std::string iso_time(std::int64_t t) {
    if (t <= 0) return "-";
    std::time_t tt = t;
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

nlohmann::json to_json(const OrgReport& r) {
    return {{"org", r.state.org},
            {"state", std::string(reputation::to_string(r.state.mode))},
            {"since", r.state.since},
            {"reason", r.state.reason},
            {"by", r.state.by},
            {"window_start", r.window_start},
            {"sent", r.counts.sent},
            {"recipients", r.counts.rcpts},
            {"bounced", r.counts.hard},
            {"soft_bounced", r.counts.soft},
            {"complained", r.counts.complaints},
            {"unmatched", r.counts.unmatched},
            {"bounce_rate", r.assessment.bounce_rate},
            {"complaint_rate", r.assessment.complaint_rate},
            {"judged", r.assessment.judged},
            {"thresholds",
             {{"window", r.thresholds.window_secs},
              {"min_volume", r.thresholds.min_volume},
              {"bounce_warn", r.thresholds.bounce_warn},
              {"bounce_pause", r.thresholds.bounce_pause},
              {"complaint_warn", r.thresholds.complaint_warn},
              {"complaint_pause", r.thresholds.complaint_pause},
              {"pause_action", r.thresholds.pause_action}}}};
}

void print_table(const std::vector<OrgReport>& reports) {
    std::printf("%-20s %-7s %8s %8s %8s %8s %10s %10s  %s\n", "ORG", "STATE", "SENT", "RCPTS", "BOUNCED", "COMPL",
                "BOUNCE%", "COMPL%", "SINCE / REASON");
    for (const auto& r : reports) {
        std::string org = r.state.org.empty() ? "(none)" : r.state.org;
        std::string why = r.state.mode == reputation::OrgMode::Active ? "" : iso_time(r.state.since) + " " + r.state.reason;
        std::printf("%-20s %-7s %8llu %8llu %8llu %8llu %10s %10s  %s\n", org.c_str(),
                    std::string(reputation::to_string(r.state.mode)).c_str(),
                    static_cast<unsigned long long>(r.counts.sent), static_cast<unsigned long long>(r.counts.rcpts),
                    static_cast<unsigned long long>(r.counts.hard),
                    static_cast<unsigned long long>(r.counts.complaints),
                    reputation::percent(r.assessment.bounce_rate).c_str(),
                    reputation::percent(r.assessment.complaint_rate).c_str(), why.c_str());
    }
}

// Every org worth showing: named in the orgs table or org_settings, with a
// state record, or with counts in the window.
std::vector<std::string> known_orgs(const OpenedState& o, std::int64_t now) {
    std::set<std::string> names;
    for (const auto& s : reputation::OrgStateStore(*o.data).list()) names.insert(s.org);
    for (const auto& [org, c] : reputation::OrgCounters(o.counters->env()).window_all(now, o.cfg->reputation_window / kMicrosPerSecond))
        names.insert(org);
    for (const auto& [org, s] : o.policy->org_settings.all()) names.insert(org);
    return {names.begin(), names.end()};
}

int status_cmd(const CliContext& ctx, const std::vector<std::string>& args, const char* command, bool stats_style) {
    std::string org;
    bool json = false;
    po::options_description desc(stats_style ? "usage: sendwarden [-c FILE] stats [--org ORG] [--json]"
                                             : "usage: sendwarden [-c FILE] org status [ORG] [--json]");
    desc.add_options()("help,h", "show this help")("org", po::value(&org), "only this org")(
        "json", po::bool_switch(&json), "print JSON");
    po::positional_options_description pos;
    if (!stats_style) pos.add("org", 1);
    po::variables_map vm;
    if (auto done = parse_command_options(args, desc, command, vm, &pos)) return *done;
    auto opened = open_state(ctx, command, {.policy = true, .counters = true});
    if (auto* rc = std::get_if<int>(&opened)) return *rc;
    auto& o = std::get<OpenedState>(opened);
    std::int64_t now = std::time(nullptr);
    std::vector<OrgReport> reports;
    if (vm.count("org")) {
        if (!orgs::valid_org_name(org)) {
            std::cerr << "sendwarden " << command << ": bad org name '" << org << "'\n";
            return EX_USAGE;
        }
        reports.push_back(report_of(org, o, now));
    } else {
        for (const auto& name : known_orgs(o, now)) reports.push_back(report_of(name, o, now));
    }
    if (json) {
        if (vm.count("org") && !stats_style) {
            std::cout << to_json(reports.front()).dump(2) << "\n";
        } else {
            nlohmann::json all = nlohmann::json::array();
            reputation::Counts total;
            for (const auto& r : reports) {
                all.push_back(to_json(r));
                total += r.counts;
            }
            if (stats_style) {
                nlohmann::json t = {{"sent", total.sent},          {"recipients", total.rcpts},
                                    {"bounced", total.hard},       {"soft_bounced", total.soft},
                                    {"complained", total.complaints}, {"unmatched", total.unmatched},
                                    {"window", o.cfg->reputation_window / kMicrosPerSecond}};
                std::cout << nlohmann::json({{"orgs", all}, {"total", t}}).dump(2) << "\n";
            } else {
                std::cout << all.dump(2) << "\n";
            }
        }
        return 0;
    }
    print_table(reports);
    return 0;
}

int pause_cmd(const CliContext& ctx, const std::vector<std::string>& args) {
    std::string org, reason;
    po::options_description desc("usage: sendwarden [-c FILE] org pause ORG --reason TEXT");
    desc.add_options()("help,h", "show this help")("org", po::value(&org)->required(), "the org")(
        "reason", po::value(&reason)->required(), "why (shown in the log, the HOLD text and `org status`)");
    po::positional_options_description pos;
    pos.add("org", 1);
    po::variables_map vm;
    if (auto done = parse_command_options(args, desc, "org pause", vm, &pos)) return *done;
    if (!orgs::valid_org_name(org)) {
        std::cerr << "sendwarden org pause: bad org name '" << org << "'\n";
        return EX_USAGE;
    }
    auto opened = open_state(ctx, "org pause", {.policy = true});
    if (auto* rc = std::get_if<int>(&opened)) return *rc;
    auto& o = std::get<OpenedState>(opened);
    reputation::OrgStateStore states(*o.data);
    auto r = states.pause(org, reason, "cli:" + unix_user(), std::time(nullptr));
    if (!r) {
        std::cerr << "sendwarden org pause: " << r.error() << "\n";
        return EX_TEMPFAIL;
    }
    if (!*r) {
        std::cout << "org " << org << " was already paused\n";
        return 0;
    }
    audit(*o.data, "org pause", "org pause " + org + " reason=\"" + reason + "\"", org, {{"reason", reason}});
    auto t = reputation::thresholds_for(org, *o.cfg, *o.policy);
    std::cout << "org " << org << " paused: new mail gets " << t.pause_action << "\n";
    // Its contacts hear of it as of an automatic pause.
    reputation::Notice n{org, "paused", reason + " (paused by " + unix_user() + ")", t.pause_action, "",
                         o.policy->org_settings.of(org).contacts};
    if (n.contacts.empty()) {
        std::cout << "org " << org << " has no contact in org_settings: nobody notified\n";
    } else if (auto sent = reputation::send_notice(n, o.cfg->reputation_sendmail_path,
                                                   reputation::notice_sender(o.cfg->reputation_notify_from),
                                                   std::time(nullptr));
               !sent) {
        std::cerr << "sendwarden org pause: notice not sent: " << sent.error() << "\n";
    } else {
        std::cout << "notice sent to " << n.contacts.size() << " contact(s)\n";
    }
    return 0;
}

int resume_cmd(const CliContext& ctx, const std::vector<std::string>& args) {
    std::string org;
    po::options_description desc("usage: sendwarden [-c FILE] org resume ORG");
    desc.add_options()("help,h", "show this help")("org", po::value(&org)->required(), "the org");
    po::positional_options_description pos;
    pos.add("org", 1);
    po::variables_map vm;
    if (auto done = parse_command_options(args, desc, "org resume", vm, &pos)) return *done;
    if (!orgs::valid_org_name(org)) {
        std::cerr << "sendwarden org resume: bad org name '" << org << "'\n";
        return EX_USAGE;
    }
    auto opened = open_state(ctx, "org resume");
    if (auto* rc = std::get_if<int>(&opened)) return *rc;
    auto& o = std::get<OpenedState>(opened);
    reputation::OrgStateStore states(*o.data);
    auto r = states.resume(org, "cli:" + unix_user(), std::time(nullptr));
    if (!r) {
        std::cerr << "sendwarden org resume: " << r.error() << "\n";
        return EX_TEMPFAIL;
    }
    if (!*r) {
        std::cout << "org " << org << " was not paused\n";
        return 0;
    }
    audit(*o.data, "org resume", "org resume " + org, org, nlohmann::json::object());
    std::cout << "org " << org << " resumed: new mail flows; release held mail with `postsuper -H ALL`\n";
    return 0;
}

}  // namespace

int cmd_org(const CliContext& ctx) {
    if (ctx.args.empty() || ctx.args[0] == "--help" || ctx.args[0] == "-h") {
        bool help = !ctx.args.empty();
        (help ? std::cout : std::cerr) << "usage: sendwarden [-c FILE] org status [ORG] [--json]\n"
                                          "       sendwarden [-c FILE] org pause ORG --reason TEXT\n"
                                          "       sendwarden [-c FILE] org resume ORG\n";
        return help ? 0 : EX_USAGE;
    }
    std::vector<std::string> rest(ctx.args.begin() + 1, ctx.args.end());
    if (ctx.args[0] == "status") return status_cmd(ctx, rest, "org status", false);
    if (ctx.args[0] == "pause") return pause_cmd(ctx, rest);
    if (ctx.args[0] == "resume") return resume_cmd(ctx, rest);
    std::cerr << "sendwarden org: unknown subcommand '" << ctx.args[0] << "' (status, pause, resume)\n";
    return EX_USAGE;
}

int cmd_stats(const CliContext& ctx) { return status_cmd(ctx, ctx.args, "stats", true); }

}  // namespace sw::cli
