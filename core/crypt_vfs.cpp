// core/crypt_vfs.cpp — the encrypting VFS (see crypt_vfs.h).
#include "core/crypt_vfs.h"

#include <sodium.h>
#include <sqlite3.h>

#include <cstring>
#include <list>
#include <map>
#include <vector>

#include "core/encryption.h"

namespace parley {
namespace {

constexpr int kBody = kStorePageSize - kPageReserve;   // the sealed part of a page
constexpr int kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr int kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(kNonce + kTag == kPageReserve);

// Keys by the store's full path. SQLite is built single-threaded (SQLITE_THREADSAFE=0) and
// each client has one UI thread that owns its store, so a plain map is enough.
std::map<std::string, std::shared_ptr<const DataKey>>& keys() {
  static std::map<std::string, std::shared_ptr<const DataKey>> m;
  return m;
}

enum class Kind { MainDb, Journal };

struct CryptFile {
  sqlite3_file base;                       // must be first: SQLite sees a sqlite3_file
  sqlite3_file* real;                      // the wrapped file, allocated after this struct
  std::shared_ptr<const DataKey>* key;     // held while the file is open
  Kind kind;
};

CryptFile* as(sqlite3_file* f) { return reinterpret_cast<CryptFile*>(f); }
sqlite3_file* real(sqlite3_file* f) { return as(f)->real; }
sqlite3_vfs* base_of(sqlite3_vfs* v) { return static_cast<sqlite3_vfs*>(v->pAppData); }

// Associated data: which page of the store, or which offset of the journal, the sealed
// bytes belong to. A page copied to another place fails its check.
void associated(unsigned char out[9], Kind kind, std::uint64_t where) {
  out[0] = kind == Kind::MainDb ? 'p' : 'j';
  for (int i = 0; i < 8; ++i) out[1 + i] = static_cast<unsigned char>(where >> (8 * i));
}

void seal(const DataKey& key, Kind kind, std::uint64_t where, const unsigned char* plain, unsigned char* out) {
  unsigned char ad[9];
  associated(ad, kind, where);
  unsigned char* nonce = out + kBody;
  unsigned char* tag = nonce + kNonce;
  key.next_nonce(nonce);
  unsigned long long tag_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt_detached(out, tag, &tag_len, plain, kBody, ad, sizeof ad, nullptr,
                                                       nonce, key.bytes());
}

bool open_sealed(const DataKey& key, Kind kind, std::uint64_t where, const unsigned char* in, unsigned char* out) {
  unsigned char ad[9];
  associated(ad, kind, where);
  const unsigned char* nonce = in + kBody;
  const unsigned char* tag = nonce + kNonce;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(out, nullptr, in, kBody, tag, ad, sizeof ad, nonce,
                                                          key.bytes()) != 0)
    return false;
  std::memcpy(out + kBody, in + kBody, kPageReserve);   // SQLite ignores reserved bytes
  return true;
}

// Journal page images are written whole at offsets that are never a multiple of the page
// size (they follow a 4-byte page number after sector-aligned headers); the headers are
// written at multiples of it. So: exactly one page, off the page grid = a page image.
bool journal_page(int amount, sqlite3_int64 offset) {
  return amount == kStorePageSize && offset % kStorePageSize != 0;
}

// Page 1's header: page size (big-endian at 16; 1 means 65536) and reserved bytes (at 20).
bool layout_fits(const unsigned char* page1) {
  int size = page1[16] << 8 | page1[17];
  return size == kStorePageSize && page1[20] == kPageReserve;
}

int read_main(CryptFile* f, unsigned char* out, int amount, sqlite3_int64 offset) {
  const DataKey& key = **f->key;
  std::vector<unsigned char> sealed(kStorePageSize), plain(kStorePageSize);
  bool short_read = false;
  for (sqlite3_int64 done = 0; done < amount;) {
    sqlite3_int64 at = offset + done;
    sqlite3_int64 page = at / kStorePageSize;
    int within = static_cast<int>(at % kStorePageSize);
    int take = static_cast<int>(std::min<sqlite3_int64>(kStorePageSize - within, amount - done));
    int rc = f->real->pMethods->xRead(f->real, sealed.data(), kStorePageSize, kEnvelopeSize + page * kStorePageSize);
    if (rc == SQLITE_IOERR_SHORT_READ) {
      // Past the end (or a torn last page that SQLite will not use): zeros, as SQLite expects.
      std::memset(out + done, 0, static_cast<std::size_t>(amount - done));
      short_read = true;
      break;
    }
    if (rc != SQLITE_OK) return rc;
    if (!open_sealed(key, Kind::MainDb, static_cast<std::uint64_t>(page) + 1, sealed.data(), plain.data())) {
      sqlite3_log(SQLITE_IOERR_DATA, "parley: page %lld of the store failed its integrity check", page + 1);
      return SQLITE_IOERR_DATA;
    }
    if (page == 0 && !layout_fits(plain.data())) {
      sqlite3_log(SQLITE_CORRUPT, "parley: the store's page layout leaves no room for the seals");
      return SQLITE_CORRUPT;
    }
    std::memcpy(out + done, plain.data() + within, static_cast<std::size_t>(take));
    done += take;
  }
  sodium_memzero(plain.data(), plain.size());
  return short_read ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

int x_read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  CryptFile* f = as(file);
  auto* out = static_cast<unsigned char*>(buffer);
  if (f->kind == Kind::MainDb) return read_main(f, out, amount, offset);
  if (!journal_page(amount, offset)) return f->real->pMethods->xRead(f->real, buffer, amount, offset);
  std::vector<unsigned char> sealed(kStorePageSize);
  int rc = f->real->pMethods->xRead(f->real, sealed.data(), amount, offset);
  if (rc != SQLITE_OK) {
    if (rc == SQLITE_IOERR_SHORT_READ) std::memset(out, 0, static_cast<std::size_t>(amount));
    return rc;
  }
  if (!open_sealed(**f->key, Kind::Journal, static_cast<std::uint64_t>(offset), sealed.data(), out)) {
    sqlite3_log(SQLITE_IOERR_DATA, "parley: a page image in the journal failed its integrity check");
    return SQLITE_IOERR_DATA;
  }
  return SQLITE_OK;
}

int x_write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
  CryptFile* f = as(file);
  auto* in = static_cast<const unsigned char*>(buffer);
  bool page_image = f->kind == Kind::MainDb || journal_page(amount, offset);
  if (!page_image) return f->real->pMethods->xWrite(f->real, buffer, amount, offset);
  // SQLite writes the store only in whole pages; anything else would be a change of
  // SQLite's behaviour that this VFS must not guess about.
  if (f->kind == Kind::MainDb && (amount != kStorePageSize || offset % kStorePageSize != 0)) return SQLITE_IOERR_WRITE;
  // Page 1 says how SQLite lays out every page: unless it leaves the reserved bytes, the
  // seal would overwrite data. Refuse rather than lose it.
  if (f->kind == Kind::MainDb && offset == 0 && !layout_fits(in)) {
    sqlite3_log(SQLITE_IOERR_WRITE, "parley: refused a store without room for the seals");
    return SQLITE_IOERR_WRITE;
  }
  std::vector<unsigned char> sealed(kStorePageSize);
  if (f->kind == Kind::MainDb) {
    seal(**f->key, Kind::MainDb, static_cast<std::uint64_t>(offset / kStorePageSize) + 1, in, sealed.data());
    return f->real->pMethods->xWrite(f->real, sealed.data(), kStorePageSize, kEnvelopeSize + offset);
  }
  seal(**f->key, Kind::Journal, static_cast<std::uint64_t>(offset), in, sealed.data());
  return f->real->pMethods->xWrite(f->real, sealed.data(), kStorePageSize, offset);
}

