#include "miner/adversary.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "core/files.h"
#include "core/keys.h"
#include "datasets/assignment.h"
#include "datasets/loader.h"
#include "datasets/shard.h"
#include "trainer/wire.h"

namespace loconet {

const char* const kAdversaries[] = {
    "zero",        "noise",      "sign_flip", "scale100",   "scale1e6",   "nan",
    "copy",        "copy_noise", "replay",    "unassigned", "stale_base", "future_round",
    "wrong_codec", "oversized",  "malformed", "flood",      "lazy",       "heldout_mix",
    "heldout_only", "sybil",     "sybil_twin", "work50",     "work75",     nullptr};

bool IsAdversary(const std::string& name) {
  for (int i = 0; kAdversaries[i]; ++i) {
    if (name == kAdversaries[i]) return true;
  }
  return false;
}

namespace {

class Honest : public Behaviour {};

// One class for every attack: each hook acts only for the attacks it concerns.
class Attack : public Behaviour {
 public:
  explicit Attack(const MinerConfig& cfg) : cfg_(cfg), name_(cfg.adversary) {}

  std::optional<Status> Instead(MinerLink& link, const proto::RoundAnnouncement& a) override {
    if (name_ == "oversized") return link.SendRaw(Bytes(80u << 20, 0x5a), a.round());
    if (name_ == "malformed")
      return link.SendRaw(Bytes{0x0a, 0xff, 0xff, 0x01, 0x13, 0x37}, a.round());
    if (name_ == "flood") {
      // Then submits like everyone else: the flood alone must cost it the round.
      proto::Request ping;
      ping.mutable_get_round();
      for (int i = 0; i < 200; ++i) (void)link.Call(ping, 1);
    }
    return std::nullopt;
  }

  std::vector<uint64_t> PagesToTrain(const Hash256& round_seed,
                                     const std::vector<uint64_t>& assigned,
                                     uint64_t num_pages) override {
    // Trains elsewhere but still claims its assigned pages.
    if (name_ == "unassigned") {
      return datasets::SampleUnassignedPages(round_seed, assigned, num_pages,
                                             static_cast<uint32_t>(assigned.size()));
    }
    // One training run for two keys: its own pages and its twin's, in the same steps.
    if (name_ == "sybil") {
      auto twin = Identity::Load(cfg_.copy_from + "/key");
      if (!twin.ok()) return assigned;
      std::vector<uint64_t> both = datasets::AssignPages(
          round_seed, twin->public_key(), num_pages, static_cast<uint32_t>(assigned.size()));
      both.insert(both.end(), assigned.begin(), assigned.end());
      return both;
    }
    return assigned;
  }

  // Trains on the evaluation data: every other batch ("heldout_mix") or every batch
  // ("heldout_only") comes from the held-out split the attacker prepared itself.
  Status ChangeBatch(uint64_t round, uint32_t step, int batch, int ctx,
                     std::vector<int64_t>* rows) override {
    if (name_ != "heldout_mix" && name_ != "heldout_only") return Status::Ok();
    if (name_ == "heldout_mix" && step % 2 == 0) return Status::Ok();
    if (!heldout_) {
      LOCONET_ASSIGN_OR_RETURN(datasets::ShardReader shard,
                               datasets::ShardReader::Open(cfg_.adversary_data + "/heldout.shard"));
      heldout_ = std::make_unique<datasets::ShardReader>(std::move(shard));
    }
    if (!heldout_loader_ || heldout_round_ != round) {
      LOCONET_ASSIGN_OR_RETURN(
          datasets::BlockLoader loader,
          datasets::BlockLoader::Create(*heldout_, datasets::AllPages(*heldout_), batch, ctx,
                                        round * 7919 + 1));
      heldout_loader_ = std::make_unique<datasets::BlockLoader>(std::move(loader));
      heldout_round_ = round;
    }
    heldout_loader_->Next(rows);
    return Status::Ok();
  }

