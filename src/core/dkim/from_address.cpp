// author_of; see from_address.hpp.
#include "core/dkim/from_address.hpp"

#include <gmime/gmime.h>

#include <memory>
#include <mutex>

#include "core/util/strings.hpp"

namespace sw::dkim {
namespace {

struct UnrefList {
    void operator()(InternetAddressList* l) const noexcept { g_object_unref(l); }
};

// Mailboxes of a list, groups opened (a group's members are authors too).
void collect(InternetAddressList* list, std::vector<std::string>& out) {
    int n = internet_address_list_length(list);
    for (int i = 0; i < n; ++i) {
        InternetAddress* a = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
            const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
            out.emplace_back(addr ? addr : "");
        } else if (INTERNET_ADDRESS_IS_GROUP(a)) {
            collect(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), out);
        }
    }
}

}  // namespace

void init_mime_library() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

FromResult author_of(const std::vector<std::string>& values) {
    FromResult r;
    if (values.empty()) {
        r.problem = "no From: header";
        return r;
    }
    if (values.size() > 1) {
        r.problem = std::to_string(values.size()) + " From: headers";
        return r;
    }
    std::unique_ptr<InternetAddressList, UnrefList> list(internet_address_list_parse(nullptr, values[0].c_str()));
    std::vector<std::string> mailboxes;
    if (list) collect(list.get(), mailboxes);
    if (mailboxes.empty()) {
        r.problem = "no address in From:";
        return r;
    }
    if (mailboxes.size() > 1) {
        r.problem = std::to_string(mailboxes.size()) + " addresses in From:";
        return r;
    }
    const std::string& addr = mailboxes[0];
    auto at = addr.rfind('@');
    std::string domain = at == std::string::npos ? std::string() : to_lower(addr.substr(at + 1));
    while (!domain.empty() && domain.back() == '.') domain.pop_back();
    if (at == 0 || domain.empty() || domain.find_first_of(" \t\"()<>,;:\\[]") != std::string::npos) {
        r.problem = "no domain in From: address";
        return r;
    }
    r.ok = true;
    r.address = addr;
    r.domain = std::move(domain);
    return r;
}

}  // namespace sw::dkim
