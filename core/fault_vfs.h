// core/fault_vfs.h — a SQLite VFS that can be told to fail, for fault-path tests.
//
// It wraps the platform's default VFS and counts the writes, syncs and truncations made
// to any file; once the count reaches the chosen number, that call and every later one
// fail with SQLITE_IOERR until it is reset — the way SQLite's own test harness simulates a
// full disk or a pulled cable in the middle of a transaction. Real files, real SQLite;
// only the I/O result is forced. Test tooling: the state is process-global on purpose
// (SQLite VFSes are).
#pragma once

namespace parley {
constexpr const char* kFaultVfsName = "parley-fault";
void register_fault_vfs();            // idempotent
void fault_vfs_fail_after(int n);     // fail from the n-th write-like call on; n < 0 never
int fault_vfs_calls();                // write-like calls since the last fail_after()
bool fault_vfs_tripped();             // whether a failure was injected since then
}  // namespace parley
