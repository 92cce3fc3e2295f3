#include "trainer/checkpoint.h"

#include <sstream>

#include "core/files.h"
#include "trainer/params.h"

namespace loconet {

namespace {

constexpr int64_t kCheckpointVersion = 1;

torch::Tensor Int(int64_t v) { return torch::tensor({v}, torch::kLong); }

int64_t ReadInt(torch::serialize::InputArchive& a, const std::string& key) {
  torch::Tensor t;
  a.read(key, t);
  return t.item<int64_t>();
}

void WriteConfig(torch::serialize::OutputArchive& a, const ModelConfig& c) {
  a.write("config.name", c10::IValue(c.name));
  a.write("config.vocab_size", Int(c.vocab_size));
  a.write("config.context", Int(c.context));
  a.write("config.d_model", Int(c.d_model));
  a.write("config.layers", Int(c.layers));
  a.write("config.heads", Int(c.heads));
}

ModelConfig ReadConfig(torch::serialize::InputArchive& a) {
  ModelConfig c;
  c10::IValue name;
  a.read("config.name", name);
  c.name = name.toStringRef();
  c.vocab_size = ReadInt(a, "config.vocab_size");
  c.context = ReadInt(a, "config.context");
  c.d_model = ReadInt(a, "config.d_model");
  c.layers = ReadInt(a, "config.layers");
  c.heads = ReadInt(a, "config.heads");
  return c;
}

}  // namespace

Status SaveCheckpoint(const std::string& path, const CheckpointParts& parts,
                      const TrainPosition& position) {
  try {
    torch::serialize::OutputArchive a;
    a.write("version", Int(kCheckpointVersion));
    WriteConfig(a, (*parts.model)->config());
    torch::serialize::OutputArchive params;
    for (auto& p : (*parts.model)->named_parameters()) params.write(p.key(), p.value().detach());
    a.write("params", params);
    a.write("optimizers", Int(static_cast<int64_t>(parts.optimizers.size())));
    for (size_t i = 0; i < parts.optimizers.size(); ++i) {
      torch::serialize::OutputArchive o;
      parts.optimizers[i]->save(o);
      a.write("optimizer." + std::to_string(i), o);
    }
    const bool has_outer = parts.outer && !parts.outer->buffers().empty();
    a.write("outer", Int(has_outer ? 1 : 0));
    if (has_outer) {
      torch::serialize::OutputArchive o;
      for (size_t i = 0; i < parts.outer->buffers().size(); ++i) {
        o.write(std::to_string(i), parts.outer->buffers()[i]);
      }
      a.write("outer_buffers", o);
    }
    a.write("rng", at::detail::getDefaultCPUGenerator().get_state());
    a.write("position.step", Int(position.step));
    a.write("position.round", Int(position.round));
    a.write("position.data", Int(position.data_position));
    std::ostringstream out;
    a.save_to(out);
    return WriteFileAtomic(path, out.str());
  } catch (const c10::Error& e) {
    return Error(Code::kIoError, path + ": cannot write checkpoint: " + e.what_without_backtrace());
  }
}

Result<ModelConfig> ReadCheckpointConfig(const std::string& path) {
  try {
    torch::serialize::InputArchive a;
    a.load_from(path);
    if (ReadInt(a, "version") != kCheckpointVersion) {
      return Error(Code::kCorrupt, path + ": unsupported checkpoint version");
    }
    return ReadConfig(a);
  } catch (const c10::Error& e) {
    return Error(Code::kCorrupt, path + ": not a loconet checkpoint: " +
                                     std::string(e.what_without_backtrace()).substr(0, 200));
  }
}

Status LoadCheckpoint(const std::string& path, const CheckpointParts& parts,
                      TrainPosition* position) {
  try {
    torch::serialize::InputArchive a;
    a.load_from(path);
    if (ReadInt(a, "version") != kCheckpointVersion) {
      return Error(Code::kCorrupt, path + ": unsupported checkpoint version");
    }
    torch::serialize::InputArchive params;
    a.read("params", params);
    // Read everything first, then copy, so a mismatch leaves the model as it was.
    std::vector<torch::Tensor> loaded;
    for (auto& p : (*parts.model)->named_parameters()) {
      torch::Tensor t;
      params.read(p.key(), t);
      if (!t.sizes().equals(p.value().sizes())) {
        return Error(Code::kShapeMismatch, path + ": parameter " + p.key() + " has another shape");
      }
      loaded.push_back(t);
    }
    const int64_t n_opt = ReadInt(a, "optimizers");
    if (!parts.optimizers.empty() &&
        n_opt != static_cast<int64_t>(parts.optimizers.size())) {
      return Error(Code::kInvalidArgument, path + ": holds " + std::to_string(n_opt) +
                                               " optimizer states, expected " +
                                               std::to_string(parts.optimizers.size()) +
                                               " (was it written with another worker count?)");
    }
    CopyParameters(ParameterList(**parts.model), loaded);
    for (size_t i = 0; i < parts.optimizers.size(); ++i) {
      torch::serialize::InputArchive o;
      a.read("optimizer." + std::to_string(i), o);
      parts.optimizers[i]->load(o);
    }
    if (ReadInt(a, "outer") == 1 && parts.outer) {
      torch::serialize::InputArchive o;
      a.read("outer_buffers", o);
      auto& bufs = parts.outer->buffers();
      bufs.clear();
      for (size_t i = 0; i < loaded.size(); ++i) {
        torch::Tensor t;
        o.read(std::to_string(i), t);
        bufs.push_back(t);
      }
    }
    torch::Tensor rng;
    a.read("rng", rng);
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    gen.set_state(rng);
    if (position) {
      position->step = ReadInt(a, "position.step");
      position->round = ReadInt(a, "position.round");
      position->data_position = ReadInt(a, "position.data");
    }
    return Status::Ok();
  } catch (const c10::Error& e) {
    return Error(Code::kCorrupt, path + ": cannot load checkpoint: " +
                                     std::string(e.what_without_backtrace()).substr(0, 200));
  }
}

}  // namespace loconet
