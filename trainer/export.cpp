#include "trainer/export.h"

#include <nlohmann/json.hpp>

#include "core/files.h"
#include "trainer/checkpoint.h"
#include "trainer/gpt.h"

namespace loconet {

Status ExportSafetensors(const std::string& checkpoint_path, const std::string& out_path) {
  LOCONET_ASSIGN_OR_RETURN(ModelConfig cfg, ReadCheckpointConfig(checkpoint_path));
  GPT model(cfg);
  LOCONET_RETURN_IF_ERROR(LoadCheckpoint(checkpoint_path, CheckpointParts{&model, {}, nullptr},
                                         nullptr));
  nlohmann::ordered_json header;
  header["__metadata__"] = {{"format", "pt"},
                            {"loconet.model", cfg.name},
                            {"loconet.vocab_size", std::to_string(cfg.vocab_size)},
                            {"loconet.context", std::to_string(cfg.context)},
                            {"loconet.d_model", std::to_string(cfg.d_model)},
                            {"loconet.layers", std::to_string(cfg.layers)},
                            {"loconet.heads", std::to_string(cfg.heads)}};
  std::string data;
  for (auto& p : model->named_parameters()) {
    auto t = p.value().detach().contiguous();
    const size_t begin = data.size();
    data.append(static_cast<const char*>(t.data_ptr()), t.numel() * sizeof(float));
    header[p.key()] = {{"dtype", "F32"},
                       {"shape", t.sizes().vec()},
                       {"data_offsets", {begin, data.size()}}};
  }
  std::string json = header.dump();
  // Pad the header with spaces so that the data starts 8-byte aligned.
  while ((8 + json.size()) % 8 != 0) json.push_back(' ');
  ByteWriter w;
  w.U64(json.size());
  w.Raw(json.data(), json.size());
  w.Raw(data.data(), data.size());
  return WriteFileAtomic(out_path, w.bytes().data(), w.bytes().size());
}

}  // namespace loconet
