#include "validator/node.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/files.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/log.h"
#include "datasets/assignment.h"
#include "datasets/loader.h"
#include "datasets/shard.h"
#include "ledger/bodies.h"
#include "ledger/record.h"
#include "ledger/rewards.h"
#include "ledger/store.h"
#include "replica/replica.h"
#include "sync/codec.h"
#include "sync/envelope.h"
#include "sync/messages.h"
#include "sync/messages.pb.h"
#include "sync/transport.h"
#include "trainer/checkpoint.h"
#include "trainer/gpt.h"
#include "trainer/local_trainer.h"
#include "trainer/outer_optimizer.h"
#include "trainer/params.h"
#include "trainer/threads.h"
#include "trainer/wire.h"
#include "validator/evaluator.h"
#include "validator/rate_limit.h"

namespace loconet {

using datasets::AllPages;
using datasets::BlockLoader;
using datasets::ShardReader;

namespace {

constexpr size_t kCheckpointChunkBytes = 1u << 20;

Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::vector<torch::Tensor> BlocksToTensors(BlockLoader& loader, uint32_t batches, int64_t width) {
  std::vector<torch::Tensor> out;
  std::vector<int64_t> rows;
  for (uint32_t i = 0; i < batches; ++i) {
    loader.Next(&rows);
    out.push_back(torch::from_blob(rows.data(), {loader.batch(), width}, torch::kLong).clone());
  }
  return out;
}

uint64_t SeedFrom(const Hash256& h) {
  uint64_t s = 0;
  for (int i = 0; i < 8; ++i) s |= static_cast<uint64_t>(h.bytes[i]) << (8 * i);
  return s;
}

}  // namespace

struct ValidatorNode::Impl {
  ValidatorConfig cfg;
  Identity id;
  std::unique_ptr<ledger::LedgerStore> store;
  std::unique_ptr<sync::RouterServer> server;
  std::optional<ShardReader> train, heldout;
  GPT model{nullptr};
  OuterNesterov outer;
  std::unique_ptr<sync::Codec> codec;
  std::vector<torch::Tensor> status_blocks;  // fixed held-out set for the global loss curve
  std::ofstream status_out;

  // Miners and their scores (rebuilt from the ledger on start).
  std::map<PublicKey, std::string> registered;
  std::vector<ledger::RegistrationBody> pending_registrations;
  std::map<PublicKey, int64_t> ema_ppb;

  // The current model as served to miners that need a checkpoint.
  Hash256 model_hash;
  Bytes model_bytes;

  // The open round.
  struct Accepted {
    PublicKey miner;
    uint32_t order;
    std::vector<torch::Tensor> update;
  };
  std::set<Hash256> seen_payloads;            // every submission payload ever received
  std::map<PublicKey, int64_t> data_ppb;      // EMA of the own-vs-random data verdict x 1e9
  RateLimiter key_limit, connection_limit;    // bursts up to twice the rate
  std::set<PublicKey> flooded;                // keys over the rate limit this round
  uint64_t round = 0;
  bool round_open = false;
  proto::RoundAnnouncement announcement;
  Hash256 round_seed, secret;
  int64_t deadline_ms = 0;
  std::set<PublicKey> submitted;
  std::map<PublicKey, std::pair<uint16_t, uint32_t>> rejected;  // first reason, receipt order
  std::vector<Accepted> accepted;
  uint32_t next_order = 0;
  std::map<std::string, int64_t> rejection_counts;  // every rejection, attributable or not

  Impl(const ValidatorConfig& c, Identity i)
      : cfg(c), id(std::move(i)), outer(c.outer_lr, c.outer_momentum),
        key_limit(c.max_messages_per_second, 2 * c.max_messages_per_second),
        connection_limit(c.max_connection_messages_per_second,
                         2 * c.max_connection_messages_per_second) {}

  // --- replies -----------------------------------------------------------------------------
  Bytes Reply(Code code, const std::string& message, const std::string& payload = "") {
    proto::Reply r = sync::MakeReply(code == Code::kOk ? Status::Ok() : Status(code, message), round);
    if (code == Code::kOk) r.set_message(message);
    r.set_payload(payload);
    if (code != Code::kOk) rejection_counts[CodeName(code)]++;
    return sync::SealEnvelope(id, sync::kTagReply, ToBytes(r.SerializeAsString()));
  }

