// Where a validator listens and which key it signs and encrypts with: what a miner needs to
// reach each validator of a network and what a validator needs to follow the others. Read from
// config tables [<table>.<name>] with `key` (64 hex characters), `router` and `pub` (ZeroMQ
// endpoints). Torch-free.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "core/keys.h"
#include "core/status.h"

namespace loconet::sync {

struct NodeAddress {
  std::string name;  // the table's name, for logs
  PublicKey key;
  std::string router;
  std::string pub;
};

// Every [<table>.<name>] of `c`, in file order; kConfigError naming the file and key for a
// missing or malformed entry or a key listed twice. Empty when there is no such table.
Result<std::vector<NodeAddress>> ReadNodeAddresses(Config& c, const std::string& table);

}  // namespace loconet::sync
