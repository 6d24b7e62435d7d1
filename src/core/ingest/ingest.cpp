// Ingestor; see ingest.hpp for the rules and the layout.
#include "core/ingest/ingest.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/dmarc/report_unpack.hpp"
#include "core/ingest/quarantine.hpp"
#include "core/log/msg.hpp"
#include "core/reputation/notify.hpp"
#include "core/reputation/thresholds.hpp"
#include "core/store/record_codec.hpp"
#include "core/suppress/address.hpp"
#include "core/util/strings.hpp"

namespace sw::ingest {
namespace {

constexpr std::uint8_t kVersion = 1;
using reports::BounceReason;
using reports::ReportKind;

std::string soft_key(const std::string& org, const std::string& address) {
    std::string k = org;
    k.push_back('\0');
    return k + address;
}

std::vector<std::int64_t> decode_times(std::string_view v) {
    std::vector<std::int64_t> out;
    if (v.empty() || static_cast<std::uint8_t>(v[0]) != kVersion) return out;
    auto j = nlohmann::json::parse(v.substr(1), nullptr, false);
    if (!j.is_array()) return out;
    for (const auto& t : j)
        if (t.is_number_integer()) out.push_back(t.get<std::int64_t>());
    return out;
}

std::string encode_times(const std::vector<std::int64_t>& times) {
    std::string v(1, static_cast<char>(kVersion));
    v += nlohmann::json(times).dump();
    return v;
}

std::string who_text(const std::string& org) { return org.empty() ? "-" : org; }

std::string sender_of(const reports::ParsedReport& r) {
    std::string s = to_lower(trim(r.original_sender));
    if (s.size() > 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
    return s;
}

// One entry per address: a report may name a recipient in its text and in
// its delivery-status part; the fuller entry (with a status) wins.
std::vector<reports::FailedRecipient> unique_recipients(const std::vector<reports::FailedRecipient>& all) {
    std::vector<reports::FailedRecipient> out;
    for (const auto& r : all) {
        std::string key = to_lower(r.address);
        auto same = std::find_if(out.begin(), out.end(), [&](const auto& o) { return to_lower(o.address) == key; });
        if (same == out.end()) out.push_back(r);
        else if (same->status.empty() && !r.status.empty()) *same = r;
    }
    return out;
}

}  // namespace

struct Ingestor::Attribution {
    std::string org;
    std::string matched_by;
    bool matched = false;
    std::string queue_id;
};

Ingestor::Ingestor(Parts parts)
    : p_(parts),
      sent_(parts.counters_env),
      counters_(parts.counters_env),
      suppressions_(parts.data),
      org_states_(parts.data),
      dmarc_(parts.data.env()),
      soft_(parts.data.env().open_dbi("soft_bounces")),
      ingested_(parts.data.env().open_dbi("ingested")) {}

std::string Ingestor::quarantine_dir() const {
    return p_.cfg.ingest_quarantine_dir.empty() ? p_.cfg.store_state_dir + "/quarantine" : p_.cfg.ingest_quarantine_dir;
}

Ingestor::Attribution Ingestor::attribute(const reports::ParsedReport& r) const {
    Attribution a;
    std::optional<sent::SentMessage> m;
    if (!r.original_queue_id.empty() && (m = sent_.by_queue_id(r.original_queue_id))) a.matched_by = "queue-id";
    if (!m && !r.original_message_id.empty()) {
        auto mid = sent::normalize_message_id(r.original_message_id);
        if (!mid.empty() && (m = sent_.by_message_id(mid))) a.matched_by = "message-id";
    }
    if (m) {
        a.matched = true;
        a.org = m->org;
        a.queue_id = m->queue_id;
        return a;
    }
    std::string sender = sender_of(r);
    if (!sender.empty()) {
        a.org = p_.policy.orgs.org_of(sender, p_.cfg.global_default_org);
        a.matched_by = "sender";
    }
    return a;
}

std::variant<IngestResult, IngestError> Ingestor::ingest(std::string_view raw, std::int64_t now) {
    IngestResult res;
    const auto& cfg = p_.cfg;
    const std::string digest = content_digest(raw);  // dedupe key
    const std::string hash = to_hex(digest);

    auto keep = [&](const std::string& why) -> std::variant<IngestResult, IngestError> {
        auto path = quarantine_message(quarantine_dir(), raw, hash, batch_size_ <= 1);
        if (path && batch_size_ > 1) quarantined_unsynced_ = true;
        if (!path) return IngestError{path.error(), true};
        res.disposition = "quarantined";
        res.quarantine_path = *path;
        msg_info("ingest: quarantined %s: %s (kind=%s subject=\"%s\")", path->c_str(), why.c_str(),
                 std::string(reports::to_string(res.report.kind)).c_str(), res.report.subject.substr(0, 120).c_str());
        return res;
    };

    if (raw.size() > cfg.ingest_max_message_size) return keep("larger than [ingest] max_message_size");
    res.report = reports::parse_report(raw);
    const auto& r = res.report;
    if (r.kind == ReportKind::Other) return keep(r.format.empty() ? "not a bounce, complaint or DMARC report" : "not a bounce (" + r.format + ")");
    if (r.kind == ReportKind::Bounce && r.recipients.empty()) return keep("a bounce without a recipient we could read");
    // DMARC: the XML is read before anything is written, so an unusable
    // report (bad XML, a bomb, wrong types) is quarantined whole.
    dmarc::UnpackedReports aggregate;
    if (r.kind == ReportKind::Dmarc) {
        aggregate = dmarc::parse_report_bytes(raw, dmarc::limits_from(cfg));
        for (const auto& problem : aggregate.problems) msg_warn("ingest: DMARC report: %s", problem.c_str());
        if (aggregate.reports.empty())
            return keep("DMARC report unusable: " +
                        (aggregate.problems.empty() ? std::string("no report XML found") : aggregate.problems.front()));
    }

    auto attr = attribute(r);
    res.org = attr.org;
    res.matched_by = attr.matched_by;
    res.matched = attr.matched;
    res.queue_id = attr.queue_id;
    bool act = attr.matched || cfg.ingest_accept_unmatched;
    std::string source = r.kind == ReportKind::Complaint ? "arf:" : "dsn:";
    source += !r.message_id.empty() ? r.message_id : hash.substr(0, 16);

    reputation::Counts delta;
    std::vector<events::Event> events;
    auto event = [&](const char* type, nlohmann::json body) {
        events::Event e;
        e.type = type;
        e.time = now * kMicrosPerSecond;
        e.org = attr.org;
        e.body = std::move(body);
        events.push_back(std::move(e));
    };

    bool batch_open = false;  // this message's data is not committed yet
    try {
        // One synced transaction per message, or one per batch (see set_batch).
        std::optional<store::lmdb::WriteTxn> own;
        if (batch_size_ > 1) {
            if (!batch_txn_) batch_txn_.emplace(p_.data.env());
        } else {
            own.emplace(p_.data.env());
        }
        store::lmdb::WriteTxn& txn = own ? *own : *batch_txn_;
        const std::string& hash_key = digest;
        if (txn.get(ingested_, hash_key)) {
            res.disposition = "duplicate";
            msg_info("ingest: duplicate of a message already ingested (sha256 %.16s): nothing done", hash.c_str());
            return res;
        }
        std::string stamp;
        store::append_be64(stamp, static_cast<std::uint64_t>(now));
        txn.put(ingested_, hash_key, stamp);

        auto suppress_one = [&](const std::string& address, suppress::Reason reason, std::int64_t expires,
                                const std::string& scope_org) -> std::string {
            auto a = suppress::normalize_address(address, suppress::local_part_case(cfg.suppress_local_part_case));
            if (!a) return "ignored";
            if (auto old = suppressions_.get_in(txn, scope_org, a->key());
                old && old->expires == 0 && (old->reason == suppress::Reason::Complaint || reason != suppress::Reason::Complaint))
                return "already-suppressed";
            suppress::Suppression s;
            s.org = scope_org;
            s.address = a->key();
            s.reason = reason;
            s.created = now;
            s.expires = expires;
            s.source = source;
            suppressions_.put_in(txn, s);
            event("suppression_added", {{"address", s.address},
                                        {"scope", scope_org.empty() ? "global" : "org:" + scope_org},
                                        {"reason", std::string(suppress::to_string(reason))},
                                        {"expires", expires},
                                        {"source", source}});
            return "suppressed";
        };

        if (r.kind == ReportKind::Dmarc) {
            res.disposition = "duplicate";
            for (const auto& a : aggregate.reports) {
                DmarcOutcome o{a.org_name, a.report_id, a.policy.domain, a.records.size(), a.messages(), false};
                o.stored = dmarc_.put_in(txn, a, now) == dmarc::DmarcStore::PutResult::stored;
                if (o.stored) {
                    res.disposition = "stored";
                    events.push_back(dmarc::stored_event(a, now, "ingest"));
                }
                res.dmarc.push_back(std::move(o));
            }
            res.notes.insert(res.notes.end(), aggregate.problems.begin(), aggregate.problems.end());
        } else if (r.kind == ReportKind::Complaint) {
            std::vector<std::string> who = r.complaint.recipients;
            if (who.empty()) who.push_back(r.complaint.recipient);  // "" when redacted
            std::string type = to_lower(r.complaint.feedback_type);
            for (const auto& rcpt : who) {
                RecipientOutcome o;
                o.recipient.address = rcpt;
                o.recipient.action = "complaint";
                if (rcpt.empty() || type == "not-spam") o.action = "ignored";
                else if (!act) o.action = "not-suppressed-unmatched";
                else o.action = suppress_one(rcpt, suppress::Reason::Complaint, 0, attr.org);
                event("complaint", {{"feedback_type", r.complaint.feedback_type},
                                    {"recipient", rcpt},
                                    {"matched_by", attr.matched_by},
                                    {"matched", attr.matched},
                                    {"action", o.action}});
                res.outcomes.push_back(std::move(o));
            }
            if (attr.matched && type != "not-spam") delta.complaints = who.size();
            res.disposition = "applied";
        } else {
            std::string hard_scope = cfg.ingest_hard_bounce_scope == "global" ? std::string() : attr.org;
            for (const auto& fr : unique_recipients(r.recipients)) {
                RecipientOutcome o;
                o.recipient = fr;
                if (!fr.permanent) {
                    o.action = "none-delayed";
                } else if (fr.hard) {
                    if (attr.matched) ++delta.hard;
                    o.action = act ? suppress_one(fr.address, suppress::Reason::HardBounce, 0, hard_scope)
                                   : "not-suppressed-unmatched";
                } else if (fr.reason == BounceReason::Blocked) {
                    if (attr.matched) ++delta.soft;
                    o.action = "counted";
                } else {
                    if (attr.matched) ++delta.soft;
                    if (!act) {
                        o.action = "not-suppressed-unmatched";
                    } else if (auto a = suppress::normalize_address(
                                   fr.address, suppress::local_part_case(cfg.suppress_local_part_case))) {
                        std::string k = soft_key(attr.org, a->key());
                        std::int64_t window = cfg.ingest_soft_bounce_window / kMicrosPerSecond;
                        auto times = decode_times(txn.get(soft_, k).value_or(""));
                        std::erase_if(times, [&](std::int64_t t) { return t <= now - window; });
                        times.push_back(now);
                        o.soft_count = static_cast<int>(times.size());
                        if (times.size() >= std::max<std::uint64_t>(cfg.ingest_soft_bounce_limit, 1)) {
                            std::int64_t until = now + cfg.ingest_soft_bounce_suppress_for / kMicrosPerSecond;
                            o.action = suppress_one(fr.address, suppress::Reason::SoftBounce, until, attr.org);
                            if (o.action == "suppressed") o.action = "soft-suppressed";
                            txn.del(soft_, k);
                        } else {
                            o.action = "soft-counted";
                            txn.put(soft_, k, encode_times(times));
                        }
                    } else {
                        o.action = "ignored";
                    }
                }
                res.outcomes.push_back(std::move(o));
            }
            nlohmann::json rcpts = nlohmann::json::array();
            for (const auto& o : res.outcomes)
                rcpts.push_back({{"address", o.recipient.address},
                                 {"status", o.recipient.status},
                                 {"reason", std::string(reports::to_string(o.recipient.reason))},
                                 {"hard", o.recipient.hard},
                                 {"action", o.action}});
            event("bounce", {{"recipients", rcpts}, {"matched_by", attr.matched_by}, {"matched", attr.matched},
                             {"queue_id", attr.queue_id}, {"format", r.format}});
            res.disposition = "applied";
        }
        if (r.kind != ReportKind::Dmarc && !attr.matched) ++delta.unmatched;
        p_.data.append_in(txn, events);
        // Counts wait until the data they belong to is committed (below).
        if (delta.hard || delta.soft || delta.complaints || delta.unmatched)
            pending_counts_.push_back({attr.org, now, delta});
        if (own) {
            own->commit();
        } else if (++batch_count_ >= batch_size_) {
            batch_count_ = 0;
            auto txn_done = std::move(*batch_txn_);
            batch_txn_.reset();
            txn_done.commit();
        } else {
            batch_open = true;
        }
    } catch (const store::lmdb::StoreError& e) {
        pending_counts_.clear();  // their messages were not recorded
        if (batch_size_ > 1) {  // the open batch is gone with this message
            batch_txn_.reset();
            batch_count_ = 0;
        }
        if (e.map_full()) return IngestError{"data database is full: raise [store] data_max_size", true};
        return IngestError{std::string("data database: ") + e.what(), true};
    }

    // Log line per decision (and one per unmatched report).
    for (const auto& o : res.outcomes)
        msg_info("ingest: %s %s org=%s matched_by=%s queue_id=%s status=%s reason=%s %s action=%s%s",
                 std::string(reports::to_string(r.kind)).c_str(), o.recipient.address.c_str(),
                 who_text(attr.org).c_str(), attr.matched_by.empty() ? "-" : attr.matched_by.c_str(),
                 attr.queue_id.empty() ? "-" : attr.queue_id.c_str(),
                 o.recipient.status.empty() ? "-" : o.recipient.status.c_str(),
                 r.kind == ReportKind::Complaint ? r.complaint.feedback_type.c_str()
                                                 : std::string(reports::to_string(o.recipient.reason)).c_str(),
                 r.kind == ReportKind::Complaint ? "complaint" : (o.recipient.hard ? "hard" : "soft"), o.action.c_str(),
                 o.soft_count ? (" soft_count=" + std::to_string(o.soft_count)).c_str() : "");
    if (r.kind != ReportKind::Dmarc && !attr.matched)
        msg_warn("ingest: %s matches no sent message (queue_id=%s message_id=%s sender=%s): %s", 
                 std::string(reports::to_string(r.kind)).c_str(),
                 r.original_queue_id.empty() ? "-" : r.original_queue_id.c_str(),
                 r.original_message_id.empty() ? "-" : r.original_message_id.c_str(),
                 r.original_sender.empty() ? "-" : r.original_sender.c_str(),
                 cfg.ingest_accept_unmatched ? "accepted (accept_unmatched = yes)" : "counted, nobody suppressed");
    for (const auto& d : res.dmarc)
        msg_info("ingest: DMARC report %s: reporter=\"%s\" report_id=%s domain=%s records=%zu messages=%llu",
                 d.stored ? "stored" : "already stored", d.reporter.substr(0, 100).c_str(),
                 d.report_id.substr(0, 100).c_str(), d.domain.c_str(), d.records,
                 static_cast<unsigned long long>(d.messages));

    if (!batch_open) add_pending_counts(res.notes);
    if (attr.matched && !attr.org.empty() && (delta.hard || delta.complaints)) {
        if (batch_size_ > 1) to_judge_.insert(attr.org);
        else res.org_changes = judge_org(attr.org, now, res.notes);
    }
    return res;
}

void Ingestor::set_batch(std::size_t messages) { batch_size_ = messages; }

// After the data commit, never before: a crash in between loses these counts
// (the counters are disposable), while counting before the commit counted a
// batch twice when a killed run was redone.
void Ingestor::add_pending_counts(std::vector<std::string>& notes) {
    for (const auto& p : pending_counts_) {
        if (auto c = counters_.add(p.org, p.now, p.delta); !c) {
            notes.push_back("counters not updated: " + c.error());
            msg_error("ingest: %s", c.error().c_str());
        }
    }
    pending_counts_.clear();
}

Result<std::vector<std::string>> Ingestor::flush(std::int64_t now) {
    if (batch_txn_) {
        try {
            auto txn_done = std::move(*batch_txn_);
            batch_txn_.reset();
            batch_count_ = 0;
            txn_done.commit();
        } catch (const store::lmdb::StoreError& e) {
            pending_counts_.clear();
            // LMDB may run out of map at commit too (the free list needs pages).
            if (e.map_full()) return fail("data database is full: raise [store] data_max_size: the last batch was not recorded");
            return fail(std::string("data database: ") + e.what() + ": the last batch was not recorded");
        }
    }
    std::vector<std::string> notes;
    add_pending_counts(notes);
    if (quarantined_unsynced_) {
        quarantined_unsynced_ = false;
        if (auto s = sync_dir(quarantine_dir()); !s) return fail(s.error());
    }
    std::vector<std::string> changes;
    for (const auto& org : to_judge_)
        for (auto& c : judge_org(org, now, notes)) changes.push_back(std::move(c));
    to_judge_.clear();
    return changes;
}

std::vector<std::string> Ingestor::judge_org(const std::string& org, std::int64_t now,
                                             std::vector<std::string>& notes) {
    std::vector<std::string> changes;
    auto t = reputation::thresholds_for(org, p_.cfg, p_.policy);
    auto state = org_states_.get(org);
    // Rates count from the last resume on: a resumed org starts afresh.
    std::int64_t window = t.window_secs;
    if (state.resumed > 0 && now - state.resumed < window) window = now - state.resumed;
    auto counts = counters_.window(org, now, window);
    auto a = reputation::assess(counts, t);
    nlohmann::json body = {{"bounce_rate", a.bounce_rate}, {"complaint_rate", a.complaint_rate},
                           {"sent", counts.sent},          {"rcpts", counts.rcpts},
                           {"hard", counts.hard},          {"complaints", counts.complaints}};
    Result<bool> changed = false;
    const char* what = nullptr;
    if (a.level == reputation::Level::Pause) {
        changed = org_states_.pause(org, a.why, "auto", now, body);
        what = "paused";
    } else if (a.level == reputation::Level::Warn) {
        changed = org_states_.warn(org, a.why, "auto", now, body);
        what = "warned";
    } else if (a.judged && state.mode == reputation::OrgMode::Warned) {
        (void)org_states_.clear_warning(org, now);
    }
    if (!changed) {
        notes.push_back(changed.error());
        msg_error("ingest: org %s: %s", org.c_str(), changed.error().c_str());
        return changes;
    }
    if (!*changed || !what) return changes;
    std::string line = "org " + org + " " + what + ": " + a.why;
    changes.push_back(line);
    if (a.level == reputation::Level::Pause)
        msg_warn("%s; new mail gets %s until `sendwarden org resume %s`", line.c_str(), t.pause_action.c_str(), org.c_str());
    else
        msg_warn("%s", line.c_str());
    reputation::Notice n;
    n.org = org;
    n.what = what;
    n.reason = a.why;
    n.action = t.pause_action;
    n.contacts = p_.policy.org_settings.of(org).contacts;
    if (n.contacts.empty()) {
        notes.push_back("org " + org + " has no contact in org_settings: nobody notified");
        msg_warn("org %s has no contact in %s/org_settings: nobody notified", org.c_str(), p_.cfg.global_policy_dir.c_str());
        return changes;
    }
    auto from = reputation::notice_sender(p_.cfg.reputation_notify_from);
    if (auto s = reputation::send_notice(n, p_.cfg.reputation_sendmail_path, from, now); !s) {
        notes.push_back("notice not sent: " + s.error());
        msg_error("org %s: notice to its contacts not sent: %s", org.c_str(), s.error().c_str());
    } else {
        msg_info("org %s: notice sent to %zu contact(s)", org.c_str(), n.contacts.size());
    }
    return changes;
}

}  // namespace sw::ingest
