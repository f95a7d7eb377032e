// tests/sync/campaign_world.mjs — the pieces of the fault campaign (campaign.test.mjs)
// that touch processes: the parley-server process (started, SIGKILLed and restarted on one
// fixed port with one data directory), the `parley` CLI run asynchronously (the chaos
// proxies live in this process, so a blocking spawnSync would stall them), and read-only
// looks into the server's SQLite database with the sqlite3 shell.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export class ServerProcess {
  constructor({ bin, dataDir, port, logFile }) {
    Object.assign(this, { bin, dataDir, port, logFile });
    this.proc = null;
    this.up = false;
    this.starts = 0;
    this.kills = 0;
    this.passwords = {};
  }

  async start() {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.startOnce();
        return;
      } catch (e) {
        // The port may still be held for a moment after a SIGKILL.
        if (attempt >= 40) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  startOnce() {
    const proc = spawn(this.bin, ['serve', '--data', this.dataDir, '--listen', `127.0.0.1:${this.port}`, '--demo',
      '--read-timeout', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const log = fs.createWriteStream(this.logFile, { flags: 'a' });
    let text = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`server did not start:\n${text}`)); }, 20000);
      proc.stderr.on('data', (d) => {
        log.write(d);
        if (this.proc === proc && this.up) return;
        text += d;
        for (const m of text.matchAll(/^\s+(\S+)\s+password\s+(\S+)/gm)) this.passwords[m[1]] = m[2];
        if (/listening on http:\/\/127\.0\.0\.1:\d+\//.test(text)) {
          clearTimeout(timer);
          this.proc = proc;
          this.up = true;
          this.starts++;
          resolve();
        }
      });
      proc.on('exit', (code, sig) => {
        log.end();
        if (this.proc === proc) this.up = false;
        clearTimeout(timer);
        reject(new Error(`server exited (${code ?? sig}) while starting:\n${text}`));
      });
    });
  }

  // SIGKILL: no chance to finish anything in flight.
  kill() {
    const proc = this.proc;
    if (!proc || !this.up) return Promise.resolve(false);
    this.up = false;
    this.kills++;
    this.lastKillAt = Date.now();
    return new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve(true);
      proc.once('exit', () => resolve(true));
      proc.kill('SIGKILL');
    });
  }

  stop() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    this.up = false;
    return new Promise((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 10000).unref();
    });
  }

  // Rows from the server database (read-only; safe while the server runs, SQLite WAL).
  query(sql) {
    return sqlite(`${this.dataDir}/server.db`, sql);
  }
}

// Runs sqlite3 read-only and returns rows as arrays of strings (tab separated).
export function sqlite(file, sql) {
  return new Promise((resolve, reject) => {
    execFile('sqlite3', ['-readonly', '-separator', '\t', file, sql], { maxBuffer: 256 << 20 }, (err, out, errText) => {
      if (err) return reject(new Error(`sqlite3 ${file}: ${errText || err.message}`));
      resolve(out.split('\n').filter((l) => l.length).map((l) => l.split('\t')));
    });
  });
}

// The CLI, asynchronously. Returns {code, signal, out, err, ms}; `started` gets the child
// so a caller can SIGKILL it mid-command.
export function runCli(bin, db, args, { timeoutMs = 90000, env, started, input } = {}) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(bin, ['--db', db, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: env || process.env });
    if (input !== undefined) child.stdin.end(input);
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {   // could not start at all
      clearTimeout(timer);
      resolve({ code: -1, signal: null, out, err: `${err}spawn ${bin}: ${e.message}`, ms: Date.now() - t0 });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err, ms: Date.now() - t0 });
    });
    if (started) started(child);
  });
}
