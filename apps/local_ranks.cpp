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