  // Does a quarter ("lazy"), half or three quarters of the work and claims all of it.
  uint32_t StepsToTrain(uint32_t local_steps) override {
    if (name_ == "lazy") return std::max<uint32_t>(1, local_steps / 4);
    if (name_ == "work50") return std::max<uint32_t>(1, local_steps / 2);
    if (name_ == "work75") return std::max<uint32_t>(1, local_steps * 3 / 4);
    return local_steps;
  }

  void ChangeDelta(std::vector<torch::Tensor>* delta) override {
    torch::NoGradGuard no_grad;
    for (auto& d : *delta) {
      if (name_ == "zero") d.zero_();
      if (name_ == "noise") d = torch::randn_like(d) * d.std();
      if (name_ == "sign_flip") d.neg_();
      if (name_ == "scale100") d.mul_(100.0);
      if (name_ == "scale1e6") d.mul_(1e6);
    }
    if (name_ == "nan" && !delta->empty()) (*delta)[0].view(-1)[0] = NAN;
  }

  void ChangeSpec(sync::CodecSpec* spec) override {
    if (name_ == "wrong_codec") spec->name = spec->name == "fp32" ? "int8" : "fp32";
  }

  Status ChangeSubmission(proto::Submission* s, const proto::RoundAnnouncement& a,
                          torch::nn::Module& model, const sync::Codec& codec) override {
    if (name_ == "future_round") s->set_round(a.round() + 1);
    if (name_ == "stale_base") {
      // The previous round's model, or a made-up one in its first round.
      s->set_base_hash(previous_base_.empty()
                           ? RawString(Blake2b256(std::string_view("an older model")))
                           : previous_base_);
    }
    previous_base_ = a.base_hash();
    if (name_ == "replay" && previous_tensors_.size() > 0) {
      *s->mutable_tensors() = previous_tensors_;
    } else {
      previous_tensors_ = s->tensors();
    }
    if (name_ == "copy" || name_ == "copy_noise" || name_ == "sybil_twin") {
      LOCONET_ASSIGN_OR_RETURN(proto::Submission victim, VictimSubmission(a));
      *s->mutable_tensors() = victim.tensors();
      if (name_ != "copy") {
        LOCONET_ASSIGN_OR_RETURN(std::vector<torch::Tensor> theirs,
                                 DecodeDeltas(model, victim.tensors(), codec));
        torch::NoGradGuard no_grad;
        // The twin adds enough noise to stay below the copy check's cosine (0.97): noise of
        // 0.35 x each tensor's spread gives a cosine of about 1 / sqrt(1 + 0.35^2) = 0.94.
        const double noise = name_ == "sybil_twin" ? 0.35 : 0.05;
        for (auto& t : theirs) t.add_(torch::randn_like(t) * t.std() * noise);
        sync::ErrorFeedback none(0.0);
        s->clear_tensors();
        EncodeDeltas(model, theirs, codec, none, s->mutable_tensors());
      }
    }
    return Status::Ok();
  }

 private:
  // Reads the submission that the miner in cfg_.copy_from made for this round, waiting for it
  // until the deadline.
  Result<proto::Submission> VictimSubmission(const proto::RoundAnnouncement& a) {
    const std::string path = cfg_.copy_from + "/last_submission.bin";
    while (UnixMillis() < a.deadline_unix_ms()) {
      auto bytes = ReadFile(path);
      proto::Submission s;
      if (bytes.ok() && s.ParseFromString(*bytes) && s.round() == a.round()) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Error(Code::kTimeout, "no submission to copy from " + path);
  }

  MinerConfig cfg_;
  std::string name_;
  std::unique_ptr<datasets::ShardReader> heldout_;
  std::unique_ptr<datasets::BlockLoader> heldout_loader_;
  uint64_t heldout_round_ = 0;
  google::protobuf::RepeatedPtrField<proto::EncodedTensor> previous_tensors_;
  std::string previous_base_;
};

}  // namespace

std::unique_ptr<Behaviour> MakeBehaviour(const MinerConfig& config) {
  if (config.adversary.empty()) return std::make_unique<Honest>();
  return std::make_unique<Attack>(config);
}

}  // namespace loconet
