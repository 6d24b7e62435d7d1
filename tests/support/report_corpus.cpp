// load_expectations, score, format_scores; see report_corpus.hpp and the
// rules in tests/core/reports/report_corpus_test.cpp.
#include "support/report_corpus.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "support/flat_json.hpp"

namespace fs = std::filesystem;

namespace sw::test {
namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> read_lines(const fs::path& p) {
    std::ifstream in(p);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) {
        if (!l.empty() && l.back() == '\r') l.pop_back();
        out.push_back(l);
    }
    return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t b = 0;
    for (;;) {
        auto e = s.find(sep, b);
        out.push_back(s.substr(b, e == std::string::npos ? std::string::npos : e - b));
        if (e == std::string::npos) return out;
        b = e + 1;
    }
}

// Data rows of a TSV file (comment lines and the header row skipped).
std::vector<std::vector<std::string>> tsv_rows(const fs::path& p, std::string_view first_header) {
    std::vector<std::vector<std::string>> out;
    for (const auto& l : read_lines(p)) {
        if (l.empty() || l[0] == '#') continue;
        auto cols = split(l, '\t');
        if (cols[0] == first_header) continue;
        cols.resize(std::max<std::size_t>(cols.size(), 12));
        out.push_back(std::move(cols));
    }
    return out;
}

// An address of the form the corpus asserts; "" when the text holds none.
std::string address_in(const std::string& s) {
    auto at = s.find('@');
    if (at == std::string::npos) return {};
    std::size_t b = at, e = at;
    auto atom = [](char c) { return !std::isspace(static_cast<unsigned char>(c)) && c != '<' && c != '>' && c != '"' && c != ',' && c != '(' && c != ')'; };
    while (b > 0 && atom(s[b - 1])) --b;
    while (e + 1 < s.size() && atom(s[e + 1])) ++e;
    return lower(s.substr(b, e - b + 1));
}

// RFC 3463 code with standard subject and detail (not sisimai's x.0.9xx).
bool standard_status(const std::string& s) {
    auto parts = split(s, '.');
    if (parts.size() != 3 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5")) return false;
    for (std::size_t i = 1; i < 3; ++i) {
        if (parts[i].empty() || parts[i].size() > 3) return false;
        for (char c : parts[i])
            if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    return !(parts[1] == "0" && parts[2].size() == 3 && parts[2][0] == '9');
}

struct Derived {
    bool result = false;
    std::vector<std::string> recipients;  // in index order
    std::vector<std::map<std::string, std::string>> rows;
};

// DERIVED-sisimai-*.jsonl of one origin: file (relative to the origin) ->
// sisimai's rows.
std::map<std::string, Derived> load_derived(const fs::path& origin) {
    std::map<std::string, Derived> out;
    for (const auto& e : fs::directory_iterator(origin)) {
        std::string name = e.path().filename().string();
        if (name.rfind("DERIVED-sisimai", 0) != 0) continue;
        for (const auto& l : read_lines(e.path())) {
            auto row = parse_flat_json(l);
            if (row.empty()) continue;
            Derived& d = out[row["file"]];
            if (row.count("note") || row["index"] == "0") continue;
            d.result = true;
            d.recipients.push_back(lower(row["recipient"]));
            d.rows.push_back(row);
        }
    }
    return out;
}

std::vector<std::string> sorted_set(std::vector<std::string> v) {
    std::set<std::string> s;
    for (auto& a : v)
        if (!a.empty()) s.insert(lower(a));
    return {s.begin(), s.end()};
}

bool is_message_file(const fs::path& p) {
    std::string n = p.filename().string();
    std::string ext = p.extension().string();
    if (n == "MANIFEST.md" || n == "README.md" || n.rfind("LICENSE", 0) == 0 || n.rfind("EXPECTED-", 0) == 0 ||
        n.rfind("DERIVED-", 0) == 0 || n == "INDEX.tsv" || n.rfind("ARF-FIELDS", 0) == 0 ||
        n == "debian-copyright.txt")
        return false;
    return ext == ".eml" || ext == ".msg" || ext == ".txt" || ext.empty();
}

std::string normalized(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r') {
            out += '\n';
            if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
        } else {
            out += s[i];
        }
    }
    return out;
}

// Verdict under the issue's policy from sisimai's asserted reason and
// hardbounce: sisimai calls a suspended mailbox soft, our policy hard.
bool sisimai_hard(const std::string& reason, const std::string& hardbounce) {
    return hardbounce == "true" || hardbounce == "1" || reason == "suspend";
}

class Loader {
public:
    explicit Loader(const std::string& root) : root_(root) {}

