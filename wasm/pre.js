// wasm/pre.js — the browser side of Parley, run inside the Emscripten module (--pre-js).
//
// It owns what C++ cannot do in a page: keeping the SQLite file durable in IndexedDB,
// input from fingers, mice and on-screen keyboards, the hidden DOM mirror and aria-live
// region, printing, the clipboard, and probing the server. C++ calls it through
// globalThis.parleyBridge (wasm/platform_web.cpp); it calls C++ through the exported
// parley_* functions (wasm/main_web.cpp). See docs/web-client.md for the reasons.
'use strict';

(function () {
  var DB_PATH = '/data/parley.db';
  var IDB_NAME = 'parley', IDB_STORE = 'files', IDB_KEY = 'parley.db';
  var SAVED_FLAG = 'parley.saved-on-this-device';
  var env = { online: false, persisted: false, iosTab: false, updateWaiting: false, storageProblem: '' };
  var idb = null;
  var inFlight = false, pending = 0;   // one IndexedDB write at a time; the newest waits
  var mirrorItems = [];
  var ime = null, canvas = null;
  // The hidden textarea's text as last reconciled with the app; while the app has not yet
  // caught up with what was sent (imeSent), its reports of the text are not put back.
  var imeHeld = '', imeSent = null, imeSentAt = 0, composing = false, imeSecret = false, imeLabel = null;

  function call(name, types, args) { return Module.ccall(name, null, types, args); }
  function wake() { if (Module._parley_wake) Module._parley_wake(); }

  // ---- Durable storage (web-client brief items 1-5) -----------------------------------
  function openIdb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(IDB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(IDB_STORE); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
      req.onblocked = function () { reject(new Error('another Parley tab is upgrading its storage')); };
    });
  }

  // The database is stored in IndexedDB as fixed-size chunks plus a manifest, and a save
  // writes only the chunks SQLite changed since the last durable save (found by watching
  // FS.write on the database file). Whole-file copies made a save cost grow with the
  // number of challenges (docs/performance.md, section 4). The chunks and the manifest of
  // one save go in one IndexedDB transaction, so a reader sees the old or the new file,
  // never a mixture. Keys: 'parley.db#m' (manifest), 'parley.db#c000000', ... (chunks).
  // The first format, one record {bytes, generation} at 'parley.db', is still read and is
  // removed by the first save after it.
  var CHUNK = 32768;
  var MANIFEST = IDB_KEY + '#m';
  var CHUNK_LOW = IDB_KEY + '#c', CHUNK_HIGH = IDB_KEY + '#d';
  function chunkKey(i) { return CHUNK_LOW + ('000000' + i).slice(-6); }
  var dirty = {};            // chunk index -> true, changed since the last durable save
  var allDirty = true;       // the stored copy is missing, legacy or of another chunk size
  var legacyStored = false;

  function markDirty(position, length) {
    if (allDirty || length <= 0) return;
    for (var i = Math.floor(position / CHUNK); i <= Math.floor((position + length - 1) / CHUNK); i++) dirty[i] = true;
  }

  function watchWrites() {
    var write = FS.write;
    FS.write = function (stream, buffer, offset, length, position) {
      var at = typeof position === 'number' ? position : stream.position;
      var n = write.apply(this, arguments);
      if (stream.path === DB_PATH) markDirty(at, n);
      return n;
    };
    // Encrypting a store an older Parley wrote builds a new file and renames it over the
    // old one (core/encryption.h): every chunk of it is new.
    var rename = FS.rename;
    FS.rename = function (from, to) {
      var r = rename.apply(this, arguments);
      if (to === DB_PATH) allDirty = true;
      return r;
    };
  }

  function readStored() {
    return new Promise(function (resolve, reject) {
      var tx = idb.transaction(IDB_STORE, 'readonly');
      var store = tx.objectStore(IDB_STORE);
      var out = { manifest: null, legacy: null, keys: [], chunks: [] };
      store.get(MANIFEST).onsuccess = function (e) { out.manifest = e.target.result || null; };
      store.get(IDB_KEY).onsuccess = function (e) { out.legacy = e.target.result || null; };
      var range = IDBKeyRange.bound(CHUNK_LOW, CHUNK_HIGH, false, true);
      store.getAllKeys(range).onsuccess = function (e) { out.keys = e.target.result; };
      store.getAll(range).onsuccess = function (e) { out.chunks = e.target.result; };
      tx.oncomplete = function () { resolve(assemble(out)); };
      tx.onerror = tx.onabort = function () { reject(tx.error); };
    });
  }

  // Returns {bytes, generation} or null when nothing is stored; throws when the stored
  // copy is incomplete (never start from part of a database).
  function assemble(out) {
    if (out.manifest) {
      var m = out.manifest, bytes = new Uint8Array(m.size), count = Math.ceil(m.size / m.chunk);
      var seen = 0;
      for (var k = 0; k < out.keys.length; k++) {
        var i = parseInt(out.keys[k].slice(CHUNK_LOW.length), 10);
        if (i >= count) continue;
        var part = new Uint8Array(out.chunks[k]);
        bytes.set(part.subarray(0, Math.min(part.length, m.size - i * m.chunk)), i * m.chunk);
        seen++;
      }
      if (seen !== count) throw new Error('part of the stored database is missing (' + seen + ' of ' + count + ' pieces)');
      legacyStored = !!out.legacy;
      allDirty = m.chunk !== CHUNK || legacyStored;
      return { bytes: bytes, generation: m.generation || 0 };
    }
    if (out.legacy && out.legacy.bytes) {
      legacyStored = true;
      return { bytes: new Uint8Array(out.legacy.bytes), generation: out.legacy.generation || 0 };
    }
    return null;
  }

  Module.preRun = Module.preRun || [];
  Module.preRun.push(function () {
    addRunDependency('parley-storage');
    FS.mkdir('/data');
    watchWrites();
    openIdb().then(function (db) {
      idb = db;
      return readStored();
    }).then(function (record) {
      if (record) {
        FS.writeFile(DB_PATH, record.bytes);
        // What was just loaded is what is stored: only later writes need saving (unless
        // assemble() found the copy must be rewritten whole: allDirty).
        dirty = {};
        globalThis.parleyStoredGeneration = record.generation;
      } else if (localStorage.getItem(SAVED_FLAG)) {
        // Never silently start empty over records that were here (item 5).
        env.storageProblem = 'The records saved on this device are missing: the browser may have cleared its storage.';
      }
    }).catch(function (e) {
      env.storageProblem = 'This browser would not open its storage (IndexedDB): ' + (e && e.message ? e.message : e);
    }).then(function () {
      if (navigator.storage && navigator.storage.persisted)
        navigator.storage.persisted().then(function (p) { env.persisted = !!p; wake(); });
      removeRunDependency('parley-storage');
    });
  });

  function writeNow(generation) {
    inFlight = true;
    var contents, size;
    if (!FS.analyzePath(DB_PATH).exists) { storeAbsence(generation); return; }
    try {
      var node = FS.lookupPath(DB_PATH).node;
      size = node.usedBytes;
      contents = node.contents;
      if (!(contents instanceof Uint8Array)) contents = FS.readFile(DB_PATH);
    } catch (e) {
      finish(generation, false, 'could not read the database: ' + e.message);
      return;
    }
    // Take this save's dirty set now: writes made while it is in flight belong to the next.
    var count = Math.ceil(size / CHUNK), indices = [];
    var wroteAll = allDirty;
    if (allDirty) for (var i = 0; i < count; i++) indices.push(i);
    else for (var key in dirty) if (+key < count) indices.push(+key);
    var taken = dirty;
    dirty = {};
    allDirty = false;
    var tx;
    try {
      // 'strict': the write has reached the disk when 'complete' fires, not just the OS cache.
      tx = idb.transaction(IDB_STORE, 'readwrite', { durability: 'strict' });
    } catch (e) {
      tx = idb.transaction(IDB_STORE, 'readwrite');
    }
    var store = tx.objectStore(IDB_STORE);
    for (var j = 0; j < indices.length; j++) {
      var start = indices[j] * CHUNK;
      // slice() copies just this chunk; IndexedDB keeps its own copy of what it is given.
      store.put(contents.slice(start, Math.min(start + CHUNK, size)).buffer, chunkKey(indices[j]));
    }
    // Chunks past the end (a smaller file, or another chunk size before): gone.
    store.delete(IDBKeyRange.bound(chunkKey(count), CHUNK_HIGH, false, true));
    var hadLegacy = legacyStored;
    if (hadLegacy) store.delete(IDB_KEY);
    store.put({ size: size, chunk: CHUNK, generation: generation, savedAt: Date.now() }, MANIFEST);
    var epoch = eraseEpoch;
    tx.oncomplete = function () {
      if (hadLegacy) legacyStored = false;
      // A write begun before an erase must not mark the device as holding records again.
      if (epoch === eraseEpoch) try { localStorage.setItem(SAVED_FLAG, '1'); } catch (e) {}
      askPersistence();
      finish(generation, true, '');
    };
    var failed = false;
    tx.onabort = tx.onerror = function () {
      if (failed) return;   // 'error' is followed by 'abort': report once
      failed = true;
      // Not stored: what this save took must go with the next one.
      if (wroteAll) allDirty = true;
      for (var k in taken) dirty[k] = true;
      finish(generation, false, tx.error ? tx.error.message : 'the browser refused the write');
    };
  }

  // The store was erased (core/encryption.h erase_store): what is durable is its absence.
  function storeAbsence(generation) {
    var tx = idb.transaction(IDB_STORE, 'readwrite');
    tx.objectStore(IDB_STORE).clear();
    tx.oncomplete = function () { allDirty = true; dirty = {}; finish(generation, true, ''); };
    tx.onabort = tx.onerror = function () { finish(generation, false, tx.error ? tx.error.message : 'the browser refused the write'); };
  }

  // Erasing this device (a wipe from the office, or signing out with erase): the store's
  // database is deleted whole, not just emptied, and so are the app's caches and flags.
  // A fresh, empty database is opened for the store that may be made next.
  var eraseEpoch = 0;   // counts erases: writes begun before one do not set SAVED_FLAG
  function eraseLocalStorage() {
    eraseEpoch++;
    try { localStorage.removeItem(SAVED_FLAG); } catch (e) {}
    if (globalThis.caches) caches.keys().then(function (names) { names.forEach(function (n) { caches.delete(n); }); });
    allDirty = true;
    dirty = {};
    var old = idb;
    idb = null;
    if (old) old.close();
    var req = indexedDB.deleteDatabase(IDB_NAME);
    req.onsuccess = req.onerror = req.onblocked = function () {
      openIdb().then(function (db) { idb = db; globalThis.parleyErased = (globalThis.parleyErased || 0) + 1; wake(); });
    };
  }

  function finish(generation, ok, detail) {
    inFlight = false;
    globalThis.parleyDurableGeneration = ok ? generation : globalThis.parleyDurableGeneration;
    call('parley_persisted', ['number', 'number', 'string'], [generation, ok ? 1 : 0, detail]);
    if (pending) {
      var next = pending;
      pending = 0;
      writeNow(next);
    }
  }

  var askedPersistence = false;
  function askPersistence() {
    if (askedPersistence || !navigator.storage || !navigator.storage.persist) return;
    askedPersistence = true;
    navigator.storage.persist().then(function (granted) { env.persisted = !!granted; wake(); });
  }

  // ---- Server reachability (item 16): probe, never trust navigator.onLine -------------
  var probeDelay = 2000, probeTimer = 0;
  function probe() {
    clearTimeout(probeTimer);
    var ctrl = typeof AbortController !== 'undefined' ? new AbortController() : null;
    var timeout = setTimeout(function () { if (ctrl) ctrl.abort(); }, 3000);
    fetch('api/health', { cache: 'no-store', signal: ctrl ? ctrl.signal : undefined }).then(function (r) {
      return r.ok;
    }).catch(function () { return false; }).then(function (ok) {
      clearTimeout(timeout);
      if (ok !== env.online) {
        env.online = ok;
        parleyBridge.announce(ok ? 'Online' : 'Offline');
        if (ok && Module._parley_sync_now) Module._parley_sync_now();   // reachable again: sync now
        wake();
      }
      probeDelay = ok ? 30000 : Math.min(probeDelay * 2, 60000);
      probeTimer = setTimeout(probe, probeDelay);
    });
  }

  // ---- Office-server requests of the sync engine (sync/client.h) ------------------------
  // One fetch per request; the answer (status 0 when it failed or timed out) goes back to
  // C++, which applies it on its next frame. No HTTP cache: every answer must be fresh.
  function http(id, method, url, body, token) {
    var ctrl = typeof AbortController !== 'undefined' ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctrl) ctrl.abort(); }, 30000);
    var headers = {};
    if (token) headers['Authorization'] = 'Bearer ' + token;
    if (method === 'POST') headers['Content-Type'] = 'application/json';
    fetch(url, { method: method, headers: headers, body: method === 'POST' ? body : undefined, cache: 'no-store',
                 credentials: 'omit', signal: ctrl ? ctrl.signal : undefined }).then(function (r) {
      return r.text().then(function (text) { return [r.status, text]; });
    }).catch(function () { return [0, '']; }).then(function (answer) {
      clearTimeout(timer);
      call('parley_http_response', ['number', 'number', 'string'], [id, answer[0], answer[1]]);
      wake();
    });
  }

  // ---- The bridge C++ calls -------------------------------------------------------------
  globalThis.parleyBridge = {
    http: http,
    eraseLocalStorage: eraseLocalStorage,
    persist: function (generation) {
      if (!idb) { finish(generation, false, 'storage is not available in this browser'); return; }
      if (inFlight) { pending = generation; return; }
      writeNow(generation);
    },
    announce: function (text) {
      var el = document.getElementById('announce');
      if (!el) return;
      el.textContent = '';
      setTimeout(function () { el.textContent = text; }, 30);
    },
    print: function (title, html) {
      // A hidden frame, so no pop-up blocker or network is involved; "Save as PDF" works.
      globalThis.parleyLastPrint = html;
      var old = document.getElementById('parley-print');
      if (old) old.remove();
      var frame = document.createElement('iframe');
      frame.id = 'parley-print';
      frame.title = title;
      frame.setAttribute('aria-hidden', 'true');
      frame.style.cssText = 'position:fixed;right:0;bottom:0;width:0;height:0;border:0';
      frame.srcdoc = html;
      frame.onload = function () { try { frame.contentWindow.focus(); frame.contentWindow.print(); } catch (e) {} };
      document.body.appendChild(frame);
    },
    clipboard: function (text) {
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).catch(function () {});
    },
    textInput: function (active, x, y, h, label, kind, beforeCaret) {
      if (!ime) return;
      if (active) {
        // Announced by its field's name, never "Text input". It holds the text before the
        // caret (nothing for a secret), so the keyboard's capitals, suggestions and
        // autocorrect see the sentence being written (imeContext below).
        imeSecret = / secret$/.test(kind);
        kind = kind.replace(/ secret$/, '');
        ime.setAttribute('aria-label', label || 'Text input');
        ime.setAttribute('inputmode', inputMode(kind));
        textFieldKind(ime, kind);
        imeContext(beforeCaret || '', label !== imeLabel);   // another field: its own text at once
        imeLabel = label;
        var r = canvas.getBoundingClientRect();
        ime.style.left = (r.left + x) + 'px';
        ime.style.top = (r.top + y) + 'px';
        ime.style.height = Math.max(h, 20) + 'px';
        if (document.activeElement !== ime) ime.focus({ preventScroll: true });
      } else {
        imeContext('', true);   // no copy of a record's text left in the page
        imeLabel = null;
        if (document.activeElement === ime) ime.blur();
      }
    },
    mirror: function (json) {
      var data = JSON.parse(json);
      mirrorItems = data.items;
      globalThis.parleyMirror = data;
      renderMirror(data);
    },
    environment: function () {
      env.updateWaiting = !!(globalThis.parleyUpdate && globalThis.parleyUpdate.waiting);
      return env;
    },
    applyUpdate: function () {
      // Only once everything is durable (item 15).
      if (inFlight || pending) return;
      if (globalThis.parleyUpdate && globalThis.parleyUpdate.apply) globalThis.parleyUpdate.apply();
    },
  };

  // ---- The accessible DOM copy of the screen (docs/web-client.md, "Accessibility") ------
  // One real element per widget, laid over it so a screen reader's touch exploration finds
  // it, kept from frame to frame by key so focus and a half-typed value survive a rebuild.
  // What a person does to an element goes back to C++ as a mirror action on the widget's
  // id (parley_mirror_action): it acts whether or not the widget is scrolled into view.
  // The elements are invisible and take no pointer events (fingers reach the canvas); the
  // canvas draws the keyboard focus ring (parley_mirror_focus).
  var mirrorEls = new Map();   // key -> element
  var FIELD_ATTRS = {          // FieldKind -> autocomplete, autocapitalize, autocorrect
    prose: ['off', 'sentences', 'on'], name: ['off', 'words', 'off'], code: ['off', 'off', 'off'],
    number: ['off', 'off', 'off'], url: ['url', 'off', 'off'],
    username: ['username', 'off', 'off'], password: ['current-password', 'off', 'off'],
    'new-password': ['new-password', 'off', 'off'],
  };
  function mirrorAct(el, kind, text, number) {
    var it = el._item;
    if (!it.id) {   // nothing to act on by id: a press where it is drawn
      if (kind === 0) call('parley_tap', ['number', 'number'], [it.x + it.w / 2, it.y + it.h / 2]);
      return;
    }
    Module.ccall('parley_mirror_action', null, ['number', 'number', 'string', 'number'], [it.id, kind, text || '', number || 0]);
  }
  function mirrorFocus(id) { Module.ccall('parley_mirror_focus', null, ['number'], [id]); }
  function fieldKind(it) { return (it.kind || 'prose').split(' ')[0]; }
  function isSecret(it) { return /secret/.test(it.kind || ''); }
  function inputMode(kind) { return kind === 'number' ? 'numeric' : kind === 'url' ? 'url' : 'text'; }
  // The hidden textarea takes the field's capitals, autocorrect and spelling (not its
  // autocomplete: a password manager fills the DOM copy's fields, not this one).
  function textFieldKind(el, kind) {
    var a = FIELD_ATTRS[kind] || FIELD_ATTRS.prose;
    if (el.getAttribute('autocapitalize') !== a[1]) el.setAttribute('autocapitalize', a[1]);
    if (el.getAttribute('autocorrect') !== a[2]) el.setAttribute('autocorrect', a[2]);
    el.spellcheck = a[2] === 'on';
  }
  function pressImGuiKey(name) {
    var k = Module._parley_imgui_key ? Module.ccall('parley_imgui_key', 'number', ['string'], [name]) : -1;
    if (k >= 0) { call('parley_key', ['number', 'number'], [k, 1]); call('parley_key', ['number', 'number'], [k, 0]); }
  }
  // Puts the app's text before the caret in the hidden textarea, caret at its end; while
  // the app has not yet caught up with what was just sent (up to 1 s), its older text is
  // not put back over the newer.
  function imeContext(text, force) {
    if (!force && (composing || (imeSent !== null && text !== imeSent && performance.now() - imeSentAt < 1000))) return;
    imeSent = null;
    if (ime.value !== text) ime.value = text;
    imeHeld = text;
    if (document.activeElement === ime && (ime.selectionStart !== text.length || ime.selectionEnd !== text.length))
      ime.setSelectionRange(text.length, text.length);
  }
  // Sends the app what changed in the hidden textarea since imeHeld. A secret's textarea is
  // emptied at once: a PIN or password never stays in the page.
  function deliverIme() {
    var was = Array.from(imeHeld), now = Array.from(ime.value), same = 0;
    while (same < was.length && same < now.length && was[same] === now[same]) same++;
    for (var i = same; i < was.length; i++) pressImGuiKey('Backspace');
    var lines = now.slice(same).join('').split('\n');
    for (var j = 0; j < lines.length; j++) {
      if (j > 0) pressImGuiKey('Enter');
      if (lines[j]) call('parley_text', ['string'], [lines[j]]);
    }
    if (imeSecret) { ime.value = ''; imeHeld = ''; imeSent = null; return; }
    imeHeld = ime.value;
    imeSent = ime.value;
    imeSentAt = performance.now();
  }

  function makeMirrorElement(it, tag) {
    var el = document.createElement(tag);
    if (tag === 'button') {
      el.type = 'button';
      el.addEventListener('click', function () { mirrorAct(el, 0); });
    } else if (it.role === 'checkbox') {
      el.type = 'checkbox';
      el.addEventListener('change', function () { mirrorAct(el, 2, '', el.checked ? 1 : 0); });
    } else if (tag === 'input' || tag === 'textarea') {
      if (tag === 'input') el.type = isSecret(it) ? 'password' : 'text';
      var a = FIELD_ATTRS[fieldKind(it)] || FIELD_ATTRS.prose;
      el.setAttribute('autocomplete', a[0]);
      el.setAttribute('autocapitalize', a[1]);
      el.setAttribute('autocorrect', a[2]);
      el.spellcheck = a[2] === 'on';
      el.inputMode = inputMode(fieldKind(it));
      if (fieldKind(it) === 'username') el.name = 'username';
      el.addEventListener('input', function () { mirrorAct(el, 1, el.value); });
    } else if (tag === 'select') {
      el.addEventListener('change', function () { mirrorAct(el, 3, '', el.selectedIndex - (el._placeholder ? 1 : 0)); });
    }
    el.addEventListener('focus', function () {
      var root = el.parentNode;
      if (root) { root.scrollTop = 0; root.scrollLeft = 0; }   // the canvas scrolls instead
      if (el._item.id) mirrorFocus(el._item.id);
    });
    el.addEventListener('blur', function () { mirrorFocus(0); });
    return el;
  }

  function mirrorTag(it, firstHeading) {
    switch (it.role) {
      case 'button': case 'link': case 'option': return 'button';
      case 'textbox': return /multiline/.test(it.kind || '') ? 'textarea' : 'input';
      case 'checkbox': return 'input';
      case 'combobox': return 'select';
      case 'heading': return firstHeading ? 'h1' : 'h2';
      default: return 'p';
    }
  }

  function updateCombobox(el, it) {
    var opts = it.options || [], index = opts.indexOf(it.value);
    var wanted = (index < 0 ? ['Choose…'] : []).concat(opts);
    var have = Array.prototype.map.call(el.options, function (o) { return o.text; });
    if (have.join('\n') !== wanted.join('\n')) {
      el.replaceChildren.apply(el, wanted.map(function (t) { var o = document.createElement('option'); o.text = t; return o; }));
    }
    el._placeholder = index < 0;
    el.selectedIndex = index < 0 ? 0 : index;
  }

  function updateMirrorElement(el, it) {
    el._item = it;
    var st = el.style;
    st.left = it.x + 'px'; st.top = it.y + 'px';
    st.width = Math.max(it.w, 1) + 'px'; st.height = Math.max(it.h, 1) + 'px';
    var focused = document.activeElement === el;
    if (it.role === 'button' || it.role === 'link' || it.role === 'option') {
      var text = it.label + (it.value && it.role !== 'option' ? ' (' + it.value + ')' : '');
      if (el.textContent !== text) el.textContent = text;
      if (it.role === 'option') el.setAttribute('aria-pressed', it.value === 'selected' ? 'true' : 'false');
    } else if (it.role === 'textbox') {
      el.setAttribute('aria-label', it.label);
      // The person's own typing wins while they are in the field; a secret is never copied
      // into the page, only cleared when the app cleared it.
      if (isSecret(it)) { if (!it.value && el.value && !focused) el.value = ''; }
      else if (!focused && el.value !== it.value) el.value = it.value;
    } else if (it.role === 'checkbox') {
      el.setAttribute('aria-label', it.label);
      el.checked = it.value === 'checked';
    } else if (it.role === 'combobox') {
      el.setAttribute('aria-label', it.label);
      updateCombobox(el, it);
    } else if (it.role === 'img') {
      el.setAttribute('role', 'img');
      el.setAttribute('aria-label', it.label);
    } else {
      if (el.textContent !== it.label) el.textContent = it.label;
      if (it.role === 'alert') el.setAttribute('role', 'note');
      if (it.role === 'step' && it.value === 'current') el.setAttribute('aria-current', 'step');
      else el.removeAttribute('aria-current');
    }
  }

  function renderMirror(data) {
    var root = document.getElementById('mirror');
    if (!root) return;
    root.setAttribute('data-screen', data.screen);
    var seen = {}, keys = [], tags = [], firstHeading = true;
    data.items.forEach(function (it) {
      var tag = mirrorTag(it, it.role === 'heading' && firstHeading);
      if (it.role === 'heading') firstHeading = false;
      var base = tag + ':' + (it.id ? 'i' + it.id : it.role + ':' + it.label);
      seen[base] = (seen[base] || 0) + 1;
      keys.push(seen[base] > 1 ? base + '#' + seen[base] : base);
      tags.push(tag);
    });
    // Gone elements leave first, so an element that stays is never moved past them:
    // moving a node in the DOM takes its focus away.
    var keep = new Set(keys);
    mirrorEls.forEach(function (el, key) {
      if (!keep.has(key)) { el.remove(); mirrorEls.delete(key); }
    });
    data.items.forEach(function (it, at) {
      var el = mirrorEls.get(keys[at]);
      if (!el) { el = makeMirrorElement(it, tags[at]); mirrorEls.set(keys[at], el); }
      updateMirrorElement(el, it);
      el.dataset.role = it.role;
      el.dataset.x = it.x; el.dataset.y = it.y; el.dataset.w = it.w; el.dataset.h = it.h;
      if (root.children[at] !== el) root.insertBefore(el, root.children[at] || null);
    });
  }

  globalThis.parleyReady = function () {
    globalThis.parleyIsReady = true;
    var loading = document.getElementById('loading');
    if (loading) loading.hidden = true;
    probe();
  };
  globalThis.parleyFatal = function (message) {
    var loading = document.getElementById('loading');
    if (loading) { loading.hidden = false; loading.textContent = message; }
  };
  globalThis.parleyStorageUnreadable = function () {
    env.storageProblem = 'The records stored on this device could not be read.';
  };

  // ---- Input (items 7-10, 12) -----------------------------------------------------------
  function inTextbox(x, y) {
    for (var i = 0; i < mirrorItems.length; i++) {
      var it = mirrorItems[i];
      if (it.role === 'textbox' && x >= it.x && x <= it.x + it.w && y >= it.y && y <= it.y + it.h) return true;
    }
    return false;
  }

  function setup() {
    canvas = document.getElementById('canvas');
    ime = document.getElementById('ime');
    // The part of the page an on-screen keyboard covers without the browser shrinking the
    // page (iOS Safari): the canvas is made that much shorter (index.html's --keyboard), so
    // the app sees a smaller display and scrolls the field being typed into above it. Not
    // while pinch-zoomed, when the visual viewport is smaller for another reason.
    function keyboardCover() {
      var vv = window.visualViewport;
      if (!vv || Math.abs(vv.scale - 1) > 0.01) return 0;
      return Math.max(0, Math.round(window.innerHeight - vv.height - vv.offsetTop));
    }
    function resize() {
      document.documentElement.style.setProperty('--keyboard', keyboardCover() + 'px');
      var r = canvas.getBoundingClientRect();
      call('parley_resize', ['number', 'number', 'number'], [r.width, r.height, window.devicePixelRatio || 1]);
    }
    window.addEventListener('resize', resize);
    if (window.visualViewport) window.visualViewport.addEventListener('resize', resize);
    (function watchDpr() {
      var mq = matchMedia('(resolution: ' + (window.devicePixelRatio || 1) + 'dppx)');
      mq.addEventListener('change', function () { resize(); watchDpr(); }, { once: true });
    })();
    resize();

    function local(e) {
      var r = canvas.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    }
    canvas.addEventListener('pointermove', function (e) {
      if (e.pointerType === 'touch') return;
      var p = local(e); call('parley_pointer', ['number', 'number', 'number'], [0, p[0], p[1]]);
    });
    canvas.addEventListener('pointerdown', function (e) {
      if (e.pointerType === 'touch') return;
      var p = local(e); call('parley_pointer', ['number', 'number', 'number'], [1, p[0], p[1]]);
    });
    window.addEventListener('pointerup', function (e) {
      if (e.pointerType === 'touch') return;
      var p = local(e); call('parley_pointer', ['number', 'number', 'number'], [2, p[0], p[1]]);
    });
    canvas.addEventListener('pointerleave', function (e) {
      if (e.pointerType === 'touch') return;
      call('parley_pointer', ['number', 'number', 'number'], [3, 0, 0]);
    });
    canvas.addEventListener('wheel', function (e) {
      e.preventDefault();
      call('parley_wheel', ['number'], [-e.deltaY / (e.deltaMode === 1 ? 3 : 100)]);
    }, { passive: false });

    // Touch: a still finger is a tap where it lands, or held for LONG_PRESS_MS the
    // secondary action; a moving one scrolls (items 8, 9).
    var touch = null, LONG_PRESS_MS = 500;
    canvas.addEventListener('touchstart', function (e) {
      e.preventDefault();
      var t = e.changedTouches[0], p = local(t);
      touch = { id: t.identifier, x: p[0], y: p[1], lastY: p[1], moved: false, at: performance.now() };
    }, { passive: false });
    canvas.addEventListener('touchmove', function (e) {
      e.preventDefault();
      if (!touch) return;
      var t = e.changedTouches[0], p = local(t);
      if (!touch.moved && Math.hypot(p[0] - touch.x, p[1] - touch.y) > 10) touch.moved = true;
      if (touch.moved) {
        call('parley_drag', ['number', 'number', 'number', 'number'], [p[0], p[1], p[1] - touch.lastY, 1]);
        touch.lastY = p[1];
      }
    }, { passive: false });
    canvas.addEventListener('touchend', function (e) {
      e.preventDefault();
      if (!touch) return;
      var t = e.changedTouches[0], p = local(t);
      if (touch.moved) {
        call('parley_drag', ['number', 'number', 'number', 'number'], [p[0], p[1], 0, 0]);
      } else {
        // iOS raises the keyboard only for a focus made inside the touch handler (item 7).
        if (performance.now() - touch.at >= LONG_PRESS_MS) {
          // Held still: the secondary action (a menu), not a tap (item 9).
          call('parley_long_press', ['number', 'number'], [p[0], p[1]]);
        } else {
          if (inTextbox(p[0], p[1])) ime.focus({ preventScroll: true });
          call('parley_tap', ['number', 'number'], [p[0], p[1]]);
        }
      }
      touch = null;
    }, { passive: false });
    canvas.addEventListener('touchcancel', function () {
      if (touch && touch.moved) call('parley_drag', ['number', 'number', 'number', 'number'], [0, 0, 0, 0]);
      touch = null;
    });

    // Text arrives through the hidden textarea, so on-screen keyboards, IMEs and Android's
    // keyCode-229 keyboards all work. The textarea holds the text before the caret, as the
    // app last said (textInput); each change to it is sent to the app as the difference
    // from what it held: Backspaces for what was taken away (a suggestion or autocorrect
    // replaces a word this way), then the new text, an Enter for each line break.
    ime.addEventListener('compositionstart', function () { composing = true; });
    ime.addEventListener('compositionend', function () { composing = false; deliverIme(); });
    ime.addEventListener('beforeinput', function (e) {
      if (e.inputType === 'deleteContentBackward' && ime.selectionStart === 0 && ime.selectionEnd === 0) pressImGuiKey('Backspace');
    });
    ime.addEventListener('input', function () { if (!composing) deliverIme(); });
    function keyName(e) {
      if (e.key === 'Control' || e.key === 'Shift' || e.key === 'Alt' || e.key === 'Meta') return e.key;
      if (e.key === ' ') return 'Space';
      // Ctrl+V is left to the browser: its 'paste' event delivers the text (from any app)
      // exactly once.
      if (/^Key[ACXYZ]$/.test(e.code) && (e.ctrlKey || e.metaKey)) return e.code;
      return e.key;
    }
    // Dear ImGui ignores characters typed while Ctrl/Cmd is held, so a keyboard paste is
    // delivered once those keys are up. null = paste Parley's own clipboard buffer.
    var held = { Control: false, Meta: false }, pendingPaste = null;
    function deliverPaste(text) {
      if (held.Control || held.Meta) { pendingPaste = { text: text }; return; }
      if (text) call('parley_paste', ['string'], [text]);
      else call('parley_paste_own', [], []);
    }
    // Tab from a field being typed into on the canvas: the edit ends (keeping the text, as
    // Escape does) and focus moves through the DOM copy, in reading order, from that field.
    function tabFromCanvasField(e) {
      var root = document.getElementById('mirror');
      var active = -1;
      for (var i = 0; i < mirrorItems.length; i++) if (mirrorItems[i].role === 'textbox' && mirrorItems[i].focused) active = i;
      var escape = Module.ccall('parley_imgui_key', 'number', ['string'], ['Escape']);
      call('parley_key', ['number', 'number'], [escape, 1]); call('parley_key', ['number', 'number'], [escape, 0]);
      ime.blur();
      var els = Array.prototype.filter.call(root ? root.children : [], function (el) { return el.tabIndex >= 0; });
      var here = active >= 0 && root ? root.children[active] : null, pos = els.indexOf(here);
      var next = els[pos < 0 ? 0 : (pos + (e.shiftKey ? els.length - 1 : 1)) % els.length];
      if (next) next.focus({ preventScroll: true });
    }
    function onKey(down) {
      return function (e) {
        if (e.keyCode === 229) return;   // composition: text comes through 'input'
        // Keys in the DOM copy are the DOM's: Tab moves focus, Enter and Space press,
        // typing edits the element (which tells C++).
        var root = document.getElementById('mirror');
        if (root && root.contains(e.target)) return;
        if (e.key === 'Tab') {
          e.preventDefault();
          if (down && document.activeElement === ime) tabFromCanvasField(e);
          else if (down) { var first = root && root.querySelector('button, input, textarea, select'); if (first) first.focus(); }
          return;
        }
        if (e.code === 'KeyV' && (e.ctrlKey || e.metaKey)) {
          // Keyboard paste: read the system clipboard ourselves (the browser's own paste is
          // suppressed so text arrives once), or Parley's own buffer if that is refused.
          e.preventDefault();
          if (!down) return;
          if (navigator.clipboard && navigator.clipboard.readText)
            navigator.clipboard.readText().then(function (t) { deliverPaste(t || null); }, function () { deliverPaste(null); });
          else deliverPaste(null);
          return;
        }
        if (e.key === 'Control' || e.key === 'Meta') {
          held[e.key] = down;
          if (!down && !held.Control && !held.Meta && pendingPaste) {
            var p = pendingPaste;
            pendingPaste = null;
            setTimeout(function () { deliverPaste(p.text); }, 0);
          }
        }
        var k = Module.ccall('parley_imgui_key', 'number', ['string'], [keyName(e)]);
        if (k >= 0) {
          call('parley_key', ['number', 'number'], [k, down ? 1 : 0]);
          if (e.key === 'Tab' || e.key === 'Backspace' || (e.key === 'Enter' && document.activeElement === ime)) e.preventDefault();
        } else if (down && document.activeElement !== ime && e.key.length === 1 && !e.ctrlKey && !e.metaKey) {
          call('parley_text', ['string'], [e.key]);   // a physical keyboard with no field focused
        }
      };
    }
    window.addEventListener('keydown', onKey(true));
    window.addEventListener('keyup', onKey(false));
    document.addEventListener('paste', function (e) {
      var text = e.clipboardData ? e.clipboardData.getData('text/plain') : '';
      if (text) { e.preventDefault(); call('parley_paste', ['string'], [text]); }   // e.g. the iPad paste menu
    });

    // Flush when hidden; never rely on unload on mobile (item 2). Writes start on every
    // commit already, so this only wakes a frame to keep the status current.
    // Hidden time counts toward auto-lock (docs/security.md). No frames are drawn while
    // hidden, so a timer asks C++ whether it is time to lock (hidden tabs still run timers,
    // at most once a minute).
    var lockTimer = 0;
    document.addEventListener('visibilitychange', function () {
      var hidden = document.visibilityState === 'hidden';
      if (Module._parley_visibility) Module._parley_visibility(hidden ? 1 : 0);
      clearInterval(lockTimer);
      if (hidden) lockTimer = setInterval(function () { if (Module._parley_lock_if_due) Module._parley_lock_if_due(); }, 15000);
      else wake();
    });
    window.addEventListener('online', function () { probeDelay = 2000; probe(); });
    window.addEventListener('offline', function () { probe(); });

    var ua = navigator.userAgent || '';
    var ios = /iPad|iPhone|iPod/.test(ua) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
    var standalone = navigator.standalone === true || (window.matchMedia && matchMedia('(display-mode: standalone)').matches);
    env.iosTab = ios && !standalone;
  }

  Module.onRuntimeInitialized = (function (previous) {
    return function () { setup(); if (previous) previous(); };
  })(Module.onRuntimeInitialized);
})();