  Bytes Reject(const PublicKey* miner, Code code, const std::string& message) {
    if (miner && registered.count(*miner) && round_open && !rejected.count(*miner)) {
      rejected[*miner] = {static_cast<uint16_t>(code), next_order++};
    }
    spdlog::debug("rejected {}: {}: {}", miner ? miner->Short() : "?", CodeName(code), message);
    return Reply(code, message);
  }

  // --- request handling --------------------------------------------------------------------
  Bytes Handle(const Bytes& request, const sync::Peer& peer) {
    // The connection's limit comes first: it is checked before any signature, so a flood of
    // messages under fresh keys costs the validator a map lookup each.
    if (!connection_limit.Take(peer.connection)) {
      spdlog::debug("connection from {} over its rate limit", peer.address);
      return Reply(Code::kRateLimited,
                   "more than " + std::to_string(cfg.max_connection_messages_per_second) +
                       " messages per second on this connection");
    }
    auto env = sync::OpenEnvelope(request.data(), request.size(), cfg.max_request_bytes,
                                  sync::kTagRequest);
    if (!env.ok()) return Reply(env.status().code(), env.status().message());
    if (!key_limit.Take(RawString(env->sender))) {
      flooded.insert(env->sender);
      return Reply(Code::kRateLimited, "more than " + std::to_string(cfg.max_messages_per_second) +
                                           " messages per second from this key");
    }
    proto::Request req;
    Status parsed = sync::ParseProto(env->body, "request", &req);
    if (!parsed.ok()) return Reject(nullptr, parsed.code(), parsed.message());
    const PublicKey& sender = env->sender;
    switch (req.body_case()) {
      case proto::Request::kRegister: return HandleRegister(sender, req.register_());
      case proto::Request::kGetRound:
        if (!round_open) return Reply(Code::kUnavailable, "no round is open");
        return Reply(Code::kOk, "round " + std::to_string(round),
                     announcement.SerializeAsString());
      case proto::Request::kSubmission: return HandleSubmission(sender, req.submission());
      case proto::Request::kCheckpoint: return HandleCheckpoint(req.checkpoint());
      case proto::Request::kLedger: return HandleLedger(req.ledger());
      default: return Reject(nullptr, Code::kDecodeError, "empty request");
    }
  }

  Bytes HandleRegister(const PublicKey& sender, const proto::Register& r) {
    const std::string name = ledger::SanitizeMinerName(r.name());
    if (!registered.count(sender)) {
      registered[sender] = name;
      pending_registrations.push_back(ledger::RegistrationBody{sender, name});
      spdlog::info("registered miner {} ({})", sender.Short(), name);
    }
    return Reply(Code::kOk, "registered");
  }

  Bytes HandleSubmission(const PublicKey& sender, const proto::Submission& s) {
    // Gate 1: envelope (signature checked above), key, round, first submission, deadline.
    if (!registered.count(sender)) {
      return Reject(&sender, Code::kUnknownKey, "key " + sender.Short() + " is not registered");
    }
    if (!round_open || s.round() != round) {
      const bool late = round_open && s.round() + 1 == round;
      return Reject(&sender, late ? Code::kLate : Code::kWrongRound,
                    "submission for round " + std::to_string(s.round()) + ", round " +
                        std::to_string(round) + " is open");
    }
    if (submitted.count(sender)) {
      return Reject(&sender, Code::kDuplicate, "a submission for this round was received already");
    }
    submitted.insert(sender);
    if (UnixMillis() > deadline_ms) return Reject(&sender, Code::kLate, "after the deadline");
    // Gate 2: base model.
    if (s.base_hash() != announcement.base_hash()) {
      return Reject(&sender, Code::kStaleBase, "trained from another base model");
    }
    // Replays: the same payload, from anyone, in any round.
    Hasher payload;
    for (const auto& t : s.tensors()) payload.Update(t.data().data(), t.data().size());
    const Hash256 payload_hash = payload.Final();
    if (!seen_payloads.insert(payload_hash).second) {
      return Reject(&sender, Code::kReplay, "this update was submitted before");
    }
    RememberPayload(payload_hash);
    // Gate 3: format.
    const sync::CodecSpec spec = sync::CodecSpec::FromProto(s.codec());
    if (!spec.Validate().ok() || spec != cfg.codec) {
      return Reject(&sender, Code::kWrongCodec, "the round's codec is " + cfg.codec.name);
    }
    auto update = DecodeDeltas(*model, s.tensors(), *codec);
    if (!update.ok()) return Reject(&sender, update.status().code(), update.status().message());
    // Gate 4: data receipt.
    auto pages = datasets::AssignPages(round_seed, sender, train->num_pages(), cfg.pages_per_miner);
    if (s.pages_digest() != RawString(datasets::PagesDigest(pages))) {
      return Reject(&sender, Code::kDataReceipt, "the page digest is not that of the assigned pages");
    }
    accepted.push_back(Accepted{sender, next_order++, std::move(update).value()});
    return Reply(Code::kOk, "accepted for scoring");
  }

