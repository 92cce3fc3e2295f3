// Conversions between a model's parameters and what travels on the wire: encoded pseudo-gradient
// tensors (through a sync/ codec) and the raw parameter bytes served as checkpoints.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "sync/codec.h"
#include "sync/messages.pb.h"

namespace loconet {

// Encodes each tensor of `deltas` (canonical parameter order, fp32) through error feedback:
// tensor i uses buffer i of `feedback`. Appends one EncodedTensor per parameter to `out`.
void EncodeDeltas(torch::nn::Module& model, const std::vector<torch::Tensor>& deltas,
                  const sync::Codec& codec, sync::ErrorFeedback& feedback,
                  google::protobuf::RepeatedPtrField<proto::EncodedTensor>* out);

// Decodes tensors sent by a peer against `model`'s parameters: the count, every name and shape
// must match (kShapeMismatch), the data must decode (kDecodeError) and be finite (kNonFinite).
Result<std::vector<torch::Tensor>> DecodeDeltas(
    torch::nn::Module& model, const google::protobuf::RepeatedPtrField<proto::EncodedTensor>& in,
    const sync::Codec& codec);

// The parameters as raw little-endian fp32, concatenated in canonical order (checkpoints).
Bytes ParameterBytes(torch::nn::Module& model);
// Loads bytes written by ParameterBytes into `model` (sizes must match exactly).
Status LoadParameterBytes(torch::nn::Module& model, const Bytes& bytes);

}  // namespace loconet
