#include "validator/peers.h"

#include "core/log.h"
#include "ledger/record.h"
#include "replica/replica.h"
#include "sync/checkpoint_fetch.h"
#include "sync/messages.h"

namespace loconet {

namespace {
constexpr size_t kUpdatesKept = 8;
}  // namespace

Result<std::unique_ptr<Peers>> Peers::Connect(const std::vector<sync::NodeAddress>& peers,
                                              const network::Genesis& genesis,
                                              const Identity* self,
                                              std::optional<size_t> self_index,
                                              const sync::NetworkId& network, bool curve,
                                              ledger::LedgerStore* store) {
  std::unique_ptr<Peers> p(new Peers());
  p->genesis_ = genesis;
  p->self_ = self;
  p->self_index_ = self_index;
  p->network_ = network;
  p->store_ = store;
  for (const sync::NodeAddress& a : peers) {
    if (a.key == self->public_key()) continue;
    std::optional<size_t> index = network::LeadIndex(genesis, a.key);
    if (!index) {
      return Error(Code::kInvalidArgument, "peer [peers." + a.name + "] has key " + a.key.Short() +
                                               ", which the network file does not list");
    }
    Link link;
    link.index = *index;
    link.address = a;
    const PublicKey* server = curve ? &link.address.key : nullptr;
    LOCONET_ASSIGN_OR_RETURN(
        link.sub, sync::Subscriber::Connect(
                      a.pub, {sync::kTopicAnnounce, sync::kTopicModel, sync::kTopicLedger},
                      sync::kDefaultMaxMessageBytes, server));
    LOCONET_ASSIGN_OR_RETURN(link.client, sync::DealerClient::Connect(
                                              a.router, sync::kDefaultMaxMessageBytes, server));
    p->links_.push_back(std::move(link));
  }
  return p;
}

size_t Peers::Lead() const {
  for (size_t i = 0; i < genesis_.validators.size(); ++i) {
    if (!down_.count(i)) return i;
  }
  return genesis_.validators.size();  // every validator is down: nobody leads
}

void Peers::MarkDown(size_t index) {
  if (index >= genesis_.validators.size()) return;
  if (down_.insert(index).second) {
    spdlog::warn("validator {} ({}) counted as down; the lead is now validator {}", index,
                 KeyOf(index).Short(), Lead());
  }
}

void Peers::Poll(int timeout_ms) {
  std::string topic;
  Bytes payload;
  int wait = timeout_ms;
  for (bool any = true; any;) {
    any = false;
    for (Link& link : links_) {
      while (true) {
        auto got = link.sub->Receive(wait, &topic, &payload);
        wait = 0;
        if (!got.ok() || !*got) break;
        any = true;
        Handle(link, topic, payload);
      }
    }
  }
}

void Peers::Handle(Link& link, const std::string& topic, const Bytes& payload) {
  std::string_view tag = topic == sync::kTopicAnnounce ? sync::kTagAnnounce
                         : topic == sync::kTopicModel  ? sync::kTagModelUpdate
                                                       : sync::kTagLedger;
  auto env = sync::OpenEnvelope(payload.data(), payload.size(), 1u << 30, tag, network_);
  if (!env.ok() || env->sender != link.address.key) {
    ++dropped_;
    return;
  }
  if (topic == sync::kTopicAnnounce) {
    proto::RoundAnnouncement a;
    if (!sync::ParseProto(env->body, "announcement", &a).ok()) {
      ++dropped_;
      return;
    }
    if (!link.announcement || a.round() >= link.announcement->round()) link.announcement = a;
  } else if (topic == sync::kTopicModel) {
    proto::ModelUpdate u;
    if (!sync::ParseProto(env->body, "model update", &u).ok()) {
      ++dropped_;
      return;
    }
    link.updates[u.round()] = u;
    while (link.updates.size() > kUpdatesKept) link.updates.erase(link.updates.begin());
  } else {
    proto::LedgerRecords records;
    if (!sync::ParseProto(env->body, "ledger records", &records).ok()) {
      ++dropped_;
      return;
    }
    Replicate(link, records);
  }
}

void Peers::Replicate(Link& link, const proto::LedgerRecords& records) {
  std::vector<ledger::Record> batch;
  for (const std::string& raw : records.records()) {
    auto rec = ledger::Record::Parse(reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
    if (!rec.ok() || rec->author != link.address.key) {
      ++dropped_;
      return;
    }
    batch.push_back(std::move(rec).value());
  }
  if (batch.empty()) return;
  auto head = store_->HeadOf(link.address.key);
  const uint64_t next = head.ok() && *head ? (*head)->height + 1 : 0;
  if (batch.back().height < next) return;  // already held
  if (batch.front().height == next) {
    Status s = store_->Append(batch);
    if (s.ok()) return;
    spdlog::warn("replicating validator {}: {}", link.address.key.Short(), s.ToString());
  }
  // A gap (a missed broadcast, or records from before we started): copy the range.
  replica::SyncOptions options;
  options.timeout_ms = 1000;
  options.attempts = 1;
  options.network = network_;
  auto synced = replica::SyncFrom(*link.client, *self_, link.address.key, link.address.key,
                                  store_, options);
  if (!synced.ok()) {
    spdlog::warn("replicating validator {}: {}", link.address.key.Short(),
                 synced.status().ToString());
  }
}

std::optional<proto::RoundAnnouncement> Peers::Announcement(size_t index,
                                                            uint64_t min_round) const {
  for (const Link& link : links_) {
    if (link.index == index && link.announcement && link.announcement->round() >= min_round) {
      return link.announcement;
    }
  }
  return std::nullopt;
}

std::optional<proto::ModelUpdate> Peers::ModelUpdate(size_t index, uint64_t round) const {
  for (const Link& link : links_) {
    if (link.index != index) continue;
    auto it = link.updates.find(round);
    if (it != link.updates.end()) return it->second;
  }
  return std::nullopt;
}

Result<Bytes> Peers::FetchModel(size_t index, const Hash256& hash) {
  Link* link = nullptr;
  for (Link& l : links_) {
    if (l.index == index) link = &l;
  }
  if (!link) return Error(Code::kNotFound, "no link to validator " + std::to_string(index));
  auto call = [&](const proto::Request& req) -> Result<proto::Reply> {
    proto::Request bound = req;
    LOCONET_ASSIGN_OR_RETURN(Bytes env,
                             sync::SealRequest(*self_, link->address.key, &bound, network_));
    LOCONET_ASSIGN_OR_RETURN(Bytes raw, link->client->Request(env, 3000, 2));
    LOCONET_ASSIGN_OR_RETURN(sync::OpenedEnvelope opened,
                             sync::OpenEnvelope(raw, 1u << 30, sync::kTagReply, network_));
    if (opened.sender != link->address.key) {
      return Error(Code::kBadSignature, "reply not signed by validator " + std::to_string(index));
    }
    proto::Reply reply;
    LOCONET_RETURN_IF_ERROR(sync::ParseProto(opened.body, "reply", &reply));
    return reply;
  };
  return sync::FetchCheckpointBytes(call, hash);
}

}  // namespace loconet
