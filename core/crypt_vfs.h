// core/crypt_vfs.h — the SQLite VFS that keeps a device's store encrypted on disk (and in
// the browser's IndexedDB, which stores the same file's bytes).
//
// Model (docs/security.md, "Encryption at rest"): the store file is a 4096-byte envelope
// (core/encryption.h: the data key, wrapped under the passphrase) followed by SQLite's
// pages. Every 4096-byte page is sealed with XChaCha20-Poly1305 under the data key, in
// place: SQLite is told to leave the last 40 bytes of each page unused (its "reserved
// bytes"), and they carry that page's random nonce and tag. The page number is the
// associated data, so a page moved to another place fails its check. The rollback journal
// holds page images the same way (associated data: its offset in the journal); its small
// headers, page numbers and checksums are not case data and stay as SQLite wrote them.
// Nothing else is written: WAL, temporary and super-journal files are refused, so a
// plaintext copy can never appear (the store keeps temp_store = MEMORY).
//
// A page that fails its check reads as SQLITE_IOERR_DATA (SQLite's code for a page whose
// checksum is wrong): the store reports damage, it never returns or drops the page silently.
#pragma once
#include <memory>
#include <string>

namespace parley {

class DataKey;

constexpr int kStorePageSize = 4096;       // SQLite page size of every encrypted store
constexpr int kEnvelopeSize = 4096;        // bytes before page 1 in the file
constexpr int kPageReserve = 24 + 16;      // nonce + tag at the end of each page

// The VFS wrapping `base` ("" = the platform default, or e.g. "parley-fault" in tests),
// registered on first use; returns its name for sqlite3_open_v2.
std::string crypt_vfs_name(const std::string& base = "");

// Which key opens the store at `path` (and its journal). The VFS refuses to open a file
// with no key attached. Detach when the store is closed, which drops the VFS's reference.
void crypt_vfs_attach(const std::string& path, std::shared_ptr<const DataKey> key);
void crypt_vfs_detach(const std::string& path);

}  // namespace parley
