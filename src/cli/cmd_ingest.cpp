// `sendwarden ingest [--json]` (one message on stdin: a Postfix pipe
// transport), `ingest --maildir DIR`, `ingest --mbox FILE` (batches): each
// message goes through core/ingest (parse, attribute, suppress, count,
// judge the org). With --json, one result object per message on stdout.
//
// Exit status, per sysexits as a Postfix pipe expects: 0 done (applied,
// stored, duplicate or quarantined); 75 (EX_TEMPFAIL) when the config or
// the store cannot be used now, so Postfix keeps the message and retries;
// 64 for bad usage. A batch goes on after a failed message and ends with 75
// if any failed.
//
// Not audited: ingest is the Postfix pipe, run for mail that arrives, not
// an operator's change; each message's decision is already one log line and
// its changes (suppressions, counts, stored reports) are events of their own.
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <sysexits.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/cli_context.hpp"
#include "cli/cli_options.hpp"
#include "cli/cli_state.hpp"
#include "core/ingest/ingest.hpp"
#include "core/log/msg.hpp"

namespace po = boost::program_options;

namespace sw::cli {
namespace {

nlohmann::json to_json(const ingest::IngestResult& r, const std::string& source) {
    const auto& rep = r.report;
    nlohmann::json j = {{"kind", std::string(reports::to_string(rep.kind))},
                        {"format", rep.format},
                        {"disposition", r.disposition},
                        {"org", r.org},
                        {"matched", r.matched},
                        {"matched_by", r.matched_by},
                        {"original_queue_id", rep.original_queue_id},
                        {"original_message_id", rep.original_message_id},
                        {"subject", rep.subject}};
    if (!source.empty()) j["source"] = source;
    nlohmann::json rcpts = nlohmann::json::array();
    if (rep.kind == reports::ReportKind::Complaint) {
        for (const auto& o : r.outcomes)
            rcpts.push_back({{"address", o.recipient.address}, {"action", o.action}});
        j["complaint"] = {{"feedback_type", rep.complaint.feedback_type},
                          {"recipient", rep.complaint.recipient},
                          {"source_ip", rep.complaint.source_ip},
                          {"user_agent", rep.complaint.user_agent},
                          {"action", r.outcomes.empty() ? std::string("ignored") : r.outcomes.front().action}};
    } else {
        for (const auto& o : r.outcomes) {
            const auto& f = o.recipient;
            nlohmann::json x = {{"address", f.address},
                                {"status", f.status},
                                {"reply_code", f.reply_code},
                                {"dsn_action", f.action},
                                {"reason", std::string(reports::to_string(f.reason))},
                                {"verdict", !f.permanent ? "delayed" : f.hard ? "hard" : "soft"},
                                {"hard", f.hard},
                                {"diagnostic", f.diagnostic},
                                {"action", o.action}};
            if (o.soft_count) x["soft_count"] = o.soft_count;
            rcpts.push_back(std::move(x));
        }
    }
    j["recipients"] = rcpts;
    if (rep.kind == reports::ReportKind::Dmarc) {
        nlohmann::json reports = nlohmann::json::array();
        for (const auto& d : r.dmarc)
            reports.push_back({{"reporter", d.reporter}, {"report_id", d.report_id}, {"domain", d.domain},
                               {"records", d.records}, {"messages", d.messages}, {"stored", d.stored}});
        j["dmarc_reports"] = reports;
    }
    if (!r.quarantine_path.empty()) j["quarantine"] = r.quarantine_path;
    if (!r.org_changes.empty()) j["org_changes"] = r.org_changes;
    if (!r.notes.empty()) j["notes"] = r.notes;
    return j;
}

void print_text(const ingest::IngestResult& r, const std::string& source) {
    const auto& rep = r.report;
    std::cout << (source.empty() ? "" : source + ": ") << reports::to_string(rep.kind)
              << (rep.format.empty() ? "" : " (" + rep.format + ")") << " " << r.disposition;
    if (!r.org.empty()) std::cout << " org=" << r.org;
    if (!r.matched_by.empty()) std::cout << " matched_by=" << r.matched_by << (r.matched ? "" : " (unmatched)");
    std::cout << "\n";
    for (const auto& o : r.outcomes) {
        const auto& f = o.recipient;
        std::cout << "  " << (f.address.empty() ? "-" : f.address);
        if (rep.kind != reports::ReportKind::Complaint)
            std::cout << " " << (f.status.empty() ? "-" : f.status) << " " << reports::to_string(f.reason) << " "
                      << (!f.permanent ? "delayed" : f.hard ? "hard" : "soft");
        else
            std::cout << " " << rep.complaint.feedback_type;
        std::cout << " -> " << o.action << "\n";
    }
    for (const auto& d : r.dmarc)
        std::cout << "  report " << d.reporter << " " << d.report_id << " domain=" << d.domain << " records=" << d.records
                  << " messages=" << d.messages << (d.stored ? " stored" : " already stored") << "\n";
    if (!r.quarantine_path.empty()) std::cout << "  kept in " << r.quarantine_path << "\n";
    for (const auto& c : r.org_changes) std::cout << "  " << c << "\n";
    for (const auto& n : r.notes) std::cout << "  note: " << n << "\n";
}

// The messages of an mbox (mboxrd/mboxo: "From " lines start a message,
// ">From " in a body is unquoted once).
std::vector<std::string> split_mbox(const std::string& text) {
    std::vector<std::string> out;
    std::string cur;
    bool in_msg = false;
    std::istringstream in(text);
    std::string line;
    bool prev_blank = true;
    while (std::getline(in, line)) {
        if (prev_blank && line.rfind("From ", 0) == 0) {
            if (in_msg) out.push_back(std::move(cur));
            cur.clear();
            in_msg = true;
            prev_blank = false;
            continue;
        }
        if (!in_msg) {  // text before the first From line: treat it as a message start
            in_msg = true;
        }
        std::size_t gt = 0;
        while (gt < line.size() && line[gt] == '>') ++gt;
        if (gt > 0 && line.compare(gt, 5, "From ") == 0) line.erase(0, 1);
        cur += line;
        cur += '\n';
        prev_blank = line.empty() || line == "\r";
    }
    if (in_msg && !cur.empty()) out.push_back(std::move(cur));
    return out;
}

// Files of a maildir (new/ and cur/), or of a plain directory.
std::vector<std::filesystem::path> maildir_files(const std::string& dir) {
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    std::error_code ec;
    std::vector<fs::path> dirs;
    if (fs::is_directory(fs::path(dir) / "new", ec) || fs::is_directory(fs::path(dir) / "cur", ec)) {
        dirs = {fs::path(dir) / "new", fs::path(dir) / "cur"};
    } else {
        dirs = {fs::path(dir)};
    }
    for (const auto& d : dirs)
        for (const auto& e : fs::directory_iterator(d, ec))
            if (e.is_regular_file(ec)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

bool read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    out.assign(std::istreambuf_iterator<char>(in), {});
    return true;
}

}  // namespace

int cmd_ingest(const CliContext& ctx) {
    std::string maildir, mbox;
    bool json = false;
    po::options_description desc(
        "usage: sendwarden [-c FILE] ingest [--json] < MESSAGE\n"
        "       sendwarden [-c FILE] ingest --maildir DIR | --mbox FILE [--json]");
    desc.add_options()("help,h", "show this help")("maildir", po::value(&maildir), "every message of a maildir (new/, cur/) or a directory")(
        "mbox", po::value(&mbox), "every message of an mbox file")("json", po::bool_switch(&json),
                                                                   "one JSON result object per message");
    po::variables_map vm;
    if (auto done = parse_command_options(ctx.args, desc, "ingest", vm)) return *done;
    if (!maildir.empty() && !mbox.empty()) {
        std::cerr << "sendwarden ingest: give --maildir or --mbox, not both\n";
        return EX_USAGE;
    }
    bool batch = !maildir.empty() || !mbox.empty();

    // Read stdin first: a pipe's message must not be lost whatever happens next.
    std::vector<std::pair<std::string, std::string>> messages;  // source, bytes
    if (!batch) {
        std::string raw(std::istreambuf_iterator<char>(std::cin), {});
        if (std::cin.bad()) {
            std::cerr << "sendwarden ingest: cannot read the message on stdin\n";
            return EX_TEMPFAIL;
        }
        messages.emplace_back("", std::move(raw));
    }

    // A pipe transport retries on EX_TEMPFAIL; a bad config is fixed and retried.
    auto opened = open_state(ctx, "ingest", {.policy = true, .counters = true, .config_error = batch ? EX_CONFIG : EX_TEMPFAIL});
    if (auto* rc = std::get_if<int>(&opened)) return *rc;
    auto& o = std::get<OpenedState>(opened);
    ingest::Ingestor ingestor({*o.cfg, *o.policy, *o.data, o.counters->env()});
    // A batch is still on disk: group the synced commits (see set_batch).
    if (batch) ingestor.set_batch(256);

    std::vector<std::filesystem::path> files;
    if (!maildir.empty()) {
        files = maildir_files(maildir);
        if (files.empty()) std::cerr << "sendwarden ingest: no messages in " << maildir << "\n";
    } else if (!mbox.empty()) {
        std::string text;
        if (!read_file(mbox, text)) {
            std::cerr << "sendwarden ingest: cannot read " << mbox << "\n";
            return EX_NOINPUT;
        }
        auto parts = split_mbox(text);
        for (std::size_t i = 0; i < parts.size(); ++i)
            messages.emplace_back(mbox + "#" + std::to_string(i + 1), std::move(parts[i]));
    }

    std::size_t failed = 0, done = 0;
    // A failed commit drops the open batch: its messages count as failed
    // (a re-run redoes them), not done.
    auto batch_lost = [&](std::size_t lost) {
        if (lost == 0) return;
        done -= lost;
        failed += lost;
        std::cerr << "sendwarden ingest: the " << lost
                  << " messages of the open batch were not recorded either (run the batch again)\n";
    };
    auto one = [&](const std::string& source, const std::string& raw) {
        const std::size_t open_before = ingestor.uncommitted();
        auto r = ingestor.ingest(raw, std::time(nullptr));
        if (auto* err = std::get_if<ingest::IngestError>(&r)) {
            ++failed;
            msg_error("ingest%s%s: %s%s", source.empty() ? "" : " ", source.c_str(), err->what.c_str(),
                      err->temporary ? " (temporary: retry)" : "");
            if (ingestor.uncommitted() == 0) batch_lost(open_before);
            if (json)
                std::cout << nlohmann::json({{"source", source}, {"error", err->what}, {"temporary", err->temporary}}).dump()
                          << "\n";
            return;
        }
        ++done;
        const auto& res = std::get<ingest::IngestResult>(r);
        if (json) std::cout << to_json(res, source).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        else print_text(res, source);
    };
    for (const auto& [source, raw] : messages) one(source, raw);
    for (const auto& f : files) {
        std::string raw;
        if (!read_file(f.string(), raw)) {
            ++failed;
            std::cerr << "sendwarden ingest: cannot read " << f.string() << "\n";
            continue;
        }
        one(f.string(), raw);
    }
    if (batch) {
        const std::size_t open = ingestor.uncommitted();
        auto flushed = ingestor.flush(std::time(nullptr));
        if (!flushed) {
            std::cerr << "sendwarden ingest: " << flushed.error() << "\n";
            if (open == 0) ++failed;
            batch_lost(open);
        } else {
            for (const auto& c : *flushed) std::cerr << "sendwarden ingest: " << c << "\n";
        }
    }
    if (batch) std::cerr << "sendwarden ingest: " << done << " messages done, " << failed << " failed\n";
    return failed ? EX_TEMPFAIL : 0;
}

}  // namespace sw::cli
