// core/fault_vfs.cpp — the failing VFS (see fault_vfs.h).
#include "core/fault_vfs.h"

#include <sqlite3.h>

#include <cstring>

namespace parley {
namespace {

sqlite3_vfs g_vfs;
sqlite3_vfs* g_base = nullptr;
int g_fail_after = -1;
int g_calls = 0;
bool g_tripped = false;

struct FaultFile {
  sqlite3_file base;       // must be first: SQLite sees this struct as a sqlite3_file
  sqlite3_file* real;      // the wrapped file, allocated right after this struct
};

bool should_fail() {
  ++g_calls;
  if (g_fail_after >= 0 && g_calls >= g_fail_after) {
    g_tripped = true;
    return true;
  }
  return false;
}

sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real; }

int x_close(sqlite3_file* f) { return real(f)->pMethods ? real(f)->pMethods->xClose(real(f)) : SQLITE_OK; }
int x_read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) { return real(f)->pMethods->xRead(real(f), b, n, o); }
int x_write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
  return should_fail() ? SQLITE_IOERR_WRITE : real(f)->pMethods->xWrite(real(f), b, n, o);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 s) {
  return should_fail() ? SQLITE_IOERR_TRUNCATE : real(f)->pMethods->xTruncate(real(f), s);
}
int x_sync(sqlite3_file* f, int flags) {
  return should_fail() ? SQLITE_IOERR_FSYNC : real(f)->pMethods->xSync(real(f), flags);
}
int x_file_size(sqlite3_file* f, sqlite3_int64* s) { return real(f)->pMethods->xFileSize(real(f), s); }
int x_lock(sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); }
int x_unlock(sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); }
int x_check_reserved(sqlite3_file* f, int* r) { return real(f)->pMethods->xCheckReservedLock(real(f), r); }
int x_file_control(sqlite3_file* f, int op, void* a) { return real(f)->pMethods->xFileControl(real(f), op, a); }
int x_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int x_device_characteristics(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }

// Version 1 methods only: no WAL shared memory, no mmap — the store uses a rollback
// journal, and a version-1 file makes SQLite fall back cleanly for the rest.
const sqlite3_io_methods kMethods = {
    1, x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock, x_check_reserved,
    x_file_control, x_sector_size, x_device_characteristics, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};

int x_open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  auto* ff = reinterpret_cast<FaultFile*>(f);
  ff->real = reinterpret_cast<sqlite3_file*>(ff + 1);
  std::memset(ff->real, 0, static_cast<std::size_t>(g_base->szOsFile));
  int rc = g_base->xOpen(g_base, name, ff->real, flags, out_flags);
  ff->base.pMethods = rc == SQLITE_OK ? &kMethods : nullptr;
  return rc;
}
int x_delete(sqlite3_vfs*, const char* name, int sync) {
  if (should_fail()) return SQLITE_IOERR_DELETE;
  return g_base->xDelete(g_base, name, sync);
}
int x_access(sqlite3_vfs*, const char* n, int f, int* r) { return g_base->xAccess(g_base, n, f, r); }
int x_full_pathname(sqlite3_vfs*, const char* n, int sz, char* out) { return g_base->xFullPathname(g_base, n, sz, out); }
void* x_dl_open(sqlite3_vfs*, const char*) { return nullptr; }
void x_dl_error(sqlite3_vfs*, int n, char* m) { if (n > 0) m[0] = 0; }
void (*x_dl_sym(sqlite3_vfs*, void*, const char*))(void) { return nullptr; }
void x_dl_close(sqlite3_vfs*, void*) {}
int x_randomness(sqlite3_vfs*, int n, char* out) { return g_base->xRandomness(g_base, n, out); }
int x_sleep(sqlite3_vfs*, int us) { return g_base->xSleep(g_base, us); }
int x_current_time(sqlite3_vfs*, double* t) { return g_base->xCurrentTime(g_base, t); }
int x_get_last_error(sqlite3_vfs*, int, char*) { return 0; }

}  // namespace

void register_fault_vfs() {
  if (g_base) return;
  g_base = sqlite3_vfs_find(nullptr);
  std::memset(&g_vfs, 0, sizeof g_vfs);
  g_vfs.iVersion = 1;
  g_vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + g_base->szOsFile;
  g_vfs.mxPathname = g_base->mxPathname;
  g_vfs.zName = kFaultVfsName;
  g_vfs.xOpen = x_open;
  g_vfs.xDelete = x_delete;
  g_vfs.xAccess = x_access;
  g_vfs.xFullPathname = x_full_pathname;
  g_vfs.xDlOpen = x_dl_open;
  g_vfs.xDlError = x_dl_error;
  g_vfs.xDlSym = x_dl_sym;
  g_vfs.xDlClose = x_dl_close;
  g_vfs.xRandomness = x_randomness;
  g_vfs.xSleep = x_sleep;
  g_vfs.xCurrentTime = x_current_time;
  g_vfs.xGetLastError = x_get_last_error;
  sqlite3_vfs_register(&g_vfs, 0);
}

void fault_vfs_fail_after(int n) {
  g_fail_after = n;
  g_calls = 0;
  g_tripped = false;
}
int fault_vfs_calls() { return g_calls; }
bool fault_vfs_tripped() { return g_tripped; }

}  // namespace parley
