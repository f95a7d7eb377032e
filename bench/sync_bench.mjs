// bench/sync_bench.mjs — Parley sync vs CouchDB-style replication (pouchdb-server +
// pouchdb-node) vs Automerge merge, side by side, one run, over loopback. Prints figures
// and ratios; asserts nothing about time (bench/README.md, docs/performance.md).
//
//   nice node bench/sync_bench.mjs [flags]
//
// Flags (defaults in brackets):
//   --challenges N [1000]  --events M [30]     the main workload: N challenges x M events
//   --big N [10000]        --big-events M [3]  the "one new event among N challenges" set
//   --offline K [2]        events each device adds offline to every main challenge
//   --merge N [100]        challenges in the merge-cost comparison (M events + K per side)
//   --pull-limit L [1000]  Parley pull page size and raw CouchDB _changes page size
//   --only LIST            sections: main,big,merge [all]
//   --json FILE            raw figures [build/test-output/sync-bench.json]
// Variables:
//   PARLEY_SERVER_BIN  [build/native-release/tools/server/parley-server]; if absent the
//                      Parley columns are skipped (said so in the output)
//   PARLEY_CLI_BIN     [build/native-release/parley]: checks the JS event hash against
//                      CLI-written events, and is the Parley side of the merge comparison
//   PARLEY_BENCH_USER / PARLEY_BENCH_PASSWORD: demo credentials, if the banner's can't be parsed
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCountingProxy, diff, jsonClient } from './sync_proxy.mjs';
import { startPouchServer, PouchDB, loadLocal, rawCouch, toDoc } from './sync_pouch.mjs';
import { startParleyServer, demoCredentials, signIn, ParleyDevice } from './sync_parley.mjs';
import { Device, makeChallenges, appendOffline, eventBytes, verifyAgainstCli, DEFAULT_PROCEDURE } from './sync_workload.mjs';
import { parleyCliMerge, automergeMerge } from './sync_merge.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ---- flags ------------------------------------------------------------------------------
const opts = { challenges: 1000, events: 30, big: 10000, 'big-events': 3, offline: 2, merge: 100, 'pull-limit': 1000, only: 'main,big,merge', json: 'build/test-output/sync-bench.json' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
  if (!m || !(m[1] in opts)) { console.error(`unknown flag ${a}; see the top of bench/sync_bench.mjs`); process.exit(2); }
  const v = m[2] ?? process.argv[++i];
  opts[m[1]] = typeof opts[m[1]] === 'number' ? Number(v) : v;
  if (typeof opts[m[1]] === 'number' && !(Number.isInteger(opts[m[1]]) && opts[m[1]] > 0)) { console.error(`--${m[1]} must be a positive whole number`); process.exit(2); }
}
const want = (s) => opts.only.split(',').includes(s);
const envPath = (name, dflt) => path.resolve(ROOT, process.env[name] || dflt);
const SERVER_BIN = envPath('PARLEY_SERVER_BIN', 'build/native-release/tools/server/parley-server');
const CLI_BIN = envPath('PARLEY_CLI_BIN', 'build/native-release/parley');
const HAVE_SERVER = fs.existsSync(SERVER_BIN);
const HAVE_CLI = fs.existsSync(CLI_BIN);

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-syncbench-'));
const RUN = Math.random().toString(36).slice(2, 8);
const now = () => performance.now();
const log = (...a) => console.error('[sync-bench]', ...a);
const results = { opts, started: new Date().toISOString(), loadavg: [os.loadavg()], node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model };
const stoppers = [];
const children = [];
// A crash must not leave servers behind or the scratch folder on disk.
process.on('exit', () => {
  for (const c of children) { try { c.kill('SIGTERM'); } catch { /* gone */ } }
  fs.rmSync(TMP, { recursive: true, force: true });
});

// CPU time (user + system, ms) a server process has used so far: less moved by other load
// on a shared machine than wall time.
function cpuMs(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in 1/100 s
  } catch { return NaN; }
}
async function measure(proxy, fn) {
  const s0 = proxy.snapshot();
  const c0 = cpuMs(proxy.serverPid);
  const t0 = now();
  const value = await fn();
  const ms = now() - t0;
  return { ms, serverCpuMs: cpuMs(proxy.serverPid) - c0, ...diff(s0, proxy.snapshot()), value };
}

