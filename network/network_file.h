// The network file: a genesis (network/genesis.h) as TOML, for people to read and diff, and the
// validators' signatures beside their entries (docs/formats.md, "Network file"). The TOML text is
// never hashed; the id comes from the canonical bytes, so comments and layout do not matter.
//
// Loading refuses, with a message naming the file and the field: invalid TOML, an unknown field,
// a missing or mistyped field, a value outside its type or range, a duplicate validator, a zero
// stake, and (LoadNetworkFile only) a missing or invalid signature. Thread-compatible.
#pragma once

#include <string>

#include "core/status.h"
#include "network/genesis.h"

namespace loconet::network {

// The TOML text of `genesis`, its id in a comment; fields in a fixed order, signatures when
// present. ParseNetworkFile(FormatNetworkFile(g)) gives back g.
std::string FormatNetworkFile(const Genesis& genesis);

// Parses the text and checks CheckContents; signatures are read but not required.
// kParseError: TOML syntax, unknown, missing or mistyped fields, bad hex. kInvalidArgument: a
// value outside its range. kDuplicate: a key listed twice.
[[nodiscard]] Result<Genesis> ParseNetworkFile(const std::string& text, const std::string& source);

// Reads and parses a file as ParseNetworkFile does (for `loconet network sign` and `show`).
[[nodiscard]] Result<Genesis> ReadNetworkFile(const std::string& path);

// What nodes load: ReadNetworkFile, then every listed validator's signature must be present and
// valid (CheckSignatures). Errors are prefixed with the path.
[[nodiscard]] Result<Genesis> LoadNetworkFile(const std::string& path);

// Writes FormatNetworkFile(genesis) atomically (mode 0644).
[[nodiscard]] Status WriteNetworkFile(const std::string& path, const Genesis& genesis);

}  // namespace loconet::network
