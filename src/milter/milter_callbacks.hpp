// The libmilter registration of sendwarden-milter: the only place that sees
// SMFICTX. `install_runtime` must be called before smfi_main().
#pragma once

#include <libmilter/mfapi.h>

#include "milter/milter_runtime.hpp"

namespace sw::milter {

void install_runtime(MilterRuntime* runtime);
smfiDesc milter_description();

}  // namespace sw::milter
