#include "miner/miner.h"

#include <torch/torch.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "core/files.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/log.h"
#include "datasets/assignment.h"
#include "datasets/loader.h"
#include "datasets/shard.h"
#include "metrics/exporter.h"
#include "metrics/registry.h"
#include "miner/adversary.h"
#include "miner/metrics.h"
#include "miner/miner_rank.h"
#include "miner/rank_order.h"
#include "network/network_file.h"
#include "sync/checkpoint_fetch.h"
#include "sync/codec.h"
#include "sync/envelope.h"
#include "sync/messages.h"
#include "sync/messages.pb.h"
#include "sync/registration_pow.h"
#include "sync/transport.h"
#include "trainer/gpt.h"
#include "trainer/local_trainer.h"
#include "trainer/params.h"
#include "trainer/threads.h"
#include "trainer/wire.h"

namespace loconet {

using datasets::BlockLoader;
using datasets::ShardReader;

namespace {

class Miner : public MinerLink {
 public:
  Miner(const MinerConfig& cfg, Identity id, parallel::Group* group)
      : cfg_(cfg), id_(std::move(id)), group_(group), behaviour_(MakeBehaviour(cfg)) {}

  Status Init() {
    sync::RouteProtobufLogs();
    if (group_ && !cfg_.adversary.empty()) {
      return Error(Code::kInvalidArgument, "a test adversary runs as one process, not with --dp");
    }
    LOCONET_RETURN_IF_ERROR(JoinNetwork());
    ConfigureCompute(cfg_.threads, cfg_.precision);
    LOCONET_ASSIGN_OR_RETURN(ShardReader shard, ShardReader::Open(cfg_.data_dir + "/train.shard"));
    train_.emplace(std::move(shard));
    if (cfg_.model.vocab_size == 0) cfg_.model.vocab_size = train_->vocab_size();
    trainer_ = std::make_unique<LocalTrainer>(GPT(cfg_.model), MinerInnerOptions(cfg_));
    // One DEALER per validator; model updates from any of them (the lead publishes them).
    if (cfg_.validators.empty()) {
      cfg_.validators.push_back(
          {"validator", cfg_.validator_key, cfg_.validator_router, cfg_.validator_pub});
    }
    for (const sync::NodeAddress& v : cfg_.validators) {
      Link link;
      link.address = v;
      const PublicKey* curve = cfg_.curve ? &link.address.key : nullptr;
      LOCONET_ASSIGN_OR_RETURN(
          link.client, sync::DealerClient::Connect(v.router, sync::kDefaultMaxMessageBytes, curve));
      LOCONET_ASSIGN_OR_RETURN(
          link.sub, sync::Subscriber::Connect(v.pub, {sync::kTopicModel, sync::kTopicAnnounce},
                                              sync::kDefaultMaxMessageBytes, curve));
      if (cfg_.link_delay_ms > 0 || cfg_.link_mbit > 0) {
        link.client->set_simulated_link(cfg_.link_delay_ms, cfg_.link_mbit);
        link.sub->set_simulated_link(cfg_.link_delay_ms, cfg_.link_mbit);
      }
      links_.push_back(std::move(link));
    }
    if (!cfg_.log_file.empty()) {
      const std::string dir = std::filesystem::path(cfg_.log_file).parent_path().string();
      if (!dir.empty()) LOCONET_RETURN_IF_ERROR(MakeDirs(dir));
      log_.open(cfg_.log_file, std::ios::app);
    }
    if (!cfg_.metrics.empty()) {
      LOCONET_ASSIGN_OR_RETURN(exporter_, metrics::Exporter::Start(cfg_.metrics, registry_));
      spdlog::info("metrics on {}", exporter_->url());
    }
    return Status::Ok();
  }

  // Loads the network file, if any: every request is signed for its id, and every reply and
  // update must be signed for it.
  Status JoinNetwork() {
    if (cfg_.network_file.empty()) return Status::Ok();
    LOCONET_ASSIGN_OR_RETURN(network::Genesis genesis, network::LoadNetworkFile(cfg_.network_file));
    network_ = network::NetworkId(genesis);
    std::optional<size_t> index = network::LeadIndex(genesis, cfg_.validator_key);
    if (index) {
      spdlog::info("network {} ({}): the validator is number {} of {} in the lead order",
                   network_.Hex(), genesis.name, *index, genesis.validators.size());
    } else {
      spdlog::warn("network {} ({}): validator_key {} is not one of its validators (an observer)",
                   network_.Hex(), genesis.name, cfg_.validator_key.Hex());
    }
    return Status::Ok();
  }

