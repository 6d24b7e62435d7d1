// `sendwarden dmarc report --html FILE`: one self-contained HTML page (inline
// CSS and SVG, no script, nothing fetched from the network) with the volume
// over time, the readiness verdict and the sources table. Every string from
// a report (names, domains, org names) is escaped: reports come from anyone.
#pragma once

#include <string>
#include <vector>

#include "core/dmarc/readiness.hpp"
#include "core/dmarc/sources.hpp"

namespace sw::dmarc {

std::string render_html_report(const SourcesAnalysis& a, const std::vector<SourceGroup>& groups,
                               const Readiness& verdict, std::int64_t generated);

std::string html_escape(std::string_view s);

}  // namespace sw::dmarc
