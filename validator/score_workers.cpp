#include "validator/score_workers.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "trainer/params.h"
#include "trainer/threads.h"

namespace loconet {
namespace {

// OpenBLAS on one thread for the round, the caller's plan back afterwards.
class SingleThreadedBlas {
 public:
  SingleThreadedBlas() : saved_(CurrentThreadPlan()) { ApplyThreadPlan({1, 1}); }
  ~SingleThreadedBlas() { ApplyThreadPlan(saved_); }

 private:
  ThreadPlan saved_;
};

// A copy of `model` that leaves torch's global generator as it was (the constructor draws an
// initialisation from it, which the copied parameters then replace).
GPT CopyOf(GPT& model) {
  auto gen = at::detail::getDefaultCPUGenerator();
  at::Tensor state;
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    state = gen.get_state();
  }
  GPT copy(model->config());
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
  }
  CopyParameters(ParameterList(*copy), ParameterList(*model));
  return copy;
}

Result<Measured> MeasureOne(GPT& model, const PendingUpdate& p, const RoundEvaluation& ev,
                            const std::vector<double>& base,
                            const std::vector<double>& heldout_base) {
  LOCONET_ASSIGN_OR_RETURN(Update u, p.decode(model));
  const BlockGains eval = MeasureOnBlocks(model, u, ev.eval_lr, ev.blocks, base);
  Measured m{p.miner, p.order, eval.improvement};
  LOCONET_ASSIGN_OR_RETURN(DataVerdict data,
                           DataVerdictOf(model, u, p.miner, ev.check, eval.gains));
  m.verdict = data.verdict;
  m.own_gain = data.own_gain;
  m.random_gain = data.random_gain;
  if (!ev.heldout_blocks.empty()) {
    const BlockGains split =
        MeasureOnBlocks(model, u, ev.eval_lr, ev.heldout_blocks, heldout_base);
    m.contamination_z = ContaminationZ(split.gains, eval.gains, ev.contamination_margin);
  }
  return m;
}

// Runs fn(worker's model, i) for i in [0, count) on `workers` threads (<= 0: every core), each
// with its own copy of `model` (the caller's thread uses `model` itself) and single-threaded
// kernels. Stops handing out work once fn returns false.
void OnWorkers(GPT& model, size_t count, int workers,
               const std::function<bool(GPT&, size_t)>& fn) {
  if (workers <= 0) workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  workers = static_cast<int>(
      std::min<size_t>(static_cast<size_t>(workers), std::max<size_t>(1, count)));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&](GPT& own) {
    at::set_num_threads(1);  // OpenMP's thread count is per thread: this one's too
    torch::NoGradGuard no_grad;
    for (size_t i = next++; i < count && !failed.load(); i = next++) {
      if (!fn(own, i)) failed = true;
    }
  };
  std::vector<GPT> copies;
  for (int w = 1; w < workers; ++w) copies.push_back(CopyOf(model));
  std::vector<std::thread> threads;
  for (GPT& c : copies) threads.emplace_back([&work, &c] { work(c); });
  work(model);
  for (std::thread& t : threads) t.join();
}

}  // namespace

RoundEvaluation EvaluationSettings(const ValidatorConfig& cfg, const datasets::ShardReader& train,
                                   const Hash256& round_seed, const Hash256& secret) {
  RoundEvaluation ev;
  ev.eval_lr = cfg.eval_lr;
  ev.contamination_margin = cfg.contamination_margin;
  DataCheck& c = ev.check;
  c.train = &train;
  c.round_seed = round_seed;
  c.secret = secret;
  c.pages_per_miner = cfg.pages_per_miner;
  c.data_pages = cfg.data_pages;
  c.data_batches = cfg.data_batches;
  c.batch = cfg.eval_rows();
  c.context = cfg.model.context;
  c.eval_lr = cfg.eval_lr;
  c.margin = cfg.data_margin;
  c.z = cfg.data_z;
  return ev;
}

Result<RoundMeasurements> MeasureUpdates(GPT& model, const std::vector<PendingUpdate>& pending,
                                         const RoundEvaluation& ev, int workers) {
  SingleThreadedBlas single;
  RoundMeasurements out;
  out.base_losses = BlockLosses(model, ev.blocks);
  if (pending.empty()) return out;
  std::vector<double> heldout_base;
  if (!ev.heldout_blocks.empty()) heldout_base = BlockLosses(model, ev.heldout_blocks);
  std::vector<std::optional<Result<Measured>>> results(pending.size());
  out.seconds.assign(pending.size(), 0.0);
  OnWorkers(model, pending.size(), workers, [&](GPT& own, size_t i) {
    const auto t0 = std::chrono::steady_clock::now();
    results[i] = MeasureOne(own, pending[i], ev, out.base_losses, heldout_base);
    out.seconds[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return results[i]->ok();
  });
  for (auto& r : results) {
    if (!r) continue;  // not reached after a failure
    if (!r->ok()) return r->status();
    out.measured.push_back(**r);
  }
  return out;
}

Result<std::vector<double>> MeasureContributions(GPT& model,
                                                 const std::vector<PendingUpdate>& pending,
                                                 const std::vector<torch::Tensor>& blocks,
                                                 double base_loss, double eval_lr,
                                                 double clip_norm, int workers) {
  if (pending.empty()) return std::vector<double>{};
  SingleThreadedBlas single;
  at::set_num_threads(1);
  std::vector<Update> updates;
  for (const PendingUpdate& p : pending) {
    LOCONET_ASSIGN_OR_RETURN(Update u, p.decode(model));
    updates.push_back(std::move(u));
  }
  Aggregator sum(updates.front());
  for (const Update& u : updates) sum.Add(u, clip_norm);
  // Item n is the full mean, items below it the means without one update: all on the workers.
  const size_t n = pending.size();
  std::vector<double> losses(n + 1, 0.0);
  OnWorkers(model, n + 1, workers, [&](GPT& own, size_t i) {
    const Update mean = i == n ? sum.Mean() : sum.MeanWithout(updates[i], clip_norm);
    losses[i] = MeanLoss(LossesAfter(own, mean, eval_lr, blocks));
    return true;
  });
  const double full = losses[n];
  std::vector<double> out(n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const double without = losses[i];
    if (std::isfinite(full) && std::isfinite(without) && base_loss > 0) {
      out[i] = (without - full) / base_loss;
    } else if (!std::isfinite(full) && std::isfinite(without)) {
      out[i] = -1.0;  // this update makes the mean's loss non-finite
    }
  }
  return out;
}

}  // namespace loconet