// ---- setup ------------------------------------------------------------------------------
let proc = DEFAULT_PROCEDURE;
if (HAVE_CLI) {
  const v = verifyAgainstCli(CLI_BIN);
  proc = v.proc;
  results.hashCheck = `${v.checked} CLI-written events: JS hash equal`;
  log(`hash check: ${results.hashCheck}`);
} else log(`no CLI at ${CLI_BIN}: hash not checked against the CLI, merge has no Parley side`);

const pouchSrv = await startPouchServer(ROOT, path.join(TMP, 'pouchdb-server'));
stoppers.push(() => pouchSrv.stop());
children.push(pouchSrv.child);
const pouchProxy = await startCountingProxy(pouchSrv.port);
pouchProxy.serverPid = pouchSrv.child.pid;
stoppers.push(() => pouchProxy.close());
const P = PouchDB();
results.pouch = { server: `pouchdb-server ${pouchSrv.version} --in-memory`, client: `pouchdb-node ${P.version}` };

let author = { name: 'Sam Example', job_title: 'Social Worker', agency: 'Northshire Council Adult Social Care', role: 'practitioner' };
let challenged = 'Northshire Police';
const OTHER_AGENCIES = ['Demo Police', 'Demo Community Health', 'Demo Housing Trust', 'Northshire Police'];
let parley = null; // {srv, proxy, creds, d1, d2}
async function parleyServer(tag) {
  const srv = await startParleyServer(SERVER_BIN, path.join(TMP, `parley-${tag}`));
  stoppers.push(() => srv.stop());
  children.push(srv.child);
  const proxy = await startCountingProxy(srv.port);
  proxy.serverPid = srv.child.pid;
  stoppers.push(() => proxy.close());
  const creds = demoCredentials(srv.banner);
  return { srv, proxy, creds };
}
async function parleyDevice(p, name) {
  const s = await signIn(p.proxy.url, p.creds, `bench-${name}-${RUN}`);
  return new ParleyDevice(s, proc);
}
const userAuthor = (u) => ({ name: u.name, job_title: u.job_title || '', agency: u.agency, role: u.role || '' });
if (HAVE_SERVER) {
  parley = await parleyServer('main');
  parley.d1 = await parleyDevice(parley, 'd1');
  parley.d2 = await parleyDevice(parley, 'd2');
  author = userAuthor(parley.d1.s.user);
  challenged = OTHER_AGENCIES.find((a) => a !== author.agency);
  results.parley = { server: SERVER_BIN, user: parley.d1.s.username, agency: author.agency };
  log(`parley-server on ${parley.srv.port}, signed in as ${parley.d1.s.username} (${author.agency})`);
} else log(`no parley-server at ${SERVER_BIN}: Parley columns skipped`);
const dev1Id = parley ? parley.d1.s.device : `bench-d1-${RUN}`;
const dev2Id = parley ? parley.d2.s.device : `bench-d2-${RUN}`;

