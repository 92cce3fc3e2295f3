// Shared helpers of the libFuzzer targets in fuzz/ (see fuzz/CMakeLists.txt).
//
// Every target feeds hostile bytes to one decoder of outside input. A decoder may reject its
// input (that is the point), but it must not crash, leak, read out of bounds or hit undefined
// behaviour (ASan and UBSan abort), and where the decoder promises a property (a decoded value
// is finite, a canonical body re-encodes to itself) the target checks it with FUZZ_CHECK.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

// Aborts (a crash libFuzzer reports, with the input saved) if `cond` is false.
#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)
