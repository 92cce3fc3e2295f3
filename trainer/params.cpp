#include "trainer/params.h"

#include <cstring>

namespace loconet {

Hash256 ModelHash(torch::nn::Module& model) {
  Hasher h;
  for (auto& p : model.named_parameters()) {
    ByteWriter w;
    w.Blob(p.key());
    auto t = p.value().detach().to(torch::kCPU, torch::kFloat32).contiguous();
    w.U32(static_cast<uint32_t>(t.dim()));
    for (int64_t d : t.sizes()) w.U64(static_cast<uint64_t>(d));
    h.Update(w.bytes());
    // x86-64 and every supported target are little-endian: the raw buffer is the canonical form.
    h.Update(t.data_ptr<float>(), static_cast<size_t>(t.numel()) * sizeof(float));
  }
  return h.Final();
}

std::vector<torch::Tensor> ParameterList(torch::nn::Module& model) {
  std::vector<torch::Tensor> out;
  for (auto& p : model.named_parameters()) out.push_back(p.value());
  return out;
}

std::vector<torch::Tensor> CloneParameters(torch::nn::Module& model) {
  std::vector<torch::Tensor> out;
  for (auto& p : model.named_parameters()) out.push_back(p.value().detach().clone());
  return out;
}

void CopyParameters(const std::vector<torch::Tensor>& dst, const std::vector<torch::Tensor>& src) {
  TORCH_CHECK(dst.size() == src.size(), "CopyParameters: count mismatch");
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < dst.size(); ++i) dst[i].copy_(src[i]);
}

}  // namespace loconet
