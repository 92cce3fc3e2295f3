#include "validator/aggregate.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/bytes.h"
#include "trainer/params.h"

namespace loconet {

namespace {

const float* Data(const torch::Tensor& t) {
  TORCH_CHECK(t.scalar_type() == torch::kFloat && t.is_contiguous(), "update tensor is not fp32");
  return t.data_ptr<float>();
}

}  // namespace

double UpdateNorm(const Update& update) {
  double sq = 0;
  for (const auto& t : update) {
    const float* p = Data(t);
    const int64_t n = t.numel();
    for (int64_t i = 0; i < n; ++i) sq += static_cast<double>(p[i]) * p[i];
  }
  return std::sqrt(sq);
}

double MedianNorm(const std::vector<double>& norms) {
  if (norms.empty()) return 0;
  std::vector<double> v = norms;
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

std::vector<uint64_t> SketchCoordinates(const Hash256& seed, uint64_t total, uint32_t count) {
  std::set<uint64_t> picked;
  if (total == 0) return {};
  const uint64_t want = std::min<uint64_t>(count, total);
  for (uint64_t i = 0; picked.size() < want; ++i) {
    ByteWriter w;
    w.Raw(seed.bytes.data(), seed.bytes.size());
    w.U64(i);
    const Hash256 h = Blake2b256(w.bytes());
    uint64_t x = 0;
    for (int b = 0; b < 8; ++b) x |= static_cast<uint64_t>(h.bytes[b]) << (8 * b);
    picked.insert(x % total);
  }
  return {picked.begin(), picked.end()};
}

std::vector<float> Sketch(const Update& update, const std::vector<uint64_t>& coords) {
  std::vector<float> out;
  out.reserve(coords.size());
  uint64_t base = 0;
  size_t c = 0;
  for (const auto& t : update) {
    const float* p = Data(t);
    const uint64_t n = static_cast<uint64_t>(t.numel());
    while (c < coords.size() && coords[c] < base + n) out.push_back(p[coords[c++] - base]);
    base += n;
  }
  return out;
}

double SketchCosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0.0;
}

double UpdateCosine(const Update& a, const Update& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t t = 0; t < a.size() && t < b.size(); ++t) {
    const float* x = Data(a[t]);
    const float* y = Data(b[t]);
    const int64_t n = std::min(a[t].numel(), b[t].numel());
    for (int64_t i = 0; i < n; ++i) {
      dot += static_cast<double>(x[i]) * y[i];
      na += static_cast<double>(x[i]) * x[i];
      nb += static_cast<double>(y[i]) * y[i];
    }
  }
  return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0.0;
}

Aggregator::Aggregator(const Update& like) {
  for (const auto& t : like) {
    sum_.emplace_back(static_cast<size_t>(t.numel()), 0.0);
    shapes_.push_back(t.sizes().vec());
  }
}

double Aggregator::Scale(const Update& update, double clip_norm) const {
  TORCH_CHECK(update.size() == sum_.size(), "Aggregator: update has the wrong tensor count");
  const double norm = UpdateNorm(update);
  return clip_norm > 0 && norm > clip_norm ? clip_norm / norm : 1.0;
}

void Aggregator::Add(const Update& update, double clip_norm) {
  const double scale = Scale(update, clip_norm);
  for (size_t t = 0; t < update.size(); ++t) {
    const float* p = Data(update[t]);
    std::vector<double>& s = sum_[t];
    TORCH_CHECK(static_cast<size_t>(update[t].numel()) == s.size(), "Aggregator: shape differs");
    for (size_t i = 0; i < s.size(); ++i) s[i] += scale * static_cast<double>(p[i]);
  }
  ++count_;
}

Update Aggregator::Mean() const {
  TORCH_CHECK(count_ > 0, "Aggregator: nothing was added");
  Update out;
  const double n = static_cast<double>(count_);
  for (size_t t = 0; t < sum_.size(); ++t) {
    torch::Tensor m = torch::empty(shapes_[t], torch::kFloat);
    float* p = m.data_ptr<float>();
    for (size_t i = 0; i < sum_[t].size(); ++i) p[i] = static_cast<float>(sum_[t][i] / n);
    out.push_back(m);
  }
  return out;
}

Update Aggregator::MeanWithout(const Update& update, double clip_norm) const {
  TORCH_CHECK(count_ > 0, "Aggregator: nothing was added");
  const double scale = Scale(update, clip_norm);
  const double n = static_cast<double>(count_ - 1);
  Update out;
  for (size_t t = 0; t < sum_.size(); ++t) {
    const float* u = Data(update[t]);
    TORCH_CHECK(static_cast<size_t>(update[t].numel()) == sum_[t].size(),
                "Aggregator: shape differs");
    torch::Tensor m = torch::zeros(shapes_[t], torch::kFloat);
    float* p = m.data_ptr<float>();
    for (size_t i = 0; n > 0 && i < sum_[t].size(); ++i) {
      p[i] = static_cast<float>((sum_[t][i] - scale * static_cast<double>(u[i])) / n);
    }
    out.push_back(m);
  }
  return out;
}

void ApplyDelta(const std::vector<torch::Tensor>& params, const Update& d) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params.size() && i < d.size(); ++i) {
    TORCH_CHECK(params[i].is_contiguous() && params[i].numel() == d[i].numel(),
                "ApplyDelta: parameter and step differ");
    float* p = params[i].data_ptr<float>();
    const float* x = Data(d[i]);
    for (int64_t j = 0; j < params[i].numel(); ++j) p[j] += x[j];
  }
}

Update OuterStepDelta(GPT& model, const Update& mean, OuterNesterov& outer) {
  torch::NoGradGuard no_grad;
  Update old_params = CloneParameters(*model);
  Update next = CloneParameters(*model);
  outer.Step(next, mean);
  Update d;
  for (size_t i = 0; i < next.size(); ++i) {
    torch::Tensor out = torch::empty_like(next[i]);
    const float* a = Data(next[i]);
    const float* b = Data(old_params[i]);
    float* o = out.data_ptr<float>();
    for (int64_t j = 0; j < out.numel(); ++j) o[j] = a[j] - b[j];
    d.push_back(out);
  }
  return d;
}

}  // namespace loconet
