#include "validator/fault_points.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "core/log.h"

namespace loconet {

void CrashPoint(const char* point, uint64_t round) {
  const char* want = std::getenv("LOCONET_CRASH_AT");
  if (want && std::string(want) == std::string(point) + ":" + std::to_string(round)) {
    spdlog::critical("LOCONET_CRASH_AT={}: simulated crash", want);
    std::_Exit(86);
  }
}

void ThrowPoint(const char* point) {
  const char* want = std::getenv("LOCONET_THROW_AT");
  if (want && std::string(want) == point) {
    throw std::runtime_error(std::string("LOCONET_THROW_AT=") + want + ": simulated failure");
  }
}

}  // namespace loconet