    std::vector<Expectation> run() {
        sisimai();
        bounce_parser();
        bounce_email();
        php_bounce_handler();
        zoonru();
        flanker();
        arf();
        twins();
        std::vector<Expectation> out;
        for (auto& [path, e] : by_path_) out.push_back(e);
        return out;
    }

private:
    Expectation& at(const std::string& path) {
        Expectation& e = by_path_[path];
        e.path = path;
        return e;
    }

    void set_recipients(Expectation& e, std::vector<std::string> r, const char* from) {
        e.recipients = sorted_set(std::move(r));
        e.recipients_from = from;
    }

    void from_derived(Expectation& e, const Derived* d) {
        if (d && d->result && !e.recipients) set_recipients(e, d->recipients, "derived");
    }

    void sisimai() {
        fs::path o = root_ / "bounces/sisimai-set-of-emails";
        auto derived = load_derived(o);
        std::map<std::string, std::string> group;
        for (const auto& c : tsv_rows(o / "INDEX.tsv", "file")) group[c[0]] = c[1];
        std::map<std::string, std::vector<std::vector<std::string>>> asserted;
        for (const auto& c : tsv_rows(o / "EXPECTED-sisimai-asserted.tsv", "file")) asserted[c[0]].push_back(c);
        for (const auto& [file, grp] : group) {
            if (file.rfind("arf-", 0) == 0) continue;
            Expectation& e = at("bounces/sisimai-set-of-emails/maildir/bsd/" + file);
            const Derived* d = derived.count("maildir/bsd/" + file) ? &derived["maildir/bsd/" + file] : nullptr;
            auto it = asserted.find(file);
            if (grp == "rfc3834") {
                e.is_bounce = false;
                continue;
            }
            if (it == asserted.end()) {  // newer than the upstream tests
                if (d && d->result) e.is_bounce = true;
                from_derived(e, d);
                continue;
            }
            bool delivered = false;
            for (const auto& c : it->second) delivered |= c[5] == "delivered" || c[5] == "vacation";
            if (delivered) {
                e.is_bounce = false;
                continue;
            }
            e.is_bounce = true;
            from_derived(e, d);
            for (std::size_t i = 0; i < it->second.size(); ++i) {
                const auto& c = it->second[i];
                ExpectedRow row;
                if (d && i < d->recipients.size()) row.address = d->recipients[i];
                if (standard_status(c[3])) row.status = c[3];
                row.hard = sisimai_hard(c[5], c[6]);
                e.rows.push_back(row);
            }
        }
        for (const char* dir : {"maildir/err", "maildir/not", "to-be-debugged-because/something-is-wrong"}) {
            for (const auto& f : fs::directory_iterator(o / dir)) {
                std::string rel = std::string(dir) + "/" + f.path().filename().string();
                Expectation& e = at("bounces/sisimai-set-of-emails/" + rel);
                if (std::string(dir) == "maildir/not") {
                    e.is_bounce = false;
                    continue;
                }
                const Derived* d = derived.count(rel) ? &derived[rel] : nullptr;
                if (d && d->result) e.is_bounce = true;
                from_derived(e, d);
            }
        }
    }

    void bounce_parser() {
        fs::path o = root_ / "bounces/Mail-DeliveryStatus-BounceParser";
        auto derived = load_derived(o);
        std::map<std::string, std::vector<std::vector<std::string>>> rows;
        for (const auto& c : tsv_rows(o / "EXPECTED-BounceParser.tsv", "file")) rows[c[0]].push_back(c);
        for (const auto& [file, list] : rows) {
            if (!fs::exists(o / file)) continue;
            Expectation& e = at("bounces/Mail-DeliveryStatus-BounceParser/" + file);
            ExpectedRow row;
            std::vector<std::string> addresses;
            bool zero_reports = false;
            for (const auto& c : list) {
                if (c[1] == "1") e.is_bounce = true;
                if (c[1] == "0") e.is_bounce = false;
                const std::string& reason = c[2];
                if (reason == "user_unknown" || reason == "user_disabled" || reason == "domain_error") row.hard = true;
                if (reason == "over_quota" || reason == "spam" || reason == "message_too_large") row.hard = false;
                if (standard_status(c[4])) row.status = c[4];
                for (const auto& a : split(c[5], ','))
                    if (!trim(a).empty()) addresses.push_back(lower(trim(a)));
                if (c[6] == "0") zero_reports = true;
            }
            if (e.is_bounce == false) continue;
            if (!addresses.empty()) set_recipients(e, addresses, "asserted");
            else if (zero_reports) set_recipients(e, {}, "asserted");
            else from_derived(e, derived.count(file) ? &derived[file] : nullptr);
            if (e.is_bounce == std::nullopt && e.recipients && !e.recipients->empty()) e.is_bounce = true;
            if (row.hard || !row.status.empty()) {
                if (!addresses.empty()) row.address = addresses.front();
                e.rows.push_back(row);
            }
        }
    }

