#include "validator/node.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/files.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/log.h"
#include "datasets/assignment.h"
#include "datasets/loader.h"
#include "datasets/shard.h"
#include "ledger/bodies.h"
#include "ledger/consensus_bodies.h"
#include "ledger/score_rules.h"
#include "ledger/store.h"
#include "metrics/exporter.h"
#include "metrics/registry.h"
#include "network/network_file.h"
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
#include "validator/aggregate.h"
#include "validator/commit.h"
#include "validator/gates.h"
#include "validator/metrics.h"
#include "validator/payload_log.h"
#include "validator/peers.h"
#include "replica/replica.h"
#include "validator/round_deadline.h"
#include "validator/round_state.h"
#include "validator/score_workers.h"
#include "validator/scoring.h"
#include "validator/service.h"

namespace loconet {

using datasets::AllPages;
using datasets::ShardReader;

namespace {

Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

Result<PublicKey> KeyFromRaw(const std::string& raw) {
  PublicKey k;
  if (raw.size() != k.bytes.size()) return Error(Code::kDecodeError, "a key is not 32 bytes");
  std::copy(raw.begin(), raw.end(), k.bytes.begin());
  return k;
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

  Registry registry;
  JoinedRounds joined;  // the round each registered miner joined in
  Standings standings;  // rebuilt from the ledger on start
  RoundDeadline deadline{DeadlineRules{}};  // set from the config in Init
  ServedModel served;
  RoundState round;
  std::optional<PayloadLog> payloads;
  std::optional<RoundCommitter> committer;
  ReceiptRules receipt_rules;
  std::optional<Service> service;
  metrics::Registry metrics_registry;
  ValidatorMetrics node_metrics{&metrics_registry};
  std::unique_ptr<metrics::Exporter> metrics_exporter;  // serves metrics_registry; none if off

  NetworkRole role{sync::kDefaultNetworkId, 0};
  std::optional<network::Genesis> genesis;
  std::unique_ptr<Peers> peers;  // the other validators; none: this validator is alone

  // This validator leads (announces rounds, aggregates, publishes the model) when it is alone or
  // the first validator of the lead order not counted as down.
  bool Leads() const { return !peers || peers->SelfLeads(); }

  Impl(const ValidatorConfig& c, Identity i)
      : cfg(c), id(std::move(i)), outer(c.outer_lr, c.outer_momentum) {}

  // Loads the network file, if any: the network id every envelope is signed for, and whether
  // this validator is listed (its place in the lead order) or an observer.
  Status JoinNetwork() {
    if (cfg.network_file.empty()) {
      spdlog::info("network: default (no network file); this validator is the only one");
      return Status::Ok();
    }
    LOCONET_ASSIGN_OR_RETURN(network::Genesis genesis, network::LoadNetworkFile(cfg.network_file));
    role.network_id = network::NetworkId(genesis);
    role.lead_index = network::LeadIndex(genesis, id.public_key());
    this->genesis = genesis;
    // The network file is every node's word on rewards: it replaces [rewards] of the config.
    if (cfg.epoch_rounds != genesis.params.epoch_rounds ||
        cfg.emission != genesis.params.emission) {
      spdlog::info("network: epoch_rounds {} and emission {} from the network file replace the "
                   "config's {} and {}",
                   genesis.params.epoch_rounds, genesis.params.emission, cfg.epoch_rounds,
                   cfg.emission);
    }
    cfg.epoch_rounds = genesis.params.epoch_rounds;
    cfg.emission = genesis.params.emission;
    if (role.lead_index) {
      spdlog::info("network {} ({}): validator {} of {} in the lead order, stake {}",
                   role.network_id.Hex(), genesis.name, *role.lead_index,
                   genesis.validators.size(), genesis.validators[*role.lead_index].stake);
    } else {
      spdlog::warn("network {} ({}): key {} is not one of its {} validators: running as an "
                   "observer",
                   role.network_id.Hex(), genesis.name, id.public_key().Hex(),
                   genesis.validators.size());
    }
    return Status::Ok();
  }

  Status Serve(int timeout_ms) {
    if (peers) {
      peers->Poll(0);
      timeout_ms = std::min(timeout_ms, 10);
    }
    auto r = server->PollOnce(
        timeout_ms, [this](const Bytes& b, const sync::Peer& p) { return service->Handle(b, p); },
        [this](size_t n, const sync::Peer& p) { return service->Oversize(n, p); });
    if (r.ok()) return Status::Ok();
    // A request that could not be handled is logged and forgotten; only a socket that fails
    // ends the node.
    if (r.status().code() == Code::kInternal) {
      spdlog::error("serving: {}", r.status().ToString());
      return Status::Ok();
    }
    return r.status();
  }

  // Runs `work` (a round's scoring) on a thread of its own and keeps answering requests on this
  // one until it is done, so that miners polling for the next round get "no round is open"
  // rather than silence, and a miner following several validators does not take a busy lead
  // for a dead one. `work` must read nothing that a request changes: it reads the global model
  // (requests are served from its cached bytes), the round's accepted updates (a closed round
  // accepts none) and the round's evaluation data (drawn before).
  template <typename T>
  Result<T> WhileServing(std::function<Result<T>()> work) {
    std::future<Result<T>> done = std::async(std::launch::async, std::move(work));
    while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      Status served_ok = Serve(20);
      if (!served_ok.ok()) {
        done.wait();
        return served_ok;
      }
    }
    return done.get();
  }

  void RefreshModelCache() {
    served.hash = ModelHash(*model);
    served.bytes = ParameterBytes(*model);
  }

  ScoringRules Rules() const {
    return ScoringRules{ledger::ToPpb(cfg.score_cap), ledger::ToPpb(cfg.ema_alpha),
                        ledger::ToPpb(cfg.data_alpha), ledger::ToPpb(cfg.work_cap)};
  }

  Hash256 Derive(const char* tag, uint64_t r, bool secret_key_bound) {
    ByteWriter w;
    w.Blob(std::string_view(tag));
    w.Raw(id.public_key().bytes.data(), 32);
    w.U64(r);
    w.Raw(served.hash.bytes.data(), 32);
    if (secret_key_bound) {
      // An ed25519 signature is deterministic and only the key holder can make it: a secret
      // that survives restarts and that no miner can predict.
      Signature sig = id.Sign(w.bytes());
      return Blake2b256(sig.data(), sig.size());
    }
    return Blake2b256(w.bytes());
  }

