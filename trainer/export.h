// Export of a checkpoint's parameters to the safetensors format (8-byte little-endian header
// length, JSON header with dtype, shape and data offsets per tensor, then the raw data), so the
// trained model loads in Python with safetensors.torch.load_file.
#pragma once

#include <string>

#include "core/status.h"

namespace loconet {

Status ExportSafetensors(const std::string& checkpoint_path, const std::string& out_path);

}  // namespace loconet
