// The author address of a message: the From: header field(s) parsed with
// GMime (RFC 5322 §3.6.2 mailbox-list, with obsolete syntax, comments,
// quoted local parts and encoded display names). Signing needs exactly one
// From: field with exactly one mailbox (RFC 6376 §5.3 and DMARC's "one
// author domain"); anything else is reported, not guessed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sw::dkim {

struct FromResult {
    bool ok = false;
    std::string address;  // local@domain as written
    std::string domain;   // lower-cased, no trailing dot
    std::string problem;  // when !ok: "no From: header", "2 From: headers", "3 addresses in From:", ...
};

// `values`: the raw values of every From: field of the message, in order.
FromResult author_of(const std::vector<std::string>& values);

// Must be called once before author_of (g_mime_init); idempotent, thread-safe.
void init_mime_library();

}  // namespace sw::dkim
