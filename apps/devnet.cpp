#include "apps/devnet.h"
#include "apps/devnet_validators.h"
#include "apps/processes.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "core/files.h"
#include "core/keys.h"
#include "dashboard/server.h"
#include "ledger/leaderboard.h"
#include "ledger/reward_groups.h"
#include "ledger/store.h"
#include "ledger/validator_board.h"
#include "ledger/verify.h"

namespace loconet {

namespace fs = std::filesystem;

namespace {

std::string Quote(const std::string& s) { return nlohmann::json(s).dump(); }

// A miner's compute utilization as its last submission logged it (miner/metrics.h), or -1.
double LastUtilization(const fs::path& rounds_log) {
  std::ifstream in(rounds_log);
  double last = -1;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("utilization") && j["utilization"].is_number()) {
      last = j["utilization"].get<double>();
    }
  }
  return last;
}

}  // namespace

Status RunDevnet(const DevnetOptions& o, const std::atomic<bool>& stop, std::ostream& out) {
  std::error_code ec;
  const fs::path dir = fs::absolute(o.dir);
  fs::remove_all(dir, ec);
  LOCONET_RETURN_IF_ERROR(MakeDirs(dir.string()));
  const std::string binary =
      o.binary.empty() ? fs::read_symlink("/proc/self/exe").string() : o.binary;
  const std::string model = fs::absolute(o.model_config).string();
  const std::string data = fs::absolute(o.data_dir).string();
  if (!fs::exists(data + "/train.shard") || !fs::exists(data + "/heldout.shard")) {
    return Error(Code::kNotFound,
                 data + ": no train.shard and heldout.shard; run `loconet data prepare`");
  }

  // The validators: one, alone on the default network; or several, listed with equal stakes
  // in a network file they all signed, each following the others (docs/protocol.md, "Several
  // validators"). validator-0 (folder `validator`) leads first.
  const int nv = std::max(1, o.validators);
  const int64_t miner_count =
      o.miners + static_cast<int64_t>(o.adversaries.size()) +
      std::count(o.adversaries.begin(), o.adversaries.end(), std::string("sybil"));
  std::vector<ValidatorPlan> vplans(static_cast<size_t>(nv));
  for (int i = 0; i < nv; ++i) {
    ValidatorPlan& v = vplans[static_cast<size_t>(i)];
    v.dir = dir / (i == 0 ? std::string("validator") : "validator-" + std::to_string(i));
    LOCONET_RETURN_IF_ERROR(MakeDirs(v.dir.string()));
    v.id = Identity::Generate();
    LOCONET_RETURN_IF_ERROR(v.id.Save((v.dir / "key").string()));
  }
  // With several validators an epoch's consensus is written a round after it ends: epochs
  // short enough that a run sees at least two.
  const int64_t epoch_rounds =
      nv == 1 ? std::max<int64_t>(1, std::min<int64_t>(5, o.rounds))
              : std::max<int64_t>(1, std::min<int64_t>(5, (o.rounds - 1) / 2));
  std::string network_file;
  if (nv > 1) {
    network_file = (dir / "network.toml").string();
    LOCONET_RETURN_IF_ERROR(WriteDevnetGenesis(network_file, vplans, epoch_rounds));
    for (ValidatorPlan& v : vplans) {
      LOCONET_ASSIGN_OR_RETURN(int router_port, FreeLocalPort());
      LOCONET_ASSIGN_OR_RETURN(int pub_port, FreeLocalPort());
      v.router = "tcp://127.0.0.1:" + std::to_string(router_port);
      v.pub = "tcp://127.0.0.1:" + std::to_string(pub_port);
    }
  }
  for (size_t i = 0; i < vplans.size(); ++i) {
    const ValidatorPlan& v = vplans[i];
    std::ofstream vc(v.dir / "validator.toml");
    vc << "model = " << Quote(model) << "\n\n[validator]\nkey = \"key\"\ndb = \"ledger\"\n"
       << "state = \"state.pt\"\nstatus_file = \"status.jsonl\"\ndata = " << Quote(data) << "\n"
       << "endpoints_file = \"endpoints.json\"\n"
       << "router = " << Quote(v.router.empty() ? "tcp://127.0.0.1:0" : v.router)
       << "\npub = " << Quote(v.pub.empty() ? "tcp://127.0.0.1:0" : v.pub) << "\nthreads = 1\n";
    if (nv > 1) {
      vc << "network = " << Quote(network_file)
         << "\nlead_timeout_seconds = " << o.lead_timeout_seconds << "\n";
    }
    vc << "\n[round]\ncount = " << o.rounds << "\nmin_miners = " << miner_count
       << "\nseconds = " << o.round_seconds
       << "\nadaptive_deadline = " << (o.adaptive_deadline ? "true" : "false") << "\n"
       << "local_steps = " << o.local_steps << "\nbatch = " << o.batch
       << "\npages_per_miner = " << o.pages_per_miner << "\ncodec = " << Quote(o.codec)
       << "\n\n[registration]\n# a devnet's miners solve a small proof of work (16 Argon2id "
       << "evaluations of 1 MiB on average)\npow_bits = 4\npow_memory_kib = 1024\n"
       << "\n[rewards]\nepoch_rounds = " << epoch_rounds << "\n";
    if (o.outer_lr >= 0 || o.outer_momentum >= 0) {
      vc << "\n[aggregate]\n";
      if (o.outer_lr >= 0) vc << "outer_lr = " << o.outer_lr << "\n";
      if (o.outer_momentum >= 0) vc << "outer_momentum = " << o.outer_momentum << "\n";
    }
    // Scores and the global held-out loss on batches of 8 rows whatever the miners' batch: the
    // scoring sample of the incentive benchmark, and devnets at different batches compare
    // (scripts/bench-network.sh).
    vc << "\n[score]\neval_batch = 8\nheldout_batch = 8\n";
    if (!o.score_measure.empty()) vc << "measure = " << Quote(o.score_measure) << "\n";
    for (size_t j = 0; j < vplans.size() && nv > 1; ++j) {
      if (j == i) continue;
      vc << "\n[peers.validator-" << j << "]\nkey = " << Quote(vplans[j].id.public_key().Hex())
         << "\nrouter = " << Quote(vplans[j].router) << "\npub = " << Quote(vplans[j].pub) << "\n";
    }
  }
  const fs::path vdir = vplans[0].dir;
  const std::string status_file = (vdir / "status.jsonl").string();

  // The dashboard waits for the ledger the validator is about to create. The network runs
  // without it if it cannot be served (a taken port, say).
  std::unique_ptr<dashboard::Dashboard> board;
  if (!o.dashboard.empty()) {
    auto served = dashboard::ServeLedger((vdir / "ledger").string(), o.dashboard,
                                         fs::absolute(o.cache_dir).string());
    if (served.ok()) {
      board = std::move(served).value();
      out << "devnet: live dashboard at " << board->url() << "\n" << std::flush;
    } else {
      out << "devnet: no dashboard (" << served.status().ToString() << ")\n" << std::flush;
    }
  }

  // The miners' data: the training shard and what describes it, never the held-out split
  // (a miner with heldout.shard at hand could train on the evaluation data).
  const fs::path miner_data = dir / "miner-data";
  LOCONET_RETURN_IF_ERROR(MakeDirs(miner_data.string()));
  for (const char* name : {"train.shard", "tokenizer.model", "manifest.json"}) {
    const fs::path from = fs::path(data) / name;
    if (!fs::exists(from)) continue;
    fs::create_hard_link(from, miner_data / name, ec);
    if (ec) fs::copy_file(from, miner_data / name, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      return Error(Code::kIoError, "cannot give the miners " + from.string() + ": " + ec.message());
    }
  }

  // The miners: the honest ones, then one per attack; "sybil" is two miners (one training run,
  // two keys), adv-sybil-0 training for both and adv-sybil-1 sending its update with noise.
  struct MinerPlan {
    std::string name, attack, copy_from;
    bool dump = false;
  };
  std::vector<MinerPlan> plans;
  for (int i = 0; i < o.miners; ++i) plans.push_back({"miner-" + std::to_string(i), "", "", i == 0});
  const std::string miner0 = (dir / "miner-0").string();
  for (const std::string& attack : o.adversaries) {
    if (attack == "sybil") {
      plans.push_back({"adv-sybil-0", "sybil", (dir / "adv-sybil-1").string(), true});
      plans.push_back({"adv-sybil-1", "sybil_twin", (dir / "adv-sybil-0").string(), false});
    } else {
      plans.push_back({"adv-" + attack, attack, miner0, false});
    }
  }
  std::vector<std::string> miner_configs;
  const int total = static_cast<int>(plans.size());
  for (const MinerPlan& plan : plans) {
    const fs::path mdir = dir / plan.name;
    LOCONET_RETURN_IF_ERROR(MakeDirs(mdir.string()));
    LOCONET_RETURN_IF_ERROR(Identity::Generate().Save((mdir / "key").string()));
  }
  if (o.dishonest_validator && nv > 1) {
    // The last validator credits one miner the score cap every round (validator/config.h).
    const fs::path target = dir / o.dishonest_target / "key";
    LOCONET_ASSIGN_OR_RETURN(Identity friend_id, Identity::Load(target.string()));
    std::ofstream vc(vplans.back().dir / "validator.toml", std::ios::app);
    vc << "\n[adversary]\ninflate_miner = " << Quote(friend_id.public_key().Hex()) << "\n";
    out << "devnet: " << vplans.back().dir.filename().string() << " is dishonest: it inflates "
        << o.dishonest_target << "\n";
  }

  // Start the validators; each writes the ports it got once it serves.
  std::vector<pid_t> validators;
  auto stop_all = [&](const std::vector<pid_t>& pids) {
    for (pid_t p : pids) Stop(p, 2000);
  };
  for (ValidatorPlan& v : vplans) {
    auto pid = Spawn({binary, "validator", "--config", (v.dir / "validator.toml").string()},
                     (v.dir / "log.txt").string());
    if (!pid.ok()) {
      stop_all(validators);
      return pid.status();
    }
    validators.push_back(*pid);
  }
  for (size_t i = 0; i < vplans.size(); ++i) {
    Status up = WaitForEndpoints(validators[i], vplans[i].dir, stop, &vplans[i]);
    if (!up.ok()) {
      stop_all(validators);
      return up;
    }
  }

  for (const MinerPlan& plan : plans) {
    const std::string& name = plan.name;
    const fs::path mdir = dir / name;
    std::ofstream mc(mdir / "miner.toml");
    mc << "model = " << Quote(model) << "\n\n[miner]\nkey = \"key\"\nname = " << Quote(name);
    if (nv == 1) {
      mc << "\nvalidator = " << Quote(vplans[0].router)
         << "\nvalidator_pub = " << Quote(vplans[0].pub)
         << "\nvalidator_key = " << Quote(vplans[0].id.public_key().Hex());
    } else {
      // A validator that is down costs a miner this long per request before it moves on.
      mc << "\nnetwork = " << Quote(network_file) << "\nrequest_timeout_ms = 2000";
    }
    mc << "\ndata = " << Quote(miner_data.string())
       << "\nlog_file = \"rounds.jsonl\"\nthreads = 1\nrounds = " << o.rounds
       << "\ndump_submission = " << (plan.dump ? "true" : "false")
       << "\noverlap = " << (o.overlap ? "true" : "false") << "\nlink_delay_ms = " << o.link_delay_ms
       << "\nlink_mbit = " << o.link_mbit << "\n";
    if (!plan.attack.empty()) {
      // The heldout_* attackers ran `loconet data prepare` themselves: the full corpus folder.
      mc << "adversary = " << Quote(plan.attack) << "\ncopy_from = " << Quote(plan.copy_from)
         << "\nadversary_data = " << Quote(data) << "\n";
    }
    mc << "\n[train]\nlr = " << o.lr << "\nwarmup_steps = " << o.warmup_steps
       << "\ntotal_steps = " << o.rounds * o.local_steps << "\n";
    for (size_t j = 0; j < vplans.size() && nv > 1; ++j) {
      mc << "\n[validators.validator-" << j << "]\nkey = "
         << Quote(vplans[j].id.public_key().Hex()) << "\nrouter = " << Quote(vplans[j].router)
         << "\npub = " << Quote(vplans[j].pub) << "\n";
    }
    miner_configs.push_back((mdir / "miner.toml").string());
  }

  out << "devnet: " << nv << (nv == 1 ? " validator on " : " validators, the lead on ")
      << vplans[0].router << ", " << o.miners << " miners, " << o.rounds << " rounds of "
      << o.local_steps << " local steps; logs in " << dir.string() << "\n";
  std::vector<pid_t> miners;
  for (int i = 0; i < total; ++i) {
    std::vector<std::string> argv = {binary, "miner", "--config", miner_configs[i]};
    if (o.miner_dp > 1 && plans[i].attack.empty()) {
      argv.insert(argv.end(), {"--dp", std::to_string(o.miner_dp)});  // honest miners only
    }
    auto pid = Spawn(argv, (fs::path(miner_configs[i]).parent_path() / "log.txt").string());
    if (!pid.ok()) {
      stop_all(miners);
      stop_all(validators);
      return pid.status();
    }
    miners.push_back(*pid);
  }

  // Follow the validators' status lines until every validator exits: each round once, from
  // the validator that led it.
  std::vector<int> vstatus(vplans.size(), 0);
  std::vector<bool> done(vplans.size(), false), killed(vplans.size(), false);
  std::vector<size_t> shown(vplans.size(), 0);
  int64_t printed_round = -1;
  double first_loss = -1, last_loss = -1;
  while (std::count(done.begin(), done.end(), false) > 0) {
    if (stop.load()) break;
    for (size_t i = 0; i < vplans.size(); ++i) {
      if (!done[i] && ::waitpid(validators[i], &vstatus[i], WNOHANG) == validators[i]) {
        done[i] = true;
      }
      std::ifstream in(vplans[i].dir / "status.jsonl");
      std::string line;
      size_t n = 0;
      while (std::getline(in, line)) {
        if (n++ < shown[i]) continue;
        ++shown[i];
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded()) continue;
        const int64_t r = j.value("round", int64_t{0});
        if (i == 0 && o.kill_lead_after_round >= 0 && r >= o.kill_lead_after_round &&
            !killed[0] && !done[0]) {
          ::kill(validators[0], SIGKILL);
          killed[0] = true;
          out << "devnet: killed the lead (validator-0) after round " << r << "\n" << std::flush;
        }
        if (!j.value("lead", true) || r <= printed_round) continue;
        printed_round = r;
        const double loss = j.value("heldout_loss", 0.0);
        if (first_loss < 0) first_loss = j.value("base_loss", loss);
        last_loss = loss;
        char buf[256];
        std::snprintf(
            buf, sizeof buf,
            "round %3lld | submissions %2lld | accepted %2lld | global held-out loss %.4f%s\n",
            static_cast<long long>(r), static_cast<long long>(j.value("submissions", 0)),
            static_cast<long long>(j.value("accepted", 0)), loss,
            nv > 1 ? (" | lead validator-" + std::to_string(i)).c_str() : "");
        out << buf << std::flush;
      }
    }
    if (std::count(done.begin(), done.end(), false) > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  for (pid_t m : miners) Stop(m, 3000);
  for (size_t i = 0; i < vplans.size(); ++i) {
    if (!done[i]) Stop(validators[i], 5000);
  }
  if (stop.load()) {
    out << "devnet: interrupted; every process stopped\n";
    return Error(Code::kUnavailable, "interrupted");
  }
  for (size_t i = 0; i < vplans.size(); ++i) {
    if (killed[i]) continue;
    if (!WIFEXITED(vstatus[i]) || WEXITSTATUS(vstatus[i]) != 0) {
      return Error(Code::kInternal, "a validator failed; see " + (vplans[i].dir / "log.txt").string());
    }
  }

  // Every surviving validator's ledger verifies; with several, their consensus records agree.
  std::vector<fs::path> ledgers;
  for (size_t i = 0; i < vplans.size(); ++i) {
    if (!killed[i]) ledgers.push_back(vplans[i].dir / "ledger");
  }
  Status verified = Status::Ok();
  for (const fs::path& l : ledgers) {
    LOCONET_ASSIGN_OR_RETURN(auto s, ledger::LedgerStore::Open(l.string(), true));
    Status v = ledger::VerifyLedger(*s);
    if (!v.ok() && verified.ok()) verified = v.WithContext(l.string());
  }
  out << "\nledger" << (ledgers.size() > 1 ? "s of " + std::to_string(ledgers.size()) +
                                                 " validators "
                                           : " ")
      << (verified.ok() ? "verified" : "FAILED verification: " + verified.ToString()) << "\n";
  if (nv > 1) {
    LOCONET_ASSIGN_OR_RETURN(std::string agreement, CompareConsensus(vplans, ledgers));
    out << agreement;
  }
  if (first_loss > 0) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "global held-out loss: %.4f -> %.4f\n\n", first_loss, last_loss);
    out << buf;
  }
  LOCONET_ASSIGN_OR_RETURN(auto store, ledger::LedgerStore::Open(ledgers.front().string(), true));
  LOCONET_ASSIGN_OR_RETURN(auto rows, ledger::BuildLeaderboard(*store));
  out << ledger::RenderTable(rows);
  LOCONET_ASSIGN_OR_RETURN(auto validator_rows, ledger::BuildValidatorBoard(*store));
  if (!validator_rows.empty()) out << "\n" << ledger::RenderValidatorTable(validator_rows);
  const ledger::GroupReport groups = ledger::GroupRewards(rows);
  out << "\nrewards by group of miners:\n" << ledger::RenderGroupReport(groups);
  out << "\ncompute utilization (inner steps / wall time since the first round):";
  for (const MinerPlan& plan : plans) {
    const double u = LastUtilization(dir / plan.name / "rounds.jsonl");
    char buf[32] = "?";
    if (u >= 0) std::snprintf(buf, sizeof buf, "%.1f%%", 100 * u);
    out << " " << plan.name << " " << buf;
  }
  out << "\n";
  if (!o.report_file.empty()) {
    LOCONET_RETURN_IF_ERROR(
        WriteFileAtomic(o.report_file, ledger::GroupReportJson(groups).dump(2) + "\n"));
  }
  return verified;
}

}  // namespace loconet
