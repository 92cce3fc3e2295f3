#include "metrics/address.h"

#include <arpa/inet.h>

namespace loconet::metrics {

bool ListenAddress::loopback() const {
  in_addr a{};
  return inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

std::string ListenAddress::ToString() const { return host + ":" + std::to_string(port); }

Result<ListenAddress> ParseListenAddress(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return Error(Code::kInvalidArgument,
                 "'" + text + "': " + why + " (expected IPV4:PORT, e.g. 127.0.0.1:9464)");
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return bad("no port");
  ListenAddress out;
  out.host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  in_addr a{};
  // inet_pton takes exactly four decimal parts: no host names, no shorthand like "127.1".
  if (inet_pton(AF_INET, out.host.c_str(), &a) != 1) {
    return bad("'" + out.host + "' is not a numeric IPv4 address");
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535) {
    return bad("'" + port + "' is not a port from 0 to 65535");
  }
  out.port = static_cast<uint16_t>(std::stoul(port));
  return out;
}

Status CheckConfiguredAddress(const std::string& address, bool allow_public, const std::string& key,
                              const std::string& public_key) {
  if (address.empty()) return Status::Ok();
  auto parsed = ParseListenAddress(address);
  if (!parsed.ok()) {
    return Error(Code::kConfigError, "key '" + key + "': " + parsed.status().message());
  }
  if (!parsed->loopback() && !allow_public) {
    return Error(Code::kConfigError,
                 "key '" + key + "': " + parsed->host +
                     " is not a loopback address; the metrics endpoint has no authentication, "
                     "so serving it beyond this machine needs '" +
                     public_key + " = true'");
  }
  return Status::Ok();
}

}  // namespace loconet::metrics
