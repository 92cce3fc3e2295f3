#include "validator/scoring.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/bytes.h"
#include "datasets/assignment.h"
#include "datasets/loader.h"
#include "ledger/score_rules.h"
#include "trainer/local_trainer.h"
#include "trainer/params.h"

namespace loconet {

using datasets::BlockLoader;

uint64_t SeedFrom(const Hash256& h) {
  uint64_t s = 0;
  for (int i = 0; i < 8; ++i) s |= static_cast<uint64_t>(h.bytes[i]) << (8 * i);
  return s;
}

Result<std::vector<torch::Tensor>> DrawBlocks(const datasets::ShardReader& shard,
                                              const std::vector<uint64_t>& pages, uint32_t batch,
                                              int64_t context, uint64_t seed, uint32_t batches) {
  LOCONET_ASSIGN_OR_RETURN(BlockLoader loader,
                           BlockLoader::Create(shard, pages, batch, context, seed));
  std::vector<torch::Tensor> out;
  std::vector<int64_t> rows;
  for (uint32_t i = 0; i < batches; ++i) {
    loader.Next(&rows);
    // rows: (batch, context + 1)
    out.push_back(
        torch::from_blob(rows.data(), {loader.batch(), context + 1}, torch::kLong).clone());
  }
  return out;
}

namespace {

// (before - after) / before; -1 if the loss after is not finite.
double RelativeGain(double before, double after) {
  return std::isfinite(after) && before > 0 ? (before - after) / before : -1.0;
}

// The relative improvement of the update on each block separately.
std::vector<double> PerBlockImprovements(GPT& model, const Update& update, double eval_lr,
                                         const std::vector<torch::Tensor>& blocks) {
  return MeasureOnBlocks(model, update, eval_lr, blocks, BlockLosses(model, blocks)).gains;
}

void MeanAndVariance(const std::vector<double>& x, double* mean, double* var) {
  *mean = 0;
  for (double v : x) *mean += v;
  *mean /= static_cast<double>(x.size());
  *var = 0;
  for (double v : x) *var += (v - *mean) * (v - *mean);
  *var = x.size() > 1 ? *var / static_cast<double>(x.size() - 1) : 0.0;
}

}  // namespace

std::vector<double> LossesAfter(GPT& model, const Update& update, double eval_lr,
                                const std::vector<torch::Tensor>& blocks) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> params = ParameterList(*model);
  std::vector<torch::Tensor> saved = CloneParameters(*model);
  for (size_t i = 0; i < params.size(); ++i) params[i].sub_(update[i], eval_lr);
  std::vector<double> out;
  for (const auto& b : blocks) out.push_back(model->Loss(b).item<double>());
  CopyParameters(params, saved);
  return out;
}

double MeanLoss(const std::vector<double>& losses) {
  double total = 0;
  for (double l : losses) total += l;
  return total / static_cast<double>(std::max<size_t>(1, losses.size()));
}

std::vector<double> BlockLosses(GPT& model, const std::vector<torch::Tensor>& blocks) {
  torch::NoGradGuard no_grad;
  std::vector<double> out;
  for (const auto& b : blocks) out.push_back(model->Loss(b).item<double>());
  return out;
}

BlockGains MeasureOnBlocks(GPT& model, const Update& update, double eval_lr,
                           const std::vector<torch::Tensor>& blocks,
                           const std::vector<double>& base_losses) {
  const std::vector<double> after = LossesAfter(model, update, eval_lr, blocks);
  BlockGains h;
  double before_sum = 0, after_sum = 0;  // summed as EvaluateLoss does
  for (size_t i = 0; i < after.size() && i < base_losses.size(); ++i) {
    before_sum += base_losses[i];
    after_sum += after[i];
    h.gains.push_back(RelativeGain(base_losses[i], after[i]));
  }
  const double n = static_cast<double>(std::max<size_t>(1, h.gains.size()));
  h.improvement = RelativeGain(before_sum / n, after_sum / n);  // -1 without blocks
  return h;
}

double ContaminationZ(const std::vector<double>& heldout_gains,
                      const std::vector<double>& random_gains, double margin) {
  if (heldout_gains.size() < 2 || random_gains.size() < 2) return 0;
  double h_mean, h_var, r_mean, r_var;
  MeanAndVariance(heldout_gains, &h_mean, &h_var);
  MeanAndVariance(random_gains, &r_mean, &r_var);
  if (!(h_mean > 0)) return 0;
  const double diff = h_mean - margin * std::max(r_mean, 0.0);
  const double se = std::sqrt(h_var / static_cast<double>(heldout_gains.size()) +
                              margin * margin * r_var / static_cast<double>(random_gains.size()));
  if (!std::isfinite(diff) || !std::isfinite(se)) return 0;
  if (se == 0) return diff > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  return diff / se;
}

