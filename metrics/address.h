// The address a metrics endpoint listens on: "IPV4:PORT", e.g. "127.0.0.1:9464". Torch-free.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace loconet::metrics {

struct ListenAddress {
  std::string host;   // dotted-quad IPv4, as written
  uint16_t port = 0;  // 0: any free port

  // 127.0.0.0/8: reachable from this machine only.
  bool loopback() const;
  std::string ToString() const;  // "host:port"
};

// Parses "IPV4:PORT" with a numeric IPv4 address and a port 0..65535. Host names and IPv6 are
// refused (kInvalidArgument, saying what was expected).
Result<ListenAddress> ParseListenAddress(const std::string& text);

// The rule for a configured metrics address: empty (metrics off) or IPV4:PORT, and a host other
// than a loopback address only when `allow_public`. Errors (kConfigError) name `key`, and
// `public_key` when it is the public-address rule that failed.
Status CheckConfiguredAddress(const std::string& address, bool allow_public, const std::string& key,
                              const std::string& public_key);

}  // namespace loconet::metrics