  // --- a round, top to bottom --------------------------------------------------------------
  void OpenRound() {
    const uint64_t r = round.round;
    round = RoundState();
    round.round = r;
    round.open = true;
    round.base_hash = served.hash;
    round.round_seed = Derive("loconet.round_seed", r, false);
    round.secret = Derive("loconet.eval_secret", r, true);
    round.opened_ms = UnixMillis();
    const int64_t round_ms =
        cfg.adaptive_deadline ? deadline.Next() : static_cast<int64_t>(cfg.round_seconds * 1000);
    round.deadline_ms = round.opened_ms + round_ms;
    for (const auto& [k, name] : registry) round.eligible.insert(k);
    uint64_t total = 0;
    for (const auto& p : ParameterList(*model)) total += static_cast<uint64_t>(p.numel());
    round.sketch_coords = SketchCoordinates(round.secret, total, cfg.copy_sketch);
    proto::RoundAnnouncement& a = round.announcement;
    a.set_round(r);
    a.set_base_hash(RawString(served.hash));
    a.set_round_seed(RawString(round.round_seed));
    *a.mutable_codec() = cfg.codec.ToProto();
    a.set_local_steps(cfg.local_steps);
    a.set_deadline_unix_ms(round.deadline_ms);
    a.set_pages_per_miner(cfg.pages_per_miner);
    a.set_num_pages(train->num_pages());
    a.set_eval_commit(RawString(Blake2b256(round.secret.bytes.data(), round.secret.bytes.size())));
    a.set_batch(cfg.batch);
    node_metrics.SetRound(r);
    Publish("announce", sync::SealEnvelope(id, sync::kTagAnnounce, ToBytes(a.SerializeAsString()),
                                           role.network_id));
    spdlog::info("round {} open: base {} deadline in {:.1f}s{}", r, served.hash.Hex().substr(0, 12),
                 round_ms / 1000.0, cfg.adaptive_deadline ? " (adaptive)" : "");
  }

  // A follower opens the round the lead announced: the lead's round number, public seed,
  // deadline and base model, with this validator's own evaluation secret.
  Status OpenRoundFrom(const proto::RoundAnnouncement& a) {
    if (HashFromRaw(a.base_hash()) != served.hash) {
      return Error(Code::kStaleBase, "round " + std::to_string(a.round()) + ": the lead's base " +
                                         HashFromRaw(a.base_hash()).Hex().substr(0, 12) +
                                         " is not this validator's model " +
                                         served.hash.Hex().substr(0, 12));
    }
    if (a.local_steps() != cfg.local_steps || a.batch() != cfg.batch ||
        a.pages_per_miner() != cfg.pages_per_miner || a.codec().name() != cfg.codec.name) {
      return Error(Code::kInvalidArgument,
                   "round " + std::to_string(a.round()) +
                       ": the lead's [round] settings (local_steps, batch, pages_per_miner, "
                       "codec) differ from this validator's; every validator of a network needs "
                       "the same");
    }
    round = RoundState();
    round.round = a.round();
    round.open = true;
    round.base_hash = served.hash;
    round.round_seed = HashFromRaw(a.round_seed());
    round.secret = Derive("loconet.eval_secret", a.round(), true);
    round.opened_ms = UnixMillis();
    round.deadline_ms = a.deadline_unix_ms();
    for (const auto& [k, name] : registry) round.eligible.insert(k);
    uint64_t total = 0;
    for (const auto& p : ParameterList(*model)) total += static_cast<uint64_t>(p.numel());
    round.sketch_coords = SketchCoordinates(round.secret, total, cfg.copy_sketch);
    round.announcement = a;
    node_metrics.SetRound(a.round());
    spdlog::info("round {} open, following validator {}: deadline in {:.1f}s", a.round(),
                 peers->Lead(), (round.deadline_ms - round.opened_ms) / 1000.0);
    return Status::Ok();
  }

  // How long a follower waits for validator `lead` before counting it as down: the timeout
  // times this validator's distance behind it in the lead order, so that the validators right
  // behind a silent lead take over before those further back give up on them.
  int64_t LeadTimeoutMs(size_t lead) const {
    const size_t self = role.lead_index.value_or(genesis->validators.size());
    const size_t distance = self > lead ? self - lead : 1;
    return static_cast<int64_t>(cfg.lead_timeout_seconds * 1000) * static_cast<int64_t>(distance);
  }

  // A validator between the lead and this one that has already announced (or aggregated) this
  // round has taken over: everyone before it in the lead order is down. Returns the new lead.
  size_t TakenOver(size_t lead, bool announcement) {
    const size_t self = role.lead_index.value_or(genesis->validators.size());
    for (size_t j = self; j-- > lead + 1;) {
      const bool spoke = announcement ? peers->Announcement(j, round.round).has_value()
                                      : peers->ModelUpdate(j, round.round).has_value();
      if (!spoke) continue;
      for (size_t k = lead; k < j; ++k) peers->MarkDown(k);
      return peers->Lead();
    }
    return lead;
  }

  // A follower waits for the lead's announcement of round.round or later. A lead that announces
  // nothing for lead_timeout_seconds after this validator became ready is counted as down.
  // Returns true once a round is open (announced by the lead, or by this validator when it
  // leads now), false when stopped.
  Result<bool> FollowRound(const std::atomic<bool>& stop) {
    int64_t since = UnixMillis();
    while (!stop.load()) {
      if (Leads()) {
        OpenRound();
        return true;
      }
      const size_t lead = TakenOver(peers->Lead(), true);
      if (Leads()) continue;
      if (auto a = peers->Announcement(lead, round.round)) {
        if (HashFromRaw(a->base_hash()) != served.hash) {
          // Behind the lead (a restart, a missed update): take its current model.
          Status caught = CatchUp(lead, HashFromRaw(a->base_hash()));
          if (!caught.ok()) {
            spdlog::warn("round {}: cannot take validator {}'s model: {}; trying again",
                         a->round(), lead, caught.ToString());
            LOCONET_RETURN_IF_ERROR(Serve(500));
            continue;
          }
        }
        LOCONET_RETURN_IF_ERROR(OpenRoundFrom(*a));
        return true;
      }
      if (lead >= genesis->validators.size()) {  // nobody leads: wait for an announcement
        LOCONET_RETURN_IF_ERROR(Serve(20));
        continue;
      }
      if (UnixMillis() - since > LeadTimeoutMs(lead)) {
        peers->MarkDown(lead);
        since = UnixMillis();
        continue;
      }
      LOCONET_RETURN_IF_ERROR(Serve(20));
    }
    return false;
  }

