#include "consensus/epoch_json.h"

#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <sstream>

namespace loconet::consensus {
namespace {

using nlohmann::json;

Status Invalid(const std::string& what) { return Error(Code::kInvalidArgument, what); }

std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

Result<json> ParseText(const std::string& text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Error(Code::kParseError, "the input is not valid JSON");
  if (!doc.is_object()) return Invalid("the input must be a JSON object");
  return doc;
}

Status CheckKeys(const json& obj, const std::string& path,
                 std::initializer_list<const char*> known) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool found = false;
    for (const char* k : known) found = found || it.key() == k;
    if (!found) return Invalid(path + it.key() + ": unknown key");
  }
  return Status::Ok();
}

Result<uint64_t> ToU64(const json& v, const std::string& path, uint64_t max) {
  if (v.is_number_unsigned()) {
    const uint64_t x = v.get<uint64_t>();
    if (x > max)
      return Invalid(path + ": " + std::to_string(x) + " is above " + std::to_string(max));
    return x;
  }
  if (v.is_number_integer()) return Invalid(path + ": negative (" + v.dump() + ")");
  if (v.is_number_float()) return Invalid(path + ": " + v.dump() + " is not an integer");
  return Invalid(path + ": expected a non-negative integer, got " + std::string(v.type_name()));
}

Result<uint64_t> RequiredU64(const json& obj, const char* key, const std::string& path,
                             uint64_t max) {
  if (!obj.contains(key)) return Invalid(path + key + ": missing");
  return ToU64(obj.at(key), path + key, max);
}

Result<const json*> RequiredArray(const json& obj, const char* key) {
  if (!obj.contains(key)) return Invalid(std::string(key) + ": missing");
  const json& v = obj.at(key);
  if (!v.is_array()) return Invalid(std::string(key) + ": expected an array");
  return &v;
}

Result<std::vector<uint16_t>> U16Row(const json& v, const std::string& path) {
  if (!v.is_array()) return Invalid(path + ": expected an array");
  std::vector<uint16_t> row;
  row.reserve(v.size());
  for (size_t j = 0; j < v.size(); ++j) {
    LOCONET_ASSIGN_OR_RETURN(uint64_t x, ToU64(v[j], Index(path, j), 65535));
    row.push_back(static_cast<uint16_t>(x));
  }
  return row;
}

Result<std::vector<std::vector<uint16_t>>> U16Matrix(const json& v, const std::string& path) {
  if (!v.is_array()) return Invalid(path + ": expected an array of rows");
  std::vector<std::vector<uint16_t>> rows;
  rows.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    LOCONET_ASSIGN_OR_RETURN(auto row, U16Row(v[i], Index(path, i)));
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::vector<bool>> BoolArray(const json& v, const std::string& path) {
  if (!v.is_array()) return Invalid(path + ": expected an array of booleans");
  std::vector<bool> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_boolean()) return Invalid(Index(path, i) + ": expected true or false");
    out.push_back(v[i].get<bool>());
  }
  return out;
}

Result<I32F32> Decimal(const json& v, const std::string& path) {
  if (!v.is_number()) return Invalid(path + ": expected a number");
  const double d = v.get<double>();
  if (!std::isfinite(d)) return Invalid(path + ": not finite");
  if (d < 0) return Invalid(path + ": negative (" + v.dump() + ")");
  return I32F32::FromDouble(d);
}

template <typename T>
json Array(const std::vector<T>& v) {
  json out = json::array();
  for (const T& x : v) out.push_back(x);
  return out;
}

json Bits(const Vec& v) {
  json out = json::array();
  for (I32F32 x : v) out.push_back(x.bits());
  return out;
}

// Writes `"key": value` lines of one object, in the order given.
class LineWriter {
 public:
  void Add(const std::string& key, const std::string& value) {
    out_ << (first_ ? "{\n" : ",\n") << "  " << json(key).dump() << ": " << value;
    first_ = false;
  }
  std::string Finish() {
    out_ << (first_ ? "{}" : "\n}") << "\n";
    return out_.str();
  }

 private:
  std::ostringstream out_;
  bool first_ = true;
};

}  // namespace

