#include "miner/config.h"

#include <filesystem>

#include "core/config.h"
#include "core/files.h"
#include "metrics/address.h"
#include "miner/adversary.h"

namespace loconet {

Result<MinerConfig> LoadMinerConfig(const std::string& path) {
  LOCONET_ASSIGN_OR_RETURN(Config c, Config::LoadFile(path));
  const std::string dir = std::filesystem::path(path).parent_path().string();
  MinerConfig m;
  std::string model_file = c.Str("model", std::nullopt);
  m.key_file = ResolvePath(dir, c.Str("miner.key", std::nullopt));
  m.name = c.Str("miner.name", m.name);
  m.validator_router = c.Str("miner.validator", m.validator_router);
  m.validator_pub = c.Str("miner.validator_pub", m.validator_pub);
  m.network_file = ResolvePath(dir, c.Str("miner.network", std::string()));
  // Required unless [validators.*] tables list the network's validators.
  const std::string validator_key = c.Str(
      "miner.validator_key",
      c.Subtables("validators").empty() ? std::nullopt : std::optional<std::string>(""));
  m.curve = c.Bool("miner.curve", true);
  m.data_dir = ResolvePath(dir, c.Str("miner.data", m.data_dir));
  m.log_file = ResolvePath(dir, c.Str("miner.log_file", std::string()));
  m.threads = static_cast<int>(c.Int("miner.threads", 1, 0, 1024));
  m.request_timeout_ms = static_cast<int>(c.Int("miner.request_timeout_ms", 5000, 10, 600000));
  m.rounds = c.Int("miner.rounds", 0, 0, INT64_MAX);
  m.overlap = c.Bool("miner.overlap", false);
  m.overlap_steps = static_cast<uint32_t>(c.Int("miner.overlap_steps", 0, 0, 1000000));
  m.link_delay_ms = static_cast<int>(c.Int("miner.link_delay_ms", 0, 0, 60000));
  m.link_mbit = c.Real("miner.link_mbit", 0.0, 0.0, 1e6);
  m.metrics = c.Str("miner.metrics", std::string());
  m.metrics_public = c.Bool("miner.metrics_public", false);
  m.adversary = c.Str("miner.adversary", std::string());
  m.copy_from = ResolvePath(dir, c.Str("miner.copy_from", std::string()));
  m.dump_submission = c.Bool("miner.dump_submission", false);
  m.adversary_data = ResolvePath(dir, c.Str("miner.adversary_data", std::string()));
  m.schedule.peak = c.Real("train.lr", 6e-3, 1e-8, 1.0);
  m.schedule.min_ratio = c.Real("train.min_lr_ratio", 0.1, 0.0, 1.0);
  m.schedule.warmup_steps = c.Int("train.warmup_steps", 20, 0, INT64_MAX);
  m.schedule.total_steps = c.Int("train.total_steps", 100000, 1, INT64_MAX);
  m.weight_decay = c.Real("train.weight_decay", 0.1, 0.0, 10.0);
  m.beta1 = c.Real("train.beta1", 0.9, 0.0, 0.99999);
  m.beta2 = c.Real("train.beta2", 0.95, 0.0, 0.99999);
  m.grad_clip = c.Real("train.grad_clip", 1.0, 1e-6, 1e6);
  const std::string precision = c.Str("train.precision", std::string("fp32"));
  LOCONET_ASSIGN_OR_RETURN(m.validators, sync::ReadNodeAddresses(c, "validators"));
  LOCONET_RETURN_IF_ERROR(c.Finish());
  LOCONET_RETURN_IF_ERROR(metrics::CheckConfiguredAddress(m.metrics, m.metrics_public,
                                                          "miner.metrics", "miner.metrics_public")
                              .WithContext(path));
  if (!validator_key.empty()) {
    auto key = ParsePublicKey(validator_key);
    if (!key.ok()) {
      return Error(Code::kConfigError,
                   path + ": key 'miner.validator_key': " + key.status().message() +
                       " (the validator's public key, 64 hex characters)");
    }
    m.validator_key = *key;
  }
  if (m.validators.empty()) {
    m.validators.push_back({"validator", m.validator_key, m.validator_router, m.validator_pub});
  } else {
    m.validator_key = m.validators.front().key;
    m.validator_router = m.validators.front().router;
    m.validator_pub = m.validators.front().pub;
  }
  Result<Precision> parsed = ParsePrecision(precision);
  if (!parsed.ok()) return parsed.status().WithContext(path + ": key 'train.precision'");
  m.precision = *parsed;
  if (!m.adversary.empty() && !IsAdversary(m.adversary)) {
    return Error(Code::kConfigError,
                 path + ": key 'miner.adversary': unknown attack '" + m.adversary + "'");
  }
  LOCONET_ASSIGN_OR_RETURN(Config mc, Config::LoadFile(ResolvePath(dir, model_file)));
  LOCONET_ASSIGN_OR_RETURN(m.model, ReadModelConfig(mc));
  return m;
}

}  // namespace loconet
