// bench/sync_merge.mjs — merge cost for bench/sync_bench.mjs: two devices each append
// events offline to the same challenges; merge one device's history into the other's.
//   Parley:    the real CLI, `parley --db A.db import bundle-B.json` per challenge (parse,
//              hash and chain checks, SQLite commit, fold); a no-op import of the same
//              bundle is timed too, to show the fixed cost of a process + open + parse.
//   Automerge: one document per challenge, {events: [...]}, one change per event (strings
//              are scalar values in the 2.x default API); Automerge.merge of the two
//              in-memory documents, and applyChanges of B's changes (as bytes) into A.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { bundle } from './sync_workload.mjs';

const require = createRequire(import.meta.url);

export function parleyCliMerge({ cliBin, dir, base, a, b, proc }) {
  const db = path.join(dir, 'merge-a.db');
  const env = { ...process.env };
  const imp = (file) => JSON.parse(execFileSync(cliBin, ['--db', db, '--json', 'import', file], { env, encoding: 'utf8' }));
  const write = (name, c) => { const f = path.join(dir, name); fs.writeFileSync(f, JSON.stringify(bundle(c, proc))); return f; };
  const filesA = [], filesB = [];
  for (let i = 0; i < base.length; i++) {
    filesA.push(write(`a-${i}.json`, { id: base[i].id, events: [...base[i].events, ...a[i].events] }));
    filesB.push(write(`b-${i}.json`, { id: base[i].id, events: [...base[i].events, ...b[i].events] }));
  }
  for (const f of filesA) imp(f);             // device A's store: base + A's offline events
  let added = 0;
  const t0 = performance.now();
  for (const f of filesB) added += imp(f).added;
  const t1 = performance.now();
  let again = 0;
  for (const f of filesB) again += imp(f).added; // everything known now: the fixed cost
  const t2 = performance.now();
  const expected = b.reduce((n, c) => n + c.events.length, 0);
  if (added !== expected || again !== 0) throw new Error(`Parley import added ${added} (expected ${expected}), re-import added ${again}`);
  return { challenges: base.length, added, mergeMs: t1 - t0, noopMs: t2 - t1 };
}

export function automergeMerge({ base, a, b }) {
  const A = require('@automerge/automerge');
  const version = JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('@automerge/automerge')), '..', '..', 'package.json'), 'utf8')).version;
  const docsA = [], docsB = [], bases = [];
  for (let i = 0; i < base.length; i++) {
    let d = A.change(A.init('aa'.repeat(16)), (x) => { x.events = []; });
    for (const e of base[i].events) d = A.change(d, (x) => { x.events.push(e); });
    bases.push(d);
    let da = A.clone(d, 'a1'.repeat(16));
    for (const e of a[i].events) da = A.change(da, (x) => { x.events.push(e); });
    let db = A.clone(d, 'b2'.repeat(16));
    for (const e of b[i].events) db = A.change(db, (x) => { x.events.push(e); });
    docsA.push(da); docsB.push(db);
  }
  const targets = docsA.map((d) => A.clone(d));
  const t0 = performance.now();
  const merged = targets.map((d, i) => A.merge(d, docsB[i]));
  const t1 = performance.now();
  const changes = docsB.map((d, i) => A.getChanges(bases[i], d));
  const changeBytes = changes.reduce((n, cs) => n + cs.reduce((m, c) => m + c.length, 0), 0);
  const targets2 = docsA.map((d) => A.clone(d));
  const t2 = performance.now();
  const applied = targets2.map((d, i) => A.applyChanges(d, changes[i])[0]);
  const t3 = performance.now();
  const want = base[0].events.length + a[0].events.length + b[0].events.length;
  if (merged[0].events.length !== want || applied[0].events.length !== want)
    throw new Error(`Automerge merged ${merged[0].events.length} events, expected ${want}`);
  const savedBytes = merged.reduce((n, d) => n + A.save(d).length, 0);
  return { version, challenges: base.length, mergeMs: t1 - t0, applyMs: t3 - t2, changeBytes, savedBytes };
}
