#include "validator/slots.h"

#include <string>
#include <tuple>

namespace loconet {

Result<std::optional<PublicKey>> ChooseSlot(const Registry& registry, const JoinedRounds& joined,
                                            const Standings& standings, uint64_t round,
                                            const SlotRules& rules) {
  if (registry.size() < rules.max_miners) return std::optional<PublicKey>();
  std::optional<std::tuple<int64_t, uint64_t, PublicKey>> lowest;  // (ema, joined, key)
  for (const auto& [key, name] : registry) {
    auto j = joined.find(key);
    const uint64_t joined_round = j == joined.end() ? 0 : j->second;
    if (round < joined_round + rules.immunity_rounds) continue;
    auto s = standings.find(key);
    const int64_t ema = s == standings.end() ? 0 : s->second.ema_ppb;
    const auto candidate = std::make_tuple(ema, joined_round, key);
    if (!lowest || candidate < *lowest) lowest = candidate;
  }
  if (!lowest) {
    return Error(Code::kNoSlot, "all " + std::to_string(rules.max_miners) +
                                    " miner slots are held by miners within their immunity "
                                    "period of " +
                                    std::to_string(rules.immunity_rounds) +
                                    " rounds; try again later");
  }
  return std::optional<PublicKey>(std::get<2>(*lowest));
}

}  // namespace loconet
