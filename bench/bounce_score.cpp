// bounce-score: the accuracy rates of another bounce parser's results over
// the shared corpus, by the same rules as tests/core/reports (the rules live in
// tests/support/report_corpus.cpp). Input: a TSV on stdin, one line per
// recipient: path (relative to the corpus root), kind (bounce, complaint,
// other), address, status, action, hard (1/0), feedback type; a message
// with no result is "path<TAB>other". Used by bench/bounce-accuracy.sh.
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include "support/report_corpus.hpp"

namespace {

std::vector<std::string> split_tabs(const std::string& l) {
    std::vector<std::string> out;
    std::size_t b = 0;
    for (;;) {
        auto e = l.find('\t', b);
        out.push_back(l.substr(b, e == std::string::npos ? std::string::npos : e - b));
        if (e == std::string::npos) break;
        b = e + 1;
    }
    out.resize(std::max<std::size_t>(out.size(), 7));
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bounce-score CORPUS_DIR NAME [--misses] < results.tsv\n");
        return 2;
    }
    std::map<std::string, sw::test::SampleResult> results;
    for (std::string line; std::getline(std::cin, line);) {
        if (line.empty()) continue;
        auto c = split_tabs(line);
        auto& r = results[c[0]];
        if (r.kind.empty() || r.kind == "other") r.kind = c[1];
        if (c[1] == "bounce" && !c[2].empty()) r.recipients.push_back({c[2], "", c[3], c[4], c[5] == "1"});
        if (c[1] == "complaint") {
            r.feedback_type = c[6];
            if (!c[2].empty()) r.complaint_recipients.push_back(c[2]);
        }
    }
    auto expected = sw::test::load_expectations(argv[1]);
    auto scores = sw::test::score(expected, [&](const std::string& path) -> std::optional<sw::test::SampleResult> {
        auto it = results.find(path);
        if (it == results.end()) return std::nullopt;
        return it->second;
    });
    bool misses = argc > 3 && std::string(argv[3]) == "--misses";
    std::cout << sw::test::format_scores(argv[2], scores, misses);
    return 0;
}
