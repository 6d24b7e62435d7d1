// Quarantine: messages `sendwarden ingest` cannot classify (or that are too
// large to parse) are kept as files, never dropped (issue "ingest"). One
// file per message, written under a temporary name, synced, then renamed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/util/result.hpp"

namespace sw::ingest {

// Writes `raw` to DIR/HEX.eml, HEX = the first 16 hex digits of its SHA-256
// (mode 0640, DIR created 0750 when missing); returns the path. Same bytes,
// same name: a retry by Postfix finds its first copy and makes no second one
// (the file's mtime tells when it came). `sync` = false leaves the flush to
// the caller (a batch calls sync_dir() once at its end).
Result<std::string> quarantine_message(const std::string& dir, std::string_view raw, std::string_view hex_digest,
                                       bool sync = true);

// Flushes everything written under `dir` (syncfs of its file system).
Result<void> sync_dir(const std::string& dir);

// SHA-256 of the bytes (32 raw bytes: deduplicates retries, names quarantine
// files), and lower-case hex of any bytes.
std::string content_digest(std::string_view raw);
std::string to_hex(std::string_view bytes);

}  // namespace sw::ingest
