// The accuracy rules for parse_report over the shared corpus
// (../shared/corpus/bounces and arf): what each sample is expected to give,
// from the asserted EXPECTED-*.tsv files first and the derived sisimai
// output or ARF field extraction only where nothing is asserted, and the
// rates of a set of results against them. Shared by tests/core/reports (our
// parser) and bench/bounce-score (sisimai's results) so both are scored by
// the same rules. The rules themselves are documented in
// tests/core/reports/report_corpus_test.cpp.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sw::test {

struct RcptResult {
    std::string address;
    std::string original;  // Original-Recipient, when the report gives one
    std::string status;  // RFC 3463 code as reported, or the one the reason implies
    std::string action;  // "failed" / "delayed"
    bool hard = false;
};

struct SampleResult {
    std::string kind;  // "bounce", "complaint", "dmarc", "other"
    std::vector<RcptResult> recipients;
    std::string feedback_type;
    std::vector<std::string> complaint_recipients;
};

struct ExpectedRow {
    std::string address;        // when known (asserted or derived) for this row
    std::string status;         // standard RFC 3463 code asserted, or ""
    std::optional<bool> hard;   // asserted verdict under our policy
};

struct Expectation {
    std::string path;                              // relative to the corpus root
    std::optional<bool> is_bounce;
    std::optional<std::vector<std::string>> recipients;  // lower-cased, sorted
    std::string recipients_from;                   // "asserted" / "derived"
    std::vector<ExpectedRow> rows;
    bool complaint = false;
    std::string feedback_type;
    std::optional<std::string> complaint_recipient;  // "" = none may be reported
    std::vector<std::string> complaint_recipients;   // several (lower-cased, sorted)
};

struct Rate {
    std::size_t ok = 0, total = 0;
    std::vector<std::string> misses;
    double percent() const { return total ? 100.0 * double(ok) / double(total) : 100.0; }
    void add(bool good, const std::string& what) {
        ++total;
        if (good) ++ok;
        else misses.push_back(what);
    }
};

struct Scores {
    Rate recipients;      // bounce samples: the right set of failed recipients
    Rate verdict;         // rows with an asserted hard/soft verdict
    Rate status;          // rows with an asserted standard status
    Rate not_bounce;      // non-bounce samples not reported as bounces
    Rate detected;        // bounce samples reported as bounces (informative)
    Rate arf_type;        // complaint samples: feedback type
    Rate arf_recipient;   // complaint samples: complained-about recipient
    std::size_t samples = 0, without_expectation = 0;
    std::vector<std::string> unscored;  // message files with no expectation
};

// Every message file under root/bounces and root/arf with what it should
// give. Throws std::runtime_error when a ground-truth file is unreadable.
std::vector<Expectation> load_expectations(const std::string& root);

Scores score(const std::vector<Expectation>& expected,
             const std::function<std::optional<SampleResult>(const std::string& path)>& result_of);

// The rates as printed lines; with `misses`, every failing sample too.
std::string format_scores(const std::string& who, const Scores& s, bool misses);

}  // namespace sw::test