  // A follower closes when the lead has closed the round (its model update is here): what has
  // not arrived by then is not in the lead's aggregate either.
  bool LeadClosed() const {
    return peers && !Leads() && peers->ModelUpdate(peers->Lead(), round.round).has_value();
  }

  // Loads validator `lead`'s current model `hash` (fetched and checked against the hash). The
  // outer momentum stays this validator's own, so its re-derivations may differ from the lead's
  // until the momentum decays; its agreement records say so.
  Status CatchUp(size_t lead, const Hash256& hash) {
    LOCONET_ASSIGN_OR_RETURN(Bytes bytes, peers->FetchModel(lead, hash));
    GPT probe(cfg.model);
    LOCONET_RETURN_IF_ERROR(LoadParameterBytes(*probe, bytes));
    if (ModelHash(*probe) != hash) {
      return Error(Code::kCorrupt, "the fetched model does not hash to the announced base");
    }
    LOCONET_RETURN_IF_ERROR(LoadParameterBytes(*model, bytes));
    RefreshModelCache();
    spdlog::warn("took validator {}'s model {} ({} bytes)", lead, hash.Hex().substr(0, 12),
                 bytes.size());
    return Status::Ok();
  }

  bool AllSubmitted() const {
    if (round.eligible.empty()) return false;
    for (const PublicKey& k : round.eligible) {
      if (!round.submitted.count(k)) return false;
    }
    return true;
  }

  void Publish(const std::string& topic, const Bytes& payload) {
    Status s = server->Publish(topic, payload);
    if (!s.ok()) spdlog::warn("publish {}: {}", topic, s.ToString());
  }

  // A rejection decided at close (rate limit, magnitude, copy): recorded like a gate failure.
  void LateReject(const AcceptedUpdate& a, Code code) {
    round.rejected[a.miner] = {static_cast<uint16_t>(code), a.order};
    round.rejection_counts[CodeName(code)]++;
    node_metrics.CountRejection(code);
    spdlog::info("round {}: {} rejected at close: {}", round.round, a.miner.Short(),
                 CodeName(code));
  }

  Result<Update> Decode(const AcceptedUpdate& a) { return DecodeDeltas(*model, a.tensors, *codec); }

  // `a` to measure on a scoring worker, decoded against the worker's copy of the model.
  PendingUpdate Pending(const AcceptedUpdate* a) {
    return PendingUpdate{a->miner, a->order, [this, a](GPT& m) -> Result<Update> {
                           return DecodeDeltas(*m, a->tensors, *codec);
                         }};
  }

