// bench/crypto_webcrypto.mjs — the WebCrypto side of the encryption-at-rest comparison
// (issue 11): what the browser's own crypto.subtle costs for the same jobs as libsodium in
// parley-bench-crypto, i.e. the other design the issue asked to measure (encrypting at the
// chunk layer in JavaScript). WebCrypto has no Argon2id, so the key derivation figure is
// PBKDF2-SHA256 at 600,000 iterations (OWASP's figure for it).
//
//   node bench/crypto_webcrypto.mjs [--json]      # in node (globalThis.crypto)
//   bench/crypto_bench.mjs also runs webcryptoBench() inside headless Chromium.
//
// webcryptoBench() is self-contained (no imports, no closures) because crypto_bench.mjs
// sends its source text into the page with page.evaluate. Figures:
//   - AES-256-GCM encrypt and decrypt of one 32 KiB chunk (the size wasm/pre.js writes to
//     IndexedDB) and of one 4 KiB page, each with a fresh 12-byte IV from getRandomValues
//     and 8 bytes of associated data: "one at a time" awaits each call (the latency a save
//     pays per chunk); "64 in flight" starts 64 and awaits them together (throughput).
//     Median of 5 timed batches of at least 200 ms, µs per operation.
//   - getRandomValues of 24 bytes, for comparison with libsodium's randombytes_buf.
//   - PBKDF2-SHA256, 600,000 iterations, 256 bits: median of `runs` (default 5).
import { fileURLToPath } from 'node:url';

export async function webcryptoBench({ runs = 5 } = {}) {
  const subtle = globalThis.crypto.subtle;
  const rnd = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n));
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const n = s.length;
    return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  };
  // µs per operation: op(k) runs k operations and resolves when all are done.
  async function usPerOp(op) {
    await op(32);  // warm-up
    const per = [];
    let batch = 16;
    while (per.length < 5) {
      const t0 = performance.now();
      await op(batch);
      const ms = performance.now() - t0;
      if (ms < 200) { batch *= ms < 20 ? 8 : 2; continue; }
      per.push((ms * 1000) / batch);
    }
    return median(per);
  }
  const key = await subtle.importKey('raw', rnd(32), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  const aad = new Uint8Array(8);
  const out = { aes_gcm: {} };
  for (const size of [32768, 4096]) {
    const plain = rnd(size);
    const iv = rnd(12);
    const sealed = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, plain);
    const enc = () => subtle.encrypt({ name: 'AES-GCM', iv: rnd(12), additionalData: aad }, key, plain);
    const dec = () => subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, sealed);
    const serial = (f) => async (k) => { for (let i = 0; i < k; i++) await f(); };
    const inflight = (f) => async (k) => {
      for (let i = 0; i < k; i += 64) await Promise.all(Array.from({ length: Math.min(64, k - i) }, f));
    };
    out.aes_gcm[size] = {
      encrypt_us: await usPerOp(serial(enc)),
      decrypt_us: await usPerOp(serial(dec)),
      encrypt_inflight_us: await usPerOp(inflight(enc)),
      decrypt_inflight_us: await usPerOp(inflight(dec)),
    };
  }
  // Tampering must be refused (a figure from a no-op would be worthless).
  {
    const iv = rnd(12);
    const sealed = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv }, key, rnd(4096)));
    sealed[100] ^= 1;
    out.tamper_detected = await subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed).then(() => false, () => true);
  }
  out.random24_us = await usPerOp(async (k) => { for (let i = 0; i < k; i++) rnd(24); });
  const pw = await subtle.importKey('raw', new TextEncoder().encode('correct horse battery staple'), 'PBKDF2', false,
    ['deriveBits']);
  const salt = rnd(16);
  const pbkdf2 = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 600000 }, pw, 256);
    pbkdf2.push(performance.now() - t0);
  }
  out.pbkdf2_600k_ms = median(pbkdf2);
  out.pbkdf2_600k_runs_ms = pbkdf2;
  return out;
}

export function printWebcrypto(where, r) {
  const mbs = (us, size) => (size / us).toFixed(1);
  console.log(`WebCrypto in ${where}`);
  console.log(`  ${'AES-256-GCM'.padEnd(34)} ${'one at a time'.padStart(22)} ${'64 in flight'.padStart(22)}`);
  for (const size of Object.keys(r.aes_gcm).sort((a, b) => b - a)) {
    const a = r.aes_gcm[size];
    for (const op of ['encrypt', 'decrypt']) {
      const one = a[`${op}_us`], many = a[`${op}_inflight_us`];
      console.log(`  ${`${op} ${size / 1024} KiB`.padEnd(34)} ${`${one.toFixed(1)} us ${mbs(one, size)} MB/s`.padStart(22)}` +
        ` ${`${many.toFixed(1)} us ${mbs(many, size)} MB/s`.padStart(22)}`);
    }
  }
  console.log(`  one flipped byte ${r.tamper_detected ? 'rejected' : 'NOT DETECTED'}`);
  console.log(`  getRandomValues(24 bytes): ${r.random24_us.toFixed(2)} us`);
  console.log(`  PBKDF2-SHA256 600,000 iterations: ${r.pbkdf2_600k_ms.toFixed(1)} ms (median of ${r.pbkdf2_600k_runs_ms.length})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await webcryptoBench();
  printWebcrypto(`node ${process.version}`, r);
  if (process.argv.includes('--json')) console.log('JSON ' + JSON.stringify(r));
}
