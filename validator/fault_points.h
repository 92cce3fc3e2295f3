// Fault injection for tests, driven by the environment; inert unless a variable names a point.
//   LOCONET_CRASH_AT=<point>:<round>  the process dies at that point of that round as if the
//                                      machine had lost power (no destructors, no flushes)
//   LOCONET_THROW_AT=<point>          the code at that point throws std::runtime_error
#pragma once

#include <cstdint>

namespace loconet {

void CrashPoint(const char* point, uint64_t round);
void ThrowPoint(const char* point);

}  // namespace loconet
