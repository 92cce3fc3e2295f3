#include "sync/node_address.h"

namespace loconet::sync {

Result<std::vector<NodeAddress>> ReadNodeAddresses(Config& c, const std::string& table) {
  std::vector<NodeAddress> out;
  for (const std::string& name : c.Subtables(table)) {
    const std::string at = table + "." + name;
    NodeAddress a;
    a.name = name;
    const std::string key = c.Str(at + ".key", std::nullopt);
    a.router = c.Str(at + ".router", std::nullopt);
    a.pub = c.Str(at + ".pub", std::nullopt);
    LOCONET_RETURN_IF_ERROR(c.FirstError());
    auto parsed = ParsePublicKey(key);
    if (!parsed.ok()) {
      return Error(Code::kConfigError, c.source() + ": key '" + at + ".key': " +
                                           parsed.status().message() +
                                           " (a validator's public key, 64 hex characters)");
    }
    a.key = *parsed;
    for (const NodeAddress& b : out) {
      if (b.key == a.key) {
        return Error(Code::kConfigError, c.source() + ": [" + at + "] repeats the key of [" +
                                             table + "." + b.name + "]");
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace loconet::sync
