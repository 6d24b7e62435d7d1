// parse_mime: GMime 3 objects held by unique_ptr with g_object_unref, the
// part tree walked depth-first into MimeMessage; see mime_message.hpp.
#include "core/reports/mime_message.hpp"

#include <gmime/gmime.h>
#include <iconv.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "core/dkim/from_address.hpp"
#include "core/util/strings.hpp"

namespace sw::reports {
namespace {

// Limits against hostile input; real reports are far below them.
constexpr int max_depth = 16;
constexpr std::size_t max_leaves = 200;
constexpr std::size_t max_leaf_bytes = 2 * 1024 * 1024;
constexpr std::size_t max_total_bytes = 16 * 1024 * 1024;

struct GObjectUnref {
    void operator()(void* p) const noexcept {
        if (p) g_object_unref(p);
    }
};
template <class T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
    void operator()(char* p) const noexcept { g_free(p); }
};
using GChars = std::unique_ptr<char, GFree>;

// GMime opens and closes an iconv descriptor for every RFC 2047 word it
// decodes, and glibc unloads a gconv module (dlclose, munmap) soon after
// its last descriptor closes, to dlopen it again for the next word. One
// descriptor per charset seen, held for the life of the process, keeps each
// module loaded; the count is capped against hostile input.
class CharsetPins {
public:
    void pin(std::string_view charset) {
        std::lock_guard lock(mu_);
        if (names_.size() >= max_pins) return;
        for (const auto& n : names_)
            if (iequals(n, charset)) return;
        names_.emplace_back(charset);
        iconv_t cd = iconv_open("UTF-8", g_mime_charset_iconv_name(names_.back().c_str()));
        if (cd != reinterpret_cast<iconv_t>(-1)) pinned_.push_back(cd);  // never closed
    }

private:
    static constexpr std::size_t max_pins = 64;
    std::mutex mu_;
    std::vector<std::string> names_;
    std::vector<iconv_t> pinned_;
};

CharsetPins& charset_pins() {
    static auto* pins = new CharsetPins;  // never destroyed: the modules stay for the process
    return *pins;
}

// The charsets of a raw header's encoded words ("=?iso-2022-jp?B?...?=").
void pin_charsets(std::string_view raw) {
    for (auto p = raw.find("=?"); p != std::string_view::npos; p = raw.find("=?", p + 2)) {
        std::size_t b = p + 2, e = b;
        while (e < raw.size() && e - b < 40 && raw[e] != '?' && raw[e] != '*' && raw[e] > ' ') ++e;
        if (e < raw.size() && e > b && (raw[e] == '?' || raw[e] == '*')) charset_pins().pin(raw.substr(b, e - b));
    }
}

FieldGroup header_fields(GMimeObject* obj) {
    FieldGroup out;
    GMimeHeaderList* list = g_mime_object_get_header_list(obj);
    if (!list) return out;
    int n = g_mime_header_list_get_count(list);
    for (int i = 0; i < n && i < 500; ++i) {
        GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
        const char* name = g_mime_header_get_name(h);
        if (const char* raw = g_mime_header_get_raw_value(h); raw && std::strstr(raw, "=?")) pin_charsets(raw);
        const char* value = g_mime_header_get_value(h);
        if (!name) continue;
        out.push_back({name, std::string(trim(value ? value : ""))});
    }
    return out;
}

std::string mime_type_of(GMimeObject* obj) {
    GMimeContentType* ct = g_mime_object_get_content_type(obj);
    if (!ct) return "text/plain";
    GChars t(g_mime_content_type_get_mime_type(ct));
    return t ? to_lower(t.get()) : std::string("text/plain");
}

class Walker {
public:
    explicit Walker(MimeMessage& out) : out_(out) {}

