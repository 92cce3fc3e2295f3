#include "core/keys.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

#include "core/files.h"
#include "core/sodium_init.h"

namespace loconet {

void EnsureSodium() {
  static const bool ok = [] { return sodium_init() >= 0; }();
  if (!ok) {
    std::fprintf(stderr, "libsodium failed to initialise\n");
    std::abort();
  }
}

Result<PublicKey> ParsePublicKey(const std::string& hex) {
  PublicKey k;
  Status s = FromHex(hex, k.bytes.data(), k.bytes.size());
  if (!s.ok()) return s.WithContext("public key");
  return k;
}

Identity Identity::FromSeed(const std::array<uint8_t, 32>& seed) {
  EnsureSodium();
  Identity id;
  id.seed_ = seed;
  crypto_sign_seed_keypair(id.public_key_.bytes.data(), id.secret_.data(), seed.data());
  return id;
}

Identity Identity::Generate() {
  EnsureSodium();
  std::array<uint8_t, 32> seed;
  randombytes_buf(seed.data(), seed.size());
  Identity id = FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return id;
}

Result<Identity> Identity::Load(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return Error(Code::kNotFound, "key file " + path + ": cannot be read (does it exist?)");
  }
  if (!S_ISREG(st.st_mode)) {
    return Error(Code::kInvalidArgument, "key file " + path + ": not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    return Error(Code::kPermissionDenied,
                 "key file " + path + ": permissions " + mode +
                     " are too open; it must be readable by its owner only (chmod 600 " + path +
                     ")");
  }
  LOCONET_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.size() != 64) {
    return Error(Code::kCorrupt, "key file " + path +
                                     ": wrong length: expected 64 hex characters (a 32-byte "
                                     "ed25519 seed), found " +
                                     std::to_string(text.size()));
  }
  std::array<uint8_t, 32> seed;
  Status s = FromHex(text, seed.data(), seed.size());
  if (!s.ok()) return Error(Code::kCorrupt, "key file " + path + ": not a key: " + s.message());
  Identity id = FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return id;
}

Status Identity::Save(const std::string& path, bool overwrite) const {
  struct stat st;
  if (!overwrite && ::stat(path.c_str(), &st) == 0) {
    return Error(Code::kAlreadyExists, "key file " + path + ": already exists; not overwriting");
  }
  std::string text = ToHex(seed_.data(), seed_.size()) + "\n";
  Status s = WriteFileAtomic(path, text, 0600);
  sodium_memzero(text.data(), text.size());
  return s;
}

Signature Identity::Sign(const uint8_t* data, size_t n) const {
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, data, n, secret_.data());
  return sig;
}

CurveKey Identity::CurveSecretKey() const {
  CurveKey out;
  crypto_sign_ed25519_sk_to_curve25519(out.data(), secret_.data());
  return out;
}

Result<CurveKey> ToCurvePublicKey(const PublicKey& key) {
  EnsureSodium();
  CurveKey out;
  if (crypto_sign_ed25519_pk_to_curve25519(out.data(), key.bytes.data()) != 0) {
    return Error(Code::kInvalidArgument,
                 "public key " + key.Short() + "... is not a valid ed25519 key");
  }
  return out;
}

bool Verify(const PublicKey& key, const uint8_t* data, size_t n, const Signature& sig) {
  EnsureSodium();
  return crypto_sign_verify_detached(sig.data(), data, n, key.bytes.data()) == 0;
}

}  // namespace loconet