    void bounce_email() {
        fs::path o = root_ / "bounces/bounce_email";
        auto derived = load_derived(o);
        for (const auto& c : tsv_rows(o / "EXPECTED-bounce_email.tsv", "file")) {
            if (!fs::exists(o / c[0])) continue;
            Expectation& e = at("bounces/bounce_email/" + c[0]);
            e.is_bounce = c[1] == "1";
            if (!*e.is_bounce) continue;
            from_derived(e, derived.count(c[0]) ? &derived[c[0]] : nullptr);
            ExpectedRow row;
            if (standard_status(c[2])) row.status = c[2];
            std::string type = lower(c[3]);
            if (type.rfind("hard", 0) == 0) row.hard = true;
            if (type.rfind("soft", 0) == 0) row.hard = false;
            if (row.hard || !row.status.empty()) e.rows.push_back(row);
        }
    }

    void php_bounce_handler() {
        fs::path o = root_ / "bounces/PHP-Bounce-Handler";
        auto derived = load_derived(o);
        for (const auto& f : fs::directory_iterator(o / "eml")) {
            std::string rel = "eml/" + f.path().filename().string();
            Expectation& e = at("bounces/PHP-Bounce-Handler/" + rel);
            if (rel == "eml/unsubscribe.txt") {
                e.is_bounce = false;
                continue;
            }
            e.is_bounce = true;
            from_derived(e, derived.count(rel) ? &derived[rel] : nullptr);
        }
        // Asserted in the zoonru fork's tests (MANIFEST §5).
        assert_one("bounces/PHP-Bounce-Handler/eml/1.eml", "somat@ciudad.com.ar", "5.1.1", true);
        assert_one("bounces/PHP-Bounce-Handler/eml/46.eml", "geoffrey@gels.biz", "4.2.0", false);
        assert_one("bounces/PHP-Bounce-Handler/eml/5.1.1.eml", "someuser@somedomain.com", "5.1.1", true);
    }

    void zoonru() {
        fs::path o = root_ / "bounces/PHP-Bounce-Handler-zoonru";
        auto derived = load_derived(o);
        for (const auto& f : fs::directory_iterator(o / "eml")) {
            std::string rel = "eml/" + f.path().filename().string();
            Expectation& e = at("bounces/PHP-Bounce-Handler-zoonru/" + rel);
            e.is_bounce = true;
            from_derived(e, derived.count(rel) ? &derived[rel] : nullptr);
        }
        assert_one("bounces/PHP-Bounce-Handler-zoonru/eml/fixture_bounce_001.eml", "recipient.one@example.test", "5.7.1", true);
    }

    void flanker() {
        fs::path o = root_ / "bounces/flanker";
        auto derived = load_derived(o);
        std::string dir = "tests/fixtures/messages/bounce";
        for (const auto& f : fs::directory_iterator(o / dir)) {
            std::string rel = dir + "/" + f.path().filename().string();
            Expectation& e = at("bounces/flanker/" + rel);
            e.is_bounce = true;
            from_derived(e, derived.count(rel) ? &derived[rel] : nullptr);
        }
        std::string p = "bounces/flanker/" + dir + "/";
        assert_one(p + "office365.eml", "noname@example.com", "5.1.10", std::nullopt);
        if (by_path_.count(p + "zed.eml")) at(p + "zed.eml").rows.push_back({"", "5.1.1", std::nullopt});
        if (by_path_.count(p + "delayed.eml")) at(p + "delayed.eml").rows.push_back({"", "", false});
    }

    void assert_one(const std::string& path, const std::string& rcpt, const std::string& status, std::optional<bool> hard) {
        if (!by_path_.count(path)) return;
        Expectation& e = at(path);
        set_recipients(e, {rcpt}, "asserted");
        e.rows.push_back({rcpt, status, hard});
    }

