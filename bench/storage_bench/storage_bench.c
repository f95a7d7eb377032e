/* bench/storage_bench/storage_bench.c — the SQLite side of the IndexedDB storage benchmark.
 *
 * A database shaped like Parley's event log (core/store.cpp: an append-only `events`
 * table with a unique text id, an index by challenge, ~1 KB of JSON per event), grown to a
 * given size, then "saves": one single-row INSERT transaction each, like recording one
 * comment in the app. The same object is linked twice (build.sh): with idbfs_pre.js
 * (Emscripten's IDBFS + FS.syncfs) and with chunks_pre.js (the 32 KiB chunk writer of
 * wasm/pre.js). Which file system the path lives on, and how it reaches IndexedDB, is
 * entirely the JS side's business; this file only talks to SQLite.
 *
 * Exported (called with ccall from the pre-js files):
 *   sb_open(path, journal)  journal: 0 = SQLite's default (DELETE), 1 = MEMORY; both with
 *                           synchronous=OFF only when MEMORY (what wasm/main_web.cpp sets).
 *                           Returns 0, or an SQLite error code.
 *   sb_fill(bytes)          inserts events in batches of 200, one transaction per batch,
 *                           until the file is at least `bytes` long; returns the row count.
 *   sb_save()               one event into an existing challenge, in its own transaction;
 *                           returns 0 or an SQLite error code.
 *   sb_rows()               number of events (a full scan of the index: proves the file reads).
 *   sb_probe()              reads the newest event (what the app's first screen needs).
 *   sb_close()
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sqlite3.h"

static sqlite3 *db;
static sqlite3_stmt *ins;
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static int64_t rows;

static uint64_t next(void) {  /* xorshift64*: deterministic, no libc rand state */
  rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27;
  return rng * 2685821657736338717ull;
}

static int exec(const char *sql) {
  char *err = 0;
  int rc = sqlite3_exec(db, sql, 0, 0, &err);
  if (rc != SQLITE_OK) { fprintf(stderr, "sqlite: %s: %s\n", sql, err ? err : "?"); sqlite3_free(err); }
  return rc;
}

int sb_open(const char *path, int journal_memory) {
  int rc = sqlite3_open(path, &db);
  if (rc != SQLITE_OK) return rc;
  if (journal_memory) rc = exec("PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF");
  else rc = exec("PRAGMA synchronous = FULL");  /* core/store.cpp's default, DELETE journal */
  if (rc) return rc;
  rc = exec(
      "CREATE TABLE IF NOT EXISTS events("
      "  local_seq INTEGER PRIMARY KEY AUTOINCREMENT,"
      "  id TEXT NOT NULL UNIQUE,"
      "  challenge TEXT NOT NULL,"
      "  device TEXT NOT NULL,"
      "  device_seq INTEGER NOT NULL,"
      "  kind TEXT NOT NULL,"
      "  at INTEGER NOT NULL,"
      "  hash TEXT NOT NULL,"
      "  body TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS events_by_challenge ON events(challenge, local_seq);");
  if (rc) return rc;
  rc = sqlite3_prepare_v2(db,
      "INSERT INTO events(id, challenge, device, device_seq, kind, at, hash, body) VALUES(?,?,?,?,?,?,?,?)",
      -1, &ins, 0);
  if (rc) return rc;
  sqlite3_stmt *s;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM events", -1, &s, 0);
  if (sqlite3_step(s) == SQLITE_ROW) rows = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  rng ^= (uint64_t)rows * 0x100000001B3ull;  /* a reopened file does not repeat ids */
  return 0;
}

static void hex(char *out, int n) {
  static const char d[] = "0123456789abcdef";
  for (int i = 0; i < n; i++) out[i] = d[next() >> 60];
  out[n] = 0;
}

/* One event: a random 64-hex id (hash ids land anywhere in the unique index, as real
 * ones do), one of ~rows/5 challenges (5 events per challenge on average), ~1 KB body. */
static int insert_one(void) {
  char id[65], hash[65], challenge[40], body[1200];
  hex(id, 64);
  hex(hash, 64);
  int64_t nchal = rows / 5 + 1;
  snprintf(challenge, sizeof challenge, "ch-%010lld", (long long)(next() % (uint64_t)nchal));
  char text[801];
  static const char words[] = "the officer said that the complaint about the stop was discussed with ";
  for (int i = 0; i < 800; i++) text[i] = words[(i + (int)(next() & 7)) % (sizeof words - 1)];
  text[800] = 0;
  int len = snprintf(body, sizeof body,
      "{\"type\":\"comment\",\"challenge\":\"%s\",\"author\":\"Alex Testperson %05lld\","
      "\"parents\":[\"%.64s\"],\"text\":\"%s\",\"stage\":2}",
      challenge, (long long)(rows % 100000), hash, text);
  sqlite3_reset(ins);
  sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(ins, 2, challenge, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(ins, 3, "dev-0123456789abcdef", -1, SQLITE_STATIC);
  sqlite3_bind_int64(ins, 4, rows + 1);
  sqlite3_bind_text(ins, 5, "comment", -1, SQLITE_STATIC);
  sqlite3_bind_int64(ins, 6, 1790000000000ll + rows * 1000);
  sqlite3_bind_text(ins, 7, hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(ins, 8, body, len, SQLITE_TRANSIENT);
  int rc = sqlite3_step(ins);
  if (rc != SQLITE_DONE) { fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db)); return rc; }
  rows++;
  return 0;
}

static int64_t file_bytes(void) {
  sqlite3_stmt *s;
  int64_t n = 0;
  sqlite3_prepare_v2(db, "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size", -1, &s, 0);
  if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return n;
}

double sb_fill(double bytes) {
  while (file_bytes() < (int64_t)bytes) {
    if (exec("BEGIN")) return -1;
    for (int i = 0; i < 200; i++)
      if (insert_one()) { exec("ROLLBACK"); return -1; }
    if (exec("COMMIT")) return -1;
  }
  return (double)rows;
}

double sb_bytes(void) { return (double)file_bytes(); }

int sb_save(void) {
  int rc = exec("BEGIN");
  if (rc) return rc;
  rc = insert_one();
  if (rc) { exec("ROLLBACK"); return rc; }
  return exec("COMMIT");
}

double sb_rows(void) {
  sqlite3_stmt *s;
  double n = -1;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM events", -1, &s, 0);
  if (sqlite3_step(s) == SQLITE_ROW) n = (double)sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return n;
}

double sb_probe(void) {
  sqlite3_stmt *s;
  double n = -1;
  sqlite3_prepare_v2(db, "SELECT local_seq, length(body) FROM events ORDER BY local_seq DESC LIMIT 1", -1, &s, 0);
  if (sqlite3_step(s) == SQLITE_ROW) n = (double)sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return n;
}

void sb_close(void) {
  sqlite3_finalize(ins);
  ins = 0;
  sqlite3_close(db);
  db = 0;
}