  // Payload hashes survive restarts in a file beside the state file (32 bytes each).
  void RememberPayload(const Hash256& h) {
    std::ofstream f(cfg.state_file + ".payloads", std::ios::app | std::ios::binary);
    f.write(reinterpret_cast<const char*>(h.bytes.data()), 32);
  }

  void LoadPayloads() {
    std::ifstream f(cfg.state_file + ".payloads", std::ios::binary);
    Hash256 h;
    while (f.read(reinterpret_cast<char*>(h.bytes.data()), 32)) seen_payloads.insert(h);
  }

  Bytes HandleCheckpoint(const proto::CheckpointRequest& r) {
    if (r.model_hash() != RawString(model_hash)) {
      return Reply(Code::kNotFound, "this validator serves only the current model " +
                                        model_hash.Hex().substr(0, 16));
    }
    const uint32_t count =
        static_cast<uint32_t>((model_bytes.size() + kCheckpointChunkBytes - 1) / kCheckpointChunkBytes);
    if (r.index() >= count) return Reply(Code::kInvalidArgument, "chunk index out of range");
    proto::CheckpointChunk c;
    c.set_model_hash(RawString(model_hash));
    c.set_round(round);
    c.set_index(r.index());
    c.set_count(count);
    const size_t begin = static_cast<size_t>(r.index()) * kCheckpointChunkBytes;
    const size_t end = std::min(model_bytes.size(), begin + kCheckpointChunkBytes);
    c.set_data(model_bytes.data() + begin, end - begin);
    return Reply(Code::kOk, "chunk", c.SerializeAsString());
  }

  Bytes HandleLedger(const proto::LedgerRangeRequest& r) {
    auto records = replica::ServeRange(*store, id.public_key(), r);
    if (!records.ok()) return Reply(records.status().code(), records.status().message());
    return Reply(Code::kOk, "records", records->SerializeAsString());
  }

  Bytes Oversize(size_t size, const sync::Peer& peer) {
    if (!connection_limit.Take(peer.connection)) return Reply(Code::kRateLimited, "rate limited");
    return Reply(Code::kTooLarge, "request of " + std::to_string(size) + " bytes exceeds " +
                                      std::to_string(cfg.max_request_bytes));
  }

  Status Serve(int timeout_ms) {
    auto r = server->PollOnce(
        timeout_ms, [this](const Bytes& b, const sync::Peer& p) { return Handle(b, p); },
        [this](size_t n, const sync::Peer& p) { return Oversize(n, p); });
    return r.ok() ? Status::Ok() : r.status();
  }

  // --- rounds ------------------------------------------------------------------------------
  void RefreshModelCache() {
    model_hash = ModelHash(*model);
    model_bytes = ParameterBytes(*model);
  }

  // A rejection decided at close (magnitude, copy): recorded like a gate failure.
  void LateReject(const Accepted& a, Code code) {
    rejected[a.miner] = {static_cast<uint16_t>(code), a.order};
    rejection_counts[CodeName(code)]++;
    spdlog::info("round {}: {} rejected at close: {}", round, a.miner.Short(), CodeName(code));
  }

