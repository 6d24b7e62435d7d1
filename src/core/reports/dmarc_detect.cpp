// is_dmarc_aggregate; see dmarc_detect.hpp.
#include "core/reports/dmarc_detect.hpp"

#include "core/util/strings.hpp"

namespace sw::reports {
namespace {

bool report_file(const MimeLeaf& leaf) {
    std::string fn = to_lower(leaf.filename);
    const std::string& ct = leaf.content_type;
    bool archive_type = ct == "application/zip" || ct == "application/x-zip-compressed" || ct == "application/gzip" ||
                        ct == "application/x-gzip" || ct == "application/xml" || ct == "text/xml" ||
                        ct == "application/octet-stream" || ct == "application/x-zip";
    bool report_name = fn.find(".xml") != std::string::npos || fn.ends_with(".zip") || fn.ends_with(".gz");
    return archive_type && (report_name || ct != "application/octet-stream");
}

}  // namespace

bool is_dmarc_aggregate(const MimeMessage& m) {
    std::string subject = to_lower(field_value(m.headers, "Subject"));
    bool report_subject = subject.find("report domain:") != std::string::npos ||
                          subject.find("dmarc") != std::string::npos ||
                          subject.find("aggregate report") != std::string::npos;
    for (const auto& leaf : m.leaves) {
        if (leaf.message_level != 0 || !report_file(leaf)) continue;
        // "google.com!example.org!1700000000!1700086400.xml.gz"
        std::size_t bangs = 0;
        for (char c : leaf.filename) bangs += c == '!';
        if (report_subject || bangs >= 2) return true;
    }
    return false;
}

}  // namespace sw::reports
