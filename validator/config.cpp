#include "validator/config.h"

#include <filesystem>

#include "core/config.h"
#include "core/files.h"
#include "metrics/address.h"

namespace loconet {

Result<ValidatorConfig> LoadValidatorConfig(const std::string& path) {
  LOCONET_ASSIGN_OR_RETURN(Config c, Config::LoadFile(path));
  const std::string dir = std::filesystem::path(path).parent_path().string();
  ValidatorConfig v;
  std::string model_file = c.Str("model", std::nullopt);
  v.key_file = ResolvePath(dir, c.Str("validator.key", std::nullopt));
  v.db_dir = ResolvePath(dir, c.Str("validator.db", v.db_dir));
  v.state_file = ResolvePath(dir, c.Str("validator.state", v.state_file));
  v.data_dir = ResolvePath(dir, c.Str("validator.data", v.data_dir));
  v.status_file = ResolvePath(dir, c.Str("validator.status_file", std::string()));
  v.endpoints_file = ResolvePath(dir, c.Str("validator.endpoints_file", std::string()));
  v.network_file = ResolvePath(dir, c.Str("validator.network", std::string()));
  v.lead_timeout_seconds = c.Real("validator.lead_timeout_seconds", 30, 0.1, 86400);
  const std::string inflate = c.Str("adversary.inflate_miner", std::string());
  LOCONET_ASSIGN_OR_RETURN(v.peers, sync::ReadNodeAddresses(c, "peers"));
  if (!inflate.empty()) {
    auto key = ParsePublicKey(inflate);
    if (!key.ok()) {
      return Error(Code::kConfigError, path + ": key 'adversary.inflate_miner': " +
                                           key.status().message());
    }
    v.inflate_miner = *key;
  }
  v.router_endpoint = c.Str("validator.router", v.router_endpoint);
  v.pub_endpoint = c.Str("validator.pub", v.pub_endpoint);
  v.seed = static_cast<uint64_t>(c.Int("validator.seed", 1, 0, INT64_MAX));
  v.threads = static_cast<int>(c.Int("validator.threads", 1, 0, 1024));
  v.max_request_bytes = static_cast<size_t>(c.Int("validator.max_request_mib", 64, 1, 4096)) << 20;
  v.curve = c.Bool("validator.curve", true);
  v.metrics = c.Str("validator.metrics", std::string());
  v.metrics_public = c.Bool("validator.metrics_public", false);
  v.rounds = c.Int("round.count", 0, 0, INT64_MAX);
  v.min_miners = c.Int("round.min_miners", 1, 0, 100000);
  v.round_seconds = c.Real("round.seconds", 60, 0.1, 86400);
  v.adaptive_deadline = c.Bool("round.adaptive_deadline", false);
  v.min_seconds = c.Real("round.min_seconds", 1, 0.1, 86400);
  v.deadline_spread = c.Real("round.deadline_spread", 3, 0, 100);
  v.local_steps = static_cast<uint32_t>(c.Int("round.local_steps", 200, 1, 1000000));
  v.batch = static_cast<uint32_t>(c.Int("round.batch", 4, 1, 4096));
  v.pages_per_miner = static_cast<uint32_t>(c.Int("round.pages_per_miner", 0, 0, 1 << 30));
  v.codec.name = c.Str("round.codec", std::string("int8"), {"fp32", "int8", "topk"});
  v.codec.chunk = static_cast<uint32_t>(c.Int("round.codec_chunk", 4096, 16, 1 << 24));
  v.codec.bits =
      static_cast<uint32_t>(c.Int("round.codec_bits", v.codec.name == "topk" ? 2 : 8, 2, 8));
  v.codec.topk_fraction =
      c.Real("round.topk_fraction", v.codec.name == "topk" ? 0.015 : 0.0, 0.0, 1.0);
  v.codec.ef_beta = c.Real("round.ef_beta", 0.95, 0.0, 1.0);
  v.eval_lr = c.Real("score.eval_lr", 1.0, 0.0, 100.0);
  v.measure =
      c.Str("score.measure", std::string("leave_one_out"), {"alone", "leave_one_out"});
  v.eval_batches = static_cast<uint32_t>(c.Int("score.eval_batches", 32, 2, 10000));
  v.eval_batch = static_cast<uint32_t>(c.Int("score.eval_batch", v.batch, 0, 4096));
  v.heldout_batch = static_cast<uint32_t>(c.Int("score.heldout_batch", v.batch, 0, 4096));
  v.eval_pages = static_cast<uint32_t>(c.Int("score.eval_pages", 64, 1, 1 << 20));
  v.ema_alpha = c.Real("score.ema_alpha", 0.3, 0.0, 1.0);
  v.score_cap = c.Real("score.cap", 0.0002, 0.0, 1.0);
  v.outlier_factor = c.Real("score.outlier_factor", 10, 1.0, 1e12);
  v.max_update_ratio = c.Real("score.max_update_ratio", 2.0, 0.0, 1e6);
  v.copy_cosine = c.Real("score.copy_cosine", 0.97, 0.0, 1.0);
  v.copy_sketch = static_cast<uint32_t>(c.Int("score.copy_sketch", 8192, 16, 1 << 24));
  v.data_alpha = c.Real("score.data_alpha", 0.3, 0.0, 1.0);
  v.data_z = c.Real("score.data_z", 2.0, 0.0, 100.0);
  v.data_margin = c.Real("score.data_margin", 1.25, 1.0, 100.0);
  v.data_pages = static_cast<uint32_t>(c.Int("score.data_pages", 16, 1, 1024));
  v.data_batches = static_cast<uint32_t>(c.Int("score.data_batches", 16, 2, 1024));
  v.work_cap = c.Real("score.work_cap", 0.05, 0.0, 1.0);
  v.contamination_z = c.Real("score.contamination_z", 0.0, 0.0, 100.0);
  v.contamination_margin = c.Real("score.contamination_margin", 1.5, 1.0, 100.0);
  v.max_messages_per_second = c.Real("validator.max_messages_per_second", 20, 0.1, 1e9);
  v.max_connection_messages_per_second =
      c.Real("validator.max_connection_messages_per_second", 40, 0.1, 1e9);
  v.request_window_seconds = c.Real("validator.request_window_seconds", 60, 1, 86400);
  v.payload_window_rounds =
      static_cast<uint64_t>(c.Int("validator.payload_window_rounds", 64, 1, 1000000));
  v.outer_lr = c.Real("aggregate.outer_lr", 1.0, 0.0, 10.0);
  v.outer_momentum = c.Real("aggregate.outer_momentum", 0.0, 0.0, 0.9999);
  v.pow_bits = static_cast<uint32_t>(c.Int("registration.pow_bits", v.pow_bits, 0, 32));
  v.pow_memory_kib =
      static_cast<uint32_t>(c.Int("registration.pow_memory_kib", v.pow_memory_kib, 8, 1 << 20));
  v.pow_ops = static_cast<uint32_t>(c.Int("registration.pow_ops", v.pow_ops, 1, 16));
  v.max_miners = static_cast<uint32_t>(c.Int("registration.max_miners", v.max_miners, 1, 100000));
  v.immunity_rounds = static_cast<uint64_t>(
      c.Int("registration.immunity_rounds", static_cast<int64_t>(v.immunity_rounds), 0, 1000000));
  v.registrations_per_second =
      c.Real("registration.per_second", v.registrations_per_second, 0.1, 1e6);
  v.epoch_rounds = static_cast<uint64_t>(c.Int("rewards.epoch_rounds", 5, 1, 1000000));
  v.emission = static_cast<uint64_t>(c.Int("rewards.emission", 1000000, 1, INT64_MAX));
  LOCONET_RETURN_IF_ERROR(c.Finish());
  LOCONET_RETURN_IF_ERROR(metrics::CheckConfiguredAddress(v.metrics, v.metrics_public,
                                                          "validator.metrics",
                                                          "validator.metrics_public")
                              .WithContext(path));
  LOCONET_RETURN_IF_ERROR(v.codec.Validate().WithContext(path + ": [round] codec"));
  LOCONET_ASSIGN_OR_RETURN(Config mc, Config::LoadFile(ResolvePath(dir, model_file)));
  LOCONET_ASSIGN_OR_RETURN(v.model, ReadModelConfig(mc));
  return v;
}

}  // namespace loconet
