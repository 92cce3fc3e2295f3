// The integer rules by which a validator turns a round's measurements into the fields of its
// score records (ScoreEntry, ledger/bodies.h), so that anyone holding the ledger can recompute
// them bit for bit (ledger/verify.h does).
//
// Every quantity is fixed point in parts per billion ("ppb": 1'000'000'000 = 1.0) held in an
// int64_t. Doubles enter only through ClampImprovementPpb and ToPpb, each a single llround of a
// clamped value; everything after is exact integer arithmetic, with products taken in 128 bits
// and divisions rounded to nearest, ties away from zero. All functions are pure, total (defined
// for every argument, NaN included) and safe to call from any thread. Formulas:
// docs/formats.md, "Score rules".
#pragma once

#include <cstdint>

namespace loconet::ledger {

// 1.0 in ppb.
inline constexpr int64_t kPpbOne = 1000000000;

// llround(x * 1e9): a configuration value (a cap, an EMA weight) in ppb. NaN gives 0; x beyond
// +-9e9 saturates to +-9e18, so the result always fits.
int64_t ToPpb(double x);

// The held-out relative improvement of one update as it is recorded (ScoreEntry::
// improvement_ppb): clamped to [-1, 1] (NaN counts as -1, the worst), then llround(x * 1e9).
// The result lies in [-1e9, 1e9].
int64_t ClampImprovementPpb(double improvement);

// The data average below which a miner's rounds score nothing: -0.5, reached from 0 by two -1
// verdicts in a row (with the default data weight 0.3: -0.3, then -0.51).
inline constexpr int64_t kDataGatePpb = -kPpbOne / 2;

// One round's score of an accepted update before the work factor: clamp(improvement_ppb, 0,
// cap_ppb) while the miner's data average data_ppb is >= kDataGatePpb, and 0 below it (its
// updates have repeatedly been shown not to fit its own pages). A negative cap credits nothing.
// The result lies in [0, max(0, cap_ppb)].
int64_t ScorePpb(int64_t improvement_ppb, int64_t data_ppb, int64_t cap_ppb);

// The work factor of one round (RoundBody::work_cap_ppb, ScoreEntry::work_ppb): how much more
// the update improved the miner's own assigned pages than random unassigned ones, as a share of
// the cap: clamp(work_ppb, 0, work_cap_ppb) * 1e9 / work_cap_ppb, rounded to nearest, ties away
// from zero; in [0, 1e9]. A cap <= 0 turns the factor off: 1e9 for every work value.
int64_t WorkFactorPpb(int64_t work_ppb, int64_t work_cap_ppb);

// A kept update's round score with the work factor: ScorePpb(improvement, data, cap) times
// WorkFactorPpb(work, work_cap), divided by 1e9 and rounded to nearest, ties away from zero.
int64_t RoundScorePpb(int64_t improvement_ppb, int64_t data_ppb, int64_t work_ppb,
                      int64_t cap_ppb, int64_t work_cap_ppb);

// The moving average after one round: (alpha * score + (1e9 - alpha) * prev) / 1e9, rounded to
// nearest, ties away from zero. alpha_ppb is clamped to [0, 1e9] first, so the result always
// lies between prev_ppb and score_ppb (inclusive) and never overflows.
int64_t NextEmaPpb(int64_t prev_ppb, int64_t score_ppb, int64_t alpha_ppb);

// The assigned-data average after one round. verdict is +1 (the update helped the miner's own
// pages), -1 (it did not) or 0 (no verdict this round); only its sign counts. Verdict 0 returns
// prev_ppb unchanged; otherwise NextEmaPpb(prev_ppb, verdict * 1e9, alpha_ppb) clamped to
// [-1e9, 1e9].
int64_t NextDataPpb(int64_t prev_ppb, int verdict, int64_t alpha_ppb);

}  // namespace loconet::ledger
