#include "validator/gates.h"

#include <cmath>
#include <limits>
#include <string>

#include "core/bytes.h"
#include "datasets/assignment.h"
#include "trainer/wire.h"

namespace loconet {

Hash256 PayloadHash(const proto::Submission& s) {
  Hasher h;
  for (const auto& t : s.tensors()) h.Update(t.data().data(), t.data().size());
  return h.Final();
}

ReceiptVerdict CheckSubmission(const RoundState& round, const Registry& registry,
                               const PayloadLog& seen, const ReceiptRules& rules,
                               const PublicKey& sender, const proto::Submission& s,
                               int64_t now_ms) {
  ReceiptVerdict v;
  auto fail = [&](Code code, const std::string& message) {
    v.status = Status(code, message);
    return std::move(v);
  };
  if (!registry.count(sender)) {
    return fail(Code::kUnknownKey, "key " + sender.Short() + " is not registered");
  }
  if (!round.open || s.round() != round.round) {
    const bool late = round.open && s.round() + 1 == round.round;
    return fail(late ? Code::kLate : Code::kWrongRound,
                "submission for round " + std::to_string(s.round()) + ", round " +
                    std::to_string(round.round) + (round.open ? " is open" : " is not open yet"));
  }
  if (round.submitted.count(sender)) {
    return fail(Code::kDuplicate, "a submission for this round was received already");
  }
  v.takes_slot = true;
  if (now_ms > round.deadline_ms) return fail(Code::kLate, "after the deadline");
  if (s.base_hash() != RawString(round.base_hash)) {
    return fail(Code::kStaleBase, "trained from another base model");
  }
  const Hash256 payload = PayloadHash(s);
  if (seen.Contains(payload)) return fail(Code::kReplay, "this update was submitted before");
  v.payload = payload;
  const sync::CodecSpec spec = sync::CodecSpec::FromProto(s.codec());
  if (!spec.Validate().ok() || spec != *rules.codec) {
    return fail(Code::kWrongCodec, "the round's codec is " + rules.codec->name);
  }
  auto update = DecodeDeltas(*rules.model, s.tensors(), *rules.decoder);
  if (!update.ok()) return fail(update.status().code(), update.status().message());
  auto pages =
      datasets::AssignPages(round.round_seed, sender, rules.num_pages, rules.pages_per_miner);
  if (s.pages_digest() != RawString(datasets::PagesDigest(pages))) {
    return fail(Code::kDataReceipt, "the page digest is not that of the assigned pages");
  }
  v.update = std::move(update).value();
  v.status = Status::Ok();
  return v;
}

double MagnitudeLimit(const CloseRules& rules, double model_norm,
                      const std::vector<double>& norms) {
  double limit = std::numeric_limits<double>::infinity();
  if (rules.max_update_ratio > 0 && model_norm > 0) limit = rules.max_update_ratio * model_norm;
  // With one or two updates the median is the attacker's own norm: no reference.
  if (rules.outlier_factor > 0 && norms.size() >= 3) {
    limit = std::min(limit, rules.outlier_factor * MedianNorm(norms));
  }
  return limit;
}

std::vector<bool> OpposesOthers(const std::vector<const std::vector<float>*>& sketches) {
  std::vector<bool> out(sketches.size(), false);
  if (sketches.size() < 3) return out;
  const size_t dim = sketches[0]->size();
  std::vector<double> sum(dim, 0.0);
  for (const auto* s : sketches) {
    for (size_t i = 0; i < dim && i < s->size(); ++i) sum[i] += (*s)[i];
  }
  for (size_t k = 0; k < sketches.size(); ++k) {
    std::vector<float> others(dim);
    for (size_t i = 0; i < dim; ++i) {
      others[i] = static_cast<float>(sum[i] - (i < sketches[k]->size() ? (*sketches[k])[i] : 0));
    }
    out[k] = SketchCosine(*sketches[k], others) < 0;
  }
  return out;
}

std::vector<Code> CheckRound(const std::vector<AcceptedUpdate>& accepted,
                             const std::set<PublicKey>& flooded, const CloseRules& rules,
                             double model_norm) {
  std::vector<double> norms;
  for (const auto& a : accepted) norms.push_back(a.norm);
  const double limit = MagnitudeLimit(rules, model_norm, norms);
  std::vector<Code> out(accepted.size(), Code::kOk);
  std::vector<size_t> kept;
  for (size_t i = 0; i < accepted.size(); ++i) {
    if (flooded.count(accepted[i].miner)) {
      out[i] = Code::kRateLimited;
    } else if (!(accepted[i].norm <= limit)) {
      out[i] = Code::kOutlier;
    } else {
      for (size_t k : kept) {
        if (SketchCosine(accepted[i].sketch, accepted[k].sketch) > rules.copy_cosine) {
          out[i] = Code::kCopy;
          break;
        }
      }
      if (out[i] == Code::kOk) kept.push_back(i);
    }
  }
  return out;
}

}  // namespace loconet