  // Assigned-data check: the update must improve the miner's own pages more than random
  // unassigned ones. Returns max(0, EMA of the +1/-1 verdict), which multiplies the score.
  Result<double> DataFactor(const Accepted& a) {
    const uint64_t num_pages = train->num_pages();
    std::vector<uint64_t> own = datasets::AssignPages(round_seed, a.miner, num_pages,
                                                      cfg.pages_per_miner);
    ByteWriter w;
    w.Raw(secret.bytes.data(), 32);
    w.Raw(a.miner.bytes.data(), 32);
    const Hash256 pick = Blake2b256(w.bytes());
    std::vector<uint64_t> own_sample;
    for (uint32_t i = 0; i < cfg.data_pages && i < own.size(); ++i) {
      own_sample.push_back(own[(SeedFrom(pick) + i) % own.size()]);
    }
    std::vector<uint64_t> random_sample =
        datasets::SampleUnassignedPages(pick, own, num_pages, cfg.data_pages);
    if (own_sample.empty() || random_sample.empty()) return 1.0;  // nothing to compare
    LOCONET_ASSIGN_OR_RETURN(BlockLoader own_loader,
                             BlockLoader::Create(*train, own_sample, cfg.batch, cfg.model.context,
                                                 SeedFrom(pick)));
    LOCONET_ASSIGN_OR_RETURN(BlockLoader random_loader,
                             BlockLoader::Create(*train, random_sample, cfg.batch,
                                                 cfg.model.context, SeedFrom(pick) + 1));
    auto own_blocks = BlocksToTensors(own_loader, cfg.data_batches, cfg.model.context + 1);
    auto random_blocks = BlocksToTensors(random_loader, cfg.data_batches, cfg.model.context + 1);
    const double own_gain = HeldOutImprovements(model, {a.update}, cfg.eval_lr, own_blocks, nullptr)[0];
    const double random_gain =
        HeldOutImprovements(model, {a.update}, cfg.eval_lr, random_blocks, nullptr)[0];
    // A miner that trained elsewhere improves its own pages about as much as random ones: a
    // margin turns that coin flip into a -1 most of the time.
    const double verdict =
        own_gain > 0 && own_gain > cfg.data_margin * std::max(random_gain, 0.0) ? 1.0 : -1.0;
    // Kept in the ledger's fixed point (x 1e9), so that a validator restarted from its ledger
    // continues with exactly the value it would have had.
    const double ema = std::clamp(
        cfg.data_alpha * verdict + (1 - cfg.data_alpha) * (DataPpb(a.miner) / 1e9), -1.0, 1.0);
    data_ppb[a.miner] = static_cast<int64_t>(std::llround(ema * 1e9));
    spdlog::debug("data check {}: own {:.5f} random {:.5f} -> ema {:.3f}", a.miner.Short(),
                  own_gain, random_gain, ema);
    return std::max(0.0, DataPpb(a.miner) / 1e9);
  }

  int64_t DataPpb(const PublicKey& k) const {
    auto it = data_ppb.find(k);
    return it == data_ppb.end() ? 0 : it->second;
  }

  Hash256 Derive(const char* tag, uint64_t r, bool secret_key_bound) {
    ByteWriter w;
    w.Blob(std::string_view(tag));
    w.Raw(id.public_key().bytes.data(), 32);
    w.U64(r);
    w.Raw(model_hash.bytes.data(), 32);
    if (secret_key_bound) {
      // An ed25519 signature is deterministic and only the key holder can make it: a secret
      // that survives restarts and that no miner can predict.
      Signature sig = id.Sign(w.bytes());
      return Blake2b256(sig.data(), sig.size());
    }
    return Blake2b256(w.bytes());
  }

  void OpenRound() {
    round_open = true;
    submitted.clear();
    flooded.clear();
    rejected.clear();
    accepted.clear();
    rejection_counts.clear();
    next_order = 0;
    round_seed = Derive("loconet.round_seed", round, false);
    secret = Derive("loconet.eval_secret", round, true);
    deadline_ms = UnixMillis() + static_cast<int64_t>(cfg.round_seconds * 1000);
    announcement.Clear();
    announcement.set_round(round);
    announcement.set_base_hash(RawString(model_hash));
    announcement.set_round_seed(RawString(round_seed));
    *announcement.mutable_codec() = cfg.codec.ToProto();
    announcement.set_local_steps(cfg.local_steps);
    announcement.set_deadline_unix_ms(deadline_ms);
    announcement.set_pages_per_miner(cfg.pages_per_miner);
    announcement.set_num_pages(train->num_pages());
    announcement.set_eval_commit(RawString(Blake2b256(secret.bytes.data(), secret.bytes.size())));
    announcement.set_batch(cfg.batch);
    Bytes env = sync::SealEnvelope(id, sync::kTagAnnounce, ToBytes(announcement.SerializeAsString()));
    Status s = server->Publish("announce", env);
    if (!s.ok()) spdlog::warn("publish announce: {}", s.ToString());
    spdlog::info("round {} open: base {} deadline in {:.1f}s", round, model_hash.Hex().substr(0, 12),
                 cfg.round_seconds);
  }

  bool AllSubmitted() const {
    if (registered.empty()) return false;
    for (const auto& [k, name] : registered) {
      if (!submitted.count(k)) return false;
    }
    return true;
  }

  // Fault injection for the crash tests: with LOCONET_CRASH_AT=<point>:<round> in the
  // environment, the process dies at that point of that round as if the machine had lost power
  // (no destructors, no flushes).
  void CrashPoint(const char* point) const {
    const char* want = std::getenv("LOCONET_CRASH_AT");
    if (want && std::string(want) == std::string(point) + ":" + std::to_string(round)) {
      spdlog::critical("LOCONET_CRASH_AT={}: simulated crash", want);
      std::_Exit(86);
    }
  }

