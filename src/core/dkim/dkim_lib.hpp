// DkimLib: the one libopendkim library handle of a process (dkim_init /
// dkim_close), shared by every milter thread, configured once with the
// header lists we sign and oversign (RFC 6376 §5.4 and §5.4.2). The oversign
// list is a subset of the sign list: a name oversigned but not signed would
// go into h= unsigned and break every signature (see TESTING.md).
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "core/dkim/opendkim.hpp"
#include "core/util/result.hpp"

namespace sw::dkim {

// Header names signed when present, and the subset that is oversigned (listed
// once more in h=, so that a header added later breaks the signature).
std::span<const char* const> signed_header_names();
std::span<const char* const> oversigned_header_names();

class DkimLib {
public:
    static Result<std::unique_ptr<DkimLib>> create();
    DKIM_LIB* get() const noexcept { return lib_.get(); }

private:
    struct Close {
        void operator()(DKIM_LIB* lib) const noexcept { dkim_close(lib); }
    };
    std::unique_ptr<DKIM_LIB, Close> lib_;
};

}  // namespace sw::dkim