const rows = []; // {section, measure, rep, raw, parley, unit, note}
const fmtMs = (x) => (x === undefined ? '—' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 2 : 0)} ms`);
const fmtB = (x) => (x === undefined ? '—' : x >= 1e6 ? `${(x / 1e6).toFixed(2)} MB` : x >= 1e4 ? `${(x / 1e3).toFixed(1)} KB` : `${x} B`);
const upDown = (m) => (m ? `${m.up} B / ${m.down} B` : undefined);
const fmtN = (x) => (x === undefined ? '—' : Math.round(x).toLocaleString('en-GB'));

// ---- main workload: ingest, cold pull, no-op, converge -----------------------------------
if (want('main')) {
  const N = opts.challenges, M = opts.events;
  const d1 = new Device({ id: dev1Id, author, seed: 1 });
  const d2 = new Device({ id: dev2Id, author, seed: 2, startMs: 1768910400000 + 5e9 });
  const data = makeChallenges({ device: d1, count: N, eventsEach: M, proc, challengedAgency: challenged, prefix: `B${RUN}-` });
  const all = data.flatMap((c) => c.events);
  const sz = eventBytes(data);
  results.main = { events: sz.n, avgEventBytes: Math.round(sz.bytes / sz.n), payloadBytes: sz.bytes };
  log(`main workload: ${N} x ${M} = ${sz.n} events, ${fmtB(sz.bytes)} of event JSON (${results.main.avgEventBytes} B each)`);
  const r = (results.main.figures = {});

  // PouchDB replicator
  const remote = `${pouchProxy.url}/main_rep`;
  const l1 = new P(path.join(TMP, 'l1')), l2 = new P(path.join(TMP, 'l2'));
  let t = now();
  await loadLocal(l1, data);
  log(`pouch: device 1 local store written in ${fmtMs(now() - t)} (not timed)`);
  r.repIngest = await measure(pouchProxy, () => l1.replicate.to(remote));
  log(`pouch replicator ingest ${fmtMs(r.repIngest.ms)}`);
  r.repPull = await measure(pouchProxy, () => l2.replicate.from(remote));
  if ((await l2.info()).doc_count !== sz.n) throw new Error('pouch device 2 did not get every doc');
  log(`pouch replicator cold pull ${fmtMs(r.repPull.ms)}`);
  await l2.sync(remote); // settle: the push direction's first checkpoint
  r.repNoop = await measure(pouchProxy, () => l2.sync(remote));

  // CouchDB raw HTTP (same driving as the Parley side)
  const rc = jsonClient(pouchProxy.url);
  const raw = rawCouch(rc, 'main_raw');
  await raw.create();
  r.rawIngest = await measure(pouchProxy, () => raw.push(all, 2000));
  r.rawPull = await measure(pouchProxy, () => raw.pull(0, opts['pull-limit']));
  if (r.rawPull.value.docs !== sz.n) throw new Error(`raw couch pull got ${r.rawPull.value.docs}`);
  let raw2Since = r.rawPull.value.since;
  r.rawNoop = await measure(pouchProxy, () => raw.pull(raw2Since, opts['pull-limit']));

  // Parley
  if (parley) {
    r.parIngest = await measure(parley.proxy, () => parley.d1.push(data));
    if (r.parIngest.value.added !== sz.n) throw new Error(`parley added ${r.parIngest.value.added} of ${sz.n}`);
    log(`parley ingest ${fmtMs(r.parIngest.ms)}`);
    r.parPull = await measure(parley.proxy, () => parley.d2.pull(opts['pull-limit']));
    if (r.parPull.value !== sz.n) throw new Error(`parley cold pull got ${r.parPull.value} of ${sz.n}`);
    r.parNoop = await measure(parley.proxy, () => parley.d2.round());
    results.parley.encodings = [...parley.proxy.encodings];
  }

  // Converge: every device adds K events offline to every challenge, then rounds d1, d2, d1.
  const K = opts.offline;
  const offA = appendOffline({ device: d1, challenges: data, k: K });
  const offB = appendOffline({ device: d2, challenges: data, k: K });
  const total = sz.n + 2 * N * K;
  // replicator: both devices fully synced both ways first
  await l1.sync(remote);
  await loadLocal(l1, offA); await loadLocal(l2, offB);
  r.repConverge = await measure(pouchProxy, async () => { await l1.sync(remote); await l2.sync(remote); await l1.sync(remote); });
  for (const l of [l1, l2]) if ((await l.info()).doc_count !== total) throw new Error('pouch devices did not converge');
  // raw
  let raw1Since = (await raw.pull(0, opts['pull-limit'])).since;
  const evA = offA.flatMap((c) => c.events), evB = offB.flatMap((c) => c.events);
  r.rawConverge = await measure(pouchProxy, async () => {
    await raw.push(evA, 2000); raw1Since = (await raw.pull(raw1Since, opts['pull-limit'])).since;
    await raw.push(evB, 2000); const p2 = await raw.pull(raw2Since, opts['pull-limit']); raw2Since = p2.since;
    const p1 = await raw.pull(raw1Since, opts['pull-limit']); raw1Since = p1.since;
    return { d2got: p2.docs, d1got: p1.docs };
  });
  if (parley) {
    await parley.d1.pull(opts['pull-limit']); // settle: device 1 has seen the feed
    r.parConverge = await measure(parley.proxy, async () => {
      const a = await parley.d1.round(offA, opts['pull-limit']);
      const b = await parley.d2.round(offB, opts['pull-limit']);
      const c = await parley.d1.round([], opts['pull-limit']);
      return { d1got: a + c, d2got: b };
    });
    const v = r.parConverge.value;
    if (v.d1got < N * K || v.d2got < N * K) throw new Error(`parley did not converge: ${JSON.stringify(v)}`);
  }
  rc.close();

  const eps = (x) => (x ? sz.n / (x.ms / 1000) : undefined);
  rows.push(
    { section: `${N} × ${M} events`, measure: 'ingest: events/s pushed by device 1', rep: eps(r.repIngest), raw: eps(r.rawIngest), parley: eps(r.parIngest), fmt: fmtN, higher: true, target: 10 },
    { measure: '  push time', rep: r.repIngest.ms, raw: r.rawIngest.ms, parley: r.parIngest?.ms, fmt: fmtMs },
    { measure: '  server CPU time', rep: r.repIngest.serverCpuMs, raw: r.rawIngest.serverCpuMs, parley: r.parIngest?.serverCpuMs, fmt: fmtMs },
    { measure: '  push bytes on the wire', rep: r.repIngest.bytes, raw: r.rawIngest.bytes, parley: r.parIngest?.bytes, fmt: fmtB },
    { measure: '  push requests', rep: r.repIngest.requests, raw: r.rawIngest.requests, parley: r.parIngest?.requests, fmt: fmtN },
    { measure: 'cold pull by device 2: time', rep: r.repPull.ms, raw: r.rawPull.ms, parley: r.parPull?.ms, fmt: fmtMs, target: 10 },
    { measure: '  server CPU time', rep: r.repPull.serverCpuMs, raw: r.rawPull.serverCpuMs, parley: r.parPull?.serverCpuMs, fmt: fmtMs },
    { measure: '  bytes on the wire', rep: r.repPull.bytes, raw: r.rawPull.bytes, parley: r.parPull?.bytes, fmt: fmtB },
    { measure: '  requests', rep: r.repPull.requests, raw: r.rawPull.requests, parley: r.parPull?.requests, fmt: fmtN },
    { measure: 'no-op sync: bytes on the wire', rep: r.repNoop.bytes, raw: r.rawNoop.bytes, parley: r.parNoop?.bytes, fmt: fmtB, targetAbs: '< 1 KB' },
    { measure: '  of which requests / responses', rep: upDown(r.repNoop), raw: upDown(r.rawNoop), parley: upDown(r.parNoop), fmt: (x) => x ?? '—', noRatio: true },
    { measure: '  requests', rep: r.repNoop.requests, raw: r.rawNoop.requests, parley: r.parNoop?.requests, fmt: fmtN },
    { measure: '  time', rep: r.repNoop.ms, raw: r.rawNoop.ms, parley: r.parNoop?.ms, fmt: fmtMs },
    { measure: `converge: 2 devices × ${K} offline events × ${N} challenges: time`, rep: r.repConverge.ms, raw: r.rawConverge.ms, parley: r.parConverge?.ms, fmt: fmtMs },
    { measure: '  bytes on the wire', rep: r.repConverge.bytes, raw: r.rawConverge.bytes, parley: r.parConverge?.bytes, fmt: fmtB },
    { measure: '  requests', rep: r.repConverge.requests, raw: r.rawConverge.requests, parley: r.parConverge?.requests, fmt: fmtN },
  );
  await l1.close(); await l2.close();
}

// ---- one new event among many challenges -------------------------------------------------
if (want('big')) {
  const N = opts.big, M = opts['big-events'];
  let pb = null;
  if (HAVE_SERVER) {
    pb = await parleyServer('big');
    pb.d1 = await parleyDevice(pb, 'b1');
    pb.d2 = await parleyDevice(pb, 'b2');
  }
  const b1Id = pb ? pb.d1.s.device : `bench-b1-${RUN}`;
  const d = new Device({ id: b1Id, author, seed: 3 });
  const data = makeChallenges({ device: d, count: N, eventsEach: M, proc, challengedAgency: challenged, prefix: `G${RUN}-` });
  const all = data.flatMap((c) => c.events);
  const one = appendOffline({ device: d, challenges: [data[Math.floor(N / 2)]], k: 1 });
  log(`big: ${N} x ${M} = ${all.length} events`);
  const r = (results.big = { events: all.length, figures: {} }).figures;

  const remote = `${pouchProxy.url}/big_rep`;
  const l1 = new P(path.join(TMP, 'b1')), l2 = new P(path.join(TMP, 'b2'));
  let t = now();
  await loadLocal(l1, data);
  r.repSetupPush = await measure(pouchProxy, () => l1.replicate.to(remote));
  r.repSetupPull = await measure(pouchProxy, () => l2.replicate.from(remote));
  await l1.sync(remote); await l2.sync(remote);
  log(`big: pouch replicator set up in ${fmtMs(now() - t)}`);
  await loadLocal(l1, one);
  r.repOne1 = await measure(pouchProxy, () => l1.sync(remote));
  r.repOne2 = await measure(pouchProxy, () => l2.sync(remote));
  if ((await l2.info()).doc_count !== all.length + 1) throw new Error('pouch device 2 missed the new event');

  const rc = jsonClient(pouchProxy.url);
  const raw = rawCouch(rc, 'big_raw');
  await raw.create();
  await raw.push(all, 2000);
  let s1 = (await raw.pull(0, opts['pull-limit'])).since;
  let s2 = s1;
  r.rawOne1 = await measure(pouchProxy, async () => { await raw.push(one[0].events); s1 = (await raw.pull(s1, opts['pull-limit'])).since; });
  r.rawOne2 = await measure(pouchProxy, async () => { const p = await raw.pull(s2, opts['pull-limit']); s2 = p.since; return p.docs; });
  if (r.rawOne2.value !== 1) throw new Error(`raw couch device 2 got ${r.rawOne2.value} docs`);
  rc.close();

  if (pb) {
    r.parSetupPush = await measure(pb.proxy, () => pb.d1.push(data));
    r.parSetupPull = await measure(pb.proxy, () => pb.d2.pull(opts['pull-limit']));
    await pb.d1.pull(opts['pull-limit']);
    r.parOne1 = await measure(pb.proxy, () => pb.d1.round(one, opts['pull-limit']));
    r.parOne2 = await measure(pb.proxy, () => pb.d2.round([], opts['pull-limit']));
    if (r.parOne2.value !== 1) throw new Error(`parley device 2 got ${r.parOne2.value} events`);
  }
  const sum = (a, b) => (a && b ? a + b : undefined);
  rows.push(
    { section: `1 new event among ${N.toLocaleString('en-GB')} challenges (${M} events each)`, measure: 'device 1 round (push it) + device 2 round (pull it): time', rep: r.repOne1.ms + r.repOne2.ms, raw: r.rawOne1.ms + r.rawOne2.ms, parley: sum(r.parOne1?.ms, r.parOne2?.ms), fmt: fmtMs },
    { measure: '  bytes on the wire', rep: r.repOne1.bytes + r.repOne2.bytes, raw: r.rawOne1.bytes + r.rawOne2.bytes, parley: sum(r.parOne1?.bytes, r.parOne2?.bytes), fmt: fmtB },
    { measure: '  requests', rep: r.repOne1.requests + r.repOne2.requests, raw: r.rawOne1.requests + r.rawOne2.requests, parley: sum(r.parOne1?.requests, r.parOne2?.requests), fmt: fmtN },
    { measure: `  (set-up) push of all ${all.length.toLocaleString('en-GB')} events`, rep: r.repSetupPush.ms, parley: r.parSetupPush?.ms, fmt: fmtMs },
    { measure: '  (set-up) cold pull of them', rep: r.repSetupPull.ms, parley: r.parSetupPull?.ms, fmt: fmtMs },
  );
  await l1.close(); await l2.close();
}

// ---- merge cost ---------------------------------------------------------------------------
if (want('merge')) {
  const N = opts.merge, M = opts.events, K = opts.offline;
  const da = new Device({ id: 'bench-ma', author, seed: 4 });
  const db = new Device({ id: 'bench-mb', author, seed: 5, startMs: 1768910400000 + 5e9 });
  const base = makeChallenges({ device: da, count: N, eventsEach: M, proc, challengedAgency: challenged, prefix: `M${RUN}-` });
  const a = appendOffline({ device: da, challenges: base, k: K });
  const b = appendOffline({ device: db, challenges: base, k: K });
  const r = (results.merge = {});
  r.automerge = automergeMerge({ base, a, b });
  log(`automerge ${r.automerge.version}: merge ${fmtMs(r.automerge.mergeMs)}`);
  if (HAVE_CLI) {
    const dir = path.join(TMP, 'merge');
    fs.mkdirSync(dir);
    r.parley = parleyCliMerge({ cliBin: CLI_BIN, dir, base, a, b, proc });
    log(`parley CLI import: ${fmtMs(r.parley.mergeMs)}, no-op ${fmtMs(r.parley.noopMs)}`);
  }
  rows.push(
    { section: `merge: ${N} challenges × (${M} common + ${K} + ${K} divergent events)`, measure: `Automerge ${r.automerge.version} merge (in memory)`, parley: undefined, am: r.automerge.mergeMs, fmt: fmtMs },
    { measure: `Automerge applyChanges (B's ${fmtB(r.automerge.changeBytes)} of changes)`, am: r.automerge.applyMs, fmt: fmtMs },
    { measure: 'Parley CLI import of B\'s bundles into A\'s store (process per challenge)', parley: r.parley?.mergeMs, fmt: fmtMs },
    { measure: '  of which fixed cost (same imports again, nothing new)', parley: r.parley?.noopMs, fmt: fmtMs },
    { measure: '  merge work = difference', parley: r.parley ? r.parley.mergeMs - r.parley.noopMs : undefined, fmt: fmtMs },
  );
}