  Status CloseRound() {
    round.open = false;
    const auto t0 = std::chrono::steady_clock::now();
    // Collect: evaluation batches that only the round's secret determines, from training pages
    // that no miner was assigned this round (docs/incentives.md, "The evaluation pages").
    // The miners are exactly the keys the round's score record will name, so that anyone holding
    // the ledger and the training shard can recompute the pages after the reveal.
    std::set<PublicKey> miners = round.eligible;
    for (const AcceptedUpdate& a : round.accepted) miners.insert(a.miner);
    for (const auto& [k, why] : round.rejected) miners.insert(k);
    const std::vector<uint64_t> eval_pages =
        EvaluationPages(round.round_seed, round.secret, miners, train->num_pages(),
                        cfg.pages_per_miner, cfg.eval_pages);
    if (eval_pages.empty()) {
      return Status(Code::kInternal, "round " + std::to_string(round.round) +
                                         ": every training page is assigned to a miner, none is "
                                         "left to evaluate on; use a larger corpus, fewer miner "
                                         "slots or fewer pages per miner");
    }
    if (eval_pages.size() < cfg.eval_pages) {
      spdlog::warn("round {}: only {} training pages are assigned to no miner (score.eval_pages "
                   "is {}); the evaluation draws from those",
                   round.round, eval_pages.size(), cfg.eval_pages);
    }
    LOCONET_ASSIGN_OR_RETURN(std::vector<torch::Tensor> blocks,
                             DrawBlocks(*train, eval_pages, cfg.eval_rows(), cfg.model.context,
                                        SeedFrom(round.secret), cfg.eval_batches));
    // The held-out split's batches, for the contamination check only.
    std::vector<torch::Tensor> heldout_blocks;
    std::vector<double> heldout_base;
    if (cfg.contamination_z > 0) {
      LOCONET_ASSIGN_OR_RETURN(heldout_blocks,
                               DrawBlocks(*heldout, AllPages(*heldout), cfg.eval_rows(),
                                          cfg.model.context, SeedFrom(round.secret) + 1,
                                          cfg.eval_batches));
    }
    // Gate: the checks that need the whole round.
    const double model_norm = UpdateNorm(ParameterList(*model));
    const CloseRules close_rules{cfg.max_update_ratio, cfg.outlier_factor, cfg.copy_cosine};
    std::vector<Code> verdicts = CheckRound(round.accepted, round.flooded, close_rules, model_norm);
    std::vector<const AcceptedUpdate*> kept;
    for (size_t i = 0; i < round.accepted.size(); ++i) {
      if (verdicts[i] == Code::kOk) {
        kept.push_back(&round.accepted[i]);
      } else {
        LateReject(round.accepted[i], verdicts[i]);
      }
    }
    // Score: improvement on the evaluation batches and data verdict of each kept update, on
    // `threads` workers (the same results for any number).
    RoundEvaluation ev = EvaluationSettings(cfg, *train, round.round_seed, round.secret);
    ev.blocks = std::move(blocks);
    ev.heldout_blocks = std::move(heldout_blocks);
    std::vector<PendingUpdate> pending;
    for (const AcceptedUpdate* a : kept) pending.push_back(Pending(a));
    LOCONET_ASSIGN_OR_RETURN(RoundMeasurements measurements,
                             WhileServing<RoundMeasurements>([&] {
                               return MeasureUpdates(model, pending, ev, cfg.threads);
                             }));
    // Without evaluating the blocks again.
    const double base_loss = MeanLoss(measurements.base_losses);
    RoundOutcome outcome;
    outcome.round = round.round;
    std::map<PublicKey, Measured> contaminated;  // for the status line
    for (size_t i = 0; i < kept.size(); ++i) {
      const AcceptedUpdate* a = kept[i];
      Measured m = measurements.measured[i];
      node_metrics.ObserveScoring(measurements.seconds[i]);
      if (cfg.contamination_z > 0 && m.contamination_z > cfg.contamination_z) {
        // Trained on the evaluation data: neither scored nor averaged.
        spdlog::info("round {}: {} gains more on the held-out split than on the round's "
                     "evaluation pages ({:.1f} standard errors)",
                     round.round, a->miner.Short(), m.contamination_z);
        LateReject(*a, Code::kContaminated);
        contaminated[a->miner] = m;
      } else {
        outcome.measured.push_back(m);
      }
    }
    if (cfg.measure == "leave_one_out") {
      LOCONET_RETURN_IF_ERROR(MeasureLeaveOneOut(kept, ev.blocks, base_loss, &outcome.measured));
    }
    for (Measured& m : outcome.measured) {
      if (cfg.inflate_miner != PublicKey{} && m.miner == cfg.inflate_miner) {
        // The dishonest validator of the consensus tests: it claims this miner's update is as
        // good as the score cap allows and passed the data check.
        m.improvement = std::max(m.improvement, cfg.score_cap);
        m.verdict = 1;
        m.own_gain = std::max(m.own_gain, m.random_gain + cfg.work_cap);
      }
    }
    outcome.rejected = round.rejected;
    outcome.eligible = round.eligible;
    outcome.submitted = round.submitted;
    outcome.flooded = round.flooded;
    ledger::ScoresBody scores = ScoreRound(outcome, Rules(), &standings);
    ObserveArrivals(kept, scores);
    // Aggregate: only updates that improve the evaluation loss, in miner-key order: that add to
    // the round's mean or, with score.measure = "leave_one_out", improve it applied alone (among
    // updates that agree closely, what one adds to the mean is near zero either way). A follower
    // re-derives the lead's aggregate instead and records whether it agrees.
    std::set<PublicKey> improving;
    for (const auto& e : scores.entries) {
      if (e.reason == 0 && e.improvement_ppb > 0) improving.insert(e.miner);
    }
    for (const Measured& m : outcome.measured) {
      if (cfg.measure == "leave_one_out" && m.alone > 0) improving.insert(m.miner);
    }
    RoundRecords records;
    ledger::ModelUpdateBody update_body;
    if (Leads()) {
      LOCONET_ASSIGN_OR_RETURN(update_body, Aggregate(kept, improving));
    } else {
      LOCONET_ASSIGN_OR_RETURN(update_body,
                               FollowAggregate(kept, improving, &records.agreement));
    }
    // Commit, then publish.
    records.round = RoundRecord();
    records.scores = scores;
    records.update = update_body;
    records.reveal = ledger::RevealBody{round.round, round.secret};
    if (std::optional<uint64_t> epoch = committer->ConsensusEpochAt(round.round)) {
      WaitForWeights(*epoch);
    }
    committer->FollowConsensusOf(records.agreement ? std::optional<PublicKey>(records.agreement->lead)
                                                   : std::nullopt);
    LOCONET_RETURN_IF_ERROR(committer->Commit(records, model, outer).status());
    PublishNewRecords();
    if (!records.agreement) PublishModelUpdate(update_body);
    Status pruned = payloads->Prune(round.round + 1);
    if (!pruned.ok()) spdlog::warn("payload log: {}", pruned.ToString());
    std::vector<Measured> all_measured = outcome.measured;
    for (const auto& [k, m] : contaminated) all_measured.push_back(m);
    ReportStatus(scores, update_body, all_measured, base_loss, t0, records.agreement);
    ++round.round;
    node_metrics.SetRound(round.round);
    return Status::Ok();
  }

  // score.measure = "leave_one_out": each measured update's improvement becomes what it adds to
  // the mean of all of them that do not point against the others (validator/score_workers.h,
  // MeasureContributions), each clipped to their median norm as the aggregate clips; one that
  // points against the others is left out of that mean and adds nothing (0). The improvement
  // alone is kept for the status line.
  Status MeasureLeaveOneOut(const std::vector<const AcceptedUpdate*>& kept,
                            const std::vector<torch::Tensor>& blocks, double base_loss,
                            std::vector<Measured>* measured) {
    std::map<PublicKey, const AcceptedUpdate*> by_key;
    for (const AcceptedUpdate* a : kept) by_key[a->miner] = a;
    std::map<PublicKey, Measured*> in_mean;  // sorted by miner key, the aggregate's order
    for (Measured& m : *measured) in_mean[m.miner] = &m;
    std::vector<const std::vector<float>*> sketches;
    for (const auto& [k, m] : in_mean) sketches.push_back(&by_key.at(k)->sketch);
    const std::vector<bool> opposes = OpposesOthers(sketches);
    size_t j = 0;
    for (auto it = in_mean.begin(); it != in_mean.end(); ++j) {
      if (!opposes[j]) {
        ++it;
        continue;
      }
      spdlog::info("round {}: {} opposes the other updates: left out of the mean, adds nothing",
                   round.round, it->first.Short());
      it->second->alone = it->second->improvement;
      it->second->improvement = 0;
      it = in_mean.erase(it);
    }
    std::vector<PendingUpdate> pending;
    std::vector<double> norms;
    for (const auto& [k, m] : in_mean) {
      const AcceptedUpdate* a = by_key.at(k);
      norms.push_back(a->norm);
      pending.push_back(Pending(a));
    }
    const double clip = MedianNorm(norms);
    LOCONET_ASSIGN_OR_RETURN(std::vector<double> added,
                             WhileServing<std::vector<double>>([&] {
                               return MeasureContributions(model, pending, blocks, base_loss,
                                                           cfg.eval_lr, clip, cfg.threads);
                             }));
    size_t i = 0;
    for (auto& [k, m] : in_mean) {
      m->alone = m->improvement;
      m->improvement = added[i++];
    }
    return Status::Ok();
  }

