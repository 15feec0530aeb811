// SPDX-License-Identifier: Apache-2.0
// cache_location.cc — cache_location() of cache_location.h.
#include "cache/cache_location.h"

#include <stdlib.h>

namespace dirbind {

const char* cache_location() noexcept {
    const char* dir = secure_getenv("DIRBIND_CACHE_DIR");
    return dir != nullptr && dir[0] == '/' ? dir : kDefaultCacheDir;
}

}  // namespace dirbind
