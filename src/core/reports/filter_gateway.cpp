// is_filter_gateway; see filter_gateway.hpp. Each appliance is known by a
// header it adds or the name it signs its notice with.
#include "core/reports/filter_gateway.hpp"

#include "core/util/strings.hpp"

namespace sw::reports {

bool is_filter_gateway(const MimeMessage& m, const BounceText& text) {
    if (!field_value(m.headers, "X-NAI-Header").empty() || !field_value(m.headers, "X-AHMAILID").empty()) return true;
    std::string mailer = to_lower(field_value(m.headers, "X-Mailer"));
    if (mailer.find("surfcontrol") != std::string::npos) return true;
    std::string from = to_lower(field_value(m.headers, "From"));
    std::string mid = to_lower(field_value(m.headers, "Message-ID"));
    if (from.find("mxlogic.net") != std::string::npos || mid.find("mxlogic.net") != std::string::npos) return true;
    for (const auto& f : m.headers)
        if (iequals(f.name, "Received") && to_lower(f.value).find("mailfoundry") != std::string::npos) return true;
    return std::string_view(text.lower).substr(0, 4096).find("mailfoundry") != std::string_view::npos;
}

}  // namespace sw::reports
