#include "trainer/model_config.h"

namespace loconet {

int64_t ModelConfig::ParameterCount() const {
  const int64_t d = d_model;
  const int64_t per_block = 2 * (2 * d)           // two LayerNorms
                            + (d * 3 * d + 3 * d)  // qkv projection
                            + (d * d + d)          // attention output projection
                            + (d * 4 * d + 4 * d)  // MLP up
                            + (4 * d * d + d);     // MLP down
  return vocab_size * d + context * d + layers * per_block + 2 * d;
}

Result<ModelConfig> ReadModelConfig(Config& config) {
  ModelConfig m;
  m.name = config.Str("model.name", std::string("custom"));
  m.vocab_size = config.Int("model.vocab_size", 0, 0, 65536);
  m.context = config.Int("model.context", std::nullopt, 4, 8192);
  m.d_model = config.Int("model.d_model", std::nullopt, 8, 8192);
  m.layers = config.Int("model.layers", std::nullopt, 1, 128);
  m.heads = config.Int("model.heads", std::nullopt, 1, 128);
  LOCONET_RETURN_IF_ERROR(config.Finish());
  if (m.d_model % m.heads != 0) {
    return Error(Code::kConfigError, config.source() + ": key 'model.d_model': expected a multiple "
                                     "of model.heads (" + std::to_string(m.heads) + "), found " +
                                     std::to_string(m.d_model));
  }
  return m;
}

}  // namespace loconet
