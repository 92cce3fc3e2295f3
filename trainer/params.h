// Canonical views of a model's parameters: the order, bytes and hash that every node agrees on.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "core/hash.h"

namespace loconet {

// BLAKE2b-256 over, for each parameter in registration order: name (u32 length + bytes),
// rank (u32), each dimension (u64), then the fp32 values little-endian. Independent of threads.
Hash256 ModelHash(torch::nn::Module& model);

// The parameters in registration order (shared storage, not copies).
std::vector<torch::Tensor> ParameterList(torch::nn::Module& model);
// Detached copies of the parameters.
std::vector<torch::Tensor> CloneParameters(torch::nn::Module& model);
// dst[i] <- src[i] for every parameter, without autograd.
void CopyParameters(const std::vector<torch::Tensor>& dst, const std::vector<torch::Tensor>& src);

}  // namespace loconet