  // A crash between the phases of a round's commit leaves <state>.next behind. If the ledger
  // holds that round's model update and it names the model in <state>.next, the round was
  // committed: the next state replaces the current one. Otherwise the round never happened for
  // the ledger: the next state is dropped and the round runs again.
  Status RecoverState() {
    const std::string next = cfg.state_file + ".next";
    if (!std::filesystem::exists(next)) return Status::Ok();
    GPT probe(cfg.model);
    OuterNesterov probe_outer(cfg.outer_lr, cfg.outer_momentum);
    TrainPosition pos;
    bool committed = false;
    Hash256 hash;
    if (LoadCheckpoint(next, CheckpointParts{&probe, {}, &probe_outer}, &pos).ok() &&
        pos.round >= 1) {
      hash = ModelHash(*probe);
      LOCONET_ASSIGN_OR_RETURN(std::vector<ledger::Record> records,
                               store->ByRound(static_cast<uint64_t>(pos.round - 1)));
      for (const auto& rec : records) {
        if (rec.author != id.public_key() || rec.kind != ledger::RecordKind::kModelUpdate) continue;
        auto body = ledger::ModelUpdateBody::Decode(rec.body);
        committed = committed || (body.ok() && body->new_hash == hash);
      }
    }
    if (committed) {
      spdlog::warn("recovering from a crash: round {} is in the ledger; continuing from {}",
                   pos.round - 1, next);
      return RenameFile(next, cfg.state_file);
    }
    spdlog::warn("recovering from a crash: {} holds a round the ledger never recorded; it runs "
                 "again",
                 next);
    std::error_code ec;
    std::filesystem::remove(next, ec);
    if (ec) return Error(Code::kIoError, "cannot remove " + next + ": " + ec.message());
    return Status::Ok();
  }

  // Broadcasts committed records on the `ledger` topic, so that replicas follow without
  // polling (replica::Follow); a replica that misses one fetches the gap by range.
  void PublishRecords(const std::vector<ledger::Record>& records) {
    proto::LedgerRecords out;
    for (const auto& rec : records) {
      Bytes b = rec.Serialize();
      out.add_records(std::string(b.begin(), b.end()));
    }
    Bytes env = sync::SealEnvelope(id, sync::kTagLedger, ToBytes(out.SerializeAsString()));
    Status s = server->Publish(sync::kTopicLedger, env);
    if (!s.ok()) spdlog::warn("publish ledger: {}", s.ToString());
  }

