// Test inputs for the DMARC report readers, built at run time with the
// real libraries: gzip (zlib), zip (libzip), report XML and report
// e-mails. Bombs are streamed: building one never holds its output.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sw::test {

// A small valid RFC 7489 report with `records` records (192.0.2.x, count 1 each).
std::string report_xml(std::size_t records = 1, std::string_view report_id = "r-1");

std::string gzip_bytes(std::string_view data);
// gzip of `n` zero bytes, deflated in steps (200 MB gives about 200 KB).
std::string gzip_zeros(std::size_t n);

using ZipMembers = std::vector<std::pair<std::string, std::string>>;  // name, content
std::string zip_bytes(const ZipMembers& members);
// A zip of one member `name` holding `n` zero bytes, streamed by libzip.
std::string zip_zeros(const std::string& name, std::size_t n);
// Sets a zip's declared uncompressed sizes (local and central headers) to
// `size`, as a forged archive would.
void forge_zip_sizes(std::string& zip, std::uint32_t size);

// A report e-mail with one base64 attachment.
std::string report_mail(std::string_view filename, std::string_view content_type, std::string_view attachment);

}  // namespace sw::test
