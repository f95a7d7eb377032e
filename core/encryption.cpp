// core/encryption.cpp — keys, the envelope, unlocking, migration and erasing (see
// encryption.h; the page sealing itself is core/crypt_vfs.cpp).
#include "core/encryption.h"

#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>

#include "core/crypt_vfs.h"

namespace parley {
namespace {

// The envelope: the first kEnvelopeSize bytes of an encrypted store, little-endian.
//   0  16  magic             64  24  wrap nonce
//  16   4  format (1)        88  48  wrapped data key (32 + tag); associated data: bytes 0..63
//  20   4  page size        136   4  wrong attempts since the last unlock
//  24   4  reserved bytes   140   8  records only on this device at the last lock (-1 unknown)
//  28   4  KDF (2 = Argon2id 1.3)                  148   4  wrong attempts allowed (0: the default, 10)
//  32   8  ops   40  8  memory   48  16  salt
constexpr char kMagic[16] = {'P', 'a', 'r', 'l', 'e', 'y', ' ', 's', 't', 'o', 'r', 'e', ' ', 'e', 'n', 'c'};
constexpr std::size_t kWrapNonce = 64, kWrapped = 88, kAttempts = 136, kUnsynced = 140, kMaxAttempts = 148;
constexpr std::size_t kSalt = 48, kHeaderAd = 64;
constexpr std::uint32_t kFormat = 1, kKdfArgon2id = 2;
constexpr std::uint64_t kMaxKdfOps = 10, kMaxKdfMem = 1ull << 30;   // 1 GiB
static_assert(crypto_pwhash_SALTBYTES == 16);
static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24);

using Envelope = std::array<unsigned char, kEnvelopeSize>;

void put(Envelope& e, std::size_t at, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) e[at + static_cast<std::size_t>(i)] = static_cast<unsigned char>(v >> (8 * i));
}
std::uint64_t get(const Envelope& e, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(e[at + static_cast<std::size_t>(i)]) << (8 * i);
  return v;
}

void start_sodium() {
  if (sodium_init() < 0) throw StoreError("the cryptography library could not start on this device");
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads the envelope; nullopt when the file is shorter than one or is not encrypted.
std::optional<Envelope> read_envelope(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return std::nullopt;
  Envelope e{};
  if (::pread(f.fd, e.data(), e.size(), 0) != static_cast<ssize_t>(e.size())) return std::nullopt;
  if (std::memcmp(e.data(), kMagic, sizeof kMagic) != 0) return std::nullopt;
  return e;
}

Envelope require_envelope(const std::string& path) {
  auto e = read_envelope(path);
  if (!e) throw StoreError("the records on this device are missing or their key is damaged (" + path + ")");
  if (get(*e, 16, 4) != kFormat || get(*e, 20, 4) != kStorePageSize || get(*e, 24, 4) != kPageReserve ||
      get(*e, 28, 4) != kKdfArgon2id)
    throw StoreError(path + " was encrypted by a newer or different Parley; update Parley");
  // The cost is read before Argon2id runs: a changed byte must not make unlocking run for
  // hours or ask for terabytes. Parley never writes a cost outside these bounds.
  std::uint64_t ops = get(*e, 32, 8), mem = get(*e, 40, 8);
  if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > kMaxKdfOps || mem < crypto_pwhash_MEMLIMIT_MIN || mem > kMaxKdfMem)
    throw StoreError("the records on this device are damaged: the key's settings were changed (" + path + ")");
  return *e;
}

// Writes the envelope in place and makes it durable. The pages after it are untouched.
void write_envelope(const std::string& path, const Envelope& e, bool create) {
  int flags = O_WRONLY | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0);
  Fd f{::open(path.c_str(), flags, 0600)};
  if (f.fd < 0)
    throw StoreError("cannot open " + path + ": check that the folder exists and you may write to it (" +
                     std::strerror(errno) + ")");
  if (::pwrite(f.fd, e.data(), e.size(), 0) != static_cast<ssize_t>(e.size()) || ::fsync(f.fd) != 0)
    throw StoreError("cannot write " + path + ": " + std::strerror(errno));
}

// The key that wraps the data key, from the passphrase and the envelope's salt and cost.
struct WrapKey {
  unsigned char bytes[32];
  ~WrapKey() { sodium_memzero(bytes, sizeof bytes); }
};