  // Adaptive deadlines: how long the round's useful updates took (scored above zero), each
  // projected to the round's full H steps when the miner stopped early (the straggler rule).
  void ObserveArrivals(const std::vector<const AcceptedUpdate*>& kept,
                       const ledger::ScoresBody& scores) {
    std::set<PublicKey> useful;
    for (const auto& e : scores.entries) {
      if (e.reason == 0 && e.score_ppb > 0) useful.insert(e.miner);
    }
    std::vector<int64_t> arrivals;
    for (const AcceptedUpdate* a : kept) {
      if (!useful.count(a->miner)) continue;
      const int64_t took = std::max<int64_t>(0, a->received_ms - round.opened_ms);
      const uint32_t steps = std::clamp<uint32_t>(a->inner_steps, 1, std::max(1u, cfg.local_steps));
      arrivals.push_back(took * static_cast<int64_t>(std::max(1u, cfg.local_steps)) / steps);
    }
    deadline.Observe(arrivals);
  }

  // Steps the global model with the kept updates of `improving`, each clipped to their median
  // norm; fills the model-update record. Leaves the model as it was if none.
  Result<ledger::ModelUpdateBody> Aggregate(const std::vector<const AcceptedUpdate*>& kept,
                                            const std::set<PublicKey>& improving) {
    std::map<PublicKey, const AcceptedUpdate*> chosen;  // sorted by miner key
    for (const AcceptedUpdate* a : kept) {
      if (improving.count(a->miner)) chosen[a->miner] = a;
    }
    // ... and that do not point against the others.
    std::vector<const std::vector<float>*> sketches;
    for (const auto& [k, a] : chosen) sketches.push_back(&a->sketch);
    const std::vector<bool> opposes = OpposesOthers(sketches);
    size_t i = 0;
    for (auto it = chosen.begin(); it != chosen.end(); ++i) {
      if (opposes[i]) {
        spdlog::info("round {}: {} improves the loss but opposes the other updates: not averaged",
                     round.round, it->first.Short());
        it = chosen.erase(it);
      } else {
        ++it;
      }
    }
    return StepWith(chosen);
  }

  // Steps the global model with the updates of `chosen`, each clipped to their median norm, and
  // fills the model-update record; leaves the model as it was if `chosen` is empty.
  Result<ledger::ModelUpdateBody> StepWith(
      const std::map<PublicKey, const AcceptedUpdate*>& chosen) {
    ledger::ModelUpdateBody body;
    body.round = round.round;
    body.prev_hash = served.hash;
    pending_delta.clear();
    if (!chosen.empty()) {
      std::vector<double> norms;
      for (const auto& [k, a] : chosen) norms.push_back(a->norm);
      const double clip = MedianNorm(norms);
      Aggregator sum(ParameterList(*model));
      for (const auto& [k, a] : chosen) {
        LOCONET_ASSIGN_OR_RETURN(Update u, Decode(*a));
        sum.Add(u, clip);
        body.accepted.push_back(k);
      }
      pending_delta = OuterStepDelta(model, sum.Mean(), outer);
      ApplyDelta(ParameterList(*model), pending_delta);
    }
    RefreshModelCache();
    body.new_hash = served.hash;
    const double loss = EvaluateLoss(model, status_blocks);
    body.heldout_loss_ppb = std::isfinite(loss) && loss > 0 ? ledger::ToPpb(loss) : 0;
    body.bytes_received = round.bytes_received;
    body.duration_ms = std::max<int64_t>(0, UnixMillis() - round.opened_ms);
    return body;
  }
  Update pending_delta;  // the last round's d, published with the model update

  // Adds the fp32 step a lead published (ModelUpdate.delta) to the model; nothing if empty.
  Status ApplyPublishedStep(const proto::ModelUpdate& u) {
    if (u.delta_size() == 0) return Status::Ok();
    sync::CodecSpec fp32;
    fp32.name = "fp32";
    LOCONET_ASSIGN_OR_RETURN(auto fp32_codec, sync::MakeCodec(fp32));
    LOCONET_ASSIGN_OR_RETURN(Update d, DecodeDeltas(*model, u.delta(), *fp32_codec));
    ApplyDelta(ParameterList(*model), d);
    return Status::Ok();
  }

