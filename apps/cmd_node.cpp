// `loconet validator`, `loconet miner` and `loconet devnet`: long-running roles. SIGINT and
// SIGTERM ask them to stop cleanly.
#include <atomic>
#include <iostream>

#include "apps/commands.h"
#include "apps/local_ranks.h"
#include "apps/stop.h"
#include "core/log.h"
#include "miner/adversary.h"
#include "miner/miner.h"
#include "parallel/group.h"
#include "apps/devnet.h"
#include "validator/node.h"

namespace loconet::apps {

namespace {

int Fail(const char* cmd, const Status& s) {
  std::cerr << "loconet " << cmd << ": " << s.ToString() << "\n";
  return 1;
}

}  // namespace

void RegisterNodes(CLI::App& app, int* exit_code) {
  auto* v = app.add_subcommand("validator", "Run a validator node");
  auto vconfig = std::make_shared<std::string>();
  v->add_option("--config", *vconfig, "Validator config (TOML)")->required();
  v->callback([=] {
    auto cfg = LoadValidatorConfig(*vconfig);
    if (!cfg.ok()) {
      *exit_code = Fail("validator", cfg.status());
      return;
    }
    InstallStopHandlers();
    auto node = ValidatorNode::Create(*cfg);
    if (!node.ok()) {
      *exit_code = Fail("validator", node.status());
      return;
    }
    Status s = (*node)->Run(StopFlag());
    *exit_code = s.ok() ? 0 : Fail("validator", s);
  });

  auto* m = app.add_subcommand("miner", "Run a miner node");
  auto mconfig = std::make_shared<std::string>();
  auto adversary = std::make_shared<std::string>();
  m->add_option("--config", *mconfig, "Miner config (TOML)")->required();
  m->add_option("--adversary", *adversary,
                "Testing only: behave like a miner except for one attack (docs/incentives.md)");
  auto dp = std::make_shared<DpFlags>();
  AddDpFlags(m, dp.get());
  m->callback([=] {
    auto cfg = LoadMinerConfig(*mconfig);
    if (!cfg.ok()) {
      *exit_code = Fail("miner", cfg.status());
      return;
    }
    if (!adversary->empty()) {
      if (!IsAdversary(*adversary)) {
        *exit_code = Fail("miner", Status(Code::kInvalidArgument, "unknown attack '" + *adversary + "'"));
        return;
      }
      cfg->adversary = *adversary;
    }
    InstallStopHandlers();
    // --dp K: one miner on K processes; rank 0 holds the key and the sockets.
    LocalRanks ranks;
    parallel::GroupOptions g;
    g.world = dp->world;
    g.timeout_seconds = dp->timeout_seconds;
    std::string store;
    Status s = ResolveDpFlags(*dp, {}, &ranks, &g.rank, &store);
    std::unique_ptr<parallel::Group> group;
    if (s.ok() && g.world > 1) s = parallel::ParseStoreAddress(store, &g);
    if (s.ok() && g.world > 1) {
      auto joined = parallel::Group::Join(g);
      if (joined.ok()) {
        group = std::move(joined).value();
        spdlog::info("data parallel: rank {} of {} (c10d Gloo, store {})", g.rank, g.world, store);
      } else {
        s = joined.status();
      }
    }
    if (s.ok()) s = RunMiner(*cfg, StopFlag(), group.get());
    s = FinishLocalRanks(ranks, s, dp->timeout_seconds + 60);
    *exit_code = s.ok() ? 0 : Fail("miner", s);
  });

  auto* d = app.add_subcommand("devnet", "Run validators and miners as local processes");
  auto o = std::make_shared<DevnetOptions>();
  d->add_option("--validators", o->validators,
                 "Number of validators (more than 1: a signed network file, Yuma consensus)")
      ->check(CLI::Range(1, 16));
  d->add_option("--lead-timeout", o->lead_timeout_seconds,
                "Seconds a follower waits for the lead before the next validator takes over");
  d->add_option("--kill-lead-after", o->kill_lead_after_round,
                "Failover drill: kill validator-0 once it has closed this round");
  d->add_flag("--dishonest-validator", o->dishonest_validator,
              "Consensus drill: the last validator inflates the miner folder --dishonest-target");
  d->add_option("--dishonest-target", o->dishonest_target,
                "Miner folder the dishonest validator inflates")
      ->capture_default_str();
  d->add_option("--miners", o->miners, "Number of miners")->check(CLI::Range(1, 64));
  d->add_option("--miner-dp", o->miner_dp,
                "Run each honest miner on K data-parallel processes (miner --dp K)")
      ->check(CLI::Range(1, 64));
  d->add_flag("--overlap,!--no-overlap", o->overlap,
              "Miners keep training while their update travels (miner.overlap; default off)");
  d->add_option("--link-delay-ms", o->link_delay_ms,
                "Simulated latency of every miner's link, each way (miner.link_delay_ms)")
      ->check(CLI::Range(0, 60000));
  d->add_option("--link-mbit", o->link_mbit,
                "Simulated rate of every miner's link in Mbit/s (miner.link_mbit; 0: unlimited)")
      ->check(CLI::Range(0.0, 1e6));
  d->add_option("--rounds", o->rounds, "Rounds to run")->check(CLI::Range(1, 100000));
  d->add_option("--model", o->model_config, "Model config file");
  d->add_option("--data", o->data_dir, "Prepared corpus folder");
  d->add_option("--dir", o->dir, "Working folder (wiped first)");
  d->add_option("--local-steps", o->local_steps, "Inner steps H per round");
  d->add_option("--batch", o->batch, "Sequences per inner step");
  d->add_option("--pages-per-miner", o->pages_per_miner,
                "Pages assigned per miner and round (0: enough that no window is read twice)");
  d->add_option("--round-seconds", o->round_seconds, "Round deadline");
  d->add_flag("--adaptive-deadline", o->adaptive_deadline,
              "Deadlines follow the miners' arrival times (round.adaptive_deadline); "
              "--round-seconds is the ceiling");
  d->add_option("--codec", o->codec, "Codec of the submissions")
      ->check(CLI::IsMember({"fp32", "int8", "topk"}));
  d->add_option("--lr", o->lr, "Miners' peak inner learning rate");
  d->add_option("--warmup", o->warmup_steps, "Miners' inner warm-up steps")
      ->check(CLI::Range(int64_t{0}, int64_t{1000000}));
  d->add_option("--outer-lr", o->outer_lr, "Validators' outer learning rate (default: theirs)");
  d->add_option("--outer-momentum", o->outer_momentum,
                "Validators' outer Nesterov momentum (default: theirs)");
  d->add_option("--score-measure", o->score_measure,
                "What the validators' improvement measures (score.measure; default: theirs)")
      ->check(CLI::IsMember({"alone", "leave_one_out"}));
  d->add_option("--adversaries", o->adversaries,
                "Extra miners, one per attack (comma-separated): zero, noise, sign_flip, scale100, "
                "scale1e6, nan, copy, copy_noise, replay, unassigned, stale_base, future_round, "
                "wrong_codec, oversized, malformed, flood, lazy, heldout_mix, heldout_only, "
                "sybil (two miners: one training run under two keys), sybil_twin, work50, work75")
      ->delimiter(',');
  d->add_option("--dashboard", o->dashboard,
                "Serve the live web dashboard on host:port while the network runs "
                "(e.g. 127.0.0.1:8080)");
  d->add_option("--report", o->report_file,
                "Also write the rewards by group of miners (honest, each attack) to this JSON file");
  d->add_option("--cache", o->cache_dir, "Folder for the dashboard's pinned uPlot package")
      ->capture_default_str();
  d->callback([=] {
    for (const auto& a : o->adversaries) {
      if (!IsAdversary(a)) {
        std::cerr << "loconet devnet: unknown attack '" << a << "'\n";
        *exit_code = 2;
        return;
      }
    }
    InstallStopHandlers();
    Status s = RunDevnet(*o, StopFlag(), std::cout);
    *exit_code = s.ok() ? 0 : Fail("devnet", s);
  });
}

}  // namespace loconet::apps
