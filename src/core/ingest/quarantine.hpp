// Quarantine: messages `sendwarden ingest` cannot classify (or that are too
// large to parse) are kept as files, never dropped (issue "ingest"). One
// file per message, written under a temporary name, synced, then renamed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/util/result.hpp"

namespace sw::ingest {

// Writes `raw` to DIR/YYYYmmddTHHMMSS-HASH.eml (mode 0640, DIR created 0750
// when missing); returns the path. Same bytes, same name: a retry by Postfix
// does not make a second copy.
// `sync` = false leaves the flush to the caller (a batch calls sync_dir()
// once at its end).
Result<std::string> quarantine_message(const std::string& dir, std::string_view raw, std::int64_t now,
                                       bool sync = true);

// Flushes everything written under `dir` (syncfs of its file system).
Result<void> sync_dir(const std::string& dir);

// Hex SHA-256 of the bytes (names quarantine files, deduplicates retries).
std::string content_hash(std::string_view raw);

}  // namespace sw::ingest
