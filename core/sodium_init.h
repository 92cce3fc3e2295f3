// Private to core/: calls sodium_init() once, thread-safely, and aborts if libsodium cannot start
// (that is a broken installation, not an input error).
#pragma once

namespace loconet {
void EnsureSodium();
}  // namespace loconet