void derive(WrapKey& out, const std::string& passphrase, const Envelope& e) {
  if (crypto_pwhash(out.bytes, sizeof out.bytes, passphrase.data(), passphrase.size(), e.data() + kSalt,
                    get(e, 32, 8), static_cast<std::size_t>(get(e, 40, 8)), crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw StoreError("this device has too little memory to unlock Parley");
}

Envelope new_envelope(const std::string& passphrase, KdfParams kdf, const DataKey& key) {
  Envelope e{};
  std::memcpy(e.data(), kMagic, sizeof kMagic);
  put(e, 16, kFormat, 4);
  put(e, 20, kStorePageSize, 4);
  put(e, 24, kPageReserve, 4);
  put(e, 28, kKdfArgon2id, 4);
  put(e, 32, kdf.ops, 8);
  put(e, 40, kdf.mem, 8);
  randombytes_buf(e.data() + kSalt, crypto_pwhash_SALTBYTES);
  randombytes_buf(e.data() + kWrapNonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  put(e, kUnsynced, static_cast<std::uint64_t>(-1), 8);
  WrapKey wrap;
  derive(wrap, passphrase, e);
  crypto_aead_xchacha20poly1305_ietf_encrypt(e.data() + kWrapped, nullptr, key.bytes(), DataKey::kSize, e.data(),
                                             kHeaderAd, nullptr, e.data() + kWrapNonce, wrap.bytes);
  return e;
}

bool unwrap(const Envelope& e, const std::string& passphrase, DataKey& key) {
  WrapKey wrap;
  derive(wrap, passphrase, e);
  return crypto_aead_xchacha20poly1305_ietf_decrypt(key.bytes(), nullptr, nullptr, e.data() + kWrapped,
                                                    DataKey::kSize + crypto_aead_xchacha20poly1305_ietf_ABYTES,
                                                    e.data(), kHeaderAd, e.data() + kWrapNonce, wrap.bytes) == 0;
}

void sync_directory_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  Fd d{::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_CLOEXEC)};
  if (d.fd >= 0) ::fsync(d.fd);
}

// Overwrites the file's current contents with zeros in place (best effort: a flash disk
// may keep old blocks elsewhere, which is why the pages were never written in the clear
// by this release).
void zero_file(int fd) {
  off_t size = ::lseek(fd, 0, SEEK_END);
  std::vector<char> zeros(65536, 0);
  for (off_t at = 0; at < size; at += static_cast<off_t>(zeros.size()))
    if (::pwrite(fd, zeros.data(), static_cast<std::size_t>(std::min<off_t>(size - at, 65536)), at) < 0) break;
  ::fsync(fd);
}

std::string uri_for(const std::string& path, const std::string& vfs) {
  std::string out = "file:";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out + "?vfs=" + vfs;
}

}  // namespace

DataKey::DataKey() {
  start_sodium();
  bytes_ = static_cast<unsigned char*>(sodium_malloc(kSize));
  if (!bytes_) throw StoreError("out of memory for the store's key");
  randombytes_buf(bytes_, kSize);
  randombytes_buf(prefix_, sizeof prefix_);
}

void DataKey::next_nonce(unsigned char out[24]) const {
  std::memcpy(out, prefix_, sizeof prefix_);
  std::uint64_t n = ++counter_;
  for (int i = 0; i < 8; ++i) out[16 + i] = static_cast<unsigned char>(n >> (8 * i));
}

DataKey::~DataKey() { sodium_free(bytes_); }   // zeroes it first

KdfParams default_kdf() { return {2, 64ull << 20}; }
KdfParams fastest_kdf() { return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN}; }

std::string passphrase_problem(const std::string& passphrase) {
  std::size_t characters = 0;
  for (unsigned char c : passphrase)
    if ((c & 0xC0) != 0x80) ++characters;
  if (characters < 12)
    return "Use a passphrase of at least 12 characters: three or four words you will remember, with spaces, "
           "are easier to type than a short password and much harder to guess.";
  bool all_same = passphrase.find_first_not_of(passphrase[0]) == std::string::npos;
  bool all_digits = passphrase.find_first_not_of("0123456789 ") == std::string::npos;
  if (all_same || all_digits)
    return "That passphrase is too easy to guess: use words, not one repeated character or only digits.";
  return "";
}

StoreFileKind inspect_store_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return StoreFileKind::Missing;
  if (std::filesystem::file_size(path, ec) == 0) return StoreFileKind::Empty;
  if (read_envelope(path)) return StoreFileKind::Encrypted;
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  char header[16] = {};
  if (f.fd >= 0 && ::pread(f.fd, header, sizeof header, 0) == sizeof header &&
      std::memcmp(header, "SQLite format 3", 16) == 0)
    return StoreFileKind::Plain;
  return StoreFileKind::Unknown;
}