    // Complaint samples: feedback type asserted by sisimai's tests, else
    // the report's own Feedback-Type field; the complainer from
    // Original-Rcpt-To, X-HmXmrOriginalRecipient, else the enclosed To:.
    void arf() {
        fs::path a = root_ / "arf";
        std::map<std::string, std::vector<std::string>> asserted_type;
        for (const auto& c : tsv_rows(a / "sisimai-set-of-emails/EXPECTED-sisimai-asserted.tsv", "file"))
            asserted_type["maildir/bsd/" + c[0]].push_back(c[7]);
        for (const auto& origin : fs::directory_iterator(a)) {
            if (!origin.is_directory()) continue;
            fs::path fields = origin.path() / "ARF-FIELDS-extracted.jsonl";
            if (!fs::exists(fields)) continue;
            auto derived = load_derived(origin.path());
            std::string oname = origin.path().filename().string();
            for (const auto& l : read_lines(fields)) {
                auto f = parse_flat_json(l);
                if (f.empty() || !fs::exists(origin.path() / f["file"])) continue;
                Expectation& e = at("arf/" + oname + "/" + f["file"]);
                e.is_bounce = false;
                e.complaint = true;
                e.feedback_type = lower(f["feedback-type"]);
                auto at_type = asserted_type.find(f["file"]);
                if (oname == "sisimai-set-of-emails" && at_type != asserted_type.end()) e.feedback_type = at_type->second.front();
                if (e.feedback_type.empty() && !f["orig_x-hmxmroriginalrecipient"].empty()) e.feedback_type = "abuse";
                std::string rcpt = real(address_in(f["original-rcpt-to"]));
                if (rcpt.empty()) rcpt = real(address_in(f["orig_x-hmxmroriginalrecipient"]));
                if (rcpt.empty() && address_in(f["original-rcpt-to"]).empty()) rcpt = real(address_in(f["orig_to"]));
                // No field names one (Apple's unsubscribe mail): sisimai's
                // reading, unless it is a placeholder.
                if (rcpt.empty() && derived.count(f["file"]) && !derived[f["file"]].recipients.empty())
                    rcpt = real(derived[f["file"]].recipients.front());
                e.complaint_recipient = rcpt;
                // Several complaints in one report (asserted row count > 1):
                // sisimai's recipients for them.
                if (at_type != asserted_type.end() && at_type->second.size() > 1 && derived.count(f["file"]))
                    e.complaint_recipients = sorted_set(derived[f["file"]].recipients);
            }
        }
    }

    static std::string real(const std::string& a) {
        if (a.empty() || a.rfind("redacted@", 0) == 0 || a.find("undisclosed") != std::string::npos) return {};
        return a;
    }

    // maildir/dos and maildir/mac hold CRLF and CR copies of bsd samples
    // under older names: they share the expectations of their twin.
    void twins() {
        fs::path o = root_ / "bounces/sisimai-set-of-emails";
        std::map<std::string, std::string> by_content;
        for (const fs::path& dir : {o / "maildir/bsd", root_ / "arf/sisimai-set-of-emails/maildir/bsd"}) {
            for (const auto& f : fs::directory_iterator(dir)) {
                std::string rel = fs::relative(f.path(), root_).generic_string();
                by_content[normalized(read_file(f.path()))] = rel;
            }
        }
        for (const char* dir : {"maildir/dos", "maildir/mac"}) {
            for (const auto& f : fs::directory_iterator(o / dir)) {
                auto it = by_content.find(normalized(read_file(f.path())));
                if (it == by_content.end() || !by_path_.count(it->second)) continue;
                Expectation e = by_path_[it->second];
                e.path = fs::relative(f.path(), root_).generic_string();
                by_path_[e.path] = e;
            }
        }
    }

    fs::path root_;
    std::map<std::string, Expectation> by_path_;
};

}  // namespace

std::vector<Expectation> load_expectations(const std::string& root) {
    auto list = Loader(root).run();
    // Every message file appears; those without any expectation are kept
    // with nothing set so that they are counted as unscored.
    std::set<std::string> known;
    for (const auto& e : list) known.insert(e.path);
    for (const char* top : {"bounces", "arf"}) {
        for (const auto& f : fs::recursive_directory_iterator(fs::path(root) / top)) {
            if (!f.is_regular_file() || !is_message_file(f.path())) continue;
            std::string rel = fs::relative(f.path(), root).generic_string();
            if (known.count(rel)) continue;
            Expectation e;
            e.path = rel;
            list.push_back(e);
        }
    }
    return list;
}