  Status CloseRound() {
    round_open = false;
    const auto t0 = std::chrono::steady_clock::now();
    // Score on held-out blocks that only the round's secret determines.
    LOCONET_ASSIGN_OR_RETURN(BlockLoader loader,
                             BlockLoader::Create(*heldout, AllPages(*heldout), cfg.batch,
                                                 cfg.model.context, SeedFrom(secret)));
    auto blocks = BlocksToTensors(loader, cfg.eval_batches, cfg.model.context + 1);
    // Gates 5 and 6 need the whole round: magnitude against the round's median norm, then
    // near copies of an earlier arrival (receipt order).
    std::vector<double> norms;
    for (const auto& a : accepted) norms.push_back(UpdateNorm(a.update));
    const double median = MedianNorm(norms);
    std::vector<Accepted> kept;
    for (size_t i = 0; i < accepted.size(); ++i) {
      // A key that went over the rate limit forfeits the round: flooding must not pay.
      if (flooded.count(accepted[i].miner)) {
        LateReject(accepted[i], Code::kRateLimited);
        continue;
      }
      if (median > 0 && norms[i] > cfg.outlier_factor * median) {
        LateReject(accepted[i], Code::kOutlier);
        continue;
      }
      bool copy = false;
      for (const auto& k : kept) copy = copy || UpdateCosine(accepted[i].update, k.update) > cfg.copy_cosine;
      if (copy) {
        LateReject(accepted[i], Code::kCopy);
        continue;
      }
      kept.push_back(std::move(accepted[i]));
    }
    accepted = std::move(kept);

    std::vector<std::vector<torch::Tensor>> updates;
    for (const auto& a : accepted) updates.push_back(a.update);
    double base_loss = 0;
    std::vector<double> improvement =
        HeldOutImprovements(model, updates, cfg.eval_lr, blocks, &base_loss);

    // Scores: capped improvement times the assigned-data factor, zero for a gate failure or a
    // missed round; EMA over rounds.
    ledger::ScoresBody scores;
    scores.round = round;
    std::map<PublicKey, ledger::ScoreEntry> entries;
    auto ema_update = [&](const PublicKey& k, double score) {
      const double prev = ema_ppb.count(k) ? ema_ppb[k] / 1e9 : 0.0;
      const double next = cfg.ema_alpha * score + (1 - cfg.ema_alpha) * prev;
      ema_ppb[k] = static_cast<int64_t>(std::llround(next * 1e9));
      return ema_ppb[k];
    };
    for (size_t i = 0; i < accepted.size(); ++i) {
      LOCONET_ASSIGN_OR_RETURN(double factor, DataFactor(accepted[i]));
      const double score = std::clamp(improvement[i], 0.0, cfg.score_cap) * factor;
      ledger::ScoreEntry e;
      e.miner = accepted[i].miner;
      e.reason = 0;
      e.improvement_ppb = static_cast<int64_t>(std::llround(improvement[i] * 1e9));
      e.score_ppb = static_cast<int64_t>(std::llround(score * 1e9));
      e.ema_ppb = ema_update(e.miner, score);
      e.receipt_order = accepted[i].order;
      e.data_ppb = DataPpb(e.miner);
      entries[e.miner] = e;
    }
    for (const auto& [k, why] : rejected) {
      if (entries.count(k)) continue;
      ledger::ScoreEntry e;
      e.miner = k;
      e.reason = why.first;
      e.improvement_ppb = 0;
      e.score_ppb = 0;
      e.ema_ppb = ema_update(k, 0.0);
      e.receipt_order = why.second;
      e.data_ppb = DataPpb(k);
      entries[k] = e;
    }
    for (const auto& [k, name] : registered) {
      if (entries.count(k) || submitted.count(k)) continue;
      ledger::ScoreEntry e;
      e.miner = k;
      e.reason = static_cast<uint16_t>(flooded.count(k) ? Code::kRateLimited : Code::kMissed);
      e.improvement_ppb = 0;
      e.score_ppb = 0;
      e.ema_ppb = ema_update(k, 0.0);
      e.receipt_order = UINT32_MAX;
      e.data_ppb = DataPpb(k);
      entries[k] = e;
    }
    for (auto& [k, e] : entries) scores.entries.push_back(e);

    // Aggregate and step the global model; every node applies the same d.
    const Hash256 prev_hash = model_hash;
    ledger::ModelUpdateBody update_body;
    update_body.round = round;
    update_body.prev_hash = prev_hash;
    proto::ModelUpdate update_msg;
    if (!updates.empty()) {
      std::vector<double> norms;
      for (const auto& u : updates) norms.push_back(UpdateNorm(u));
      auto d = AggregateStep(model, updates, MedianNorm(norms), outer);
      {
        torch::NoGradGuard no_grad;
        auto params = ParameterList(*model);
        for (size_t i = 0; i < params.size(); ++i) params[i].add_(d[i]);
      }
      sync::CodecSpec fp32;
      fp32.name = "fp32";
      auto fp32_codec = sync::MakeCodec(fp32);
      if (!fp32_codec.ok()) return fp32_codec.status();
      sync::ErrorFeedback none(0.0);
      EncodeDeltas(*model, d, **fp32_codec, none, update_msg.mutable_delta());
      for (const auto& a : accepted) update_body.accepted.push_back(a.miner);
      std::sort(update_body.accepted.begin(), update_body.accepted.end());
    }
    RefreshModelCache();
    update_body.new_hash = model_hash;
    update_msg.set_round(round);
    update_msg.set_prev_hash(RawString(prev_hash));
    update_msg.set_new_hash(RawString(model_hash));
    for (const auto& k : update_body.accepted) update_msg.add_accepted(RawString(k));

    // The round commits in two phases (docs/operations.md, "Crashes"): the next state is
    // written beside the current one, the round's records go into the ledger in one synced
    // batch, then the next state replaces the current one. Init resolves a crash in between.
    const std::string next_state = cfg.state_file + ".next";
    LOCONET_RETURN_IF_ERROR(SaveCheckpoint(next_state, CheckpointParts{&model, {}, &outer},
                                           TrainPosition{0, static_cast<int64_t>(round + 1), 0}));
    CrashPoint("after_state");
    ledger::LedgerWriter writer(store.get(), &id);
    std::vector<ledger::Record> published;  // the round's records, for the `ledger` topic
    auto emit = [&](ledger::RecordKind kind, uint64_t r, Bytes body) {
      published.push_back(writer.Next(kind, r, std::move(body)));
    };
    for (const auto& reg : pending_registrations) {
      emit(ledger::RecordKind::kRegistration, round, reg.Encode());
    }
    pending_registrations.clear();
    ledger::RoundBody rb;
    rb.round = round;
    rb.base_hash = prev_hash;
    rb.round_seed = round_seed;
    rb.eval_commit = Blake2b256(secret.bytes.data(), secret.bytes.size());
    rb.codec = cfg.codec.name;
    rb.local_steps = cfg.local_steps;
    rb.deadline_ms = deadline_ms;
    emit(ledger::RecordKind::kRound, round, rb.Encode());
    emit(ledger::RecordKind::kScores, round, scores.Encode());
    emit(ledger::RecordKind::kModelUpdate, round, update_body.Encode());
    emit(ledger::RecordKind::kReveal, round, ledger::RevealBody{round, secret}.Encode());
    if ((round + 1) % cfg.epoch_rounds == 0) {
      const uint64_t epoch = round / cfg.epoch_rounds;
      const uint64_t first = epoch * cfg.epoch_rounds;
      std::vector<ledger::ScoresBody> epoch_scores;
      for (uint64_t r = first; r < round; ++r) {
        auto recs = store->ByRound(r);
        if (!recs.ok()) return recs.status();
        for (const auto& rec : *recs) {
          if (rec.author != id.public_key() || rec.kind != ledger::RecordKind::kScores) continue;
          auto body = ledger::ScoresBody::Decode(rec.body);
          if (body.ok()) epoch_scores.push_back(*body);
        }
      }
      epoch_scores.push_back(scores);
      auto reward = ledger::ComputeReward(epoch, first, round, cfg.emission, epoch_scores);
      emit(ledger::RecordKind::kReward, round, reward.Encode());
    }
    LOCONET_RETURN_IF_ERROR(writer.Commit());
    CrashPoint("after_ledger");
    LOCONET_RETURN_IF_ERROR(RenameFile(next_state, cfg.state_file));
    PublishRecords(published);

    Bytes env = sync::SealEnvelope(id, sync::kTagModelUpdate, ToBytes(update_msg.SerializeAsString()));
    Status ps = server->Publish("model", env);
    if (!ps.ok()) spdlog::warn("publish model: {}", ps.ToString());

    const double global_loss = EvaluateLoss(model, status_blocks);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nlohmann::json j = {{"round", round},
                        {"submissions", submitted.size()},
                        {"accepted", accepted.size()},
                        {"rejections", rejection_counts},
                        {"base_loss", base_loss},
                        {"heldout_loss", global_loss},
                        {"model_hash", model_hash.Hex()},
                        {"close_seconds", secs}};
    nlohmann::json miners = nlohmann::json::array();
    for (const auto& e : scores.entries) {
      miners.push_back({{"miner", e.miner.Short()},
                        {"reason", CodeName(static_cast<Code>(e.reason))},
                        {"improvement", e.improvement_ppb / 1e9},
                        {"ema", e.ema_ppb / 1e9}});
    }
    j["miners"] = miners;
    if (status_out.is_open()) status_out << j.dump() << "\n" << std::flush;
    Status ss = server->Publish("status", ToBytes(j.dump()));
    (void)ss;
    spdlog::info("round {} closed: {} submissions, {} accepted, global held-out loss {:.4f}",
                 round, submitted.size(), accepted.size(), global_loss);
    ++round;
    return Status::Ok();
  }

