// is_auto_reply; see auto_reply.hpp.
#include "core/reports/auto_reply.hpp"

#include <array>

#include "core/util/strings.hpp"

namespace sw::reports {
namespace {

template <std::size_t N>
bool any_of(std::string_view text, const std::array<std::string_view, N>& phrases) {
    for (auto p : phrases)
        if (text.find(p) != std::string_view::npos) return true;
    return false;
}

constexpr std::array<std::string_view, 28> subject_phrases = {
    "out of office", "out of the office", "auto:", "automatic reply", "autoreply", "auto-reply",
    "auto reply", "autoresponse", "auto-response", "auto response", "vacation", "away from",
    "abwesen", "absence", "r\xc3\xa9ponse automatique", "respuesta autom", "risposta automatica",
    "automatische antwort", "odpowied\xc5\xba automatyczna", "autoodpowied", "please confirm",
    "confirm your", "verify your", "whitelist", "approval", "challenge", "on leave", "holiday"};

// Subjects only a delivery-failure notice uses.
constexpr std::array<std::string_view, 9> ndr_subjects = {
    "undeliver", "delivery status notification", "failure notice", "returned mail",
    "mail delivery failed", "delivery failure", "undelivered mail", "mail system error",
    "delivery has failed"};

}  // namespace

bool is_auto_reply(const MimeMessage& m) {
    std::string subject = to_lower(field_value(m.headers, "Subject"));
    std::string from = to_lower(field_value(m.headers, "From"));
    if (any_of(subject, ndr_subjects) || from.find("mailer-daemon") != std::string::npos) return false;
    std::string auto_submitted = to_lower(field_value(m.headers, "Auto-Submitted"));
    std::string precedence = to_lower(field_value(m.headers, "Precedence"));
    bool header_marker = auto_submitted.rfind("auto-replied", 0) == 0 || precedence == "auto_reply" ||
                         !field_value(m.headers, "X-Autoreply").empty() ||
                         !field_value(m.headers, "X-Autorespond").empty() ||
                         !field_value(m.headers, "X-Auto-Response").empty() ||
                         !field_value(m.headers, "X-Vacation").empty() ||
                         !field_value(m.headers, "X-Boxbe-Challenge").empty();
    static constexpr std::array<std::string_view, 4> cr_senders = {"boxbe", "bluebottle", "spamarrest", "mailblocks"};
    return header_marker || any_of(subject, subject_phrases) || any_of(from, cr_senders);
}

}  // namespace sw::reports
