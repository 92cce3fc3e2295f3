#include "trainer/generate.h"

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/files.h"
#include "trainer/checkpoint.h"
#include "trainer/gpt.h"
#include "trainer/sampler.h"
#include "trainer/threads.h"

namespace loconet {

namespace {

// A model file's config is outside input: the same ranges ReadModelConfig accepts, and a
// vocabulary, before a model of that shape is allocated.
Status CheckConfig(const std::string& path, const ModelConfig& c) {
  const bool ok = c.vocab_size >= 1 && c.vocab_size <= 65536 && c.context >= 4 &&
                  c.context <= 8192 && c.d_model >= 8 && c.d_model <= 8192 && c.layers >= 1 &&
                  c.layers <= 128 && c.heads >= 1 && c.heads <= 128 && c.d_model % c.heads == 0;
  if (!ok) return Error(Code::kCorrupt, path + ": the model config it holds is out of range");
  return Status::Ok();
}

std::string Describe(const ModelConfig& c) {
  return c.name + " (vocabulary " + std::to_string(c.vocab_size) + ", context " +
         std::to_string(c.context) + ", d_model " + std::to_string(c.d_model) + ", " +
         std::to_string(c.layers) + " layers, " + std::to_string(c.heads) + " heads)";
}

bool SameShape(const ModelConfig& want, const ModelConfig& have) {
  return (want.vocab_size == 0 || want.vocab_size == have.vocab_size) &&
         want.context == have.context && want.d_model == have.d_model &&
         want.layers == have.layers && want.heads == have.heads;
}

// The safetensors layout trainer/export.cpp writes: u64 header length, a JSON header, the data.
bool LooksLikeSafetensors(const std::string& bytes) {
  if (bytes.size() < 9) return false;
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  return n >= 2 && n <= bytes.size() - 8 && bytes[8] == '{';
}

Result<GPT> LoadSafetensors(const std::string& path, const std::string& bytes) {
  const Status corrupt =
      Error(Code::kCorrupt, path + ": not a safetensors file of a loconet model");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  auto header =
      nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<int64_t>(n), nullptr,
                            /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) return corrupt;
  const size_t data_begin = 8 + n;
  const size_t data_size = bytes.size() - data_begin;
  try {
    const auto& meta = header.at("__metadata__");
    auto number = [&](const char* key) { return std::stoll(meta.at(key).get<std::string>()); };
    ModelConfig cfg;
    cfg.name = meta.at("loconet.model").get<std::string>();
    cfg.vocab_size = number("loconet.vocab_size");
    cfg.context = number("loconet.context");
    cfg.d_model = number("loconet.d_model");
    cfg.layers = number("loconet.layers");
    cfg.heads = number("loconet.heads");
    LOCONET_RETURN_IF_ERROR(CheckConfig(path, cfg));
    GPT model(cfg);
    torch::NoGradGuard no_grad;
    for (auto& p : model->named_parameters()) {
      const auto& entry = header.at(p.key());
      const auto shape = entry.at("shape").get<std::vector<int64_t>>();
      const auto begin = entry.at("data_offsets").at(0).get<uint64_t>();
      const auto end = entry.at("data_offsets").at(1).get<uint64_t>();
      const uint64_t want = static_cast<uint64_t>(p.value().numel()) * sizeof(float);
      if (entry.at("dtype").get<std::string>() != "F32" || shape != p.value().sizes().vec() ||
          begin > end || end > data_size || end - begin != want) {
        return Error(Code::kCorrupt, path + ": tensor " + p.key() +
                                         " does not match the model its metadata describes");
      }
      std::memcpy(p.value().data_ptr<float>(), bytes.data() + data_begin + begin, want);
    }
    return model;
  } catch (const nlohmann::json::exception&) {
    return corrupt;
  } catch (const std::logic_error&) {  // std::stoll on a value that is not a number
    return corrupt;
  }
}

Result<GPT> LoadCheckpointModel(const std::string& path) {
  LOCONET_ASSIGN_OR_RETURN(ModelConfig cfg, ReadCheckpointConfig(path));
  LOCONET_RETURN_IF_ERROR(CheckConfig(path, cfg));
  GPT model(cfg);
  // LoadCheckpoint also restores the global torch generator; sampling uses a generator of its own.
  LOCONET_RETURN_IF_ERROR(LoadCheckpoint(path, CheckpointParts{&model, {}, nullptr}, nullptr));
  return model;
}

// A loconet checkpoint or an exported safetensors file, told apart by their first bytes.
Result<GPT> LoadModel(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Error(Code::kNotFound, path + ": no such model file");
  }
  LOCONET_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  if (LooksLikeSafetensors(bytes)) return LoadSafetensors(path, bytes);
  return LoadCheckpointModel(path);
}

}  // namespace

Result<Generation> Generate(const GenerateRequest& request) {
  auto tokenizer = datasets::SentencePieceTokenizer::Load(request.tokenizer_path);
  if (!tokenizer.ok()) return tokenizer.status().WithContext("tokenizer");
  return Generate(request, **tokenizer);
}

Result<Generation> Generate(const GenerateRequest& request, const datasets::Tokenizer& tokenizer) {
  // Cheap checks first, so a bad option does not wait for the model to load.
  const std::vector<uint32_t> prompt = tokenizer.Encode(request.prompt);
  if (prompt.empty()) return Error(Code::kInvalidArgument, "the prompt is empty");
  LOCONET_RETURN_IF_ERROR(CheckSamplingOptions(request.sampling, tokenizer.vocab_size()));

  ConfigureCompute(request.threads);
  LOCONET_ASSIGN_OR_RETURN(GPT model, LoadModel(request.model_path));
  const ModelConfig& cfg = model->config();
  if (request.expect_model && !SameShape(*request.expect_model, cfg)) {
    return Error(Code::kShapeMismatch, request.model_path + " holds the model " + Describe(cfg) +
                                           ", expected " + Describe(*request.expect_model));
  }
  if (static_cast<int64_t>(tokenizer.vocab_size()) > cfg.vocab_size) {
    return Error(
        Code::kShapeMismatch,
        "the tokenizer has " + std::to_string(tokenizer.vocab_size()) +
            " tokens but the model in " + request.model_path + " only " +
            std::to_string(cfg.vocab_size) +
            ": they come from different corpora (use the corpus the model was trained on)");
  }

  SamplingOptions sampling = request.sampling;
  sampling.vocab_limit = tokenizer.vocab_size();
  sampling.stop_id = request.stop_at_eos ? tokenizer.eos_id() : -1;
  LOCONET_ASSIGN_OR_RETURN(
      std::vector<int64_t> ids,
      SampleTokens(model, std::vector<int64_t>(prompt.begin(), prompt.end()), sampling));
  Generation g;
  g.model = cfg;
  g.prompt_tokens = static_cast<int64_t>(prompt.size());
  g.prompt_cropped = g.prompt_tokens > cfg.context;
  g.tokens.assign(ids.begin(), ids.end());
  std::vector<uint32_t> all = prompt;
  all.insert(all.end(), g.tokens.begin(), g.tokens.end());
  g.text = tokenizer.Decode(all);
  // Decoded together the prompt's text is normally a prefix of the whole; if a token merged
  // across the boundary, the new tokens are decoded on their own.
  const std::string prompt_text = tokenizer.Decode(prompt);
  g.continuation = g.text.compare(0, prompt_text.size(), prompt_text) == 0
                       ? g.text.substr(prompt_text.size())
                       : tokenizer.Decode(g.tokens);
  return g;
}

}  // namespace loconet
