// `sendwarden dmarc sources|readiness|report|import`: who sends mail as our
// domains, according to the DMARC aggregate reports `ingest` stored, and
// whether the domain's policy can move to quarantine / reject.
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <sysexits.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "cli/cli_context.hpp"
#include "cli/cli_options.hpp"
#include "cli/cli_state.hpp"
#include "core/dkim/signing_table.hpp"
#include "core/dmarc/dmarc_store.hpp"
#include "core/dmarc/html_report.hpp"
#include "core/dmarc/readiness.hpp"
#include "core/dmarc/report_unpack.hpp"
#include "core/dmarc/source_names.hpp"
#include "core/dmarc/sources.hpp"
#include "core/dns/resolver_factory.hpp"
#include "core/util/clock.hpp"
#include "core/util/strings.hpp"

namespace po = boost::program_options;

namespace sw::cli {
namespace {

struct Query {
    std::string domain;
    std::string since = "";  // duration; "" = [dmarc] window
    bool json = false;
    bool no_resolve = false;
};

void add_query_options(po::options_description& desc, Query& q) {
    desc.add_options()("help,h", "show this help")("domain", po::value(&q.domain)->required(),
                                                    "the policy domain (policy_published/domain of the reports)")(
        "since", po::value(&q.since), "period to look at, back from now, e.g. 30d, 12w (default: [dmarc] window)")(
        "no-resolve", po::bool_switch(&q.no_resolve), "do not look up reverse-DNS names (cached ones are still used)");
}

struct Analysed {
    dmarc::SourcesAnalysis analysis;
    std::vector<dmarc::SourceGroup> groups;
    dmarc::Readiness readiness;
    dmarc::NameLookupStats names;
};

dmarc::OurIdentity our_identity(const OpenedState& o, const std::string& command) {
    dmarc::OurIdentity ours;
    if (auto ips = CidrList::parse(o.cfg->global_outbound_ips)) ours.ips = std::move(*ips);
    else std::cerr << "sendwarden " << command << ": [global] outbound_ips: " << ips.error() << " (ignored)\n";
    auto signing = dkim::load_signing_table(o.cfg->global_policy_dir, false);
    if (signing.table)
        for (const auto& k : signing.table->entries()) ours.dkim_domains.insert(to_lower(k.signing_domain));
    return ours;
}

// The analysis of one domain, or an exit status.
std::variant<Analysed, int> analyse(const CliContext& ctx, const Query& q, const std::string& command) {
    auto opened = open_state(ctx, command);
    if (auto* rc = std::get_if<int>(&opened)) return *rc;
    auto& o = std::get<OpenedState>(opened);
    const auto& cfg = *o.cfg;
    std::int64_t window = cfg.dmarc_window / kMicrosPerSecond;
    if (!q.since.empty()) {
        auto d = parse_duration(q.since);
        if (!d || *d <= 0) {
            std::cerr << "sendwarden " << command << ": bad --since '" << q.since << "' (e.g. 30d, 12w, 48h)\n";
            return EX_USAGE;
        }
        window = *d / kMicrosPerSecond;
    }
    const std::int64_t now = std::time(nullptr);
    const std::string domain = to_lower(q.domain);
    Analysed out;
    try {
        dmarc::DmarcStore store(o.data->env());
        {
            store::lmdb::ReadTxn txn(o.data->env());
            out.analysis = dmarc::analyse_sources(store, txn, domain, now - window, now + 1, our_identity(o, command),
                                                  cfg.dmarc_known_source_pass_rate);
            if (out.analysis.reports == 0) {
                auto known = store.domains(txn);
                std::cerr << "sendwarden " << command << ": no report for " << domain << " in the last "
                          << window / 86400 << " days";
                if (!known.empty()) {
                    std::cerr << " (domains with reports:";
                    for (std::size_t i = 0; i < known.size() && i < 20; ++i) std::cerr << " " << known[i];
                    std::cerr << ")";
                }
                std::cerr << "\n";
            }
        }
        std::unique_ptr<dns::Resolver> resolver;
        if (cfg.dmarc_resolve_names && !q.no_resolve && !out.analysis.sources.empty()) {
            if (auto r = dns::make_resolver(cfg)) resolver = std::move(*r);
            else std::cerr << "sendwarden " << command << ": no DNS: " << r.error() << " (names not looked up)\n";
        }
        out.names = dmarc::name_sources(out.analysis.sources, store, o.data->env(), resolver.get(), now);
    } catch (const store::lmdb::StoreError& e) {
        std::cerr << "sendwarden " << command << ": state: " << e.what() << "\n";
        return EX_TEMPFAIL;
    }
    out.groups = dmarc::group_sources(out.analysis.sources);
    dmarc::ReadinessThresholds t;
    t.ready_pass_rate = cfg.dmarc_ready_pass_rate;
    t.unknown_max_share = cfg.dmarc_unknown_max_share;
    t.unknown_max_total = cfg.dmarc_unknown_max_total;
    t.min_messages = cfg.dmarc_min_messages;
    t.min_days = static_cast<std::int64_t>(cfg.dmarc_min_days);
    out.readiness = dmarc::judge_readiness(out.analysis, t);
    return out;
}

double pct(std::uint64_t part, std::uint64_t whole) {
    return whole ? std::round(1000.0 * double(part) / double(whole)) / 10.0 : 0.0;
}

nlohmann::json source_json(const dmarc::SourceStats& s) {
    return {{"ip", s.ip_text},
            {"name", s.name},
            {"org_domain", s.org},
            {"messages", s.messages},
            {"spf_aligned", s.spf_aligned},
            {"dkim_aligned", s.dkim_aligned},
            {"dmarc_pass", s.dmarc_pass},
            {"spf_aligned_pct", pct(s.spf_aligned, s.messages)},
            {"dkim_aligned_pct", pct(s.dkim_aligned, s.messages)},
            {"dmarc_pass_pct", pct(s.dmarc_pass, s.messages)},
            {"quarantined", s.quarantined},
            {"rejected", s.rejected},
            {"status", s.ours ? "ours" : s.known ? "known" : "unknown"},
            {"ours", s.ours},
            {"ours_why", s.ours_why},
            {"header_from", s.header_from},
            {"dkim_domains", s.dkim_domains}};
}

nlohmann::json summary_json(const Analysed& r) {
    const auto& a = r.analysis;
    return {{"domain", a.domain},
            {"since", a.since},
            {"until", a.until},
            {"reports", a.reports},
            {"reporters", a.reporters.size()},
            {"records", a.records},
            {"messages", a.messages},
            {"spf_aligned_pct", pct(a.spf_aligned, a.messages)},
            {"dkim_aligned_pct", pct(a.dkim_aligned, a.messages)},
            {"dmarc_pass_pct", pct(a.dmarc_pass, a.messages)},
            {"policy", a.policy.p.empty() ? nlohmann::json(nullptr) : dmarc::to_json(a.policy)}};
}

nlohmann::json readiness_json(const dmarc::Readiness& v) {
    return {{"verdict", v.verdict},
            {"current", v.current},
            {"next", v.next},
            {"summary", v.summary},
            {"reasons", v.reasons},
            {"spoofing", v.spoofing},
            {"messages", v.messages},
            {"known_messages", v.known_messages},
            {"known_pass", v.known_pass},
            {"known_pass_pct", pct(v.known_pass, v.known_messages)},
            {"unknown_sources", v.unknown_sources},
            {"unknown_messages", v.unknown_messages},
            {"days", std::round(v.days * 10) / 10}};
}

int sources_cmd(const CliContext& ctx, const std::vector<std::string>& args) {
    Query q;
    po::options_description desc("usage: sendwarden [-c FILE] dmarc sources --domain D [--since 30d] [--json] [--no-resolve]");
    add_query_options(desc, q);
    desc.add_options()("json", po::bool_switch(&q.json), "print JSON");
    po::variables_map vm;
    if (auto done = parse_command_options(args, desc, "dmarc sources", vm)) return *done;
    auto res = analyse(ctx, q, "dmarc sources");
    if (auto* rc = std::get_if<int>(&res)) return *rc;
    const auto& r = std::get<Analysed>(res);
    const auto& a = r.analysis;
    if (q.json) {
        auto j = summary_json(r);
        j["groups"] = nlohmann::json::array();
        for (const auto& g : r.groups) {
            nlohmann::json gj = {{"org_domain", g.org}, {"messages", g.messages}, {"dmarc_pass", g.dmarc_pass},
                                 {"has_unknown", g.has_unknown}, {"sources", nlohmann::json::array()}};
            for (const auto& s : g.sources) gj["sources"].push_back(source_json(s));
            j["groups"].push_back(std::move(gj));
        }
        j["names"] = {{"cached", r.names.cached}, {"looked_up", r.names.looked_up},
                      {"named", r.names.named}, {"dns_failures", r.names.failed}};
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::printf("%s: %s messages from %zu sources in %s reports (%zu reporters), %s to %s\n", a.domain.c_str(),
                dmarc::thousands(a.messages).c_str(), a.sources.size(), dmarc::thousands(a.reports).c_str(),
                a.reporters.size(), utc_date(a.since).c_str(), utc_date(a.until).c_str());
    std::printf("SPF aligned %s, DKIM aligned %s, DMARC pass %s; published policy %s\n\n",
                dmarc::percent(a.spf_aligned, a.messages).c_str(), dmarc::percent(a.dkim_aligned, a.messages).c_str(),
                dmarc::percent(a.dmarc_pass, a.messages).c_str(),
                r.readiness.current.empty() ? "unknown" : r.readiness.current.c_str());
    std::printf("%-22s %-39s %-32s %10s %7s %7s %7s %7s %7s  %s\n", "ORG DOMAIN", "SOURCE", "NAME", "MESSAGES",
                "SPF-AL", "DKIM-AL", "DMARC", "QUAR", "REJ", "STATUS");
    for (const auto& g : r.groups)
        for (const auto& s : g.sources) {
            std::string status = s.ours ? "ours (" + s.ours_why + ")" : s.known ? "known" : "unknown";
            std::printf("%-22s %-39s %-32s %10s %7s %7s %7s %7s %7s  %s\n", g.org.empty() ? "-" : g.org.c_str(),
                        s.ip_text.c_str(), s.name.empty() ? "-" : s.name.c_str(), dmarc::thousands(s.messages).c_str(),
                        dmarc::percent(s.spf_aligned, s.messages).c_str(),
                        dmarc::percent(s.dkim_aligned, s.messages).c_str(),
                        dmarc::percent(s.dmarc_pass, s.messages).c_str(), dmarc::thousands(s.quarantined).c_str(),
                        dmarc::thousands(s.rejected).c_str(), status.c_str());
        }
    return 0;
}

int readiness_cmd(const CliContext& ctx, const std::vector<std::string>& args) {
    Query q;
    po::options_description desc("usage: sendwarden [-c FILE] dmarc readiness --domain D [--since 30d] [--json] [--no-resolve]");
    add_query_options(desc, q);
    desc.add_options()("json", po::bool_switch(&q.json), "print JSON");
    po::variables_map vm;
    if (auto done = parse_command_options(args, desc, "dmarc readiness", vm)) return *done;
    auto res = analyse(ctx, q, "dmarc readiness");
    if (auto* rc = std::get_if<int>(&res)) return *rc;
    const auto& r = std::get<Analysed>(res);
    const auto& v = r.readiness;
    // 0: ready (or already at reject), 1: not yet; scripts can gate on it.
    int status = v.verdict == "ready" || v.verdict == "at-reject" ? 0 : 1;
    if (q.json) {
        auto j = summary_json(r);
        j["readiness"] = readiness_json(v);
        std::cout << j.dump(2) << "\n";
        return status;
    }
    std::printf("%s: %s\n", r.analysis.domain.c_str(), v.summary.c_str());
    std::printf("published policy: %s\n", v.current.empty() ? "unknown" : v.current.c_str());
    for (const auto& why : v.reasons) std::printf("  - %s\n", why.c_str());
    if (!v.spoofing.empty()) {
        std::printf("probable spoofing (unknown sources, each under [dmarc] unknown_max_share of the volume):\n");
        for (std::size_t i = 0; i < v.spoofing.size() && i < 20; ++i) std::printf("  - %s\n", v.spoofing[i].c_str());
        if (v.spoofing.size() > 20) std::printf("  ... and %zu more\n", v.spoofing.size() - 20);
    }
    return status;
}

int report_cmd(const CliContext& ctx, const std::vector<std::string>& args) {
    Query q;
    std::string html;
    po::options_description desc("usage: sendwarden [-c FILE] dmarc report --domain D --html FILE [--since 30d] [--no-resolve]");
    add_query_options(desc, q);
    desc.add_options()("html", po::value(&html)->required(), "write the self-contained HTML page here");
    po::variables_map vm;
    if (auto done = parse_command_options(args, desc, "dmarc report", vm)) return *done;
    auto res = analyse(ctx, q, "dmarc report");
    if (auto* rc = std::get_if<int>(&res)) return *rc;
    const auto& r = std::get<Analysed>(res);
    std::string page = dmarc::render_html_report(r.analysis, r.groups, r.readiness, std::time(nullptr));
    std::string tmp = html + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << page;
        if (!out.flush()) {
            std::cerr << "sendwarden dmarc report: cannot write " << tmp << "\n";
            return EX_CANTCREAT;
        }
    }
    if (std::rename(tmp.c_str(), html.c_str()) != 0) {
        std::cerr << "sendwarden dmarc report: cannot rename " << tmp << " to " << html << "\n";
        std::remove(tmp.c_str());
        return EX_CANTCREAT;
    }
    std::printf("wrote %s (%zu bytes): %s\n", html.c_str(), page.size(), r.readiness.summary.c_str());
    return 0;
}

// Report files as downloaded or saved (XML, .gz, .zip, or a whole e-mail),
// for reports that did not come through `ingest`. One synced transaction for
// all of them; every report is stored once, as with ingest. Audited (the
// files and the counts) once the transaction is committed.
int import_cmd(const CliContext& ctx, const std::vector<std::string>& args) {
    std::vector<std::string> files;
    bool json = false;
    po::options_description desc("usage: sendwarden [-c FILE] dmarc import [--json] FILE...");
    desc.add_options()("help,h", "show this help")("file", po::value(&files)->required(), "report files")(
        "json", po::bool_switch(&json), "one JSON object per file");
    po::positional_options_description pos;
    pos.add("file", -1);
    po::variables_map vm;
    if (auto done = parse_command_options(args, desc, "dmarc import", vm, &pos)) return *done;
    auto opened = open_state(ctx, "dmarc import");
    if (auto* rc = std::get_if<int>(&opened)) return *rc;
    auto& o = std::get<OpenedState>(opened);
    const auto limits = dmarc::limits_from(*o.cfg);
    const std::int64_t now = std::time(nullptr);
    std::size_t stored = 0, duplicates = 0, rejected = 0;
    std::vector<std::string> lines;
    try {
        dmarc::DmarcStore store(o.data->env());
        store::lmdb::WriteTxn txn(o.data->env());
        std::vector<events::Event> events;
        for (const auto& f : files) {
            std::ifstream in(f, std::ios::binary);
            std::error_code ec;
            auto size = std::filesystem::file_size(f, ec);
            nlohmann::json j = {{"file", f}, {"reports", nlohmann::json::array()}};
            if (!in || ec) {
                ++rejected;
                j["problems"] = {"cannot read the file"};
            } else if (size > o.cfg->ingest_max_message_size && size > limits.max_xml_size) {
                ++rejected;
                j["problems"] = {"larger than [ingest] max_message_size and [dmarc] max_xml_size"};
            } else {
                std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
                auto u = dmarc::parse_report_bytes(bytes, limits);
                j["problems"] = u.problems;
                if (u.reports.empty()) ++rejected;
                for (const auto& r : u.reports) {
                    bool is_new = store.put_in(txn, r, now) == dmarc::DmarcStore::PutResult::stored;
                    (is_new ? stored : duplicates)++;
                    j["reports"].push_back({{"reporter", r.org_name}, {"report_id", r.report_id},
                                            {"domain", r.policy.domain}, {"records", r.records.size()},
                                            {"messages", r.messages()}, {"stored", is_new}});
                    if (is_new) events.push_back(dmarc::stored_event(r, now, "import"));
                }
            }
            if (json) {
                lines.push_back(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
            } else {
                std::string line = f + ":";
                for (const auto& r : j["reports"])
                    line += " " + std::string(r["stored"].get<bool>() ? "stored" : "duplicate") + " " +
                            r["reporter"].get<std::string>() + " " + r["report_id"].get<std::string>() + " (" +
                            r["domain"].get<std::string>() + ", " + std::to_string(r["records"].get<std::size_t>()) +
                            " records);";
                for (const auto& p : j["problems"]) line += " rejected: " + p.get<std::string>() + ";";
                if (line.back() == ';') line.pop_back();
                lines.push_back(line);
            }
        }
        o.data->append_in(txn, events);
        txn.commit();
    } catch (const store::lmdb::StoreError& e) {
        std::cerr << "sendwarden dmarc import: state: " << e.what()
                  << (e.map_full() ? " (raise [store] data_max_size)" : "") << "; nothing imported\n";
        return EX_TEMPFAIL;
    }
    std::string what = "dmarc import stored=" + std::to_string(stored) + " duplicates=" + std::to_string(duplicates) +
                       " rejected=" + std::to_string(rejected);
    for (const auto& f : files) what += " file=" + f;
    audit(*o.data, "dmarc import", what, "",
          {{"files", files}, {"stored", stored}, {"duplicates", duplicates}, {"rejected", rejected}});
    for (const auto& l : lines) std::cout << l << "\n";
    if (!json)
        std::cout << stored << " stored, " << duplicates << " already stored, " << rejected << " file(s) rejected\n";
    // EX_DATAERR when a file held no usable report: scripts see it.
    return rejected ? EX_DATAERR : 0;
}

}  // namespace

int cmd_dmarc(const CliContext& ctx) {
    static const char* usage =
        "usage: sendwarden [-c FILE] dmarc sources --domain D [--since 30d] [--json] [--no-resolve]\n"
        "       sendwarden [-c FILE] dmarc readiness --domain D [--since 30d] [--json] [--no-resolve]\n"
        "       sendwarden [-c FILE] dmarc report --domain D --html FILE [--since 30d] [--no-resolve]\n"
        "       sendwarden [-c FILE] dmarc import [--json] FILE...\n";
    if (ctx.args.empty() || ctx.args[0] == "--help" || ctx.args[0] == "-h") {
        bool help = !ctx.args.empty();
        (help ? std::cout : std::cerr) << usage;
        return help ? 0 : EX_USAGE;
    }
    std::vector<std::string> rest(ctx.args.begin() + 1, ctx.args.end());
    if (ctx.args[0] == "sources") return sources_cmd(ctx, rest);
    if (ctx.args[0] == "readiness") return readiness_cmd(ctx, rest);
    if (ctx.args[0] == "report") return report_cmd(ctx, rest);
    if (ctx.args[0] == "import") return import_cmd(ctx, rest);
    std::cerr << "sendwarden dmarc: unknown subcommand '" << ctx.args[0] << "' (sources, readiness, report, import)\n";
    return EX_USAGE;
}

}  // namespace sw::cli
