// render_html_report; see html_report.hpp.
#include "core/dmarc/html_report.hpp"

#include <algorithm>
#include <cstdio>

#include "core/util/clock.hpp"

namespace sw::dmarc {
namespace {

// SVG coordinates: one decimal is plenty.
std::string num(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

// Stacked bars, one per day: aligned pass below, failing above.
std::string volume_chart(const std::vector<DayVolume>& days) {
    const double width = 920, height = 260, left = 70, bottom = 40, top = 16;
    std::uint64_t max = 1;
    for (const auto& d : days) max = std::max(max, d.pass + d.fail);
    std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"messages per day\" "
                      "viewBox=\"0 0 " + num(width + 10) + " " + num(height) + "\" width=\"100%\">";
    const double plot_h = height - bottom - top, plot_w = width - left;
    // Y axis: 0, half, max.
    for (int i = 0; i <= 2; ++i) {
        double v = double(max) * i / 2.0;
        double y = top + plot_h - plot_h * i / 2.0;
        svg += "<line x1=\"" + num(left) + "\" x2=\"" + num(width) + "\" y1=\"" + num(y) +
               "\" y2=\"" + num(y) + "\" class=\"grid\"/>";
        svg += "<text x=\"" + num(left - 6) + "\" y=\"" + num(y + 4) + "\" class=\"ylab\">" +
               thousands(static_cast<std::uint64_t>(v)) + "</text>";
    }
    if (!days.empty()) {
        double slot = plot_w / double(days.size());
        double bar = std::max(1.0, slot * 0.8);
        std::size_t label_every = std::max<std::size_t>(1, days.size() / 8);
        for (std::size_t i = 0; i < days.size(); ++i) {
            const auto& d = days[i];
            double x = left + slot * double(i) + (slot - bar) / 2;
            double hp = plot_h * double(d.pass) / double(max);
            double hf = plot_h * double(d.fail) / double(max);
            double base = top + plot_h;
            std::string title = utc_date(d.day) + ": " + thousands(d.pass) + " pass, " + thousands(d.fail) + " fail";
            svg += "<g><title>" + title + "</title>";
            svg += "<rect class=\"pass\" x=\"" + num(x) + "\" y=\"" + num(base - hp) + "\" width=\"" +
                   num(bar) + "\" height=\"" + num(hp) + "\"/>";
            svg += "<rect class=\"fail\" x=\"" + num(x) + "\" y=\"" + num(base - hp - hf) +
                   "\" width=\"" + num(bar) + "\" height=\"" + num(hf) + "\"/></g>";
            if (i % label_every == 0)
                svg += "<text x=\"" + num(x + bar / 2) + "\" y=\"" + num(base + 18) +
                       "\" class=\"xlab\">" + utc_date(d.day) + "</text>";
        }
    }
    svg += "</svg>";
    return svg;
}

const char* kStyle = R"(body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;color:#1d2733;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em}
.sub{color:#5b6878}.verdict{border-radius:6px;padding:.8em 1em;margin:1em 0;font-weight:600}
.ready{background:#e3f4e8;border:1px solid #6dbb84}.not-ready{background:#fbe7e6;border:1px solid #d9776f}
.other{background:#fdf4dc;border:1px solid #d8b653}
.figs{display:flex;gap:1em;flex-wrap:wrap}.fig{background:#f3f5f8;border-radius:6px;padding:.6em 1em;min-width:9em}
.fig b{display:block;font-size:1.4em}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{padding:.3em .5em;border-bottom:1px solid #e2e6eb;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tr.unknown td{background:#fff4f3}tr.ours td{background:#f2f8ff}
.tag{font-size:.8em;border-radius:3px;padding:0 .4em}.t-unknown{background:#d9776f;color:#fff}.t-known{background:#dde3ea}.t-ours{background:#4b7fc0;color:#fff}
svg .pass{fill:#5aa572}svg .fail{fill:#d9776f}svg .grid{stroke:#e2e6eb}svg text{font-size:11px;fill:#5b6878}
svg .ylab{text-anchor:end}svg .xlab{text-anchor:middle}.legend span{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 1em}
ul{margin:.3em 0})";

}  // namespace

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default:
                // Control bytes would make the page invalid; report data may hold any.
                if (static_cast<unsigned char>(c) < 0x20 && c != '\t') out += "&#xFFFD;";
                else out.push_back(c);
        }
    }
    return out;
}

std::string render_html_report(const SourcesAnalysis& a, const std::vector<SourceGroup>& groups,
                               const Readiness& v, std::int64_t generated) {
    const std::string domain = html_escape(a.domain);
    std::string h;
    h.reserve(64 * 1024);
    h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
         "<title>DMARC report for " + domain + "</title><style>" + kStyle + "</style></head><body>\n";
    h += "<h1>DMARC sources of " + domain + "</h1>\n";
    h += "<p class=\"sub\">" + utc_date(a.since) + " to " + utc_date(a.until) + " &middot; " + thousands(a.reports) +
         " reports from " + std::to_string(a.reporters.size()) + " reporters &middot; published policy: " +
         html_escape(v.current.empty() ? "unknown" : v.current) + " &middot; generated " + utc_date(generated) +
         " by sendwarden</p>\n";

    std::string cls = v.verdict == "ready" ? "ready" : v.verdict == "not-ready" ? "not-ready" : "other";
    h += "<div id=\"verdict\" class=\"verdict " + cls + "\" data-verdict=\"" + html_escape(v.verdict) + "\">" +
         html_escape(v.summary) + "</div>\n";
    if (!v.reasons.empty()) {
        h += "<ul id=\"reasons\">";
        for (const auto& r : v.reasons) h += "<li>" + html_escape(r) + "</li>";
        h += "</ul>\n";
    }

    h += "<div class=\"figs\">";
    auto fig = [&](const std::string& label, const std::string& value) {
        h += "<div class=\"fig\"><b>" + value + "</b>" + label + "</div>";
    };
    fig("messages", thousands(a.messages));
    fig("DMARC pass", percent(a.dmarc_pass, a.messages));
    fig("SPF aligned", percent(a.spf_aligned, a.messages));
    fig("DKIM aligned", percent(a.dkim_aligned, a.messages));
    fig("sources", thousands(a.sources.size()));
    fig("unknown sources", thousands(v.unknown_sources));
    h += "</div>\n";

    h += "<h2>Messages per day</h2>\n<p class=\"legend sub\"><span style=\"background:#5aa572\"></span>pass "
         "(aligned SPF or DKIM)<span style=\"background:#d9776f\"></span>fail</p>\n<div id=\"chart\">" +
         volume_chart(a.days) + "</div>\n";

    h += "<h2>Sources</h2>\n<table id=\"sources\"><thead><tr><th>Organisation</th><th>Address</th><th>Name</th>"
         "<th class=\"n\">Messages</th><th class=\"n\">SPF aligned</th><th class=\"n\">DKIM aligned</th>"
         "<th class=\"n\">DMARC pass</th><th class=\"n\">Quarantined</th><th class=\"n\">Rejected</th>"
         "<th>From</th><th>Status</th></tr></thead><tbody>\n";
    for (const auto& g : groups) {
        for (const auto& s : g.sources) {
            std::string status = s.ours ? "ours" : s.known ? "known" : "unknown";
            std::string from;
            for (const auto& f : s.header_from) from += (from.empty() ? "" : ", ") + f;
            h += "<tr class=\"" + status + "\"><td>" + html_escape(g.org.empty() ? "-" : g.org) + "</td><td>" +
                 html_escape(s.ip_text) + "</td><td>" + html_escape(s.name.empty() ? "-" : s.name) +
                 "</td><td class=\"n\">" + thousands(s.messages) + "</td><td class=\"n\">" +
                 percent(s.spf_aligned, s.messages) + "</td><td class=\"n\">" + percent(s.dkim_aligned, s.messages) +
                 "</td><td class=\"n\">" + percent(s.dmarc_pass, s.messages) + "</td><td class=\"n\">" +
                 thousands(s.quarantined) + "</td><td class=\"n\">" + thousands(s.rejected) + "</td><td>" +
                 html_escape(from) + "</td><td><span class=\"tag t-" + status + "\">" + status +
                 (s.ours ? " (" + html_escape(s.ours_why) + ")" : "") + "</span></td></tr>\n";
        }
    }
    h += "</tbody></table>\n";
    if (!v.spoofing.empty()) {
        h += "<h2>Probable spoofing</h2>\n<ul id=\"spoofing\">";
        for (const auto& s : v.spoofing) h += "<li>" + html_escape(s) + "</li>";
        h += "</ul>\n";
    }
    h += "</body></html>\n";
    return h;
}

}  // namespace sw::dmarc