  Status Init() {
    sync::RouteProtobufLogs();
    ConfigureCompute(cfg.threads);
    LOCONET_ASSIGN_OR_RETURN(ShardReader train_shard,
                             ShardReader::Open(cfg.data_dir + "/train.shard"));
    LOCONET_ASSIGN_OR_RETURN(ShardReader heldout_shard,
                             ShardReader::Open(cfg.data_dir + "/heldout.shard"));
    train.emplace(std::move(train_shard));
    heldout.emplace(std::move(heldout_shard));
    if (cfg.model.vocab_size == 0) cfg.model.vocab_size = train->vocab_size();
    if (train->vocab_size() > cfg.model.vocab_size) {
      return Error(Code::kInvalidArgument, "the shards' vocabulary exceeds the model's");
    }
    LOCONET_ASSIGN_OR_RETURN(codec, sync::MakeCodec(cfg.codec));
    torch::manual_seed(cfg.seed);
    model = GPT(cfg.model);
    for (const std::string& f : {cfg.state_file, cfg.status_file}) {
      const std::string dir = std::filesystem::path(f).parent_path().string();
      if (!f.empty() && !dir.empty()) LOCONET_RETURN_IF_ERROR(MakeDirs(dir));
    }
    LOCONET_ASSIGN_OR_RETURN(store, ledger::LedgerStore::Open(cfg.db_dir));
    LOCONET_RETURN_IF_ERROR(RecoverState());
    if (std::filesystem::exists(cfg.state_file)) {
      TrainPosition pos;
      LOCONET_RETURN_IF_ERROR(
          LoadCheckpoint(cfg.state_file, CheckpointParts{&model, {}, &outer}, &pos));
      round = static_cast<uint64_t>(pos.round);
      spdlog::info("resumed at round {} from {}", round, cfg.state_file);
    }
    RefreshModelCache();
    LoadPayloads();
    LOCONET_RETURN_IF_ERROR(store->ForEach([this](const ledger::Record& rec) -> Status {
      if (rec.author != id.public_key()) return Status::Ok();
      if (rec.kind == ledger::RecordKind::kRegistration) {
        auto b = ledger::RegistrationBody::Decode(rec.body);
        if (b.ok()) registered[b->miner] = b->name;
      } else if (rec.kind == ledger::RecordKind::kScores) {
        auto b = ledger::ScoresBody::Decode(rec.body);
        if (b.ok()) {
          for (const auto& e : b->entries) {
            ema_ppb[e.miner] = e.ema_ppb;
            data_ppb[e.miner] = e.data_ppb;
          }
        }
      }
      return Status::Ok();
    }));
    LOCONET_ASSIGN_OR_RETURN(BlockLoader loader,
                             BlockLoader::Create(*heldout, AllPages(*heldout), cfg.batch,
                                                 cfg.model.context, cfg.seed ^ 0x5eed));
    status_blocks = BlocksToTensors(loader, cfg.eval_batches, cfg.model.context + 1);
    if (!cfg.status_file.empty()) status_out.open(cfg.status_file, std::ios::app);
    LOCONET_ASSIGN_OR_RETURN(server,
                             sync::RouterServer::Bind(cfg.router_endpoint, cfg.pub_endpoint,
                                                      cfg.max_request_bytes,
                                                      cfg.curve ? &id : nullptr));
    spdlog::info("validator {} serving on {} (announcements on {}), {}", id.public_key().Hex(),
                 server->router_endpoint(), server->pub_endpoint(),
                 cfg.curve ? "encrypted (CURVE)" : "NOT encrypted");
    return Status::Ok();
  }