Scores score(const std::vector<Expectation>& expected,
             const std::function<std::optional<SampleResult>(const std::string& path)>& result_of) {
    Scores s;
    for (const auto& e : expected) {
        ++s.samples;
        bool any = e.is_bounce || e.recipients || !e.rows.empty() || e.complaint;
        if (!any) {
            ++s.without_expectation;
            s.unscored.push_back(e.path);
            continue;
        }
        std::optional<SampleResult> got = result_of(e.path);
        SampleResult r = got ? *got : SampleResult{"other", {}, {}, {}};
        bool is_bounce = r.kind == "bounce";
        // A delay warning reported with only delayed recipients suppresses
        // nothing: it is not counted as a bounce here.
        bool failure = false;
        for (const auto& rc : r.recipients) failure = failure || rc.action != "delayed";
        if (e.is_bounce == false)
            s.not_bounce.add(!(is_bounce && failure), e.path + " (reported as " + r.kind + ")");
        if (e.is_bounce == true) s.detected.add(is_bounce, e.path + " (reported as " + r.kind + ")");
        if (e.is_bounce != false && e.recipients) {
            // A recipient matches by its final or its original address:
            // BounceParser asserts Original-Recipient where both exist.
            std::vector<std::string> mine;
            if (is_bounce)
                for (const auto& rc : r.recipients) {
                    bool orig_expected = !rc.original.empty() &&
                                         std::count(e.recipients->begin(), e.recipients->end(), lower(rc.original)) > 0;
                    mine.push_back(orig_expected ? rc.original : rc.address);
                }
            mine = sorted_set(mine);
            std::string want, have;
            for (const auto& a : *e.recipients) want += a + " ";
            for (const auto& a : mine) have += a + " ";
            s.recipients.add(mine == *e.recipients,
                             e.path + " want [" + want + "] (" + e.recipients_from + ") got [" + have + "]");
        }
        for (std::size_t i = 0; i < e.rows.size(); ++i) {
            const ExpectedRow& row = e.rows[i];
            const RcptResult* m = nullptr;
            if (is_bounce) {
                for (const auto& rc : r.recipients)
                    if (!row.address.empty() && lower(rc.address) == row.address) m = &rc;
                if (!m && i < r.recipients.size()) m = &r.recipients[i];
                if (!m && !r.recipients.empty()) m = &r.recipients.front();
            }
            if (row.hard) {
                bool hard = m && m->hard;
                s.verdict.add(hard == *row.hard, e.path + " row " + std::to_string(i + 1) + " want " +
                                                     (*row.hard ? "hard" : "soft") + " got " +
                                                     (m ? (m->hard ? "hard" : "soft") : "nothing"));
            }
            if (!row.status.empty()) {
                s.status.add(m && m->status == row.status, e.path + " row " + std::to_string(i + 1) + " want " +
                                                                 row.status + " got " + (m ? m->status : "nothing"));
            }
        }
        if (e.complaint) {
            bool complaint = r.kind == "complaint";
            s.arf_type.add(complaint && lower(r.feedback_type) == e.feedback_type,
                           e.path + " want " + e.feedback_type + " got " + r.kind + "/" + r.feedback_type);
            if (e.complaint_recipient) {
                std::string have = complaint && !r.complaint_recipients.empty() ? lower(r.complaint_recipients.front()) : "";
                bool ok = have == *e.complaint_recipient;
                if (!e.complaint_recipients.empty()) ok = complaint && sorted_set(r.complaint_recipients) == e.complaint_recipients;
                s.arf_recipient.add(ok, e.path + " want [" + *e.complaint_recipient + "] got [" + have + "]");
            }
        }
    }
    return s;
}

std::string format_scores(const std::string& who, const Scores& s, bool misses) {
    std::ostringstream out;
    auto line = [&](const char* name, const Rate& r) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "%s: %-34s %4zu/%-4zu = %6.2f%%\n", who.c_str(), name, r.ok, r.total, r.percent());
        out << buf;
    };
    line("bounce recipients right", s.recipients);
    line("hard/soft verdict right", s.verdict);
    line("RFC 3463 status right", s.status);
    line("non-bounces not called bounces", s.not_bounce);
    line("bounces detected (info)", s.detected);
    line("ARF feedback type right", s.arf_type);
    line("ARF complainer right", s.arf_recipient);
    out << who << ": samples " << s.samples << ", without any expectation " << s.without_expectation << "\n";
    if (misses) {
        auto list = [&](const char* name, const Rate& r) {
            for (const auto& m : r.misses) out << "  MISS " << name << ": " << m << "\n";
        };
        list("recipients", s.recipients);
        list("verdict", s.verdict);
        list("status", s.status);
        list("not-bounce", s.not_bounce);
        list("detected", s.detected);
        list("arf-type", s.arf_type);
        list("arf-rcpt", s.arf_recipient);
        for (const auto& u : s.unscored) out << "  UNSCORED " << u << "\n";
    }
    return out.str();
}

}  // namespace sw::test
