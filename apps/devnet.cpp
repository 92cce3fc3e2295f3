#include "apps/devnet.h"

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
#include "ledger/verify.h"

namespace loconet {

namespace fs = std::filesystem;

namespace {

// Starts `argv` with stdout and stderr appended to `log`; the child gets SIGTERM if we die.
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log) {
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return Error(Code::kIoError, "fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) _exit(1);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// Sends SIGTERM, waits up to `ms`, then SIGKILL. Returns the exit status (or -1).
int Stop(pid_t pid, int ms) {
  ::kill(pid, SIGTERM);
  int status = 0;
  for (int waited = 0; waited < ms; waited += 20) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return status;
}

std::string Quote(const std::string& s) { return nlohmann::json(s).dump(); }

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

  // The validator.
  const fs::path vdir = dir / "validator";
  LOCONET_RETURN_IF_ERROR(MakeDirs(vdir.string()));
  const Identity validator_id = Identity::Generate();
  LOCONET_RETURN_IF_ERROR(validator_id.Save((vdir / "key").string()));
  std::ofstream vc(vdir / "validator.toml");
  vc << "model = " << Quote(model) << "\n\n[validator]\nkey = \"key\"\ndb = \"ledger\"\n"
     << "state = \"state.pt\"\nstatus_file = \"status.jsonl\"\ndata = " << Quote(data) << "\n"
     << "endpoints_file = \"endpoints.json\"\n"
     << "router = \"tcp://127.0.0.1:0\"\npub = \"tcp://127.0.0.1:0\"\nthreads = 1\n\n"
     << "[round]\ncount = " << o.rounds << "\nmin_miners = "
     << o.miners + o.adversaries.size() +
            std::count(o.adversaries.begin(), o.adversaries.end(), std::string("sybil"))
     << "\nseconds = " << o.round_seconds << "\n"
     << "local_steps = " << o.local_steps << "\nbatch = " << o.batch
     << "\npages_per_miner = " << o.pages_per_miner << "\ncodec = " << Quote(o.codec)
     << "\n\n[registration]\n# a devnet's miners solve a small proof of work (16 Argon2id "
     << "evaluations of 1 MiB on average)\npow_bits = 4\npow_memory_kib = 1024\n"
     << "\n[rewards]\nepoch_rounds = " << std::max<int64_t>(1, std::min<int64_t>(5, o.rounds))
     << "\n";
  vc.close();
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

  LOCONET_ASSIGN_OR_RETURN(
      pid_t validator, Spawn({binary, "validator", "--config", (vdir / "validator.toml").string()},
                             (vdir / "log.txt").string()));
  // The validator binds port 0; it writes the ports it got once it serves.
  std::string router, pub;
  for (int waited = 0; router.empty(); waited += 50) {
    int status = 0;
    if (::waitpid(validator, &status, WNOHANG) == validator) {
      return Error(Code::kInternal,
                   "the validator stopped before serving; see " + (vdir / "log.txt").string());
    }
    if (stop.load() || waited > 120000) {
      Stop(validator, 2000);
      return Error(Code::kTimeout, "the validator did not start serving within 120 s");
    }
    auto text = ReadFile((vdir / "endpoints.json").string());
    if (text.ok()) {
      auto j = nlohmann::json::parse(*text, nullptr, false);
      if (!j.is_discarded() && j.contains("router") && j.contains("pub")) {
        router = j["router"].get<std::string>();
        pub = j["pub"].get<std::string>();
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
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
  for (const MinerPlan& plan : plans) {
    const std::string& name = plan.name;
    const fs::path mdir = dir / name;
    std::ofstream mc(mdir / "miner.toml");
    mc << "model = " << Quote(model) << "\n\n[miner]\nkey = \"key\"\nname = " << Quote(name)
       << "\nvalidator = " << Quote(router) << "\nvalidator_pub = " << Quote(pub)
       << "\nvalidator_key = " << Quote(validator_id.public_key().Hex())
       << "\ndata = " << Quote(miner_data.string())
       << "\nlog_file = \"rounds.jsonl\"\nthreads = 1\nrounds = " << o.rounds
       << "\ndump_submission = " << (plan.dump ? "true" : "false") << "\n";
    if (!plan.attack.empty()) {
      // The heldout_* attackers ran `loconet data prepare` themselves: the full corpus folder.
      mc << "adversary = " << Quote(plan.attack) << "\ncopy_from = " << Quote(plan.copy_from)
         << "\nadversary_data = " << Quote(data) << "\n";
    }
    mc << "\n[train]\nlr = " << o.lr << "\nwarmup_steps = " << o.warmup_steps
       << "\ntotal_steps = " << o.rounds * o.local_steps << "\n";
    miner_configs.push_back((mdir / "miner.toml").string());
  }

  out << "devnet: validator on " << router << ", " << o.miners << " miners, " << o.rounds
      << " rounds of " << o.local_steps << " local steps; logs in " << dir.string() << "\n";
  std::vector<pid_t> miners;
  for (int i = 0; i < total; ++i) {
    auto pid = Spawn({binary, "miner", "--config", miner_configs[i]},
                     (fs::path(miner_configs[i]).parent_path() / "log.txt").string());
    if (!pid.ok()) {
      for (pid_t m : miners) Stop(m, 2000);
      Stop(validator, 2000);
      return pid.status();
    }
    miners.push_back(*pid);
  }

  // Follow the validator's status lines until it exits.
  size_t shown = 0;
  int vstatus = 0;
  bool validator_done = false;
  double first_loss = -1, last_loss = -1;
  while (!validator_done) {
    if (stop.load()) break;
    if (::waitpid(validator, &vstatus, WNOHANG) == validator) validator_done = true;
    std::ifstream in(status_file);
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) {
      if (n++ < shown) continue;
      ++shown;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) continue;
      const double loss = j.value("heldout_loss", 0.0);
      if (first_loss < 0) first_loss = j.value("base_loss", loss);
      last_loss = loss;
      char buf[256];
      std::snprintf(
          buf, sizeof buf,
          "round %3lld | submissions %2lld | accepted %2lld | global held-out loss %.4f\n",
          static_cast<long long>(j.value("round", 0)),
          static_cast<long long>(j.value("submissions", 0)),
          static_cast<long long>(j.value("accepted", 0)), loss);
      out << buf << std::flush;
    }
    if (!validator_done) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (pid_t m : miners) Stop(m, 3000);
  if (!validator_done) Stop(validator, 5000);
  if (stop.load()) {
    out << "devnet: interrupted; every process stopped\n";
    return Error(Code::kUnavailable, "interrupted");
  }
  if (!WIFEXITED(vstatus) || WEXITSTATUS(vstatus) != 0) {
    return Error(Code::kInternal, "the validator failed; see " + (vdir / "log.txt").string());
  }

  LOCONET_ASSIGN_OR_RETURN(auto store, ledger::LedgerStore::Open((vdir / "ledger").string(), true));
  Status verified = ledger::VerifyLedger(*store);
  out << "\nledger " << (verified.ok() ? "verified" : "FAILED verification: " + verified.ToString())
      << "\n";
  if (first_loss > 0) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "global held-out loss: %.4f -> %.4f\n\n", first_loss, last_loss);
    out << buf;
  }
  LOCONET_ASSIGN_OR_RETURN(auto rows, ledger::BuildLeaderboard(*store));
  out << ledger::RenderTable(rows);
  const ledger::GroupReport groups = ledger::GroupRewards(rows);
  out << "\nrewards by group of miners:\n" << ledger::RenderGroupReport(groups);
  if (!o.report_file.empty()) {
    LOCONET_RETURN_IF_ERROR(
        WriteFileAtomic(o.report_file, ledger::GroupReportJson(groups).dump(2) + "\n"));
  }
  return verified;
}

}  // namespace loconet