  // Sends one request and returns the validator's verified reply.
  // One validator of the network, as this miner reaches it.
  struct Link {
    sync::NodeAddress address;
    std::unique_ptr<sync::DealerClient> client;
    std::unique_ptr<sync::Subscriber> sub;
    std::optional<std::pair<sync::PowTerms, uint64_t>> pow;  // the last proof for its terms
  };

  // The validator whose rounds this miner follows now.
  Link& Current() { return links_[current_]; }

  Result<proto::Reply> Call(const proto::Request& req, int attempts) override {
    return CallTo(Current(), req, attempts);
  }

  Result<proto::Reply> CallTo(Link& link, const proto::Request& req, int attempts) {
    proto::Request bound = req;
    const PublicKey& key = link.address.key;
    LOCONET_ASSIGN_OR_RETURN(Bytes env, sync::SealRequest(id_, key, &bound, network_));
    metrics_.AddSentBytes(env.size());
    LOCONET_ASSIGN_OR_RETURN(Bytes raw,
                             link.client->Request(env, cfg_.request_timeout_ms, attempts));
    LOCONET_ASSIGN_OR_RETURN(sync::OpenedEnvelope opened,
                             sync::OpenEnvelope(raw.data(), raw.size(), 1u << 30,
                                                sync::kTagReply, network_));
    if (opened.sender != key) {
      return Error(Code::kBadSignature, "reply signed by " + opened.sender.Short() +
                                            ", not by the configured validator key " +
                                            key.Short());
    }
    proto::Reply reply;
    if (!reply.ParseFromArray(opened.body.data(), static_cast<int>(opened.body.size()))) {
      return Error(Code::kDecodeError, "reply body is not a Reply message");
    }
    return reply;
  }

  // The validator's terms, then a proof of work for them (kept: the same terms need no new one).
  Result<uint64_t> ProofOfWork(Link& link, const std::atomic<bool>& stop) {
    proto::Request ask;
    ask.mutable_get_terms();
    LOCONET_ASSIGN_OR_RETURN(proto::Reply reply, CallTo(link, ask, 3));
    proto::RegistrationTerms t;
    if (!reply.accepted() ||
        !t.ParseFromArray(reply.payload().data(), static_cast<int>(reply.payload().size()))) {
      return Error(Code::kUnavailable, "the validator did not send its registration terms: " +
                                           reply.message());
    }
    const sync::PowTerms terms{t.pow_bits(), t.pow_memory_kib(), t.pow_ops()};
    auto& pow_ = link.pow;
    if (pow_ && pow_->first.bits == terms.bits && pow_->first.memory_kib == terms.memory_kib &&
        pow_->first.ops == terms.ops) {
      return pow_->second;
    }
    spdlog::info("registration: {} of {} slots held; proof of work of {} bits (Argon2id, {} KiB, "
                 "{} passes, about {} evaluations)",
                 t.registered(), t.max_miners(), terms.bits, terms.memory_kib, terms.ops,
                 uint64_t{1} << std::min<uint32_t>(terms.bits, 63));
    const auto t0 = std::chrono::steady_clock::now();
    LOCONET_ASSIGN_OR_RETURN(uint64_t nonce, sync::SolvePow(id_.public_key(), link.address.key,
                                                            terms, stop));
    spdlog::info("proof of work found in {:.1f} s (nonce {})",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                 nonce);
    pow_ = std::make_pair(terms, nonce);
    return nonce;
  }
  const std::atomic<bool>* stop_ = nullptr;  // Run's; ends a proof of work early

