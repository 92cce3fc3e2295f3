// libFuzzer target: the JSON inputs of `loconet consensus epoch` and `loconet consensus median`
// (consensus/epoch_json.h), which anyone auditing an epoch feeds from a file. Hostile text must be
// refused with parse_error or invalid_argument, never crash; an input that parses must run: the
// epoch gives one value per neuron in every stored vector and pays out no more than the emission,
// the median one value per column.
#include <cstddef>
#include <cstdint>
#include <string>

#include "consensus/epoch_json.h"
#include "consensus/median.h"
#include "consensus/yuma.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loconet;
  using namespace loconet::consensus;
  const std::string text(reinterpret_cast<const char*>(data), size);
#ifdef LOCONET_FUZZ_MEDIAN
  auto input = ParseMedianInput(text);
  if (!input.ok()) {
    FUZZ_CHECK(input.status().code() == Code::kParseError ||
               input.status().code() == Code::kInvalidArgument);
    return 0;
  }
  const size_t columns = input->weights.empty() ? 0 : input->weights[0].size();
  const Vec median = WeightedMedianCol(input->stake, input->weights, input->kappa);
  FUZZ_CHECK(median.size() == columns);
  (void)MedianToJson(median);
#else
  auto input = ParseEpochInput(text);
  if (!input.ok()) {
    FUZZ_CHECK(input.status().code() == Code::kParseError ||
               input.status().code() == Code::kInvalidArgument);
    return 0;
  }
  auto result = RunEpoch(*input);
  if (!result.ok()) return 0;  // a refusal with a reason (for example stakes that overflow)
  const size_t n = input->stake.size();
  FUZZ_CHECK(result->incentive.size() == n && result->dividends.size() == n &&
             result->consensus.size() == n && result->emission.size() == n);
  uint64_t paid = 0;
  for (uint64_t e : result->emission) paid += e;
  FUZZ_CHECK(paid <= input->params.emission);
  (void)EpochResultToJson(*result);
#endif
  return 0;
}
