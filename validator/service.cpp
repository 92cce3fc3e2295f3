#include "validator/service.h"

#include <algorithm>
#include <exception>

#include "core/files.h"
#include "core/log.h"
#include "ledger/bodies.h"
#include "replica/replica.h"
#include "sync/envelope.h"
#include "sync/messages.h"
#include "sync/registration_pow.h"
#include "validator/fault_points.h"

namespace loconet {

namespace {

constexpr size_t kCheckpointChunkBytes = 1u << 20;

Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

Service::Service(const ServiceState& state)
    : s_(state),
      key_limit_(state.cfg->max_messages_per_second, 2 * state.cfg->max_messages_per_second),
      connection_limit_(state.cfg->max_connection_messages_per_second,
                        2 * state.cfg->max_connection_messages_per_second),
      registration_limit_(state.cfg->registrations_per_second,
                          std::max(1.0, state.cfg->registrations_per_second)),
      guard_(state.id->public_key(),
             static_cast<int64_t>(state.cfg->request_window_seconds * 1000)) {}

Bytes Service::Reply(Code code, const std::string& message, const std::string& payload,
                     bool counted) {
  proto::Reply r =
      sync::MakeReply(code == Code::kOk ? Status::Ok() : Status(code, message), s_.round->round);
  if (code == Code::kOk) r.set_message(message);
  r.set_payload(payload);
  if (code != Code::kOk && counted) {
    s_.round->rejection_counts[CodeName(code)]++;
    s_.metrics->CountRejection(code);
  }
  return sync::SealEnvelope(*s_.id, sync::kTagReply, ToBytes(r.SerializeAsString()), s_.network);
}

Bytes Service::Reject(const PublicKey* miner, Code code, const std::string& message) {
  RoundState& round = *s_.round;
  if (miner && s_.registry->count(*miner) && round.open && !round.rejected.count(*miner)) {
    round.rejected[*miner] = {static_cast<uint16_t>(code), round.next_order++};
  }
  spdlog::debug("rejected {}: {}: {}", miner ? miner->Short() : "?", CodeName(code), message);
  return Reply(code, message);
}

Bytes Service::Handle(const Bytes& request, const sync::Peer& peer) noexcept {
  try {
    s_.metrics->AddReceivedBytes(request.size());
    return Dispatch(request, peer);
  } catch (const std::exception& e) {
    spdlog::error("request from {}: handler failed: {}", peer.address, e.what());
  } catch (...) {
    spdlog::error("request from {}: handler failed with a non-standard exception", peer.address);
  }
  try {
    return Reply(Code::kInternal, "the validator could not handle this request");
  } catch (...) {
    return Bytes();  // not even a reply could be built (out of memory): the peer times out
  }
}

Bytes Service::Oversize(size_t size, const sync::Peer& peer) noexcept {
  try {
    s_.metrics->AddReceivedBytes(size);
    if (!connection_limit_.Take(peer.connection)) return Reply(Code::kRateLimited, "rate limited");
    return Reply(Code::kTooLarge, "request of " + std::to_string(size) + " bytes exceeds " +
                                      std::to_string(s_.cfg->max_request_bytes));
  } catch (...) {
    return Bytes();
  }
}

Bytes Service::Dispatch(const Bytes& request, const sync::Peer& peer) {
  ThrowPoint("handler");
  // The connection's limit comes first: it is checked before any signature, so a flood of
  // messages under fresh keys costs the validator a map lookup each.
  if (!connection_limit_.Take(peer.connection)) {
    spdlog::debug("connection from {} over its rate limit", peer.address);
    return Reply(Code::kRateLimited,
                 "more than " + std::to_string(s_.cfg->max_connection_messages_per_second) +
                     " messages per second on this connection");
  }
  auto env = sync::OpenEnvelope(request.data(), request.size(), s_.cfg->max_request_bytes,
                                sync::kTagRequest, s_.network);
  if (!env.ok()) return Reply(env.status().code(), env.status().message());
  const PublicKey& sender = env->sender;
  proto::Request req;
  Status parsed = sync::ParseProto(env->body, "request", &req);
  if (!parsed.ok()) return Reject(nullptr, parsed.code(), parsed.message());
  // Binding and replays before the key's rate limit: a captured copy replayed many times must
  // not drain its sender's budget.
  Status admitted = guard_.Admit(sender, env->body, req, UnixMillis());
  if (!admitted.ok()) return Reply(admitted.code(), admitted.message());
  if (!key_limit_.Take(RawString(sender))) {
    s_.round->flooded.insert(sender);
    return Reply(Code::kRateLimited, "more than " +
                                         std::to_string(s_.cfg->max_messages_per_second) +
                                         " messages per second from this key");
  }
  switch (req.body_case()) {
    case proto::Request::kRegister:
      return HandleRegister(sender, req.register_());
    case proto::Request::kGetTerms:
      return HandleGetTerms();
    case proto::Request::kGetRound:
      // An answer, not a rejection: miners ask again until the next round opens, also while
      // the last one is scored.
      if (!s_.round->open) return Reply(Code::kUnavailable, "no round is open", "", false);
      return Reply(Code::kOk, "round " + std::to_string(s_.round->round),
                   s_.round->announcement.SerializeAsString());
    case proto::Request::kSubmission:
      return HandleSubmission(sender, req.submission());
    case proto::Request::kCheckpoint:
      return HandleCheckpoint(req.checkpoint());
    case proto::Request::kLedger:
      return HandleLedger(req.ledger());
    default:
      return Reject(nullptr, Code::kDecodeError, "empty request");
  }
}

Bytes Service::HandleRegister(const PublicKey& sender, const proto::Register& r) {
  if (s_.registry->count(sender)) return Reply(Code::kOk, "registered");
  const ValidatorConfig& cfg = *s_.cfg;
  // A proof costs the validator one Argon2id evaluation: a budget for all keys together keeps a
  // flood of bogus registrations from taking the node's time.
  if (!registration_limit_.Take("registrations")) {
    return Reply(Code::kRateLimited, "too many registrations at once; try again in a second");
  }
  const sync::PowTerms terms{cfg.pow_bits, cfg.pow_memory_kib, cfg.pow_ops};
  Status pow = sync::VerifyPow(sender, s_.id->public_key(), r.pow_nonce(), terms);
  if (!pow.ok()) return Reject(nullptr, pow.code(), pow.message());
  const uint64_t round = s_.round->round;
  Result<std::optional<PublicKey>> slot =
      ChooseSlot(*s_.registry, *s_.joined, *s_.standings, round,
                 SlotRules{cfg.max_miners, cfg.immunity_rounds});
  if (!slot.ok()) return Reject(nullptr, slot.status().code(), slot.status().message());
  ledger::RegistrationBody reg{sender, ledger::SanitizeMinerName(r.name()), PublicKey{}};
  if (*slot) reg.replaces = **slot;
  // Durable before it is acknowledged: a validator that crashes after this reply still knows
  // the miner when it restarts.
  Status written = s_.committer->CommitRegistration(round, reg);
  if (!written.ok()) {
    spdlog::error("registration of {} not written: {}", sender.Short(), written.ToString());
    return Reply(Code::kUnavailable, "the registration could not be stored; try again");
  }
  if (*slot) {
    const PublicKey& out = **slot;
    s_.registry->erase(out);
    s_.joined->erase(out);
    s_.round->eligible.erase(out);
    spdlog::info("miner {} takes the slot of {} (lowest score past its immunity period)",
                 sender.Short(), out.Short());
  }
  (*s_.registry)[sender] = reg.name;
  (*s_.joined)[sender] = round;
  s_.metrics->SetRegisteredMiners(s_.registry->size());
  spdlog::info("registered miner {} ({})", sender.Short(), reg.name);
  return Reply(Code::kOk, "registered");
}

Bytes Service::HandleGetTerms() {
  const ValidatorConfig& cfg = *s_.cfg;
  proto::RegistrationTerms t;
  t.set_pow_bits(cfg.pow_bits);
  t.set_pow_memory_kib(cfg.pow_memory_kib);
  t.set_pow_ops(cfg.pow_ops);
  t.set_max_miners(cfg.max_miners);
  t.set_registered(static_cast<uint32_t>(s_.registry->size()));
  t.set_immunity_rounds(cfg.immunity_rounds);
  return Reply(Code::kOk, "registration terms", t.SerializeAsString());
}

Bytes Service::HandleSubmission(const PublicKey& sender, const proto::Submission& sub) {
  RoundState& round = *s_.round;
  round.bytes_received += sub.ByteSizeLong();
  ReceiptVerdict v =
      CheckSubmission(round, *s_.registry, *s_.payloads, *s_.rules, sender, sub, UnixMillis());
  if (v.takes_slot) round.submitted.insert(sender);
  if (v.payload) {
    Status remembered = s_.payloads->Remember(round.round, *v.payload);
    if (!remembered.ok()) {
      // Not remembered means a later replay could pass: refuse rather than risk it.
      spdlog::error("payload log: {}", remembered.ToString());
      round.submitted.erase(sender);
      s_.metrics->CountSubmission(Code::kUnavailable);
      return Reply(Code::kUnavailable, "the validator could not record this submission");
    }
  }
  s_.metrics->CountSubmission(v.status.code());
  if (!v.status.ok()) return Reject(&sender, v.status.code(), v.status.message());
  AcceptedUpdate a;
  a.miner = sender;
  a.order = round.next_order++;
  a.norm = UpdateNorm(v.update);
  a.sketch = Sketch(v.update, round.sketch_coords);
  a.tensors = sub.tensors();
  a.received_ms = UnixMillis();
  a.inner_steps = sub.inner_steps();
  round.accepted.push_back(std::move(a));
  return Reply(Code::kOk, "accepted for scoring");
}

Bytes Service::HandleCheckpoint(const proto::CheckpointRequest& r) {
  const ServedModel& m = *s_.model;
  if (r.model_hash() != RawString(m.hash)) {
    return Reply(Code::kNotFound,
                 "this validator serves only the current model " + m.hash.Hex().substr(0, 16));
  }
  const uint32_t count =
      static_cast<uint32_t>((m.bytes.size() + kCheckpointChunkBytes - 1) / kCheckpointChunkBytes);
  if (r.index() >= count) return Reply(Code::kInvalidArgument, "chunk index out of range");
  proto::CheckpointChunk c;
  c.set_model_hash(RawString(m.hash));
  c.set_round(s_.round->round);
  c.set_index(r.index());
  c.set_count(count);
  const size_t begin = static_cast<size_t>(r.index()) * kCheckpointChunkBytes;
  const size_t end = std::min(m.bytes.size(), begin + kCheckpointChunkBytes);
  c.set_data(m.bytes.data() + begin, end - begin);
  return Reply(Code::kOk, "chunk", c.SerializeAsString());
}

Bytes Service::HandleLedger(const proto::LedgerRangeRequest& r) {
  auto records = replica::ServeRange(*s_.store, s_.id->public_key(), r);
  if (!records.ok()) return Reply(records.status().code(), records.status().message());
  return Reply(Code::kOk, "records", records->SerializeAsString());
}

}  // namespace loconet