  Status Register(Link& link) {
    LOCONET_ASSIGN_OR_RETURN(uint64_t nonce, ProofOfWork(link, *stop_));
    proto::Request req;
    req.mutable_register_()->set_name(cfg_.name);
    req.mutable_register_()->set_pow_nonce(nonce);
    LOCONET_ASSIGN_OR_RETURN(proto::Reply reply, CallTo(link, req, 3));
    if (!reply.accepted()) {
      return Error(static_cast<Code>(reply.reason()), "registration refused: " + reply.message());
    }
    spdlog::info("miner {} ({}) registered with validator {}", id_.public_key().Short(), cfg_.name,
                 link.address.key.Short());
    return Status::Ok();
  }

  // Registers with every validator; OK once at least one took it (the others are tried again
  // when they answer a submission with unknown_key).
  Status RegisterAll() {
    Status first = Error(Code::kUnavailable, "no validator answered");
    bool any = false;
    for (Link& link : links_) {
      Status s = Register(link);
      if (s.ok()) {
        any = true;
        continue;
      }
      if (s.code() == Code::kBadSignature) return s;
      if (links_.size() > 1) {
        spdlog::warn("register with validator {}: {}", link.address.key.Short(), s.ToString());
      }
      if (!any) first = s;
    }
    return any ? Status::Ok() : first;
  }

  // Reads what the validators published: model updates are queued for ApplyPending, and the
  // newest round the followed validator announced is noted (it ends training ahead).
  void Drain() {
    std::string topic;
    Bytes payload;
    for (size_t l = 0; l < links_.size(); ++l) {
      Link& link = links_[l];
      while (true) {
        auto got = link.sub->Receive(0, &topic, &payload);
        if (!got.ok() || !*got) break;
        const bool announce = topic == sync::kTopicAnnounce;
        auto env = sync::OpenEnvelope(payload.data(), payload.size(), 1u << 30,
                                      announce ? sync::kTagAnnounce : sync::kTagModelUpdate,
                                      network_);
        if (!env.ok() || env->sender != link.address.key) continue;
        if (announce) {
          proto::RoundAnnouncement a;
          if (l == current_ &&
              a.ParseFromArray(env->body.data(), static_cast<int>(env->body.size()))) {
            announced_round_ = std::max(announced_round_, static_cast<int64_t>(a.round()));
          }
          continue;
        }
        proto::ModelUpdate u;
        if (!u.ParseFromArray(env->body.data(), static_cast<int>(env->body.size()))) continue;
        pending_updates_.push_back(std::move(u));
      }
    }
  }

  // Applies each queued model update that continues from the current model (the base: never
  // called while training ahead).
  void ApplyPending() {
    for (const proto::ModelUpdate& u : pending_updates_) {
      const Hash256 current = ModelHash(*trainer_->model());
      if (HashFromRaw(u.prev_hash()) != current) continue;
      if (u.delta_size() > 0) {
        auto d = DecodeDeltas(*trainer_->model(), u.delta(), *fp32_);
        if (!d.ok()) {
          spdlog::warn("model update for round {} does not decode: {}", u.round(),
                       d.status().ToString());
          continue;
        }
        torch::NoGradGuard no_grad;
        auto params = ParameterList(*trainer_->model());
        for (size_t i = 0; i < params.size(); ++i) params[i].add_((*d)[i]);
      }
      const Hash256 now = ModelHash(*trainer_->model());
      const bool match = now == HashFromRaw(u.new_hash());
      // The published model is the next round's base.
      base_round_ = match ? std::optional<uint64_t>(u.round() + 1) : std::nullopt;
      spdlog::info("round {} aggregate applied: model {} ({})", u.round(), now.Hex().substr(0, 12),
                   match ? "matches the validator" : "MISMATCH, will fetch a checkpoint");
      WriteLog({{"event", "model_update"},
                {"round", u.round()},
                {"model_hash", now.Hex()},
                {"matches", match}});
    }
    pending_updates_.clear();
  }

  // Drains published messages and applies model updates (the model must hold its base).
  void ApplyUpdates() {
    Drain();
    if (!ahead_ || ahead_->parked) ApplyPending();
  }

