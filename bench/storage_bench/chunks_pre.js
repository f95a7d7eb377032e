// bench/storage_bench/chunks_pre.js — variant B: the design of wasm/pre.js, reduced to what
// a save and a load cost. The database is an ordinary MEMFS file (/data/bench.db); FS.write
// on it is watched and marks the 32 KiB chunks it touched; a save puts only those chunks
// plus a manifest {size, chunk, generation} in ONE IndexedDB transaction with durability
// 'strict', and is durable at its oncomplete. A load reads the manifest and every chunk
// (getAll over the key range) and writes the file back. Keys and layout as in pre.js:
// 'bench.db#m', 'bench.db#c000000', ... (the legacy one-record format is left out).
'use strict';
SB.path = '/data/bench.db';
(function () {
  var IDB_NAME = 'storage-bench', IDB_STORE = 'files', IDB_KEY = 'bench.db';
  var CHUNK = 32768;
  var MANIFEST = IDB_KEY + '#m';
  var CHUNK_LOW = IDB_KEY + '#c', CHUNK_HIGH = IDB_KEY + '#d';
  function chunkKey(i) { return CHUNK_LOW + ('000000' + i).slice(-6); }
  var idb = null, dirty = {}, allDirty = true, generation = 0;

  function markDirty(position, length) {
    if (allDirty || length <= 0) return;
    for (var i = Math.floor(position / CHUNK); i <= Math.floor((position + length - 1) / CHUNK); i++) dirty[i] = true;
  }
  function watchWrites() {
    var write = FS.write;
    FS.write = function (stream, buffer, offset, length, position) {
      var at = typeof position === 'number' ? position : stream.position;
      var n = write.apply(this, arguments);
      if (stream.path === SB.path) markDirty(at, n);
      return n;
    };
  }
  function openIdb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(IDB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(IDB_STORE); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function readStored() {
    return new Promise(function (resolve, reject) {
      var tx = idb.transaction(IDB_STORE, 'readonly');
      var store = tx.objectStore(IDB_STORE);
      var out = { manifest: null, keys: [], chunks: [] };
      store.get(MANIFEST).onsuccess = function (e) { out.manifest = e.target.result || null; };
      var range = IDBKeyRange.bound(CHUNK_LOW, CHUNK_HIGH, false, true);
      store.getAllKeys(range).onsuccess = function (e) { out.keys = e.target.result; };
      store.getAll(range).onsuccess = function (e) { out.chunks = e.target.result; };
      tx.oncomplete = function () { resolve(out); };
      tx.onerror = tx.onabort = function () { reject(tx.error); };
    });
  }
  function assemble(out) {
    if (!out.manifest) return null;
    var m = out.manifest, bytes = new Uint8Array(m.size), count = Math.ceil(m.size / m.chunk), seen = 0;
    for (var k = 0; k < out.keys.length; k++) {
      var i = parseInt(out.keys[k].slice(CHUNK_LOW.length), 10);
      if (i >= count) continue;
      var part = new Uint8Array(out.chunks[k]);
      bytes.set(part.subarray(0, Math.min(part.length, m.size - i * m.chunk)), i * m.chunk);
      seen++;
    }
    if (seen !== count) throw new Error('stored database incomplete: ' + seen + ' of ' + count + ' chunks');
    generation = m.generation || 0;
    return bytes;
  }

  SB.persist = function () {
    return new Promise(function (resolve, reject) {
      var node = FS.lookupPath(SB.path).node, size = node.usedBytes, contents = node.contents;
      if (!(contents instanceof Uint8Array)) contents = FS.readFile(SB.path);
      var count = Math.ceil(size / CHUNK), indices = [];
      var wroteAll = allDirty;
      if (allDirty) for (var i = 0; i < count; i++) indices.push(i);
      else for (var key in dirty) if (+key < count) indices.push(+key);
      var taken = dirty;
      dirty = {};
      allDirty = false;
      var tx = idb.transaction(IDB_STORE, 'readwrite', { durability: 'strict' });
      var store = tx.objectStore(IDB_STORE);
      var wrote = 0;
      for (var j = 0; j < indices.length; j++) {
        var start = indices[j] * CHUNK, part = contents.slice(start, Math.min(start + CHUNK, size));
        wrote += part.length;
        store.put(part.buffer, chunkKey(indices[j]));
      }
      store.delete(IDBKeyRange.bound(chunkKey(count), CHUNK_HIGH, false, true));
      store.put({ size: size, chunk: CHUNK, generation: ++generation, savedAt: Date.now() }, MANIFEST);
      SB.lastWrite = wrote;
      SB.lastChunks = indices.length;
      tx.oncomplete = function () { resolve(); };
      tx.onabort = tx.onerror = function () {
        if (wroteAll) allDirty = true;
        for (var k in taken) dirty[k] = true;
        reject(tx.error || new Error('IndexedDB write failed'));
      };
    });
  };

  Module.preRun = Module.preRun || [];
  Module.preRun.push(function () {
    addRunDependency('storage-bench-load');
    FS.mkdir('/data');
    watchWrites();
    SB.marks.loadStart = performance.now();
    openIdb().then(function (db) { idb = db; SB.marks.idbOpen = performance.now(); return readStored(); }).then(function (out) {
      SB.marks.idbRead = performance.now();
      var bytes = assemble(out);
      if (bytes) {
        FS.writeFile(SB.path, bytes);
        dirty = {};          // what was loaded is what is stored
        allDirty = false;
      }
      SB.marks.loaded = performance.now();
    }).catch(function (e) { SB.fail(e); }).then(function () { removeRunDependency('storage-bench-load'); });
  });
})();
