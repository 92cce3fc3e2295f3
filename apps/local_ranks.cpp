#include "apps/local_ranks.h"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "apps/processes.h"

namespace loconet {

namespace {

std::string Describe(int status) {
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended abnormally";
}

}  // namespace

void AddDpFlags(CLI::App* cmd, DpFlags* f) {
  cmd->add_option("--dp", f->world,
                  "Data parallel over K processes on c10d Gloo (the batch is per rank); alone, "
                  "starts ranks 1..K-1 on this host")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--dp-rank", f->rank, "This process's rank, to join a group (with --dp-store)")
      ->check(CLI::Range(0, 1023));
  cmd->add_option("--dp-store", f->store, "HOST:PORT of rank 0's c10d store, to join a group");
  cmd->add_option("--dp-timeout", f->timeout_seconds,
                  "Seconds a rank waits for the others (rendezvous, each all-reduce)")
      ->check(CLI::Range(1.0, 86400.0));
}

Status ResolveDpFlags(const DpFlags& f, const std::vector<std::string>& extra, LocalRanks* ranks,
                      int* rank, std::string* store) {
  if ((f.rank >= 0) != !f.store.empty() || f.rank >= f.world) {
    return Error(Code::kInvalidArgument,
                 "--dp-rank R and --dp-store HOST:PORT go together, with R below --dp");
  }
  *rank = 0;
  store->clear();
  if (f.rank >= 0) {
    *rank = f.rank;
    *store = f.store;
  } else if (f.world > 1) {
    LOCONET_ASSIGN_OR_RETURN(*ranks, StartLocalRanks(f.world, extra));
    *store = ranks->store;
  }
  return Status::Ok();
}

Result<LocalRanks> StartLocalRanks(int world, const std::vector<std::string>& extra) {
  LocalRanks ranks;
  LOCONET_ASSIGN_OR_RETURN(int port, FreeLocalPort());
  ranks.store = "127.0.0.1:" + std::to_string(port);
  std::vector<std::string> line = CommandLine();
  if (line.empty()) return Error(Code::kInternal, "the command line was not recorded");
  line[0] = "/proc/self/exe";
  for (int r = 1; r < world; ++r) {
    std::vector<std::string> argv = line;
    argv.insert(argv.end(), {"--dp-rank", std::to_string(r), "--dp-store", ranks.store});
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto pid = Spawn(argv, "");
    if (!pid.ok()) {
      for (pid_t p : ranks.pids) Stop(p, 2000);
      return pid.status();
    }
    ranks.pids.push_back(*pid);
  }
  return ranks;
}

Status FinishLocalRanks(const LocalRanks& ranks, const Status& rank0, double timeout_seconds) {
  if (!rank0.ok()) {
    for (pid_t p : ranks.pids) Stop(p, 2000);
    return rank0;
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  Status first = Status::Ok();
  for (size_t i = 0; i < ranks.pids.size(); ++i) {
    int status = 0;
    bool ended = false;
    while (!ended && std::chrono::steady_clock::now() < deadline) {
      ended = ::waitpid(ranks.pids[i], &status, WNOHANG) == ranks.pids[i];
      if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!ended) {
      status = Stop(ranks.pids[i], 2000);
      if (first.ok()) {
        first = Error(Code::kTimeout, "data-parallel rank " + std::to_string(i + 1) +
                                          " did not finish after rank 0 did; stopped it");
      }
    } else if (first.ok() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      first = Error(Code::kUnavailable,
                    "data-parallel rank " + std::to_string(i + 1) + " " + Describe(status));
    }
  }
  return first;
}

}  // namespace loconet
