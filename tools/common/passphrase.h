// tools/common/passphrase.h — the store's passphrase for the command-line tool and the
// desktop client: from the file PARLEY_PASSPHRASE_FILE names (for scripts; never argv),
// otherwise typed at the terminal with echo off. docs/security.md, "Encryption at rest".
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "core/encryption.h"

namespace parley::tools {

// The passphrase in PARLEY_PASSPHRASE_FILE (its first line), or nullopt when the variable
// is not set. Throws std::runtime_error, saying what to fix, when the file cannot be read
// or other users may read it (it must be mode 0600 or stricter).
std::optional<std::string> passphrase_from_file();

// Argon2id's cost for a store made on this machine: default_kdf(). Test builds only (CMake
// option PARLEY_TEST_KNOBS, on in the native-debug preset, never in a release build) use
// fastest_kdf() when PARLEY_TEST_CHEAP_KDF=1, because the test suites make and unlock
// thousands of stores; the cost is kept in each store's envelope, so this changes only
// what a guess costs, never how the store is sealed. docs/security.md says so.
KdfParams new_store_kdf();

// Opens the store at `path` for a command-line tool, asking for its passphrase as above:
// unlocks an encrypted store; with `create`, makes a missing one (the passphrase asked
// twice at a terminal); encrypts a store an older Parley wrote (all or nothing). Throws
// StoreError / std::runtime_error saying what to do.
std::unique_ptr<Store> open_store_with_passphrase(const std::string& path, bool create);

}  // namespace parley::tools