    void walk(GMimeObject* obj, int depth, int level) {
        if (!obj || depth > max_depth || out_.leaves.size() >= max_leaves) return;
        if (GMIME_IS_MULTIPART(obj)) {
            GMimeMultipart* mp = GMIME_MULTIPART(obj);
            int n = g_mime_multipart_get_count(mp);
            // No boundary line found: the whole body is GMime's prologue;
            // keep it as text so the report is not lost.
            const char* prologue = g_mime_multipart_get_prologue(mp);
            if (n == 0 && prologue && *prologue) {
                std::string text(prologue);
                bool cut = text.size() > max_leaf_bytes;
                if (cut) text.resize(max_leaf_bytes);
                out_.leaves.push_back({"text/plain", {}, std::move(text), level, cut});
            }
            for (int i = 0; i < n; ++i) walk(g_mime_multipart_get_part(mp, i), depth + 1, level);
        } else if (GMIME_IS_MESSAGE_PART(obj)) {
            GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
            if (!inner) return;
            out_.enclosed.push_back(header_fields(GMIME_OBJECT(inner)));
            walk(g_mime_message_get_mime_part(inner), depth + 1, level + 1);
        } else if (GMIME_IS_PART(obj)) {
            add_leaf(GMIME_PART(obj), level);
        }
    }

private:
    void add_leaf(GMimePart* part, int level) {
        MimeLeaf leaf;
        leaf.content_type = mime_type_of(GMIME_OBJECT(part));
        leaf.message_level = level;
        if (const char* fn = g_mime_part_get_filename(part)) leaf.filename = fn;
        GMimeDataWrapper* content = g_mime_part_get_content(part);
        if (content && total_ >= max_total_bytes) {
            leaf.truncated = true;
        } else if (content) {
            GPtr<GMimeStream> mem(g_mime_stream_mem_new());
            g_mime_data_wrapper_write_to_stream(content, mem.get());
            GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
            std::size_t len = bytes ? std::min<std::size_t>(bytes->len, max_leaf_bytes) : 0;
            len = std::min(len, max_total_bytes - total_);
            if (len) leaf.body.assign(reinterpret_cast<const char*>(bytes->data), len);
            leaf.truncated = bytes && len < bytes->len;
            total_ += len;
        }
        out_.leaves.push_back(std::move(leaf));
    }

    MimeMessage& out_;
    std::size_t total_ = 0;
};


std::size_t line_end(std::string_view t, std::size_t from) {
    std::size_t e = from;
    while (e < t.size() && t[e] != '\n' && t[e] != '\r') ++e;
    return e;
}

// Appends t with CRLF and lone CR made LF; the runs between CRs are copied whole.
template <class Append>
void append_normalized(std::string_view t, Append append) {
    std::size_t i = 0;
    while (i < t.size()) {
        std::size_t cr = t.find('\r', i);
        std::size_t end = cr == std::string_view::npos ? t.size() : cr;
        append(t.data() + i, end - i);
        if (cr == std::string_view::npos) break;
        append("\n", 1);
        i = cr + 1;
        if (i < t.size() && t[i] == '\n') ++i;
    }
}

// Offset of the header: blank lines or an mbox "From " line before it would
// leave GMime with an empty header; real reports saved from mailboxes have both.
std::size_t message_start(std::string_view raw) {
    std::size_t start = 0;
    for (;;) {
        std::size_t end = line_end(raw, start);
        if (end == raw.size()) break;
        std::string_view line = raw.substr(start, end - start);
        if (!trim(line).empty() && line.rfind("From ", 0) != 0) break;
        start = end + (raw[end] == '\r' && end + 1 < raw.size() && raw[end + 1] == '\n' ? 2 : 1);
    }
    return start;
}

}  // namespace

std::string normalize_newlines(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    append_normalized(raw, [&](const char* p, std::size_t n) { out.append(p, n); });
    return out;
}

MimeMessage parse_mime(std::string_view raw) {
    // One g_mime_init call site per process (it is not thread-safe itself).
    sw::dkim::init_mime_library();
    MimeMessage m;
    // The one copy of the message: normalized straight into the buffer the
    // GMime stream takes over.
    std::string_view text = raw.substr(message_start(raw));
    GByteArray* bytes = g_byte_array_sized_new(static_cast<guint>(std::min<std::size_t>(text.size(), G_MAXUINT)));
    append_normalized(text, [&](const char* p, std::size_t n) {
        g_byte_array_append(bytes, reinterpret_cast<const guint8*>(p), static_cast<guint>(n));
    });
    GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_byte_array(bytes));
    GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    GPtr<GMimeMessage> msg(parser ? g_mime_parser_construct_message(parser.get(), nullptr) : nullptr);
    if (!msg) {
        m.content_type = "text/plain";
        m.leaves.push_back({"text/plain", {}, std::string(reinterpret_cast<const char*>(bytes->data), bytes->len), 0, false});
        return m;
    }
    m.headers = header_fields(GMIME_OBJECT(msg.get()));
    GMimeObject* body = g_mime_message_get_mime_part(msg.get());
    if (body) {
        m.content_type = mime_type_of(body);
        if (const char* rt = g_mime_object_get_content_type_parameter(body, "report-type")) m.report_type = to_lower(rt);
    } else {
        m.content_type = "text/plain";
    }
    Walker(m).walk(body, 0, 0);
    return m;
}

}  // namespace sw::reports
