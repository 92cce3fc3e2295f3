// The other validators of a network, as one validator sees them (docs/protocol.md, "Several
// validators"): a SUB socket on each one's PUB (round announcements, model updates, ledger
// records) and a DEALER for ledger ranges. Peers keeps the newest announcement and the model
// updates each peer published, replicates each peer's chain into the local ledger (every record
// verified by LedgerStore::Append before it is stored; a gap is filled by a range request), and
// tracks which validator leads: the first in the genesis lead order not counted as down.
// One thread (the node's). Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "core/keys.h"
#include "core/status.h"
#include "ledger/store.h"
#include "network/genesis.h"
#include "sync/envelope.h"
#include "sync/messages.pb.h"
#include "sync/node_address.h"
#include "sync/transport.h"

namespace loconet {

class Peers {
 public:
  // Connects to every address in `peers` that the genesis lists (kInvalidArgument naming one it
  // does not list; this validator's own key is skipped). `self_index` is this validator's place
  // in the lead order (nullopt for an observer, which never leads). All pointers borrowed.
  static Result<std::unique_ptr<Peers>> Connect(const std::vector<sync::NodeAddress>& peers,
                                                const network::Genesis& genesis,
                                                const Identity* self,
                                                std::optional<size_t> self_index,
                                                const sync::NetworkId& network, bool curve,
                                                ledger::LedgerStore* store);

  // Reads everything the peers published, waiting up to timeout_ms for the first message.
  // Never fails: a message that does not verify is dropped and counted.
  void Poll(int timeout_ms);

  // The validator that leads now: the first in the lead order not counted as down.
  size_t Lead() const;
  bool SelfLeads() const { return self_index_ && Lead() == *self_index_; }
  const PublicKey& KeyOf(size_t index) const { return genesis_.validators[index].key; }
  // Counts `index` as down (it missed an announcement or a model update it owed).
  void MarkDown(size_t index);
  const std::set<size_t>& down() const { return down_; }

  // The newest announcement of validator `index` for round `min_round` or later, if any.
  std::optional<proto::RoundAnnouncement> Announcement(size_t index, uint64_t min_round) const;
  // The model update validator `index` published for `round`, if any.
  std::optional<proto::ModelUpdate> ModelUpdate(size_t index, uint64_t round) const;

  // The parameter bytes of model `hash` from validator `index` (its current model), for a
  // follower that fell behind; the caller checks the hash. kNotFound for an index without a link.
  Result<Bytes> FetchModel(size_t index, const Hash256& hash);

  uint64_t dropped() const { return dropped_; }

 private:
  struct Link {
    size_t index = 0;
    sync::NodeAddress address;
    std::unique_ptr<sync::Subscriber> sub;
    std::unique_ptr<sync::DealerClient> client;
    std::optional<proto::RoundAnnouncement> announcement;
    std::map<uint64_t, proto::ModelUpdate> updates;  // by round, the last few
  };
  Peers() = default;
  void Handle(Link& link, const std::string& topic, const Bytes& payload);
  void Replicate(Link& link, const proto::LedgerRecords& records);

  network::Genesis genesis_;
  const Identity* self_ = nullptr;
  std::optional<size_t> self_index_;
  sync::NetworkId network_ = sync::kDefaultNetworkId;
  ledger::LedgerStore* store_ = nullptr;
  std::vector<Link> links_;
  std::set<size_t> down_;
  uint64_t dropped_ = 0;
};

}  // namespace loconet
