// The validator node: announces rounds, answers every request on its ROUTER socket, gates and
// scores submissions, aggregates the accepted updates into the next global model, writes one
// signed ledger batch per round and publishes announcements, model updates and round status on
// its PUB socket. One thread runs a node; while a round is scored (on threads of its own) that
// thread keeps answering requests. Run returns when the configured rounds are done or *stop
// becomes true.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "core/hash.h"
#include "core/status.h"
#include "validator/config.h"

namespace loconet {

class ValidatorNode {
 public:
  static Result<std::unique_ptr<ValidatorNode>> Create(const ValidatorConfig& config);
  ~ValidatorNode();

  Status Run(const std::atomic<bool>& stop);

  // The endpoints actually bound (port 0 in the config resolves to a free port).
  std::string router_endpoint() const;
  std::string pub_endpoint() const;

  // The network this node is on and its place in it, fixed at Create.
  struct NetworkRole {
    Hash256 network_id;  // sync::kDefaultNetworkId without a network file
    // This validator's position in the genesis lead order; nullopt for a key the network file
    // does not list (an observer). Without a network file the validator is alone: 0.
    std::optional<size_t> lead_index;
    bool observer() const { return !lead_index.has_value(); }
  };
  const NetworkRole& network_role() const;

  struct Impl;

 private:
  explicit ValidatorNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace loconet