std::vector<uint64_t> EvaluationPages(const Hash256& round_seed, const Hash256& secret,
                                      const std::set<PublicKey>& miners, uint64_t num_pages,
                                      uint32_t pages_per_miner, uint32_t count) {
  std::vector<uint64_t> assigned;
  for (const PublicKey& k : miners) {
    std::vector<uint64_t> own = datasets::AssignPages(round_seed, k, num_pages, pages_per_miner);
    assigned.insert(assigned.end(), own.begin(), own.end());
  }
  return datasets::SampleUnassignedPages(secret, assigned, num_pages, count);
}

Result<DataVerdict> DataVerdictOf(GPT& model, const Update& update, const PublicKey& miner,
                                  const DataCheck& c, const std::vector<double>& eval_gains) {
  const uint64_t num_pages = c.train->num_pages();
  std::vector<uint64_t> own =
      datasets::AssignPages(c.round_seed, miner, num_pages, c.pages_per_miner);
  ByteWriter w;
  w.Raw(c.secret.bytes.data(), 32);
  w.Raw(miner.bytes.data(), 32);
  const Hash256 pick = Blake2b256(w.bytes());
  std::vector<uint64_t> own_sample;
  for (uint32_t i = 0; i < c.data_pages && i < own.size(); ++i) {
    own_sample.push_back(own[(SeedFrom(pick) + i) % own.size()]);
  }
  if (own_sample.empty() || eval_gains.size() < 2 || c.data_batches < 2) return DataVerdict{};
  LOCONET_ASSIGN_OR_RETURN(auto own_blocks, DrawBlocks(*c.train, own_sample, c.batch, c.context,
                                                       SeedFrom(pick), c.data_batches));
  double own_mean, own_var, random_mean, random_var;
  MeanAndVariance(PerBlockImprovements(model, update, c.eval_lr, own_blocks), &own_mean, &own_var);
  MeanAndVariance(eval_gains, &random_mean, &random_var);
  // A miner that trained on its pages improves them more than `margin` x pages nobody trained
  // on: +1 when that is so by more than `z` standard errors of the batch means. -1 when its own
  // pages do not gain more than those by that much at all (a miner that trained elsewhere). In
  // between, no verdict: on a fresh model every update improves all pages about equally, and a
  // verdict there would be a coin flip.
  const double n_own = static_cast<double>(c.data_batches);
  const double n_eval = static_cast<double>(eval_gains.size());
  const double se_margin = std::sqrt(own_var / n_own + c.margin * c.margin * random_var / n_eval);
  const double se_plain = std::sqrt(own_var / n_own + random_var / n_eval);
  int verdict = 0;
  if (own_mean > 0 && own_mean - c.margin * std::max(random_mean, 0.0) > c.z * se_margin) {
    verdict = 1;
  } else if (own_mean <= 0 || own_mean - random_mean <= c.z * se_plain) {
    verdict = -1;
  }
  return DataVerdict{verdict, own_mean, random_mean};
}

ledger::ScoresBody ScoreRound(const RoundOutcome& o, const ScoringRules& rules,
                              Standings* standings) {
  std::map<PublicKey, ledger::ScoreEntry> entries;
  auto entry = [&](const PublicKey& k, uint16_t reason, uint32_t order) -> ledger::ScoreEntry& {
    ledger::ScoreEntry& e = entries[k];
    e.miner = k;
    e.reason = reason;
    e.receipt_order = order;
    return e;
  };
  auto finish = [&](ledger::ScoreEntry& e) {
    Standing& s = (*standings)[e.miner];
    s.ema_ppb = ledger::NextEmaPpb(s.ema_ppb, e.score_ppb, rules.ema_alpha_ppb);
    e.ema_ppb = s.ema_ppb;
    e.data_ppb = s.data_ppb;
  };
  for (const Measured& m : o.measured) {
    ledger::ScoreEntry& e = entry(m.miner, 0, m.order);
    Standing& s = (*standings)[m.miner];
    s.data_ppb = ledger::NextDataPpb(s.data_ppb, m.verdict, rules.data_alpha_ppb);
    e.improvement_ppb = ledger::ClampImprovementPpb(m.improvement);
    // An update without a data check (no pages to compare) has no work to measure: 0.
    e.work_ppb = ledger::ClampImprovementPpb(m.own_gain - m.random_gain);
    e.score_ppb = ledger::RoundScorePpb(e.improvement_ppb, s.data_ppb, e.work_ppb,
                                       rules.score_cap_ppb, rules.work_cap_ppb);
    finish(e);
  }
  for (const auto& [k, why] : o.rejected) {
    if (entries.count(k)) continue;
    finish(entry(k, why.first, why.second));
  }
  for (const PublicKey& k : o.eligible) {
    if (entries.count(k) || o.submitted.count(k)) continue;
    const Code reason = o.flooded.count(k) ? Code::kRateLimited : Code::kMissed;
    finish(entry(k, static_cast<uint16_t>(reason), UINT32_MAX));
  }
  ledger::ScoresBody body;
  body.round = o.round;
  for (auto& [k, e] : entries) body.entries.push_back(e);
  return body;
}

}  // namespace loconet
