// libopendkim's header for C++: dkim.h is C99 and uses _Bool, which C++
// spells bool. Include this, never <opendkim/dkim.h> directly.
#pragma once

#include <sys/types.h>

#define _Bool bool
#include <opendkim/dkim.h>
#undef _Bool