  // A follower's aggregate: waits for the lead's model update of this round (counting a lead
  // silent for lead_timeout_seconds as down, and aggregating itself if it leads then),
  // re-derives it from the lead's accepted set with its own copies of the payloads, and holds
  // the lead's model afterwards, whether it agreed or not (the published delta gives it).
  Result<ledger::ModelUpdateBody> FollowAggregate(const std::vector<const AcceptedUpdate*>& kept,
                                                  const std::set<PublicKey>& improving,
                                                  std::optional<ledger::AgreementBody>* agreement) {
    int64_t since = UnixMillis();
    std::optional<proto::ModelUpdate> u;
    size_t lead = peers->Lead();
    while (!u) {
      if (Leads()) {
        spdlog::warn("round {}: this validator leads now; it aggregates the round", round.round);
        return Aggregate(kept, improving);
      }
      lead = TakenOver(peers->Lead(), false);
      if (Leads()) continue;
      if (lead >= genesis->validators.size()) {  // nobody leads (an observer alone)
        LOCONET_RETURN_IF_ERROR(Serve(20));
        continue;
      }
      u = peers->ModelUpdate(lead, round.round);
      if (u && HashFromRaw(u->prev_hash()) != served.hash) {
        // A lead whose update does not start from the model it announced is faulty.
        spdlog::error("round {}: validator {}'s model update starts from {}, not from the round's "
                      "base {}: counted as down",
                      round.round, lead, HashFromRaw(u->prev_hash()).Hex().substr(0, 12),
                      served.hash.Hex().substr(0, 12));
        peers->MarkDown(lead);
        u.reset();
        since = UnixMillis();
        continue;
      }
      if (u) break;
      if (UnixMillis() - since > LeadTimeoutMs(lead)) {
        peers->MarkDown(lead);
        since = UnixMillis();
        continue;
      }
      LOCONET_RETURN_IF_ERROR(Serve(20));
    }
    const Hash256 lead_hash = HashFromRaw(u->new_hash());
    std::map<PublicKey, const AcceptedUpdate*> chosen;
    bool complete = true;
    for (const std::string& raw : u->accepted()) {
      auto key = KeyFromRaw(raw);
      const AcceptedUpdate* found = nullptr;
      for (const AcceptedUpdate& a : round.accepted) {
        if (key.ok() && a.miner == *key) found = &a;
      }
      if (found) {
        chosen[found->miner] = found;
      } else {
        complete = false;
      }
    }
    const std::vector<torch::Tensor> before = CloneParameters(*model);
    Hash256 derived;
    ledger::ModelUpdateBody body;
    std::vector<torch::Tensor> derived_params;
    if (complete) {
      LOCONET_ASSIGN_OR_RETURN(body, StepWith(chosen));
      derived = served.hash;
      derived_params = CloneParameters(*model);
    }
    if (!complete || derived != lead_hash) {
      spdlog::warn("round {}: the lead's model {} {}; taking the lead's published step",
                   round.round, lead_hash.Hex().substr(0, 12),
                   complete ? "differs from the re-derived " + derived.Hex().substr(0, 12)
                            : std::string("cannot be re-derived: a payload of its set is missing"));
      CopyParameters(ParameterList(*model), before);
      Status applied = ApplyPublishedStep(*u);
      RefreshModelCache();
      if (!applied.ok() || served.hash != lead_hash) {
        // The lead published a step that does not give the model it names: it is faulty. This
        // validator keeps its own re-derivation (or the base, if it had none) and counts the
        // lead as down; the next validator in the lead order aggregates the next round.
        spdlog::error("round {}: validator {}'s published step does not give its model {}{}: "
                      "counted as down",
                      round.round, lead, lead_hash.Hex().substr(0, 12),
                      applied.ok() ? "" : " (" + applied.ToString() + ")");
        peers->MarkDown(lead);
        if (complete) {
          CopyParameters(ParameterList(*model), derived_params);  // the outer step already ran
          RefreshModelCache();
        } else {
          CopyParameters(ParameterList(*model), before);
          RefreshModelCache();
          LOCONET_ASSIGN_OR_RETURN(body, StepWith({}));  // no step: the model stays
        }
        *agreement = ledger::AgreementBody{round.round, peers->KeyOf(lead), lead_hash, derived};
        return body;
      }
      body.round = round.round;
      body.prev_hash = HashFromRaw(u->prev_hash());
      body.new_hash = served.hash;
      const double loss = EvaluateLoss(model, status_blocks);
      body.heldout_loss_ppb = std::isfinite(loss) && loss > 0 ? ledger::ToPpb(loss) : 0;
      body.bytes_received = round.bytes_received;
      body.duration_ms = std::max<int64_t>(0, UnixMillis() - round.opened_ms);
    }
    body.accepted.clear();
    for (const std::string& raw : u->accepted()) {
      auto key = KeyFromRaw(raw);
      if (key.ok()) body.accepted.push_back(*key);
    }
    std::sort(body.accepted.begin(), body.accepted.end());
    // A key named twice would make the record refuse to encode as sorted and unique.
    body.accepted.erase(std::unique(body.accepted.begin(), body.accepted.end()),
                        body.accepted.end());
    *agreement = ledger::AgreementBody{round.round, peers->KeyOf(lead), lead_hash, derived};
    spdlog::info("round {}: lead {} model {}: {}", round.round, lead, lead_hash.Hex().substr(0, 12),
                 (*agreement)->agrees() ? "re-derived, agrees" : "MISMATCH");
    return body;
  }

  ledger::RoundBody RoundRecord() const {
    ledger::RoundBody rb;
    rb.round = round.round;
    rb.base_hash = round.base_hash;
    rb.round_seed = round.round_seed;
    rb.eval_commit = Blake2b256(round.secret.bytes.data(), round.secret.bytes.size());
    rb.codec = cfg.codec.name;
    rb.local_steps = cfg.local_steps;
    rb.deadline_ms = round.deadline_ms;
    const ScoringRules rules = Rules();
    rb.score_cap_ppb = rules.score_cap_ppb;
    rb.ema_alpha_ppb = rules.ema_alpha_ppb;
    rb.data_alpha_ppb = rules.data_alpha_ppb;
    rb.work_cap_ppb = rules.work_cap_ppb;
    return rb;
  }

  // Before an epoch's consensus record: waits (serving meanwhile, up to lead_timeout_seconds)
  // until the ledger holds the epoch's weights record of every validator not counted as down,
  // so that all of them compute the epoch from the same records. Those still missing then count
  // as inactive (ledger/yuma_rewards.h).
  void WaitForWeights(uint64_t epoch) {
    if (!peers) return;
    const int64_t until = UnixMillis() + static_cast<int64_t>(cfg.lead_timeout_seconds * 1000);
    while (true) {
      size_t waiting = 0;
      for (const PublicKey& k : committer->MissingWeights(epoch)) {
        auto index = network::LeadIndex(*genesis, k);
        if (index && !peers->down().count(*index)) ++waiting;
      }
      if (waiting == 0 || UnixMillis() >= until) return;
      if (!Serve(20).ok()) return;
    }
  }

  // Broadcasts this validator's records written since the last broadcast (the round's, and the
  // registrations committed while it ran), so that the chain goes out without gaps.
  void PublishNewRecords() {
    auto recs = store->Range(id.public_key(), next_unpublished, replica::kMaxRangeRecords);
    if (!recs.ok() || recs->empty()) return;
    next_unpublished = recs->back().height + 1;
    PublishRecords(*recs);
  }
  uint64_t next_unpublished = 0;  // this validator's first record height not yet broadcast