sqlite3_int64 shift(CryptFile* f) { return f->kind == Kind::MainDb ? kEnvelopeSize : 0; }

int x_truncate(sqlite3_file* file, sqlite3_int64 size) {
  return real(file)->pMethods->xTruncate(real(file), size + shift(as(file)));
}
int x_file_size(sqlite3_file* file, sqlite3_int64* size) {
  int rc = real(file)->pMethods->xFileSize(real(file), size);
  if (rc == SQLITE_OK) *size = std::max<sqlite3_int64>(0, *size - shift(as(file)));
  return rc;
}
int x_close(sqlite3_file* file) {
  CryptFile* f = as(file);
  int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
  delete f->key;
  f->key = nullptr;
  return rc;
}
int x_sync(sqlite3_file* f, int flags) { return real(f)->pMethods->xSync(real(f), flags); }
int x_lock(sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); }
int x_unlock(sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); }
int x_check_reserved(sqlite3_file* f, int* r) { return real(f)->pMethods->xCheckReservedLock(real(f), r); }
int x_file_control(sqlite3_file* f, int op, void* a) { return real(f)->pMethods->xFileControl(real(f), op, a); }
int x_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int x_device_characteristics(sqlite3_file* f) {
  // Not "atomic" or "safe append": each page is rewritten whole with a new nonce, so
  // SQLite must keep its full journal discipline.
  return real(f)->pMethods->xDeviceCharacteristics(real(f)) & SQLITE_IOCAP_POWERSAFE_OVERWRITE;
}

// Version 1 methods: no WAL shared memory and no memory mapping (which would hand SQLite
// the sealed bytes directly).
const sqlite3_io_methods kMethods = {
    1, x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock, x_check_reserved,
    x_file_control, x_sector_size, x_device_characteristics, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};