  // Overlap (docs/architecture.md, "Communication behind compute"): after sending its update
  // the miner keeps training from where it stopped, on the same round's pages, until the next
  // round is announced or it has trained `cap` steps more. The model then goes back to the
  // round's base for the aggregate (Park), and the progress made meanwhile is added to the next
  // round's start, so it reaches the validator one round later instead of being lost.
  struct Ahead {
    uint64_t round = 0;  // the round whose pages it continues on
    std::vector<torch::Tensor> base, origin;  // that round's base; the parameters when sent
    std::vector<torch::Tensor> progress;      // parked: parameters - origin
    std::optional<BlockLoader> loader;
    uint32_t batch = 0, steps = 0, cap = 0;
    bool parked = false;
  };

  bool Overlaps() const { return cfg_.overlap && !group_ && cfg_.adversary.empty(); }

  bool TrainsAhead(int64_t last_round) const {
    return ahead_ && !ahead_->parked && ahead_->steps < ahead_->cap &&
           announced_round_ <= last_round;
  }

  Status AheadStep() {
    if (ahead_->steps == 0) metrics_.BeginTraining(ahead_->round);
    std::vector<int64_t> rows;
    ahead_->loader->Next(&rows);
    auto loss = trainer_->Step(
        RankBlock(rows, ahead_->batch, cfg_.model.context + 1, 0), nullptr);
    if (!loss.ok()) {
      // Nothing worth carrying: back to the base, with no progress.
      ahead_->progress.clear();
      CopyParameters(ParameterList(*trainer_->model()), ahead_->base);
      ahead_->parked = true;
      metrics_.EndTraining();
      return loss.status();
    }
    ++ahead_->steps;
    metrics_.Step(*loss, static_cast<uint64_t>(ahead_->batch) * cfg_.model.context);
    return Status::Ok();
  }

  // Back to the round's base, keeping what was trained ahead as a difference.
  void Park() {
    if (!ahead_ || ahead_->parked) return;
    torch::NoGradGuard no_grad;
    auto params = ParameterList(*trainer_->model());
    for (size_t i = 0; i < params.size(); ++i) {
      ahead_->progress.push_back(params[i].detach() - ahead_->origin[i]);
    }
    CopyParameters(params, ahead_->base);
    ahead_->base.clear();
    ahead_->origin.clear();
    ahead_->loader.reset();
    ahead_->parked = true;
    if (ahead_->steps > 0) metrics_.EndTraining();
  }

  Status FetchCheckpoint(const std::string& hash) {
    LOCONET_ASSIGN_OR_RETURN(
        Bytes all, sync::FetchCheckpointBytes(
                       [this](const proto::Request& req) { return Call(req, 3); },
                       HashFromRaw(hash)));
    GPT probe(cfg_.model);
    LOCONET_RETURN_IF_ERROR(LoadParameterBytes(*probe, all));
    if (ModelHash(*probe) != HashFromRaw(hash)) {
      return Error(Code::kCorrupt, "checkpoint bytes do not hash to the announced model");
    }
    LOCONET_RETURN_IF_ERROR(LoadParameterBytes(*trainer_->model(), all));
    spdlog::info("fetched checkpoint {} ({} bytes)", HashFromRaw(hash).Hex().substr(0, 12),
                 all.size());
    return Status::Ok();
  }

  void WriteLog(const nlohmann::json& j) {
    if (log_.is_open()) log_ << j.dump() << "\n" << std::flush;
  }

  // Sends raw bytes instead of a signed request (the "oversized" and "malformed" attacks).
  Status SendRaw(const Bytes& raw, uint64_t round) override {
    metrics_.AddSentBytes(raw.size());
    auto r = Current().client->Request(raw, cfg_.request_timeout_ms, 1);
    if (!r.ok()) return r.status();
    auto env = sync::OpenEnvelope(r->data(), r->size(), 1u << 30, sync::kTagReply, network_);
    if (!env.ok()) return env.status();
    if (env->sender != Current().address.key) {
      return Error(Code::kBadSignature, "reply not signed by the configured validator key");
    }
    proto::Reply reply;
    LOCONET_RETURN_IF_ERROR(sync::ParseProto(env->body, "reply", &reply));
    metrics_.CountSubmission(static_cast<Code>(reply.reason()));
    spdlog::info("round {}: {} attack answered: {}", round, cfg_.adversary,
                 CodeName(static_cast<Code>(reply.reason())));
    WriteLog({{"event", "submission"},
              {"round", round},
              {"accepted", reply.accepted()},
              {"reason", CodeName(static_cast<Code>(reply.reason()))}});
    return Status::Ok();
  }

