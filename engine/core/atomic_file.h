// Writing a file so that a crash or a full disk never leaves it half written: the bytes go to
// "<path>.tmp", which then replaces `path`. Used for graphs and exported models.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace strata {

// Messages start with `path`; on failure the temporary file is removed and `path` is untouched.
Status writeFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace strata
