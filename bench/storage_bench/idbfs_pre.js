// bench/storage_bench/idbfs_pre.js — variant A: Emscripten's IDBFS. The database lives under
// an IDBFS mount (/idb); after each commit FS.syncfs(false) copies every file whose mtime
// changed, whole, into IndexedDB in one transaction and calls back on its oncomplete. At
// start FS.syncfs(true) copies everything back. IDBFS passes no durability option to
// IndexedDB; with ?strict=1 this file makes every readwrite transaction of the page ask for
// durability 'strict' (like wasm/pre.js does), so the two designs can be compared on the
// same footing; ?strict=0 is IDBFS exactly as shipped.
'use strict';
SB.path = '/idb/bench.db';
if (SB.strict) {
  var idbTransaction = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (stores, mode, options) {
    if (mode === 'readwrite') return idbTransaction.call(this, stores, mode, Object.assign({ durability: 'strict' }, options || {}));
    return idbTransaction.apply(this, arguments);
  };
}
SB.persist = function () {
  var node;
  try { node = FS.lookupPath(SB.path).node; SB.lastWrite = node.usedBytes; } catch (e) { SB.lastWrite = 0; }
  return new Promise(function (resolve, reject) {
    FS.syncfs(false, function (err) { if (err) reject(new Error('syncfs: ' + err)); else resolve(); });
  });
};
Module.preRun = Module.preRun || [];
Module.preRun.push(function () {
  FS.mkdir('/idb');
  FS.mount(IDBFS, {}, '/idb');
  addRunDependency('storage-bench-load');
  SB.marks.loadStart = performance.now();
  FS.syncfs(true, function (err) {
    SB.marks.loaded = performance.now();
    if (err) SB.fail(new Error('syncfs(true): ' + err));
    removeRunDependency('storage-bench-load');
  });
});