  // `carry`: progress trained ahead after the previous round's update (empty: none), added to
  // the base before this round's steps; the update sent is still relative to the base.
  Status TrainAndSubmit(const proto::RoundAnnouncement& a,
                        const std::vector<torch::Tensor>& carry, uint32_t carried_steps) {
    if (std::optional<Status> instead = behaviour_->Instead(*this, a)) return *instead;
    const Hash256 round_seed = HashFromRaw(a.round_seed());
    auto pages =
        datasets::AssignPages(round_seed, id_.public_key(), a.num_pages(), a.pages_per_miner());
    if (a.num_pages() != train_->num_pages()) {
      return Error(Code::kInvalidArgument, "the validator counts " + std::to_string(a.num_pages()) +
                                               " training pages, this miner's shard has " +
                                               std::to_string(train_->num_pages()));
    }
    std::vector<uint64_t> train_pages = behaviour_->PagesToTrain(round_seed, pages, a.num_pages());
    uint64_t seed = 0;
    std::memcpy(&seed, id_.public_key().bytes.data(), 8);
    const uint32_t steps = behaviour_->StepsToTrain(a.local_steps());
    // A data-parallel miner: every rank reads the same world x batch rows per step and trains
    // its own `batch` of them; rank 0 sends the others this round's order and its parameters.
    const int64_t world = group_ ? group_->world() : 1;
    if (group_) {
      RankOrder order;
      order.round = a.round();
      order.steps = steps;
      order.batch = a.batch();
      order.loader_seed = seed ^ a.round();
      order.trainer_step = trainer_->step();
      order.pages = train_pages;
      LOCONET_RETURN_IF_ERROR(group_->Post(RankOrderKey(order_seq_++), order.Encode()));
      LOCONET_RETURN_IF_ERROR(group_->Broadcast(ParameterList(*trainer_->model()), 0));
    }
    LOCONET_ASSIGN_OR_RETURN(
        BlockLoader loader,
        BlockLoader::Create(*train_, train_pages, static_cast<int>(a.batch() * world),
                            static_cast<int>(cfg_.model.context), seed ^ a.round()));
    metrics_.BeginTraining(a.round());
    // Every way out of training ends it, errors included.
    struct TrainingEnds {
      MinerMetrics* m;
      ~TrainingEnds() { m->EndTraining(); }
    } training_ends{&metrics_};
    std::vector<torch::Tensor> start = CloneParameters(*trainer_->model());
    if (!carry.empty()) {
      torch::NoGradGuard no_grad;
      auto params = ParameterList(*trainer_->model());
      for (size_t i = 0; i < params.size(); ++i) params[i].add_(carry[i]);
    }
    std::vector<int64_t> rows;
    double loss_sum = 0;
    uint32_t trained = 0;
    const int64_t train_from = UnixMillis();
    for (uint32_t h = 0; h < steps; ++h) {
      // The straggler rule: stop before a step that, with sending, would end after the
      // deadline, and submit the steps done (not with --dp: every rank must take every step).
      const int64_t step_ms = h > 0 ? (UnixMillis() - train_from) / h : 0;
      if (!group_ && UnixMillis() + step_ms + 2 * send_ms_ + 200 > a.deadline_unix_ms()) break;
      loader.Next(&rows);
      Status changed = behaviour_->ChangeBatch(
          a.round(), h, static_cast<int>(a.batch()), static_cast<int>(cfg_.model.context), &rows);
      if (!changed.ok()) {
        CopyParameters(ParameterList(*trainer_->model()), start);
        return changed;
      }
      // (B, T+1) -> one AdamW step (of the whole group's batch with --dp)
      auto loss = trainer_->Step(RankBlock(rows, a.batch(), cfg_.model.context + 1, 0), group_);
      if (!loss.ok()) {
        CopyParameters(ParameterList(*trainer_->model()), start);
        return loss.status();
      }
      loss_sum += *loss;
      ++trained;
      metrics_.Step(*loss, static_cast<uint64_t>(a.batch() * world) * cfg_.model.context);
    }
    if (trained == 0) {
      CopyParameters(ParameterList(*trainer_->model()), start);
      spdlog::warn("round {}: not one step and the sending fit before the deadline; skipped",
                   a.round());
      WriteLog({{"event", "skipped"}, {"round", a.round()}, {"deadline", a.deadline_unix_ms()}});
      return Status::Ok();
    }
    if (trained < steps) {
      spdlog::info("round {}: {} of {} steps fit before the deadline; submitting those", a.round(),
                   trained, steps);
    }
    const auto send_from = std::chrono::steady_clock::now();
    // Pseudo-gradient: theta_start - theta_local; then back to the base for the aggregate.
    std::vector<torch::Tensor> delta;
    auto now = ParameterList(*trainer_->model());
    for (size_t i = 0; i < now.size(); ++i) delta.push_back(start[i] - now[i].detach());
    if (Overlaps()) {
      // Keep training from here while the update travels (Ahead).
      ahead_.emplace();
      ahead_->round = a.round();
      ahead_->origin = CloneParameters(*trainer_->model());
      ahead_->base = std::move(start);
      ahead_->loader.emplace(std::move(loader));
      ahead_->batch = a.batch();
      ahead_->cap = cfg_.overlap_steps > 0 ? cfg_.overlap_steps : a.local_steps();
    } else {
      CopyParameters(now, start);
    }
    behaviour_->ChangeDelta(&delta);

    sync::CodecSpec spec = sync::CodecSpec::FromProto(a.codec());
    LOCONET_RETURN_IF_ERROR(spec.Validate());
    behaviour_->ChangeSpec(&spec);
    if (!feedback_ || codec_spec_ != spec) {
      feedback_ = std::make_unique<sync::ErrorFeedback>(spec.ef_beta);
      codec_spec_ = spec;
    }
    LOCONET_ASSIGN_OR_RETURN(std::unique_ptr<sync::Codec> codec, sync::MakeCodec(spec));
    proto::Request req;
    proto::Submission* s = req.mutable_submission();
    s->set_round(a.round());
    s->set_base_hash(a.base_hash());
    s->set_pages_digest(RawString(datasets::PagesDigest(pages)));
    *s->mutable_codec() = spec.ToProto();
    s->set_inner_steps(trained);
    s->set_train_loss(loss_sum / trained);
    EncodeDeltas(*trainer_->model(), delta, *codec, *feedback_, s->mutable_tensors());
    LOCONET_RETURN_IF_ERROR(behaviour_->ChangeSubmission(s, a, *trainer_->model(), *codec));
    metrics_.EndTraining();  // sending and the reply are waiting
    const size_t bytes = req.ByteSizeLong();
    // The same update to every validator; each scores it on its own. The followed validator
    // (the lead) last: it closes the round once every miner has submitted to it, and the
    // followers close when it does, so they must have the update by then.
    proto::Reply reply;
    bool replied = false;
    for (size_t k = 1; k <= links_.size(); ++k) {
      Link& link = links_[(current_ + k) % links_.size()];
      auto got = CallTo(link, req, 1);
      // A follower opens a round a moment after the lead announces it: one that is still in an
      // earlier round answers wrong_round, and is asked again for up to 2 s.
      for (int tries = 0; got.ok() && links_.size() > 1 && tries < 8 &&
                          got->reason() == static_cast<uint32_t>(Code::kWrongRound) &&
                          got->round() <= a.round() && UnixMillis() + 250 < a.deadline_unix_ms();
           ++tries) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        got = CallTo(link, req, 1);
      }
      if (!got.ok()) {
        if (links_.size() == 1) return got.status();
        spdlog::warn("round {}: validator {} did not take the submission: {}", a.round(),
                     link.address.key.Short(), got.status().ToString());
        continue;
      }
      if (got->reason() == static_cast<uint32_t>(Code::kUnknownKey)) {
        // The validator does not know this key (it lost the registration, or never stored it):
        // register again, so the next round counts.
        Status again = Register(link);
        if (!again.ok()) spdlog::warn("register again: {}", again.ToString());
      }
      if (k == links_.size() || !replied) {
        reply = *got;  // the followed validator's answer, else the first
        replied = true;
      }
      if (k < links_.size() && !got->accepted()) {
        spdlog::info("round {}: validator {}: {}", a.round(), link.address.key.Short(),
                     CodeName(static_cast<Code>(got->reason())));
      }
    }
    if (!replied) return Error(Code::kUnavailable, "no validator took the submission");
    send_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - send_from)
                   .count();
    metrics_.CountSubmission(static_cast<Code>(reply.reason()));
    if (cfg_.dump_submission && !cfg_.log_file.empty()) {
      // Written only after the validator has it, so a test's copier always arrives second.
      const std::string dir = std::filesystem::path(cfg_.log_file).parent_path().string();
      (void)WriteFileAtomic((dir.empty() ? "." : dir) + "/last_submission.bin",
                            s->SerializeAsString());
    }
    spdlog::info("round {}: trained {} steps (loss {:.4f}), sent {} bytes: {}", a.round(),
                 trained, s->train_loss(), bytes,
                 reply.accepted() ? "accepted"
                                  : std::string(CodeName(static_cast<Code>(reply.reason()))) +
                                        ": " + reply.message());
    WriteLog({{"event", "submission"},
              {"round", a.round()},
              {"deadline", a.deadline_unix_ms()},
              {"bytes", bytes},
              {"train_loss", s->train_loss()},
              {"accepted", reply.accepted()},
              {"reason", CodeName(static_cast<Code>(reply.reason()))},
              {"utilization", metrics_.Utilization()},
              {"steps", trained},
              {"carried_steps", carried_steps}});
    return Status::Ok();
  }