std::shared_ptr<const DataKey> create_encrypted_store(const std::string& path, const std::string& passphrase,
                                                      KdfParams kdf) {
  if (auto problem = passphrase_problem(passphrase); !problem.empty()) throw StoreError(problem);
  auto key = std::make_shared<DataKey>();
  Envelope e = new_envelope(passphrase, kdf, *key);
  std::error_code ec;
  bool empty = std::filesystem::exists(path, ec) && std::filesystem::file_size(path, ec) == 0;
  if (empty) std::filesystem::remove(path, ec);
  write_envelope(path, e, true);
  sync_directory_of(path);
  return key;
}

std::shared_ptr<const DataKey> unlock_store(const std::string& path, const std::string& passphrase,
                                            int max_attempts) {
  start_sodium();
  Envelope e = require_envelope(path);
  auto failed = static_cast<int>(get(e, kAttempts, 4));
  // Counted before the guess is tried: closing the app while Argon2id runs still counts.
  put(e, kAttempts, static_cast<std::uint64_t>(failed + 1), 4);
  write_envelope(path, e, false);
  auto key = std::make_shared<DataKey>();
  if (!unwrap(e, passphrase, *key)) {
    int left = max_attempts - (failed + 1);
    if (left <= 0) {
      erase_store(path);
      throw StoreError("The passphrase was wrong " + std::to_string(failed + 1) +
                       " times, so the records on this device were erased. Sign in again to get the synced ones back.");
    }
    throw WrongPassphrase("That passphrase is not right.", left);
  }
  put(e, kAttempts, 0, 4);
  write_envelope(path, e, false);
  return key;
}

LockInfo lock_info(const std::string& path) {
  Envelope e = require_envelope(path);
  LockInfo info;
  info.failed_attempts = static_cast<int>(get(e, kAttempts, 4));
  info.unsynced = static_cast<std::int64_t>(get(e, kUnsynced, 8));
  // Not covered by the key's check (it changes while locked): a changed value is held to
  // the range a person can choose, never "unlimited".
  if (auto max = static_cast<std::int64_t>(get(e, kMaxAttempts, 4)); max > 0)
    info.max_attempts = static_cast<int>(std::clamp<std::int64_t>(max, kFewestAttempts, kMostAttempts));
  info.kdf = {get(e, 32, 8), get(e, 40, 8)};
  return info;
}

void note_lock_state(const std::string& path, std::int64_t unsynced, int max_attempts) {
  Envelope e = require_envelope(path);
  put(e, kUnsynced, static_cast<std::uint64_t>(unsynced), 8);
  put(e, kMaxAttempts, static_cast<std::uint64_t>(std::max(0, max_attempts)), 4);
  write_envelope(path, e, false);
}

std::shared_ptr<const DataKey> encrypt_plain_store(const std::string& path, const std::string& passphrase,
                                                   KdfParams kdf, const std::string& base_vfs) {
  if (auto problem = passphrase_problem(passphrase); !problem.empty()) throw StoreError(problem);
  std::string next = path + ".encrypting";
  std::error_code ec;
  std::filesystem::remove(next, ec);             // a leftover from an attempt that stopped
  std::filesystem::remove(next + "-journal", ec);
  auto key = create_encrypted_store(next, passphrase, kdf);
  crypt_vfs_attach(next, key);
  {
    // The old store, read as it is (a hot journal is rolled back first, as always); SQLite
    // copies every row into the new file, named as a URI with the encrypting VFS and pages
    // that keep room for the seals ("reserve", which VACUUM INTO honours).
    sqlite3* old = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &old, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, nullptr);
    std::string detail;
    if (rc == SQLITE_OK) {
      std::string sql = "PRAGMA page_size = " + std::to_string(kStorePageSize) + "; VACUUM INTO '" +
                        uri_for(next, crypt_vfs_name(base_vfs)) + "&reserve=" + std::to_string(kPageReserve) + "'";
      char* err = nullptr;
      rc = sqlite3_exec(old, sql.c_str(), nullptr, nullptr, &err);
      detail = err ? err : "";
      sqlite3_free(err);
    } else {
      detail = old ? sqlite3_errmsg(old) : "out of memory";
    }
    sqlite3_close(old);
    if (rc != SQLITE_OK) {
      crypt_vfs_detach(next);
      std::filesystem::remove(next, ec);
      throw StoreError("could not encrypt " + path + " (" + detail + "); the old copy is unchanged", rc);
    }
  }
  crypt_vfs_detach(next);
  Fd written{::open(next.c_str(), O_RDWR | O_CLOEXEC)};
  if (written.fd < 0 || ::fsync(written.fd) != 0) throw StoreError("could not make the encrypted copy of " + path + " durable");
  // Keep the old file open across the rename, so its blocks can be zeroed afterwards.
  Fd old_file{::open(path.c_str(), O_RDWR | O_CLOEXEC)};
  std::filesystem::remove(path + "-journal", ec);   // not hot: the old store was closed cleanly
  if (::rename(next.c_str(), path.c_str()) != 0)
    throw StoreError("could not put the encrypted copy of " + path + " in place: " + std::strerror(errno));
  sync_directory_of(path);
  if (old_file.fd >= 0) zero_file(old_file.fd);
  return key;
}

