#include "apps/devnet_validators.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/files.h"
#include "core/hash.h"
#include "ledger/store.h"
#include "network/genesis.h"
#include "network/network_file.h"

namespace loconet {

namespace fs = std::filesystem;

Status WriteDevnetGenesis(const std::string& path, const std::vector<ValidatorPlan>& validators,
                          int64_t epoch_rounds) {
  network::Genesis g;
  g.name = "devnet";
  g.params.epoch_rounds = static_cast<uint64_t>(epoch_rounds);
  for (const ValidatorPlan& v : validators) g.validators.push_back({v.id.public_key(), 1000, {}});
  LOCONET_RETURN_IF_ERROR(network::CheckContents(g));
  for (const ValidatorPlan& v : validators) LOCONET_RETURN_IF_ERROR(network::Sign(&g, v.id));
  return network::WriteNetworkFile(path, g);
}

Status WaitForEndpoints(pid_t pid, const fs::path& dir, const std::atomic<bool>& stop,
                        ValidatorPlan* plan) {
  for (int waited = 0;; waited += 50) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return Error(Code::kInternal,
                   "a validator stopped before serving; see " + (dir / "log.txt").string());
    }
    if (stop.load() || waited > 120000) {
      return Error(Code::kTimeout, "a validator did not start serving within 120 s");
    }
    auto text = ReadFile((dir / "endpoints.json").string());
    if (text.ok()) {
      auto j = nlohmann::json::parse(*text, nullptr, false);
      if (!j.is_discarded() && j.contains("router") && j.contains("pub")) {
        plan->router = j["router"].get<std::string>();
        plan->pub = j["pub"].get<std::string>();
        return Status::Ok();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Result<std::string> CompareConsensus(const std::vector<ValidatorPlan>& validators,
                                     const std::vector<fs::path>& ledgers) {
  // epoch -> body hash -> validators that wrote it
  std::map<uint64_t, std::map<Hash256, std::vector<std::string>>> epochs;
  for (const fs::path& l : ledgers) {
    LOCONET_ASSIGN_OR_RETURN(auto store, ledger::LedgerStore::Open(l.string(), true));
    const ValidatorPlan* owner = nullptr;
    for (const ValidatorPlan& v : validators) {
      if (v.dir / "ledger" == l) owner = &v;
    }
    if (!owner) continue;
    Status walk = store->ForEach([&](const ledger::Record& rec) -> Status {
      if (rec.author != owner->id.public_key() || rec.kind != ledger::RecordKind::kConsensus) {
        return Status::Ok();
      }
      ByteReader r(rec.body);
      uint64_t epoch = 0;
      r.U64(&epoch);
      epochs[epoch][Blake2b256(rec.body)].push_back(owner->dir.filename().string());
      return Status::Ok();
    });
    LOCONET_RETURN_IF_ERROR(walk);
  }
  std::string report;
  for (const auto& [epoch, bodies] : epochs) {
    if (bodies.size() > 1) {
      std::string who;
      for (const auto& [hash, names] : bodies) {
        who += " " + hash.Hex().substr(0, 12) + " by";
        for (const std::string& n : names) who += " " + n;
        who += ";";
      }
      return Error(Code::kCorrupt,
                   "the validators' consensus records of epoch " + std::to_string(epoch) +
                       " differ:" + who);
    }
    const auto& [hash, names] = *bodies.begin();
    report += "consensus of epoch " + std::to_string(epoch) + ": body " + hash.Hex().substr(0, 16) +
              ", identical on " + std::to_string(names.size()) + " validator(s)\n";
  }
  if (epochs.empty()) report = "no consensus record was written (too few rounds)\n";
  return report;
}

}  // namespace loconet
