#include "trainer/wire.h"

#include <cstring>

#include "trainer/params.h"

namespace loconet {

void EncodeDeltas(torch::nn::Module& model, const std::vector<torch::Tensor>& deltas,
                  const sync::Codec& codec, sync::ErrorFeedback& feedback,
                  google::protobuf::RepeatedPtrField<proto::EncodedTensor>* out) {
  size_t i = 0;
  for (auto& p : model.named_parameters()) {
    auto d = deltas[i].detach().to(torch::kFloat32).contiguous();
    Bytes enc = feedback.Compress(i, d.data_ptr<float>(), static_cast<size_t>(d.numel()), codec);
    proto::EncodedTensor* t = out->Add();
    t->set_name(p.key());
    for (int64_t s : d.sizes()) t->add_shape(static_cast<uint64_t>(s));
    t->set_data(enc.data(), enc.size());
    ++i;
  }
}

Result<std::vector<torch::Tensor>> DecodeDeltas(
    torch::nn::Module& model, const google::protobuf::RepeatedPtrField<proto::EncodedTensor>& in,
    const sync::Codec& codec) {
  auto params = model.named_parameters();
  if (static_cast<size_t>(in.size()) != params.size()) {
    return Error(Code::kShapeMismatch, "expected " + std::to_string(params.size()) +
                                           " tensors, found " + std::to_string(in.size()));
  }
  std::vector<torch::Tensor> out;
  out.reserve(params.size());
  size_t i = 0;
  for (auto& p : params) {
    const proto::EncodedTensor& t = in.Get(static_cast<int>(i++));
    if (t.name() != p.key()) {
      return Error(Code::kShapeMismatch, "tensor " + std::to_string(i - 1) + " is named '" +
                                             t.name().substr(0, 64) + "', expected '" + p.key() +
                                             "'");
    }
    const auto sizes = p.value().sizes();
    bool same = static_cast<size_t>(t.shape_size()) == sizes.size();
    for (size_t d = 0; same && d < sizes.size(); ++d) {
      same = t.shape(static_cast<int>(d)) == static_cast<uint64_t>(sizes[d]);
    }
    if (!same) return Error(Code::kShapeMismatch, "tensor '" + p.key() + "' has the wrong shape");
    auto tensor = torch::empty(sizes, torch::kFloat32);
    Status s = codec.Decode(reinterpret_cast<const uint8_t*>(t.data().data()), t.data().size(),
                            static_cast<size_t>(tensor.numel()), tensor.data_ptr<float>());
    if (!s.ok()) return s.WithContext("tensor '" + p.key() + "'");
    if (!torch::isfinite(tensor).all().item<bool>()) {
      return Error(Code::kNonFinite, "tensor '" + p.key() + "' holds NaN or Inf values");
    }
    out.push_back(tensor);
  }
  return out;
}

Bytes ParameterBytes(torch::nn::Module& model) {
  Bytes out;
  for (auto& p : model.parameters()) {
    auto t = p.detach().to(torch::kFloat32).contiguous();
    const auto* b = reinterpret_cast<const uint8_t*>(t.data_ptr<float>());
    out.insert(out.end(), b, b + t.numel() * sizeof(float));
  }
  return out;
}

Status LoadParameterBytes(torch::nn::Module& model, const Bytes& bytes) {
  size_t need = 0;
  for (auto& p : model.parameters()) need += static_cast<size_t>(p.numel()) * sizeof(float);
  if (bytes.size() != need) {
    return Error(Code::kShapeMismatch, "checkpoint holds " + std::to_string(bytes.size()) +
                                           " bytes of parameters, the model needs " +
                                           std::to_string(need));
  }
  torch::NoGradGuard no_grad;
  size_t off = 0;
  for (auto& p : model.parameters()) {
    const size_t n = static_cast<size_t>(p.numel()) * sizeof(float);
    std::memcpy(p.data_ptr<float>(), bytes.data() + off, n);
    off += n;
  }
  return Status::Ok();
}

}  // namespace loconet