// ---- report -----------------------------------------------------------------------------
results.loadavg.push(os.loadavg());
results.rows = rows.map(({ fmt, ...x }) => x);
const ratio = (row, other) => {
  if (row.parley === undefined || other === undefined) return '—';
  const x = row.higher ? row.parley / other : other / row.parley;
  return `${x.toFixed(x < 10 ? 1 : 0)}×`;
};
const header = ['measure', 'PouchDB replicator', 'CouchDB API raw', 'Parley', 'Parley better by (vs replicator / vs raw)'];
const lines = [header];
for (const row of rows) {
  if (row.section) lines.push([`**${row.section}**`, '', '', '', '']);
  if (row.am !== undefined) lines.push([row.measure, '', '', '', `Automerge: ${row.fmt(row.am)}`]);
  else lines.push([row.measure, row.fmt(row.rep), row.fmt(row.raw), row.fmt(row.parley), row.noRatio || row.rep === undefined || row.parley === undefined ? '' : `${ratio(row, row.rep)} / ${ratio(row, row.raw)}`]);
}
console.log(`\nSync benchmark — ${new Date().toISOString()}, ${os.cpus().length} cores (${os.cpus()[0]?.model}), node ${process.version}, load ${results.loadavg.map((l) => l.map((x) => x.toFixed(1)).join('/')).join(' → ')}`);
console.log(`PouchDB: ${results.pouch.server}, client ${results.pouch.client}; Parley: ${HAVE_SERVER ? SERVER_BIN : 'NOT RUN (no parley-server binary)'}`);
if (results.main) console.log(`Workload: ${results.main.events} events of ${results.main.avgEventBytes} B average JSON; ${results.hashCheck || 'hash not checked against the CLI'}`);
console.log('');
console.log('| ' + header.join(' | ') + ' |');
console.log('|' + header.map(() => '---').join('|') + '|');
for (const l of lines.slice(1)) console.log('| ' + l.join(' | ') + ' |');
if (results.main?.figures.parIngest) {
  const f = results.main.figures;
  const ing = (results.main.events / (f.parIngest.ms / 1000)) / (results.main.events / (f.repIngest.ms / 1000));
  const pull = f.repPull.ms / f.parPull.ms;
  console.log(`\nTargets: ingest ≥ 10× PouchDB: ${ing.toFixed(1)}× (${ing >= 10 ? 'met' : 'MISSED'}); cold pull ≥ 10× faster: ${pull.toFixed(1)}× (${pull >= 10 ? 'met' : 'MISSED'}); no-op < 1 KB: ${f.parNoop.bytes} B (${f.parNoop.bytes < 1024 ? 'met' : 'MISSED'}). Ratios are against the PouchDB replicator; the raw-API column is the like-for-like client.`);
  console.log(`Parley response encodings seen: ${results.parley.encodings.join(', ')}; CouchDB: ${[...pouchProxy.encodings].join(', ')}`);
}
const jsonPath = path.resolve(ROOT, opts.json);
fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
fs.writeFileSync(jsonPath, JSON.stringify(results, null, 2));
log(`raw figures: ${path.relative(ROOT, jsonPath)}`);

for (const s of stoppers.reverse()) { try { await s(); } catch { /* already gone */ } }
fs.rmSync(TMP, { recursive: true, force: true });
process.exit(0);
