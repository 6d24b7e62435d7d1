// is_auto_reply; see auto_reply.hpp.
#include "core/reports/phrases.hpp"
#include "core/reports/auto_reply.hpp"

#include <array>

#include "core/util/strings.hpp"

namespace sw::reports {
namespace {

constexpr std::array<std::string_view, 30> subject_phrases = {
    "out of office", "out of the office", "auto:", "automatic reply", "autoreply", "auto-reply",
    "auto reply", "autoresponse", "auto-response", "auto response", "vacation", "away from",
    "abwesen", "absence", "r\xc3\xa9ponse automatique", "respuesta autom", "risposta automatica",
    "automatische antwort", "odpowied\xc5\xba automatyczna", "autoodpowied", "please confirm",
    "confirm your", "verify your", "whitelist", "approval", "challenge", "on leave", "holiday",
    "thank you for your", "thanks for your"};

// Challenge-response services: the message waits for the sender to
// prove they are human; nothing is wrong with the address.
constexpr std::array<std::string_view, 5> cr_senders = {"boxbe", "bluebottle", "spamarrest", "mailblocks", "sendio"};
constexpr std::array<std::string_view, 7> cr_phrases = {
    "requires confirmation", "whitelist.aspx", "confirm this mail server", "verify that you are",
    "challenge-response", "challenge response", "please confirm your message"};

// Subjects only a delivery-failure notice uses.
constexpr std::array<std::string_view, 9> ndr_subjects = {
    "undeliver", "delivery status notification", "failure notice", "returned mail",
    "mail delivery failed", "delivery failure", "undelivered mail", "mail system error",
    "delivery has failed"};

}  // namespace

bool is_auto_reply(const MimeMessage& m) {
    std::string subject = to_lower(field_value(m.headers, "Subject"));
    std::string from = to_lower(field_value(m.headers, "From"));
    if (contains_any(subject, ndr_subjects) || from.find("mailer-daemon") != std::string::npos) return false;
    std::string auto_submitted = to_lower(field_value(m.headers, "Auto-Submitted"));
    std::string precedence = to_lower(field_value(m.headers, "Precedence"));
    bool header_marker = auto_submitted.rfind("auto-replied", 0) == 0 || precedence == "auto_reply" ||
                         !field_value(m.headers, "X-Autoreply").empty() ||
                         !field_value(m.headers, "X-Autorespond").empty() ||
                         !field_value(m.headers, "X-Auto-Response").empty() ||
                         !field_value(m.headers, "X-Vacation").empty() ||
                         !field_value(m.headers, "X-Boxbe-Challenge").empty();
    return header_marker || contains_any(subject, subject_phrases) || is_challenge_response(m);
}

bool is_challenge_response(const MimeMessage& m) {
    std::string from = to_lower(field_value(m.headers, "From"));
    return contains_any(from, cr_senders) || !field_value(m.headers, "X-Boxbe-Challenge").empty();
}

bool is_challenge_text(std::string_view diagnostic) {
    return contains_any(to_lower(diagnostic), cr_phrases);
}

}  // namespace sw::reports
