#include <unistd.h>

#include <iostream>

#include "apps/commands.h"
#include "apps/local_ranks.h"
#include "core/log.h"
#include "trainer/export.h"
#include "trainer/training.h"

namespace loconet::apps {

void RegisterTrain(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("train", "Train a model on one machine, or simulate DiLoCo workers");
  struct Args {
    std::string config, metrics, checkpoint, data, codec, init_from, precision;
    int workers = 0;
    int64_t local_steps = -1, steps = 0, stop_at = 0;
    int threads = -1, codec_bits = 0;
    double topk_fraction = -1, outer_lr = -1, outer_momentum = -1;
    DpFlags dp;
    bool resume = false, no_progress = false, sync_dp = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--config", a->config, "Training config (TOML)")->required();
  cmd->add_option("--metrics", a->metrics, "Append one JSON line per evaluation to this file");
  cmd->add_option("--workers", a->workers, "Simulated DiLoCo workers (overrides the config)");
  cmd->add_option("--local-steps", a->local_steps, "Inner steps H per DiLoCo round");
  cmd->add_option("--outer-lr", a->outer_lr, "Outer Nesterov learning rate");
  cmd->add_option("--outer-momentum", a->outer_momentum, "Outer Nesterov momentum (0: plain SGD)");
  cmd->add_option("--codec", a->codec, "Pseudo-gradient codec: fp32, int8 or topk");
  cmd->add_option("--topk-fraction", a->topk_fraction, "Share of each chunk top-k keeps");
  cmd->add_option("--codec-bits", a->codec_bits, "Value bits of top-k (2, 4 or 8)");
  cmd->add_flag("--sync-dp", a->sync_dp,
                "Synchronous data parallel: average the workers' gradients every step");
  cmd->add_option("--steps", a->steps, "Inner steps (per worker)");
  cmd->add_option("--stop-at", a->stop_at, "Stop and checkpoint at this step");
  cmd->add_option("--threads", a->threads, "Compute threads (0: every core)");
  cmd->add_option("--precision", a->precision,
                  "Inner steps' forward pass: fp32, bf16 (CPUs with AVX512-BF16) or auto");
  cmd->add_option("--data", a->data, "Corpus folder with train.shard and heldout.shard");
  cmd->add_option("--checkpoint", a->checkpoint, "Checkpoint file");
  cmd->add_flag("--resume", a->resume, "Continue from the checkpoint if it exists");
  cmd->add_option("--init-from", a->init_from,
                  "Warm start: begin from this checkpoint's model parameters (fresh optimizer)");
  cmd->add_flag("--no-progress", a->no_progress, "Plain log lines even on a terminal");
  AddDpFlags(cmd, &a->dp);
  cmd->callback([=] {
    auto opts = LoadTrainOptions(a->config);
    if (!opts.ok()) {
      std::cerr << "loconet train: " << opts.status().ToString() << "\n";
      *exit_code = 1;
      return;
    }
    TrainOptions& o = *opts;
    if (!a->metrics.empty()) o.metrics_path = a->metrics;
    if (a->workers > 0) o.workers = a->workers;
    if (a->local_steps >= 0) o.local_steps = a->local_steps;
    if (a->outer_lr >= 0) o.outer_lr = a->outer_lr;
    if (a->outer_momentum >= 0) o.outer_momentum = a->outer_momentum;
    if (!a->codec.empty()) o.codec.name = a->codec;
    if (a->topk_fraction >= 0) o.codec.topk_fraction = a->topk_fraction;
    if (a->codec_bits > 0) o.codec.bits = static_cast<uint32_t>(a->codec_bits);
    if (a->sync_dp) o.sync_dp = true;
    if (a->steps > 0) o.steps = a->steps;
    if (a->stop_at > 0) o.stop_at_step = a->stop_at;
    if (a->threads >= 0) o.threads = a->threads;
    if (!a->precision.empty()) {
      auto p = ParsePrecision(a->precision);
      if (!p.ok()) {
        std::cerr << "loconet train: --precision: " << p.status().ToString() << "\n";
        *exit_code = 2;
        return;
      }
      o.precision = *p;
    }
    if (!a->data.empty()) o.data_dir = a->data;
    if (!a->checkpoint.empty()) o.checkpoint_path = a->checkpoint;
    if (!a->init_from.empty()) o.init_from = a->init_from;
    o.resume = a->resume;
    o.progress_bar = !a->no_progress && isatty(STDERR_FILENO);
    o.dp_world = a->dp.world;
    o.dp_timeout_seconds = a->dp.timeout_seconds;
    LocalRanks ranks;  // --dp K alone: this process is rank 0 and starts the others here
    Status resolved = ResolveDpFlags(a->dp, {"--no-progress"}, &ranks, &o.dp_rank, &o.dp_store);
    if (!resolved.ok()) {
      std::cerr << "loconet train: " << resolved.ToString() << "\n";
      *exit_code = 2;
      return;
    }
    if (o.dp_rank > 0) spdlog::set_level(spdlog::level::warn);  // rank 0 reports
    auto summary = RunTraining(o);
    const Status ended = FinishLocalRanks(ranks, summary.status(), o.dp_timeout_seconds + 60);
    if (!ended.ok()) {
      std::cerr << "loconet train: " << ended.ToString() << "\n";
      *exit_code = 1;
      return;
    }
    *exit_code = 0;
    if (o.dp_rank > 0) return;
    const auto& s = *summary;
    std::cout << "trained " << o.model.name << " (" << s.parameters << " parameters) on "
              << s.tokens << " tokens at " << static_cast<int64_t>(s.tokens_per_second)
              << " tokens/s\n";
    if (s.bytes_sent_per_worker > 0) {
      std::cout << "sent " << s.bytes_sent_per_worker << " update bytes per worker\n";
    }
    std::cout << "held-out loss:";
    for (const auto& p : s.curve) std::cout << " " << p.step << ":" << p.heldout_loss;
    std::cout << "\n";
  });
}

void RegisterExport(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("export", "Export a checkpoint's parameters");
  auto checkpoint = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("safetensors");
  cmd->add_option("--checkpoint", *checkpoint, "Checkpoint file")->required();
  cmd->add_option("--out", *out, "Output file")->required();
  cmd->add_option("--format", *format, "Output format")->check(CLI::IsMember({"safetensors"}));
  cmd->callback([=] {
    Status s = ExportSafetensors(*checkpoint, *out);
    if (!s.ok()) {
      std::cerr << "loconet export: " << s.ToString() << "\n";
      *exit_code = 1;
      return;
    }
    std::cout << "wrote " << *out << "\n";
    *exit_code = 0;
  });
}

}  // namespace loconet::apps
