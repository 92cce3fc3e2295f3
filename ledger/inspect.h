// Human-readable and JSON views of records, for `loconet ledger show`.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "ledger/record.h"
#include "ledger/verify.h"

namespace loconet::ledger {

// One line: author short, height, round, kind, record hash (first 16 hex), and a summary of
// the decoded body (or of why it does not decode). Names from the ledger are shown as stored;
// bodies that pass Decode hold no control characters. With a `fault` (FindFaults' for this
// record) a second line follows: "  !! FAILS VERIFICATION: <problem>".
std::string RecordLine(const Record& rec, const RecordFault* fault = nullptr);

// Every field of the record (keys, hashes and the signature as hex) and its decoded body
// ("body"), or "body_error" with the decode error and "body_hex" if it does not decode. With a
// `fault`, "fault" holds its problem.
nlohmann::json RecordJson(const Record& rec, const RecordFault* fault = nullptr);

}  // namespace loconet::ledger
