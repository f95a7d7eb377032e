// bench/storage_bench/common_pre.js — shared by both variants (--pre-js, before the variant's
// own file). Reads the page's query (?journal=memory|delete&strict=0|1), and defines
// globalThis.storageBench, which bench/storage_bench/storage_bench.mjs drives. The variant
// file supplies `persist()` (a promise that settles when the bytes are durable in
// IndexedDB), `lastWrite` (bytes handed to IndexedDB by the last persist) and the load.
'use strict';
var SB = (function () {
  var q = new URLSearchParams(location.search);
  var sb = {
    journal: q.get('journal') === 'delete' ? 'delete' : 'memory',
    strict: q.get('strict') !== '0',
    marks: { script: performance.now() },
    lastWrite: 0,
    persist: null,        // set by the variant
    error: '',
  };
  var resolveReady, rejectReady;
  sb.ready = new Promise(function (res, rej) { resolveReady = res; rejectReady = rej; });
  sb.fail = function (e) { sb.error = String(e && e.message || e); rejectReady(e); };

  Module.onRuntimeInitialized = function () {
    try {
      var rc = Module.ccall('sb_open', 'number', ['string', 'number'], [sb.path, sb.journal === 'memory' ? 1 : 0]);
      if (rc) throw new Error('sb_open: SQLite error ' + rc);
      sb.probe = Module.ccall('sb_probe', 'number', [], []);
      sb.marks.opened = performance.now();
      resolveReady(sb.marks);
    } catch (e) { sb.fail(e); }
  };

  // Grow the database to `bytes` (untimed setup), then persist it whole (the first save).
  sb.fill = function (bytes) {
    var t0 = performance.now();
    var rows = Module.ccall('sb_fill', 'number', ['number'], [bytes]);
    if (rows < 0) return Promise.reject(new Error('sb_fill failed'));
    var t1 = performance.now();
    return sb.persist().then(function () {
      return { rows: rows, bytes: Module.ccall('sb_bytes', 'number', [], []), fillMs: t1 - t0,
               persistMs: performance.now() - t1, wrote: sb.lastWrite };
    });
  };

  // One save: a one-row transaction committed, then the time until IndexedDB says durable.
  sb.save = function () {
    var t0 = performance.now();
    var rc = Module.ccall('sb_save', 'number', [], []);
    if (rc) return Promise.reject(new Error('sb_save: SQLite error ' + rc));
    var t1 = performance.now();
    return sb.persist().then(function () {
      return { sync: t1 - t0, total: performance.now() - t0, wrote: sb.lastWrite };
    });
  };

  sb.rows = function () { return Module.ccall('sb_rows', 'number', [], []); };
  globalThis.storageBench = sb;
  return sb;
})();
