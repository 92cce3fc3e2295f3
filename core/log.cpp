#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace loconet {

Status InitLogging(const std::string& level, const std::string& name) {
  spdlog::level::level_enum lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    return Error(Code::kInvalidArgument, "log level '" + level +
                                             "': expected trace, debug, info, warn, error or off");
  }
  auto logger = spdlog::stderr_color_mt(name);
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %n %^%l%$ %v");
  logger->set_level(lvl);
  spdlog::set_default_logger(logger);
  return Status::Ok();
}

}  // namespace loconet
