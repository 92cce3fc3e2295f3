#include <unistd.h>

#include <iostream>

#include "apps/commands.h"
#include "trainer/export.h"
#include "trainer/training.h"

namespace loconet::apps {

void RegisterTrain(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("train", "Train a model on one machine, or simulate DiLoCo workers");
  struct Args {
    std::string config, metrics, checkpoint, data;
    int workers = 0;
    int64_t local_steps = -1, steps = 0, stop_at = 0;
    int threads = -1;
    bool resume = false, no_progress = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--config", a->config, "Training config (TOML)")->required();
  cmd->add_option("--metrics", a->metrics, "Append one JSON line per evaluation to this file");
  cmd->add_option("--workers", a->workers, "Simulated DiLoCo workers (overrides the config)");
  cmd->add_option("--local-steps", a->local_steps, "Inner steps H per DiLoCo round");
  cmd->add_option("--steps", a->steps, "Inner steps (per worker)");
  cmd->add_option("--stop-at", a->stop_at, "Stop and checkpoint at this step");
  cmd->add_option("--threads", a->threads, "Compute threads (0: every core)");
  cmd->add_option("--data", a->data, "Corpus folder with train.shard and heldout.shard");
  cmd->add_option("--checkpoint", a->checkpoint, "Checkpoint file");
  cmd->add_flag("--resume", a->resume, "Continue from the checkpoint if it exists");
  cmd->add_flag("--no-progress", a->no_progress, "Plain log lines even on a terminal");
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
    if (a->steps > 0) o.steps = a->steps;
    if (a->stop_at > 0) o.stop_at_step = a->stop_at;
    if (a->threads >= 0) o.threads = a->threads;
    if (!a->data.empty()) o.data_dir = a->data;
    if (!a->checkpoint.empty()) o.checkpoint_path = a->checkpoint;
    o.resume = a->resume;
    o.progress_bar = !a->no_progress && isatty(STDERR_FILENO);
    auto summary = RunTraining(o);
    if (!summary.ok()) {
      std::cerr << "loconet train: " << summary.status().ToString() << "\n";
      *exit_code = 1;
      return;
    }
    const auto& s = *summary;
    std::cout << "trained " << o.model.name << " (" << s.parameters << " parameters) on "
              << s.tokens << " tokens at " << static_cast<int64_t>(s.tokens_per_second)
              << " tokens/s\n";
    std::cout << "held-out loss:";
    for (const auto& p : s.curve) std::cout << " " << p.step << ":" << p.heldout_loss;
    std::cout << "\n";
    *exit_code = 0;
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