Result<EpochInput> ParseEpochInput(const std::string& text) {
  LOCONET_ASSIGN_OR_RETURN(json doc, ParseText(text));
  LOCONET_RETURN_IF_ERROR(
      CheckKeys(doc, "", {"params", "stake", "weights", "bonds", "validator_permit", "active"}));
  EpochInput in;

  if (!doc.contains("params")) return Invalid("params: missing");
  const json& pj = doc.at("params");
  if (!pj.is_object()) return Invalid("params: expected an object");
  LOCONET_RETURN_IF_ERROR(CheckKeys(pj, "params.",
                                    {"kappa", "bonds_moving_average", "bonds_penalty", "emission",
                                     "miner_share", "max_allowed_validators", "stake_threshold"}));
  EpochParams& p = in.params;
  LOCONET_ASSIGN_OR_RETURN(uint64_t kappa, RequiredU64(pj, "kappa", "params.", 65535));
  p.kappa = static_cast<uint16_t>(kappa);
  LOCONET_ASSIGN_OR_RETURN(p.bonds_moving_average,
                           RequiredU64(pj, "bonds_moving_average", "params.", 1000000));
  LOCONET_ASSIGN_OR_RETURN(p.emission, RequiredU64(pj, "emission", "params.", UINT64_MAX));
  if (pj.contains("bonds_penalty")) {
    LOCONET_ASSIGN_OR_RETURN(uint64_t v,
                             ToU64(pj.at("bonds_penalty"), "params.bonds_penalty", 65535));
    p.bonds_penalty = static_cast<uint16_t>(v);
  }
  if (pj.contains("miner_share")) {
    LOCONET_ASSIGN_OR_RETURN(uint64_t v, ToU64(pj.at("miner_share"), "params.miner_share", 65535));
    p.miner_share = static_cast<uint16_t>(v);
  }
  if (pj.contains("max_allowed_validators")) {
    LOCONET_ASSIGN_OR_RETURN(
        uint64_t v, ToU64(pj.at("max_allowed_validators"), "params.max_allowed_validators", 65535));
    p.max_allowed_validators = static_cast<uint16_t>(v);
  }
  if (pj.contains("stake_threshold")) {
    LOCONET_ASSIGN_OR_RETURN(p.stake_threshold,
                             ToU64(pj.at("stake_threshold"), "params.stake_threshold", UINT64_MAX));
  }

  LOCONET_ASSIGN_OR_RETURN(const json* stake, RequiredArray(doc, "stake"));
  for (size_t i = 0; i < stake->size(); ++i) {
    LOCONET_ASSIGN_OR_RETURN(uint64_t s, ToU64((*stake)[i], Index("stake", i), UINT64_MAX));
    in.stake.push_back(s);
  }
  LOCONET_ASSIGN_OR_RETURN(const json* weights, RequiredArray(doc, "weights"));
  LOCONET_ASSIGN_OR_RETURN(in.weights, U16Matrix(*weights, "weights"));
  if (doc.contains("bonds")) {
    LOCONET_ASSIGN_OR_RETURN(in.bonds, U16Matrix(doc.at("bonds"), "bonds"));
  }
  if (doc.contains("validator_permit")) {
    LOCONET_ASSIGN_OR_RETURN(in.validator_permit,
                             BoolArray(doc.at("validator_permit"), "validator_permit"));
  }
  if (doc.contains("active")) {
    LOCONET_ASSIGN_OR_RETURN(in.active, BoolArray(doc.at("active"), "active"));
  }
  LOCONET_RETURN_IF_ERROR(ValidateEpochInput(in));
  return in;
}

std::string EpochResultToJson(const EpochResult& r) {
  LineWriter w;
  w.Add("n", std::to_string(r.consensus.size()));
  w.Add("stake_weight", Array(r.stake_weight).dump());
  w.Add("active", Array(r.active).dump());
  w.Add("validator_permit", Array(r.validator_permit).dump());
  w.Add("consensus", Array(r.consensus).dump());
  w.Add("rank", Array(r.rank).dump());
  w.Add("trust", Array(r.trust).dump());
  w.Add("incentive", Array(r.incentive).dump());
  w.Add("validator_trust", Array(r.validator_trust).dump());
  w.Add("dividends", Array(r.dividends).dump());
  w.Add("emission", Array(r.emission).dump());
  w.Add("server_emission", Array(r.server_emission).dump());
  w.Add("validator_emission", Array(r.validator_emission).dump());
  std::string bonds = "[";
  for (size_t i = 0; i < r.bonds.size(); ++i)
    bonds += (i == 0 ? "\n    " : ",\n    ") + Array(r.bonds[i]).dump();
  bonds += r.bonds.empty() ? "]" : "\n  ]";
  w.Add("bonds", bonds);
  w.Add("fixed_bits",
        "{\n    \"consensus\": " + Bits(r.consensus_fixed).dump() +
            ",\n    \"incentive\": " + Bits(r.incentive_fixed).dump() + ",\n    \"dividends\": " +
            Bits(r.dividends_fixed).dump() + ",\n    \"trust\": " + Bits(r.trust_fixed).dump() +
            ",\n    \"validator_trust\": " + Bits(r.validator_trust_fixed).dump() + "\n  }");
  return w.Finish();
}

Result<MedianInput> ParseMedianInput(const std::string& text) {
  LOCONET_ASSIGN_OR_RETURN(json doc, ParseText(text));
  LOCONET_RETURN_IF_ERROR(CheckKeys(doc, "", {"stake", "weights", "kappa"}));
  MedianInput in;
  LOCONET_ASSIGN_OR_RETURN(const json* stake, RequiredArray(doc, "stake"));
  for (size_t i = 0; i < stake->size(); ++i) {
    LOCONET_ASSIGN_OR_RETURN(I32F32 s, Decimal((*stake)[i], Index("stake", i)));
    in.stake.push_back(s);
  }
  LOCONET_ASSIGN_OR_RETURN(const json* weights, RequiredArray(doc, "weights"));
  if (weights->size() != in.stake.size())
    return Invalid("weights: " + std::to_string(weights->size()) + " rows for " +
                   std::to_string(in.stake.size()) + " stakes");
  for (size_t i = 0; i < weights->size(); ++i) {
    const json& row = (*weights)[i];
    if (!row.is_array()) return Invalid(Index("weights", i) + ": expected an array");
    if (i > 0 && row.size() != in.weights[0].size())
      return Invalid(Index("weights", i) + ": " + std::to_string(row.size()) +
                     " entries, row 0 has " + std::to_string(in.weights[0].size()));
    Vec r;
    for (size_t j = 0; j < row.size(); ++j) {
      LOCONET_ASSIGN_OR_RETURN(I32F32 x, Decimal(row[j], Index(Index("weights", i), j)));
      r.push_back(x);
    }
    in.weights.push_back(std::move(r));
  }
  if (!doc.contains("kappa")) return Invalid("kappa: missing");
  LOCONET_ASSIGN_OR_RETURN(in.kappa, Decimal(doc.at("kappa"), "kappa"));
  return in;
}

std::string MedianToJson(const Vec& median) {
  json values = json::array();
  for (I32F32 x : median) values.push_back(x.ToDouble());
  LineWriter w;
  w.Add("median", values.dump());
  w.Add("median_bits", Bits(median).dump());
  return w.Finish();
}

}  // namespace loconet::consensus