  Status Run(const std::atomic<bool>& stop) {
    const uint64_t last = cfg.rounds > 0 ? round + static_cast<uint64_t>(cfg.rounds) : UINT64_MAX;
    while (!stop.load() && round < last) {
      // Wait for enough miners before the first round, answering requests meanwhile.
      while (!stop.load() && static_cast<int64_t>(registered.size()) < cfg.min_miners) {
        LOCONET_RETURN_IF_ERROR(Serve(100));
      }
      if (stop.load()) break;
      OpenRound();
      while (!stop.load() && UnixMillis() < deadline_ms && !AllSubmitted()) {
        LOCONET_RETURN_IF_ERROR(Serve(20));
      }
      if (stop.load()) break;
      LOCONET_RETURN_IF_ERROR(CloseRound());
    }
    // Keep answering briefly so miners receive the last replies and model update.
    const int64_t until = UnixMillis() + 500;
    while (UnixMillis() < until) LOCONET_RETURN_IF_ERROR(Serve(20));
    return Status::Ok();
  }
};

ValidatorNode::ValidatorNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ValidatorNode::~ValidatorNode() = default;

Result<std::unique_ptr<ValidatorNode>> ValidatorNode::Create(const ValidatorConfig& config) {
  LOCONET_ASSIGN_OR_RETURN(Identity id, Identity::Load(config.key_file));
  auto impl = std::make_unique<Impl>(config, std::move(id));
  LOCONET_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<ValidatorNode>(new ValidatorNode(std::move(impl)));
}

Status ValidatorNode::Run(const std::atomic<bool>& stop) { return impl_->Run(stop); }
std::string ValidatorNode::router_endpoint() const { return impl_->server->router_endpoint(); }
std::string ValidatorNode::pub_endpoint() const { return impl_->server->pub_endpoint(); }

}  // namespace loconet
