// gunzip with zlib's inflate in 64 KiB steps; see gzip_reader.hpp.
#include "core/dmarc/gzip_reader.hpp"

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace sw::dmarc {
namespace {

// A z_stream set up for gzip only (windowBits 16 + 15), ended by the destructor.
class GzipStream {
public:
    GzipStream() { ok_ = inflateInit2(&s_, 16 + MAX_WBITS) == Z_OK; }
    ~GzipStream() {
        if (ok_) inflateEnd(&s_);
    }
    GzipStream(const GzipStream&) = delete;
    GzipStream& operator=(const GzipStream&) = delete;

    bool ok() const noexcept { return ok_; }
    z_stream* operator->() noexcept { return &s_; }
    z_stream* get() noexcept { return &s_; }

private:
    z_stream s_{};
    bool ok_ = false;
};

std::string zlib_message(z_stream* s, int rc) {
    if (s->msg) return s->msg;
    return rc == Z_MEM_ERROR ? "out of memory" : "error " + std::to_string(rc);
}

}  // namespace

bool is_gzip(std::string_view b) noexcept {
    return b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0x1f && static_cast<unsigned char>(b[1]) == 0x8b;
}

Result<Inflated> gunzip(std::string_view gz, std::size_t max_out, const Limits& limits) {
    GzipStream s;
    if (!s.ok()) return fail("gzip: zlib could not start");
    Inflated out;
    std::size_t fed = 0;  // input handed to zlib so far
    char buf[64 * 1024];
    for (;;) {
        if (s->avail_in == 0 && fed < gz.size()) {
            std::size_t n = std::min<std::size_t>(gz.size() - fed, UINT_MAX);
            s->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data() + fed));
            s->avail_in = static_cast<uInt>(n);
            fed += n;
        }
        s->next_out = reinterpret_cast<Bytef*>(buf);
        s->avail_out = sizeof buf;
        int rc = inflate(s.get(), Z_NO_FLUSH);
        std::size_t got = sizeof buf - s->avail_out;
        if (got > max_out - out.data.size())
            return fail("gzip: more than " + std::to_string(max_out) + " bytes after decompression");
        out.data.append(buf, got);
        std::size_t consumed = fed - s->avail_in;
        if (exceeds_ratio(limits, consumed, out.data.size()))
            return fail("gzip: compression ratio over " + std::to_string(limits.max_compression_ratio) +
                        " (a decompression bomb?)");
        if (rc == Z_STREAM_END) {
            std::string_view rest = gz.substr(consumed);
            if (is_gzip(rest)) {  // another member
                inflateReset(s.get());
                continue;
            }
            if (!rest.empty()) out.note = std::to_string(rest.size()) + " bytes after the gzip data ignored";
            return out;
        }
        if (rc == Z_BUF_ERROR && s->avail_in == 0 && fed == gz.size()) return fail("gzip: data is truncated");
        if (rc != Z_OK) return fail("gzip: corrupt data (" + zlib_message(s.get(), rc) + ")");
    }
}

}  // namespace sw::dmarc