  // Broadcasts committed records on the `ledger` topic, so that replicas follow without
  // polling (replica::Follow); a replica that misses one fetches the gap by range.
  void PublishRecords(const std::vector<ledger::Record>& records) {
    proto::LedgerRecords out;
    for (const auto& rec : records) {
      Bytes b = rec.Serialize();
      out.add_records(std::string(b.begin(), b.end()));
    }
    Publish(sync::kTopicLedger,
            sync::SealEnvelope(id, sync::kTagLedger, ToBytes(out.SerializeAsString()),
                               role.network_id));
  }

  void PublishModelUpdate(const ledger::ModelUpdateBody& body) {
    proto::ModelUpdate msg;
    msg.set_round(body.round);
    msg.set_prev_hash(RawString(body.prev_hash));
    msg.set_new_hash(RawString(body.new_hash));
    for (const auto& k : body.accepted) msg.add_accepted(RawString(k));
    if (!pending_delta.empty()) {
      sync::CodecSpec fp32;
      fp32.name = "fp32";
      auto fp32_codec = sync::MakeCodec(fp32);
      if (fp32_codec.ok()) {
        sync::ErrorFeedback none(0.0);
        EncodeDeltas(*model, pending_delta, **fp32_codec, none, msg.mutable_delta());
      }
    }
    Publish("model",
            sync::SealEnvelope(id, sync::kTagModelUpdate, ToBytes(msg.SerializeAsString()),
                               role.network_id));
  }

  void ReportStatus(const ledger::ScoresBody& scores, const ledger::ModelUpdateBody& update,
                    const std::vector<Measured>& measured, double base_loss,
                    std::chrono::steady_clock::time_point t0,
                    const std::optional<ledger::AgreementBody>& agreement) {
    const double global_loss = update.heldout_loss_ppb / 1e9;
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nlohmann::json j = {{"round", round.round},
                        {"submissions", round.submitted.size()},
                        {"accepted", std::count_if(scores.entries.begin(), scores.entries.end(),
                                                   [](const ledger::ScoreEntry& e) {
                                                     return e.reason == 0;
                                                   })},
                        {"aggregated", update.accepted.size()},
                        {"rejections", round.rejection_counts},
                        {"base_loss", base_loss},
                        {"heldout_loss", global_loss},
                        {"model_hash", served.hash.Hex()},
                        {"model_norm", UpdateNorm(ParameterList(*model))},
                        {"close_seconds", secs},
                        {"lead", Leads()}};
    if (agreement) j["agrees"] = agreement->agrees();
    std::map<PublicKey, double> norms;
    for (const auto& a : round.accepted) norms[a.miner] = a.norm;
    std::map<PublicKey, const Measured*> by_miner;
    for (const Measured& x : measured) by_miner[x.miner] = &x;
    nlohmann::json miners = nlohmann::json::array();
    for (const auto& e : scores.entries) {
      nlohmann::json m = {{"miner", e.miner.Short()},
                          {"reason", CodeName(static_cast<Code>(e.reason))},
                          {"improvement", e.improvement_ppb / 1e9},
                          {"ema", e.ema_ppb / 1e9},
                          {"data", e.data_ppb / 1e9},
                          {"norm", norms.count(e.miner) ? norms[e.miner] : 0.0}};
      if (by_miner.count(e.miner)) {
        if (cfg.measure == "leave_one_out") m["alone"] = by_miner[e.miner]->alone;
        m["data_own_gain"] = by_miner[e.miner]->own_gain;
        m["data_random_gain"] = by_miner[e.miner]->random_gain;
        m["work"] = by_miner[e.miner]->own_gain - by_miner[e.miner]->random_gain;
        m["contamination_z"] = by_miner[e.miner]->contamination_z;
      }
      miners.push_back(m);
    }
    j["miners"] = miners;
    if (status_out.is_open()) status_out << j.dump() << "\n" << std::flush;
    node_metrics.SetRoundClose(secs);
    node_metrics.SetHeldoutLoss(global_loss);
    Publish("status", ToBytes(j.dump()));
    spdlog::info("round {} closed: {} submissions, {} aggregated, global held-out loss {:.4f}",
                 round.round, round.submitted.size(), update.accepted.size(), global_loss);
  }

  // --- start-up ----------------------------------------------------------------------------
  Status LoadStandings() {
    return store->ForEach([this](const ledger::Record& rec) -> Status {
      if (rec.author != id.public_key()) return Status::Ok();
      if (rec.kind == ledger::RecordKind::kRegistration) {
        auto b = ledger::RegistrationBody::Decode(rec.body);
        if (!b.ok()) return Status::Ok();
        if (b->replaces != PublicKey{}) {
          registry.erase(b->replaces);
          joined.erase(b->replaces);
        }
        registry[b->miner] = b->name;
        joined[b->miner] = rec.round;
      } else if (rec.kind == ledger::RecordKind::kScores) {
        auto b = ledger::ScoresBody::Decode(rec.body);
        if (b.ok()) {
          for (const auto& e : b->entries) standings[e.miner] = Standing{e.ema_ppb, e.data_ppb};
        }
      }
      return Status::Ok();
    });
  }