void erase_store(const std::string& path) {
  std::error_code ec;
  {
    Fd f{::open(path.c_str(), O_RDWR | O_CLOEXEC)};
    if (f.fd >= 0) zero_file(f.fd);
  }
  for (const std::string& p : {path, path + "-journal", path + ".encrypting", path + ".encrypting-journal"})
    std::filesystem::remove(p, ec);
  sync_directory_of(path);
}

namespace {
sqlite3_mem_methods g_sqlite_memory{};   // SQLite's own allocator, wrapped below
void* zeroing_malloc(int n) { return g_sqlite_memory.xMalloc(n); }
void zeroing_free(void* p) {
  if (!p) return;
  sodium_memzero(p, static_cast<std::size_t>(g_sqlite_memory.xSize(p)));
  g_sqlite_memory.xFree(p);
}
void* zeroing_realloc(void* p, int n) {
  // A moved block must not leave its old bytes behind: allocate, copy, zero, free.
  if (!p) return g_sqlite_memory.xMalloc(n);
  void* moved = g_sqlite_memory.xMalloc(n);
  if (!moved) return nullptr;
  std::memcpy(moved, p, static_cast<std::size_t>(std::min(n, g_sqlite_memory.xSize(p))));
  zeroing_free(p);
  return moved;
}
int zeroing_size(void* p) { return g_sqlite_memory.xSize(p); }
int zeroing_roundup(int n) { return g_sqlite_memory.xRoundup(n); }
int zeroing_init(void* data) { return g_sqlite_memory.xInit(data); }
void zeroing_shutdown(void* data) { g_sqlite_memory.xShutdown(data); }
}  // namespace

bool zero_sqlite_memory_when_freed() {
  if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &g_sqlite_memory) != SQLITE_OK) return false;
  static sqlite3_mem_methods zeroing{zeroing_malloc, zeroing_free,  zeroing_realloc, zeroing_size,
                                     zeroing_roundup, zeroing_init, zeroing_shutdown, nullptr};
  return sqlite3_config(SQLITE_CONFIG_MALLOC, &zeroing) == SQLITE_OK;
}

void verify_every_page(Store& store) {
  sqlite3* db = store.handle();
  // A read transaction: the pages cannot change under us, and a hot journal has already
  // been rolled back (a torn page it repairs is not damage).
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  int rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
  sqlite3_file* file = nullptr;
  sqlite3_int64 size = 0;
  if (rc == SQLITE_OK) rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file);
  if (rc == SQLITE_OK && file && file->pMethods) rc = file->pMethods->xFileSize(file, &size);
  std::vector<unsigned char> page(kStorePageSize);
  sqlite3_int64 bad = 0;
  for (sqlite3_int64 at = 0; rc == SQLITE_OK && at < size; at += kStorePageSize) {
    rc = file->pMethods->xRead(file, page.data(), kStorePageSize, at);
    if (rc != SQLITE_OK) bad = at / kStorePageSize + 1;
  }
  sodium_memzero(page.data(), page.size());
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) return;
  if (rc == SQLITE_IOERR_SHORT_READ) rc = SQLITE_IOERR_DATA;   // a torn last page
  throw StoreError(store.path() + " is damaged: part of it failed its integrity check (page " + std::to_string(bad) +
                       "; it was changed outside Parley, or the disk is failing); restore it from a backup, or erase "
                       "it and sign in again to get the synced records back",
                   rc);
}

bool failed_integrity_check(const StoreError& e) { return e.code() == SQLITE_IOERR_DATA; }

std::unique_ptr<Store> open_encrypted_store(const std::string& path, std::shared_ptr<const DataKey> key,
                                            StoreOptions options) {
  options.key = std::move(key);
  return std::make_unique<Store>(path, options);
}

}  // namespace parley
