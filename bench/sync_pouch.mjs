// bench/sync_pouch.mjs — the CouchDB-replication side of bench/sync_bench.mjs:
// pouchdb-server (express-pouchdb, --in-memory) as the server, pouchdb-node as the device.
//
// Modelling: one CouchDB document per Parley event, _id "<challenge>:<event id>", the
// document's fields being the event's own (the same JSON the Parley side sends). An
// append-only log of immutable events maps onto CouchDB without conflicts this way; one
// document per challenge with a revision per event would make two offline devices write
// conflicting revisions that the app has to resolve by hand.
//
// Two clients are measured against the same server:
//   replicator — what an app would use: a pouchdb-node database on disk (leveldown) per
//                device, synced with PouchDB.replicate / PouchDB.sync (default options);
//   raw        — node drives CouchDB's HTTP API directly, exactly as the Parley side is
//                driven (no local store): POST _bulk_docs to push, GET _changes to pull.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startPouchServer(root, workDir) {
  const bin = path.join(root, 'node_modules/.bin/pouchdb-server');
  if (!fs.existsSync(bin)) throw new Error(`${bin} missing: run npm ci (tools/setup does)`);
  const port = await freePort();
  fs.mkdirSync(workDir, { recursive: true });
  // -n: no per-request log on stdout (it still appends to log.txt in workDir).
  const child = spawn(bin, ['--in-memory', '--port', String(port), '-n'], { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pouchdb-server exited: ${out}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`);
      if (r.ok) { const j = await r.json(); if (j.couchdb || j.express_pouchdb || j.version) break; }
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`pouchdb-server did not answer on ${port}: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const version = require(path.join(root, 'node_modules/pouchdb-server/package.json')).version;
  return { port, child, version, stop: () => child.kill('SIGTERM') };
}

export function PouchDB() {
  return require('pouchdb-node');
}

export const toDoc = (e) => ({ _id: `${e.challenge}:${e.id}`, ...e });

export async function loadLocal(db, challenges) {
  let docs = [];
  for (const c of challenges) for (const e of c.events) {
    docs.push(toDoc(e));
    if (docs.length === 1000) { await db.bulkDocs(docs); docs = []; }
  }
  if (docs.length) await db.bulkDocs(docs);
}

// Raw CouchDB client over a jsonClient (sync_proxy.mjs).
export function rawCouch(client, dbName) {
  return {
    async create() { await client.put(`/${dbName}`); },
    async push(events, batch = 2000) {
      for (let i = 0; i < events.length; i += batch) {
        const res = await client.post(`/${dbName}/_bulk_docs`, { docs: events.slice(i, i + batch).map(toDoc) });
        for (const r of res) if (r.error) throw new Error(`_bulk_docs: ${r.id}: ${r.error} ${r.reason}`);
      }
    },
    // Pulls every change after `since`, `limit` per request, as the replicator does
    // (stops on a short page). Returns {docs, since}.
    async pull(since, limit = 1000) {
      let n = 0;
      for (;;) {
        const res = await client.get(`/${dbName}/_changes?style=all_docs&include_docs=true&limit=${limit}&since=${encodeURIComponent(since)}`);
        n += res.results.length;
        since = res.last_seq;
        if (res.results.length < limit) return { docs: n, since };
      }
    },
  };
}