  Status Init() {
    sync::RouteProtobufLogs();
    LOCONET_RETURN_IF_ERROR(JoinNetwork());
    ConfigureCompute(cfg.threads);
    DeadlineRules deadline_rules;
    deadline_rules.max_ms = static_cast<int64_t>(cfg.round_seconds * 1000);
    deadline_rules.min_ms =
        std::min(deadline_rules.max_ms, static_cast<int64_t>(cfg.min_seconds * 1000));
    deadline_rules.spread = cfg.deadline_spread;
    deadline = RoundDeadline(deadline_rules);
    LOCONET_ASSIGN_OR_RETURN(ShardReader train_shard,
                             ShardReader::Open(cfg.data_dir + "/train.shard"));
    LOCONET_ASSIGN_OR_RETURN(ShardReader heldout_shard,
                             ShardReader::Open(cfg.data_dir + "/heldout.shard"));
    train.emplace(std::move(train_shard));
    heldout.emplace(std::move(heldout_shard));
    if (cfg.model.vocab_size == 0) cfg.model.vocab_size = train->vocab_size();
    if (cfg.pages_per_miner == 0) {
      cfg.pages_per_miner = datasets::PagesToCover(
          cfg.local_steps, cfg.batch, static_cast<uint32_t>(cfg.model.context),
          train->page_tokens(), train->num_pages());
      spdlog::info("{} pages per miner and round: {} steps of {} windows read each window once",
                   cfg.pages_per_miner, cfg.local_steps, cfg.batch);
    }
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
    committer.emplace(cfg.state_file, store.get(), &id, cfg.epoch_rounds, cfg.emission);
    if (genesis) {
      // Rewards by Yuma consensus over every listed validator's weights.
      ConsensusSetup setup;
      for (const auto& v : genesis->validators) setup.validators.emplace_back(v.key, v.stake);
      setup.params.kappa = genesis->params.kappa;
      setup.params.bonds_moving_average = genesis->params.bonds_moving_average;
      setup.params.bonds_penalty = genesis->params.bonds_penalty;
      setup.params.emission = genesis->params.emission;
      setup.params.miner_share = genesis->params.miner_share;
      committer->UseConsensus(std::move(setup));
    }
    if (!cfg.peers.empty()) {
      if (!genesis) {
        return Error(Code::kConfigError, "[peers] needs a network file ([validator] network) "
                                         "that lists them");
      }
      LOCONET_ASSIGN_OR_RETURN(peers, Peers::Connect(cfg.peers, *genesis, &id, role.lead_index,
                                                     role.network_id, cfg.curve, store.get()));
      spdlog::info("following {} other validator(s); lead timeout {:.0f} s", cfg.peers.size(),
                   cfg.lead_timeout_seconds);
    }
    LOCONET_RETURN_IF_ERROR(committer->Recover(cfg.model, cfg.outer_lr, cfg.outer_momentum));
    if (std::filesystem::exists(cfg.state_file)) {
      TrainPosition pos;
      LOCONET_RETURN_IF_ERROR(
          LoadCheckpoint(cfg.state_file, CheckpointParts{&model, {}, &outer}, &pos));
      round.round = static_cast<uint64_t>(pos.round);
      spdlog::info("resumed at round {} from {}", round.round, cfg.state_file);
    }
    RefreshModelCache();
    LOCONET_ASSIGN_OR_RETURN(
        PayloadLog log, PayloadLog::Open(cfg.state_file + ".payloads", cfg.payload_window_rounds));
    if (log.dropped_at_open() > 0) {
      spdlog::warn("payload log: dropped {} torn record(s) at its end", log.dropped_at_open());
    }
    payloads.emplace(std::move(log));
    LOCONET_RETURN_IF_ERROR(LoadStandings());
    {
      LOCONET_ASSIGN_OR_RETURN(auto head, store->HeadOf(id.public_key()));
      // Records from before a restart are served by range, not broadcast again.
      if (head) next_unpublished = head->height + 1;
    }
    node_metrics.SetRound(round.round);
    node_metrics.SetRegisteredMiners(registry.size());
    LOCONET_ASSIGN_OR_RETURN(status_blocks,
                             DrawBlocks(*heldout, AllPages(*heldout),
                                        cfg.heldout_batch > 0 ? cfg.heldout_batch : cfg.batch,
                                        cfg.model.context, cfg.seed ^ 0x5eed, cfg.eval_batches));
    if (!cfg.status_file.empty()) status_out.open(cfg.status_file, std::ios::app);
    LOCONET_ASSIGN_OR_RETURN(
        server, sync::RouterServer::Bind(cfg.router_endpoint, cfg.pub_endpoint,
                                         cfg.max_request_bytes, cfg.curve ? &id : nullptr));
    receipt_rules = ReceiptRules{&cfg.codec, codec.get(), model.ptr().get(), train->num_pages(),
                                 cfg.pages_per_miner};
    service.emplace(ServiceState{&cfg, &id, &registry, &round, &*payloads, &receipt_rules, &served,
                                 store.get(), &*committer, &node_metrics, &joined, &standings,
                                 role.network_id});
    if (!cfg.metrics.empty()) {
      LOCONET_ASSIGN_OR_RETURN(metrics_exporter,
                               metrics::Exporter::Start(cfg.metrics, metrics_registry));
      spdlog::info("metrics on {}", metrics_exporter->url());
    }
    if (!cfg.endpoints_file.empty()) {
      // Written once bound, so a supervisor that asked for port 0 learns the real ports.
      nlohmann::json ep = {{"router", server->router_endpoint()},
                           {"pub", server->pub_endpoint()},
                           {"key", id.public_key().Hex()}};
      if (metrics_exporter) ep["metrics"] = metrics_exporter->address().ToString();
      LOCONET_RETURN_IF_ERROR(WriteFileAtomic(cfg.endpoints_file, ep.dump() + "\n"));
    }
    spdlog::info("validator {} serving on {} (announcements on {}), {}", id.public_key().Hex(),
                 server->router_endpoint(), server->pub_endpoint(),
                 cfg.curve ? "encrypted (CURVE)" : "NOT encrypted");
    return Status::Ok();
  }

  Status Run(const std::atomic<bool>& stop) {
    const uint64_t last =
        cfg.rounds > 0 ? round.round + static_cast<uint64_t>(cfg.rounds) : UINT64_MAX;
    while (!stop.load() && round.round < last) {
      // Wait for enough miners before the first round, answering requests meanwhile.
      while (!stop.load() && static_cast<int64_t>(registry.size()) < cfg.min_miners) {
        LOCONET_RETURN_IF_ERROR(Serve(100));
      }
      if (stop.load()) break;
      if (peers) {
        LOCONET_ASSIGN_OR_RETURN(bool opened, FollowRound(stop));
        if (!opened) break;
      } else {
        OpenRound();
      }
      while (!stop.load() && UnixMillis() < round.deadline_ms && !AllSubmitted() &&
             !LeadClosed()) {
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
const ValidatorNode::NetworkRole& ValidatorNode::network_role() const { return impl_->role; }

}  // namespace loconet
