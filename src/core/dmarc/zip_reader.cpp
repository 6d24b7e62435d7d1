// ZipArchive over libzip; see zip_reader.hpp.
#include "core/dmarc/zip_reader.hpp"

#include <algorithm>

namespace sw::dmarc {
namespace {

struct SourceFree {
    void operator()(zip_source_t* s) const noexcept { zip_source_free(s); }
};
struct FileClose {
    void operator()(zip_file_t* f) const noexcept { zip_fclose(f); }
};

// zip_error_t set up and torn down around one call.
class ZipError {
public:
    ZipError() { zip_error_init(&e_); }
    ~ZipError() { zip_error_fini(&e_); }
    ZipError(const ZipError&) = delete;
    ZipError& operator=(const ZipError&) = delete;
    zip_error_t* get() noexcept { return &e_; }
    std::string text() { return zip_error_strerror(&e_); }

private:
    zip_error_t e_;
};

}  // namespace

bool is_zip(std::string_view b) noexcept {
    // a local file header, or the end record of an empty archive
    return b.starts_with(std::string_view("PK\x03\x04", 4)) || b.starts_with(std::string_view("PK\x05\x06", 4));
}

bool is_zip_junk(std::string_view name) noexcept {
    if (name.ends_with('/')) return true;  // a directory; an empty name is a file (mail-dmarc's zip)
    if (name.starts_with("__MACOSX/") || name.find("/__MACOSX/") != std::string_view::npos) return true;
    std::size_t slash = name.rfind('/');
    std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
    return base.starts_with("._") || base == ".DS_Store";
}

Result<ZipArchive> ZipArchive::open(std::string_view bytes) {
    ZipError err;
    std::unique_ptr<zip_source_t, SourceFree> src(zip_source_buffer_create(bytes.data(), bytes.size(), 0, err.get()));
    if (!src) return fail("zip: " + err.text());
    zip_t* z = zip_open_from_source(src.get(), ZIP_RDONLY, err.get());
    if (!z) return fail("zip: not a readable archive (" + err.text() + ")");
    src.release();  // the archive owns it now
    zip_int64_t n = zip_get_num_entries(z, 0);
    return ZipArchive(z, n > 0 ? static_cast<std::size_t>(n) : 0, bytes.size());
}

std::string ZipArchive::name(std::size_t i) const {
    const char* n = zip_get_name(zip_.get(), i, ZIP_FL_ENC_GUESS);
    return n ? n : "";
}

Result<std::string> ZipArchive::read(std::size_t i, std::size_t max_out, const Limits& limits) const {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_.get(), i, 0, &st) != 0) return fail(std::string("zip: ") + zip_strerror(zip_.get()));
    // What the archive holds for this member bounds its compressed size,
    // whatever it declares.
    std::size_t packed = input_size_;
    if (st.valid & ZIP_STAT_COMP_SIZE) packed = std::min<std::size_t>(packed, st.comp_size);
    if (st.valid & ZIP_STAT_SIZE) {
        if (exceeds_ratio(limits, packed, st.size))
            return fail("declares a compression ratio over " + std::to_string(limits.max_compression_ratio) +
                        " (a decompression bomb?)");
        if (st.size > max_out)
            return fail("declares " + std::to_string(st.size) + " bytes, more than " + std::to_string(max_out));
    }
    std::unique_ptr<zip_file_t, FileClose> f(zip_fopen_index(zip_.get(), i, 0));
    if (!f) return fail(std::string("cannot be read: ") + zip_strerror(zip_.get()));
    std::string out;
    char buf[64 * 1024];
    for (;;) {
        zip_int64_t got = zip_fread(f.get(), buf, sizeof buf);
        if (got < 0) return fail(std::string("corrupt: ") + zip_file_strerror(f.get()));
        if (got == 0) return out;
        if (static_cast<std::size_t>(got) > max_out - out.size())
            return fail("more than " + std::to_string(max_out) + " bytes after decompression");
        out.append(buf, static_cast<std::size_t>(got));
        if (exceeds_ratio(limits, packed, out.size()))
            return fail("compression ratio over " + std::to_string(limits.max_compression_ratio) +
                        " (a decompression bomb?)");
    }
}

}  // namespace sw::dmarc