std::shared_ptr<const DataKey> key_for(const char* name, int flags) {
  if (!name) return nullptr;
  std::string store = (flags & SQLITE_OPEN_MAIN_DB) ? name : sqlite3_filename_database(name);
  auto it = keys().find(store);
  return it == keys().end() ? nullptr : it->second;
}

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  CryptFile* f = as(file);
  f->base.pMethods = nullptr;
  f->key = nullptr;
  // Only the store and its rollback journal: anything else (WAL, temporary files, a
  // super-journal) would hold pages this VFS does not seal.
  int kind_flags = flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_MAIN_JOURNAL);
  if (!kind_flags) return SQLITE_CANTOPEN;
  auto key = key_for(name, flags);
  if (!key) return SQLITE_CANTOPEN;   // no key attached: never create a plaintext file here
  sqlite3_vfs* base = base_of(vfs);
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  std::memset(f->real, 0, static_cast<std::size_t>(base->szOsFile));
  int rc = base->xOpen(base, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  f->kind = (flags & SQLITE_OPEN_MAIN_DB) ? Kind::MainDb : Kind::Journal;
  f->key = new std::shared_ptr<const DataKey>(std::move(key));
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs* v, const char* n, int sync) { return base_of(v)->xDelete(base_of(v), n, sync); }
int x_access(sqlite3_vfs* v, const char* n, int f, int* r) { return base_of(v)->xAccess(base_of(v), n, f, r); }
int x_full_pathname(sqlite3_vfs* v, const char* n, int sz, char* out) {
  return base_of(v)->xFullPathname(base_of(v), n, sz, out);
}
void* x_dl_open(sqlite3_vfs*, const char*) { return nullptr; }
void x_dl_error(sqlite3_vfs*, int n, char* m) {
  if (n > 0) m[0] = 0;
}
void (*x_dl_sym(sqlite3_vfs*, void*, const char*))(void) { return nullptr; }
void x_dl_close(sqlite3_vfs*, void*) {}
int x_randomness(sqlite3_vfs* v, int n, char* out) { return base_of(v)->xRandomness(base_of(v), n, out); }
int x_sleep(sqlite3_vfs* v, int us) { return base_of(v)->xSleep(base_of(v), us); }
int x_current_time(sqlite3_vfs* v, double* t) { return base_of(v)->xCurrentTime(base_of(v), t); }
int x_get_last_error(sqlite3_vfs*, int, char*) { return 0; }

// The full path SQLite will pass to xOpen for `path`, so attach and open agree.
std::string full_path(const std::string& path) {
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  std::vector<char> out(static_cast<std::size_t>(base->mxPathname) + 1);
  if (base->xFullPathname(base, path.c_str(), base->mxPathname + 1, out.data()) != SQLITE_OK) return path;
  return out.data();
}

}  // namespace

std::string crypt_vfs_name(const std::string& base_name) {
  std::string name = "parley-crypt" + (base_name.empty() ? std::string() : "+" + base_name);
  if (sqlite3_vfs_find(name.c_str())) return name;
  if (sodium_init() < 0) throw std::runtime_error("the cryptography library could not start");
  sqlite3_vfs* base = sqlite3_vfs_find(base_name.empty() ? nullptr : base_name.c_str());
  if (!base) throw std::runtime_error("no SQLite VFS named " + base_name);
  // Registered once per base for the life of the process, as SQLite VFSes are.
  static std::list<std::string> names;   // zName must outlive the registration
  static std::list<sqlite3_vfs> vfses;
  const std::string* stored_name = &names.emplace_back(name);
  sqlite3_vfs* vfs = &vfses.emplace_back();
  vfs->iVersion = 1;
  vfs->szOsFile = static_cast<int>(sizeof(CryptFile)) + base->szOsFile;
  vfs->mxPathname = base->mxPathname;
  vfs->zName = stored_name->c_str();
  vfs->pAppData = base;
  vfs->xOpen = x_open;
  vfs->xDelete = x_delete;
  vfs->xAccess = x_access;
  vfs->xFullPathname = x_full_pathname;
  vfs->xDlOpen = x_dl_open;
  vfs->xDlError = x_dl_error;
  vfs->xDlSym = x_dl_sym;
  vfs->xDlClose = x_dl_close;
  vfs->xRandomness = x_randomness;
  vfs->xSleep = x_sleep;
  vfs->xCurrentTime = x_current_time;
  vfs->xGetLastError = x_get_last_error;
  sqlite3_vfs_register(vfs, 0);
  return name;
}

void crypt_vfs_attach(const std::string& path, std::shared_ptr<const DataKey> key) {
  keys()[full_path(path)] = std::move(key);
}

void crypt_vfs_detach(const std::string& path) { keys().erase(full_path(path)); }

}  // namespace parley
