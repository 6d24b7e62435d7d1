// Accuracy of parse_report over the shared corpus of real bounces and
// complaints (../shared/corpus, or $SW_CORPUS_DIR; the test is skipped when
// it is missing). The rates are printed, and the test fails below the floors.
//
// What is counted (tests/support/report_corpus.cpp holds the rules):
// - Recipients: every sample expected to be a bounce with a known recipient
//   set. The set comes from the asserted EXPECTED-*.tsv (or the few values
//   MANIFEST.md quotes from upstream tests), else from sisimai's derived
//   output, the only source for most files. Sets must be equal,
//   case-insensitive; a recipient may match by its Original-Recipient
//   (BounceParser asserts that one where both exist). BounceParser samples asserted to have zero reports
//   expect no recipient at all. Excluded: bounces for which neither source
//   names a recipient (sisimai returned nothing and nothing is asserted).
// - Hard/soft: every asserted row: sisimai's hardbounce (its suspend
//   reason counted hard, as our policy says a suspended mailbox is dead),
//   BounceParser's std_reason (user_unknown, user_disabled, domain_error
//   hard; over_quota, spam, message_too_large soft; unknown not counted),
//   bounce_email's hard/soft notes, the MANIFEST's asserted PHP/zoonru/flanker
//   values. sisimai's derived opinion is never used for verdicts.
// - Status: every asserted standard RFC 3463 code (sisimai's 5.0.9xx
//   pseudo-codes and bounce_email's "unknown" are not codes). Compared with
//   the code the report carries or, when it carries none, the code our
//   reason implies (implied_status), which is also what sisimai's asserted
//   values are for reports without a code.
// - Non-bounces: rfc3834 auto-replies, maildir/not, sisimai's delivered/
//   vacation samples, BounceParser and bounce_email is_bounce=0 ones,
//   PHP's unsubscribe.txt and every complaint: none may be a bounce. A
//   delay warning reported with only delayed recipients (BounceParser calls
//   warning-8 no bounce; we report it as a delay, which suppresses
//   nothing) is not counted as a bounce.
// - Detection (informative, no floor): samples expected to be bounces that
//   are reported as such. bounce_email's python-port-extras/
//   bounce-auto-respond.txt is in fact an ARF abuse report (a complaint).
// - Complaints: every ARF-corpus sample (and the CRLF/CR copies of the
//   sisimai ARF samples in bounces/.../dos, mac): the feedback type and the
//   complainer (see report_corpus.cpp Loader::arf).
// dos/ and mac/ copies share the expectations of their bsd twin (same text
// after newline normalisation). Files with no expectation at all are
// counted and listed with SW_REPORTS_VERBOSE=1.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "core/reports/bounce_reason.hpp"
#include "core/reports/report.hpp"
#include "support/report_corpus.hpp"

#ifndef SW_CORPUS_DIR
#define SW_CORPUS_DIR ""
#endif

namespace fs = std::filesystem;
using namespace sw::reports;

namespace {

std::string corpus_dir() {
    if (const char* env = std::getenv("SW_CORPUS_DIR"); env && *env) return env;
    return SW_CORPUS_DIR;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

sw::test::SampleResult to_result(const ParsedReport& p) {
    sw::test::SampleResult r;
    r.kind = std::string(to_string(p.kind));
    for (const auto& fr : p.recipients) {
        std::string status = fr.status.empty() ? std::string(implied_status(fr.reason, fr.permanent)) : fr.status;
        r.recipients.push_back({fr.address, fr.original_recipient, status, fr.action, fr.hard});
    }
    r.feedback_type = p.complaint.feedback_type;
    r.complaint_recipients = p.complaint.recipients;
    return r;
}

}  // namespace

TEST_CASE("corpus accuracy of parse_report", "[reports][corpus]") {
    std::string root = corpus_dir();
    if (root.empty() || !fs::exists(fs::path(root) / "bounces/MANIFEST.md")) {
        WARN("corpus not found at '" << root << "' (set SW_CORPUS_DIR): accuracy test skipped");
        return;
    }
    auto expected = sw::test::load_expectations(root);
    std::map<std::string, ParsedReport> parsed;
    auto start = std::chrono::steady_clock::now();
    for (const auto& e : expected) parsed[e.path] = parse_report(slurp(fs::path(root) / e.path));
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    auto scores = sw::test::score(expected, [&](const std::string& path) -> std::optional<sw::test::SampleResult> {
        return to_result(parsed.at(path));
    });
    bool verbose = std::getenv("SW_REPORTS_VERBOSE") != nullptr;
    std::cout << sw::test::format_scores("sendwarden", scores, verbose);
    std::cout << "sendwarden: parsed " << expected.size() << " messages in " << secs << " s\n";

    CHECK(scores.recipients.percent() >= 97.0);
    CHECK(scores.verdict.percent() >= 95.0);
    CHECK(scores.status.percent() >= 95.0);
    CHECK(scores.not_bounce.ok == scores.not_bounce.total);
    CHECK(scores.arf_type.ok == scores.arf_type.total);
    CHECK(scores.arf_recipient.ok == scores.arf_recipient.total);
    // The time is printed for information only: timing belongs in
    // bench/ingest-parse-bench, not in an assertion (sanitizer builds are slow).
}
