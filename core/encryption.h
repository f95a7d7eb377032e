// core/encryption.h — a device's store encrypted at rest: its data key, the envelope that
// keeps that key wrapped under the person's passphrase, the passphrase policy, unlocking
// with a count of wrong attempts, encrypting a store an older Parley wrote, and erasing.
//
// Model (docs/security.md, "Encryption at rest"): a random 256-bit data key seals every
// page of the store (core/crypt_vfs.h). The key is kept only wrapped, with
// XChaCha20-Poly1305 under a key derived from the passphrase by Argon2id, in the first
// 4096 bytes of the store file (the envelope), with the KDF's parameters and salt as
// associated data so none of them can be changed unnoticed. A copy of the file is useless
// without the passphrase, and each guess costs one Argon2id run. The envelope also holds
// three plain numbers that are not case data: the wrong attempts since the last unlock (so
// the lock screen can warn, and the key is erased after too many), the limit, and how many
// records were only on this device when it last locked.
//
// All functions take the store's path; none reads an environment variable or a clock.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/store.h"

namespace parley {

// The data key, in memory that is locked out of swap and zeroed when freed (libsodium's
// guarded allocation). Shared by the store and the VFS; gone when the last holder is.
class DataKey {
 public:
  DataKey();                        // random
  ~DataKey();
  DataKey(const DataKey&) = delete;
  DataKey& operator=(const DataKey&) = delete;
  unsigned char* bytes() const { return bytes_; }
  static constexpr std::size_t kSize = 32;
  // A fresh 24-byte nonce for sealing one page: a random 16-byte prefix drawn once per
  // DataKey (each unlock makes a new one) and a 64-bit counter. XChaCha20-Poly1305 needs
  // only that no nonce repeats under one key; drawing 24 random bytes per page instead
  // costs ~120 µs in the browser (libsodium's wasm randombytes calls JavaScript per byte).
  void next_nonce(unsigned char out[24]) const;

 private:
  unsigned char* bytes_;
  unsigned char prefix_[16];
  mutable std::uint64_t counter_ = 0;
};

// Argon2id's cost. Stored in each envelope, so a store keeps the cost it was made with.
struct KdfParams {
  std::uint64_t ops = 0;            // passes over memory
  std::uint64_t mem = 0;            // bytes
};
// New stores: Argon2id with 2 passes over 64 MiB, chosen from measurements
// (docs/performance.md, "Unlocking"): 128 MiB took 0.7-1.0 s to unlock in the browser on
// the reference machine under load, too close to the 1 s limit for slower tablets, and
// wasm memory never shrinks; 64 MiB costs an attacker ~0.18 s of a core and 64 MiB per guess.
KdfParams default_kdf();
// The cheapest Argon2id libsodium allows: only for tests that create many stores in
// process (they pass it to create_encrypted_store or set App::kdf); never chosen by the
// apps, the CLI or the desktop themselves.
KdfParams fastest_kdf();

// The passphrase policy, in one place: empty when `passphrase` is acceptable, otherwise
// what to change, in plain words.
std::string passphrase_problem(const std::string& passphrase);

enum class StoreFileKind { Missing, Empty, Plain, Encrypted, Unknown };
// What is at `path` now: nothing, an empty file, a store an older Parley wrote without
// encryption, an encrypted store, or something else.
StoreFileKind inspect_store_file(const std::string& path);

// The passphrase did not unwrap the key. `attempts_left` before the key is erased.
class WrongPassphrase : public std::runtime_error {
 public:
  WrongPassphrase(const std::string& message, int attempts_left)
      : std::runtime_error(message), attempts_left_(attempts_left) {}
  int attempts_left() const { return attempts_left_; }

 private:
  int attempts_left_;
};

// Makes an encrypted store at `path` (which must not exist, or be empty): a new data key,
// wrapped under `passphrase`. Throws StoreError for a passphrase the policy refuses.
std::shared_ptr<const DataKey> create_encrypted_store(const std::string& path, const std::string& passphrase,
                                                      KdfParams kdf);

// Unwraps the data key. The attempt is counted on disk before the KDF runs (so closing the
// app mid-guess still counts it) and the count cleared on success. After `max_attempts`
// wrong ones in a row the store is erased (erase_store) and StoreError says so. Throws
// WrongPassphrase, or StoreError when the envelope is damaged or missing.
std::shared_ptr<const DataKey> unlock_store(const std::string& path, const std::string& passphrase,
                                            int max_attempts);

// What the lock screen shows: wrong attempts so far, and records only on this device when
// it last locked (-1 unknown). Throws StoreError when the envelope cannot be read.
// Wrong passphrases in a row allowed before the store is erased: the range a person may
// choose in Settings, and what a stored value is held to.
constexpr int kFewestAttempts = 3, kMostAttempts = 20;
struct LockInfo {
  int failed_attempts = 0;
  std::int64_t unsynced = -1;
  int max_attempts = 10;      // the device's setting, kept here so it applies while locked
  KdfParams kdf;              // what each guess costs
};
LockInfo lock_info(const std::string& path);
// Records, when the store is closed (the envelope is written outside SQLite), how many
// records are only on this device and the wrong-attempts limit the person chose.
void note_lock_state(const std::string& path, std::int64_t unsynced, int max_attempts);

// Encrypts a store an older Parley wrote, all or nothing: the encrypted copy is written
// beside it, made durable, and renamed over it; a crash at any moment leaves the old store
// or the new one. The old file's blocks are then overwritten with zeros. Returns the key.
// `base_vfs`: the VFS the new file is written through ("" = default; tests inject faults).
std::shared_ptr<const DataKey> encrypt_plain_store(const std::string& path, const std::string& passphrase,
                                                   KdfParams kdf, const std::string& base_vfs = "");

// Erases the store: the envelope is overwritten (the key is gone, so whatever a disk keeps
// of the pages is unreadable), then the file, its journal and any migration leftover are
// removed. Safe to call on a store that is already gone.
void erase_store(const std::string& path);

// Makes SQLite zero every block it frees (its page cache holds decrypted pages), so closing
// the store leaves none of them in memory. Call once, before anything opens a database;
// false when SQLite had already started (then it is not done).
bool zero_sqlite_memory_when_freed();

// Reads every page of an open encrypted store through its VFS, so that a changed byte
// anywhere — a free page or a table the first screen never reads included — is found when
// the store is opened, not whenever that page happens to be read. Throws StoreError (whose
// failed_integrity_check is true) naming the first page that fails its seal.
void verify_every_page(Store& store);

// True when `e` is a page (or journal page) that failed its seal: changed outside Parley.
bool failed_integrity_check(const StoreError& e);

// A store opened with `key` through the encrypting VFS (over options.vfs, "" = default).
std::unique_ptr<Store> open_encrypted_store(const std::string& path, std::shared_ptr<const DataKey> key,
                                            StoreOptions options = {});

}  // namespace parley