  uint64_t orders_sent() const { return order_seq_; }

  Status Run(const std::atomic<bool>& stop) {
    stop_ = &stop;
    sync::CodecSpec fp32;
    fp32.name = "fp32";
    LOCONET_ASSIGN_OR_RETURN(fp32_, sync::MakeCodec(fp32));
    // The validator may not be up yet: keep trying to register.
    while (!stop.load()) {
      metrics_.Tick();
      Status s = RegisterAll();
      if (s.ok()) break;
      // A reply signed by another key is a configuration error, not an outage: stop.
      if (s.code() == Code::kBadSignature) return s.WithContext("register");
      spdlog::warn("register: {}; retrying", s.ToString());
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    int64_t done = 0;
    // The last round worked on, by number and deadline: a validator that crashed re-runs a round
    // under the same number with a new deadline, and that run is worked on again.
    int64_t last_round = -1;
    int64_t last_deadline = 0;
    while (!stop.load() && (cfg_.rounds == 0 || done < cfg_.rounds)) {
      metrics_.Tick();
      Drain();
      if (TrainsAhead(last_round)) {
        Status s = AheadStep();
        if (!s.ok()) spdlog::warn("round {}: training ahead: {}", ahead_->round, s.ToString());
        continue;
      }
      Park();
      ApplyUpdates();
      proto::Request req;
      req.mutable_get_round();
      auto reply = Call(req, links_.size() > 1 ? 1 : 3);
      if (!reply.ok()) {
        // A validator answers while it scores a round (with "no round is open"); one that stays
        // silent for three requests in a row is down and left for the next in the lead order (after a
        // failover, the new lead; any follower answers with the lead's round).
        if (links_.size() > 1 && ++silent_ >= 3) {
          spdlog::warn("validator {} did not answer 3 requests ({}); following validator {} now",
                       Current().address.key.Short(), reply.status().ToString(),
                       links_[(current_ + 1) % links_.size()].address.key.Short());
          current_ = (current_ + 1) % links_.size();
          silent_ = 0;
        } else if (links_.size() == 1) {
          spdlog::warn("get round: {}", reply.status().ToString());
        }
        continue;
      }
      silent_ = 0;
      proto::RoundAnnouncement a;
      if (!reply->accepted() || !a.ParseFromString(reply->payload()) ||
          static_cast<int64_t>(a.round()) < last_round ||
          (static_cast<int64_t>(a.round()) == last_round &&
           a.deadline_unix_ms() == last_deadline)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      // Hold the announced base: the applied aggregate, or a fetched checkpoint.
      ApplyUpdates();
      // The aggregate is published before the next round opens, but on another connection: its
      // announcement can overtake it. Wait a moment for it rather than fetch the whole model.
      for (int waited = 0; waited < 1000 && !stop.load() &&
                           RawString(ModelHash(*trainer_->model())) != a.base_hash();
           waited += 25) {
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
        ApplyUpdates();
      }
      if (base_round_) metrics_.SetRoundLag(a.round(), *base_round_);
      if (RawString(ModelHash(*trainer_->model())) != a.base_hash()) {
        Status f = FetchCheckpoint(a.base_hash());
        if (!f.ok()) {
          spdlog::warn("round {}: cannot get the base model: {}", a.round(), f.ToString());
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
          continue;
        }
        WriteLog({{"event", "checkpoint"},
                  {"round", a.round()},
                  {"model_hash", HashFromRaw(a.base_hash()).Hex()}});
      }
      base_round_ = a.round();
      metrics_.SetRoundLag(a.round(), *base_round_);
      last_round = static_cast<int64_t>(a.round());
      last_deadline = a.deadline_unix_ms();
      if (UnixMillis() >= a.deadline_unix_ms()) continue;  // joined too late: wait for the next
      // Progress trained ahead continues into the round right after its own, not later.
      std::vector<torch::Tensor> carry;
      uint32_t carried_steps = 0;
      if (ahead_ && ahead_->parked && ahead_->round + 1 == a.round()) {
        carry = std::move(ahead_->progress);
        carried_steps = ahead_->steps;
      }
      ahead_.reset();
      Status s = TrainAndSubmit(a, carry, carried_steps);
      if (!s.ok()) {
        spdlog::error("round {}: {}", a.round(), s.ToString());
        if (s.code() == Code::kNonFiniteLoss || s.code() == Code::kInvalidArgument) return s;
      }
      ++done;
    }
    // Take the last aggregate before leaving, so the final model is logged.
    Park();
    const int64_t until = UnixMillis() + 2000;
    while (!stop.load() && UnixMillis() < until) {
      metrics_.Tick();
      ApplyUpdates();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Status::Ok();
  }

 private:
  MinerConfig cfg_;
  Identity id_;
  parallel::Group* group_ = nullptr;  // --dp: this is rank 0 of it
  uint64_t order_seq_ = 0;            // the next order to the other ranks
  sync::NetworkId network_ = sync::kDefaultNetworkId;
  std::optional<ShardReader> train_;
  std::unique_ptr<LocalTrainer> trainer_;
  std::vector<Link> links_;  // every validator, in the lead order
  size_t current_ = 0;       // links_[current_] is followed for rounds
  int silent_ = 0;           // GetRound requests in a row the followed validator left unanswered
  std::unique_ptr<sync::Codec> fp32_;
  std::unique_ptr<sync::ErrorFeedback> feedback_;
  sync::CodecSpec codec_spec_;
  std::unique_ptr<Behaviour> behaviour_;
  std::ofstream log_;
  std::optional<uint64_t> base_round_;  // the round whose announced base the model is, if known
  std::optional<Ahead> ahead_;          // training ahead after the last update was sent
  std::vector<proto::ModelUpdate> pending_updates_;  // published, not yet applied
  int64_t announced_round_ = -1;        // the newest round the followed validator announced
  int64_t send_ms_ = 1000;  // how long the last submission took from encoding to the reply
  metrics::Registry registry_;
  MinerMetrics metrics_{&registry_};
  std::unique_ptr<metrics::Exporter> exporter_;  // serves registry_; none if metrics are off
};

}  // namespace

Status RunMiner(const MinerConfig& config, const std::atomic<bool>& stop,
                parallel::Group* group) {
  if (group && group->rank() > 0) return RunMinerRank(config, *group, stop);
  LOCONET_ASSIGN_OR_RETURN(Identity id, Identity::Load(config.key_file));
  Miner miner(config, std::move(id), group);
  Status s = miner.Init();
  if (s.ok()) s = miner.Run(stop);
  if (group) {
    // The other ranks wait for orders until this one: tell them to stop, whatever happened.
    RankOrder done;
    done.stop = true;
    Status told = group->Post(RankOrderKey(miner.orders_sent()), done.Encode());
    if (!told.ok()) spdlog::warn("{}", told.ToString());
  }
  return s;
}

}  // namespace loconet
