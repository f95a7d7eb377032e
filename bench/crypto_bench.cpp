// bench/crypto_bench.cpp — parley-bench-crypto: what encryption at rest costs with
// libsodium 1.0.18 (issue 11; docs/performance.md "Encryption at rest"): Argon2id
// (crypto_pwhash, ALG_ARGON2ID13), which turns the unlock secret into the key that wraps
// the data key, for candidate (opslimit, memlimit) pairs; and XChaCha20-Poly1305
// (crypto_aead_xchacha20poly1305_ietf_*) on one 4096-byte SQLite page. The same source
// builds natively (Debian's libsodium-dev) and as WebAssembly (the libsodium tools/setup
// builds with emcc from Debian's source package), so the two columns compare one code.
// It prints figures and asserts no time; it does check known answers first, so a figure
// never comes from a miscompiled library.
//
//   build/native-release/bench/parley-bench-crypto [--runs N] [--ops 2,3,4] [--mem 32,64,128] [--no-page] [--json]
//   node --no-experimental-fetch build/web/bench/parley-bench-crypto.js [same options]
//   node bench/crypto_bench.mjs        # both, WebCrypto in node, Chromium: one table
//
// Argon2id: one lane (libsodium's crypto_pwhash always uses p = 1), 32-byte key, memory
// sizes in MiB. Sizes run in increasing order and each size's first call is reported
// apart ("first"): in WebAssembly it grows the heap (ALLOW_MEMORY_GROWTH) and touches
// fresh pages, which is what the first unlock after a page load pays; "median" is over the
// N calls after it (default 5). --runs 0 times the first call only: bench/crypto_bench.mjs
// runs one parameter set per fresh process or page that way, as an unlock after a restart.
// Page AEAD: a 24-byte random nonce per write (randombytes_buf), the page number as
// associated data (8 bytes, so a page cannot be moved to another slot), 4096 bytes in,
// 4096 + 16 out. Each figure is the median of 5 timed batches of at least 200 ms.
// --no-page leaves this part out.
// Timing: std::chrono::steady_clock, which Emscripten maps to performance.now(); Argon2id
// also gets CPU time (the thread's natively, node's process.cpuUsage() as WebAssembly; none
// in a browser), which other load on a shared 2-core machine stretches far less than wall
// time.
//
// --json adds one line, `JSON {...}`, with every figure, for bench/crypto_bench.mjs.
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#endif

#ifndef PARLEY_BENCH_BUILD
#define PARLEY_BENCH_BUILD "unknown build"
#endif

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n == 0 ? 0 : (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

// CPU milliseconds used so far, or a negative number where there is no such clock.
double cpu_ms() {
#ifdef __EMSCRIPTEN__
  return EM_ASM_DOUBLE({
    if (typeof process === 'object' && process.cpuUsage) {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    }
    return -1;
  });
#else
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
#endif
}

std::vector<int> int_list(const char* text) {
  std::vector<int> out;
  for (const char* p = text; *p;) {
    char* end = nullptr;
    long v = std::strtol(p, &end, 10);
    if (end == p || v <= 0) break;
    out.push_back(static_cast<int>(v));
    p = *end == ',' ? end + 1 : end;
  }
  return out;
}

std::string hex(const unsigned char* b, size_t n) {
  std::string s(n * 2 + 1, '\0');
  sodium_bin2hex(s.data(), s.size(), b, n);
  s.pop_back();
  return s;
}

// Where this copy runs: the host a figure belongs to.
std::string where() {
#ifdef __EMSCRIPTEN__
  return std::string("WebAssembly in ") +
         emscripten_run_script_string(
             "(typeof process === 'object' && process.versions && process.versions.node)"
             " ? 'node ' + process.version"
             " : (typeof navigator === 'object' ? navigator.userAgent : 'an unknown host')");
#else
  return "native";
#endif
}

// Known answers. AEAD: draft-irtf-cfrg-xchacha-03 appendix A.3.1. Argon2id: the key
// Debian's native libsodium-dev 1.0.18 derives for these inputs (ops 2, 8 MiB), so a
// WebAssembly build that agrees derives the same keys as the desktop and the CLI.
bool known_answers_ok(std::string& why) {
  const char* pt =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would "
      "be it.";
  const unsigned char ad[] = {0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7};
  unsigned char key[32], nonce[24];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<unsigned char>(0x80 + i);
  for (int i = 0; i < 24; ++i) nonce[i] = static_cast<unsigned char>(0x40 + i);
  std::vector<unsigned char> c(std::strlen(pt) + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(c.data(), &clen, reinterpret_cast<const unsigned char*>(pt),
                                             std::strlen(pt), ad, sizeof ad, nullptr, nonce, key);
  std::string got = hex(c.data(), static_cast<size_t>(clen));
  if (got.rfind("bd6d179d3e83d43b9576579493c0e939", 0) != 0 ||
      got.substr(got.size() - 32) != "c0875924c1c7987947deafd8780acf49") {
    why = "XChaCha20-Poly1305 test vector: got " + got;
    return false;
  }
  const char* pw = "correct horse battery staple";
  const unsigned char salt[16] = {'p', 'a', 'r', 'l', 'e', 'y', '-', 'k', 'a', 't', '-', 's', 'a', 'l', 't', '!'};
  unsigned char out[32];
  if (crypto_pwhash(out, sizeof out, pw, std::strlen(pw), salt, 2, 8u << 20, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    why = "Argon2id at 8 MiB failed (out of memory?)";
    return false;
  }
  got = hex(out, sizeof out);
  if (got != "31c3456f8520d69bfff67e3be3b10f339c116e4ebfc690df5e3d8f2ddb22f733") {
    why = "Argon2id known answer: got " + got;
    return false;
  }
  return true;
}

struct Argon {
  int ops = 0;
  int mem_mib = 0;
  bool ok = true;
  double first_ms = 0;
  std::vector<double> runs_ms, cpu_ms;  // cpu_ms empty where there is no CPU clock
};

Argon time_argon2id(int ops, int mem_mib, int runs) {
  Argon a;
  a.ops = ops;
  a.mem_mib = mem_mib;
  const char* pw = "correct horse battery staple";
  unsigned char salt[crypto_pwhash_SALTBYTES], key[32];
  randombytes_buf(salt, sizeof salt);
  for (int i = 0; i <= runs; ++i) {
    double c0 = cpu_ms();
    auto t0 = Clock::now();
    int rc = crypto_pwhash(key, sizeof key, pw, std::strlen(pw), salt, static_cast<unsigned long long>(ops),
                           static_cast<size_t>(mem_mib) << 20, crypto_pwhash_ALG_ARGON2ID13);
    double ms = ms_since(t0);
    double cpu = c0 < 0 ? -1 : cpu_ms() - c0;
    if (rc != 0) {  // out of memory: the heap could not grow that far
      a.ok = false;
      return a;
    }
    if (i == 0) {
      a.first_ms = ms;
    } else {
      a.runs_ms.push_back(ms);
      if (cpu >= 0) a.cpu_ms.push_back(cpu);
    }
  }
  sodium_memzero(key, sizeof key);
  return a;
}

// Microseconds per call of f: median of 5 batches, each batch run until >= 200 ms.
double us_per_call(const std::function<void()>& f) {
  for (int i = 0; i < 50; ++i) f();  // warm-up
  std::vector<double> per;
  long batch = 64;
  while (per.size() < 5) {
    auto t0 = Clock::now();
    for (long i = 0; i < batch; ++i) f();
    double ms = ms_since(t0);
    if (ms < 200) {
      batch *= ms < 20 ? 8 : 2;
      continue;
    }
    per.push_back(ms * 1000.0 / static_cast<double>(batch));
  }
  return median(per);
}

struct Aead {
  double nonce_us = 0, stream_nonce_us = 0, encrypt_us = 0, encrypt_nonce_us = 0, decrypt_us = 0;
  bool roundtrip_ok = false, tamper_detected = false;
};

Aead time_aead() {
  constexpr size_t kPage = 4096;
  constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  unsigned char nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
  crypto_aead_xchacha20poly1305_ietf_keygen(key);
  std::vector<unsigned char> page(kPage), sealed(kPage + kTag), back(kPage);
  randombytes_buf(page.data(), page.size());
  randombytes_buf(nonce, sizeof nonce);
  uint64_t pgno = 0;
  unsigned char ad[8];
  auto set_ad = [&](uint64_t n) {
    for (int i = 0; i < 8; ++i) ad[i] = static_cast<unsigned char>(n >> (8 * i));
  };
  unsigned long long len = 0;
  auto seal = [&] {
    set_ad(++pgno);
    crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.data(), &len, page.data(), kPage, ad, sizeof ad, nullptr,
                                               nonce, key);
  };
  Aead r;
  r.nonce_us = us_per_call([&] { randombytes_buf(nonce, sizeof nonce); });
  // The alternative where randombytes_buf is slow (1.0.18's WebAssembly build asks
  // JavaScript for every byte): nonces from a ChaCha20 stream keyed with 32 random bytes
  // once per unlock, indexed by a counter — libsodium's randombytes_buf_deterministic idea.
  {
    unsigned char seed[crypto_stream_chacha20_ietf_KEYBYTES], ctr[crypto_stream_chacha20_ietf_NONCEBYTES] = {};
    randombytes_buf(seed, sizeof seed);
    uint64_t n = 0;
    r.stream_nonce_us = us_per_call([&] {
      ++n;
      for (int i = 0; i < 8; ++i) ctr[i] = static_cast<unsigned char>(n >> (8 * i));
      crypto_stream_chacha20_ietf(nonce, sizeof nonce, ctr, seed);
    });
    sodium_memzero(seed, sizeof seed);
  }
  r.encrypt_us = us_per_call(seal);
  r.encrypt_nonce_us = us_per_call([&] {
    randombytes_buf(nonce, sizeof nonce);
    seal();
  });
  // Decrypt what was sealed last (page number pgno); every call verifies the tag.
  uint64_t last = pgno;
  set_ad(last);
  r.decrypt_us = us_per_call([&] {
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(back.data(), &len, nullptr, sealed.data(), sealed.size(), ad,
                                                   sizeof ad, nonce, key) != 0)
      std::abort();
  });
  r.roundtrip_ok = back == page;
  sealed[100] ^= 1;
  r.tamper_detected = crypto_aead_xchacha20poly1305_ietf_decrypt(back.data(), &len, nullptr, sealed.data(),
                                                                 sealed.size(), ad, sizeof ad, nonce, key) != 0;
  sodium_memzero(key, sizeof key);
  return r;
}

// One line, `JSON {...}`, with every figure (page null under --no-page).
void print_json(const std::string& host, const std::vector<Argon>& argon, const Aead* p) {
  std::printf("JSON {\"host\":\"%s\",\"build\":\"%s\",\"argon2id\":[", host.c_str(), PARLEY_BENCH_BUILD);
  for (size_t i = 0; i < argon.size(); ++i) {
    const Argon& a = argon[i];
    std::printf("%s{\"ops\":%d,\"mem_mib\":%d,\"ok\":%s,\"first_ms\":%.2f,", i ? "," : "", a.ops, a.mem_mib,
                a.ok ? "true" : "false", a.first_ms);
    if (a.runs_ms.empty())
      std::printf("\"median_ms\":null,");
    else
      std::printf("\"median_ms\":%.2f,", median(a.runs_ms));
    if (a.cpu_ms.empty())
      std::printf("\"cpu_ms\":null,\"runs_ms\":[");
    else
      std::printf("\"cpu_ms\":%.2f,\"runs_ms\":[", median(a.cpu_ms));
    for (size_t j = 0; j < a.runs_ms.size(); ++j) std::printf("%s%.2f", j ? "," : "", a.runs_ms[j]);
    std::printf("]}");
  }
  if (!p) {
    std::printf("],\"page\":null}\n");
    return;
  }
  std::printf("],\"page\":{\"nonce_us\":%.3f,\"stream_nonce_us\":%.3f,\"encrypt_us\":%.3f,\"encrypt_nonce_us\":%.3f,"
              "\"decrypt_us\":%.3f,\"roundtrip_ok\":%s,\"tamper_detected\":%s}}\n",
              p->nonce_us, p->stream_nonce_us, p->encrypt_us, p->encrypt_nonce_us, p->decrypt_us,
              p->roundtrip_ok ? "true" : "false", p->tamper_detected ? "true" : "false");
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  std::vector<int> ops = {2, 3, 4}, mems = {32, 64, 128};
  bool json = false, page = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc)
      runs = std::max(0, std::atoi(argv[++i]));
    else if (a == "--ops" && i + 1 < argc)
      ops = int_list(argv[++i]);
    else if (a == "--mem" && i + 1 < argc)
      mems = int_list(argv[++i]);
    else if (a == "--json")
      json = true;
    else if (a == "--no-page")
      page = false;
    else {
      std::fprintf(stderr,
                   "usage: parley-bench-crypto [--runs N] [--ops 2,3,4] [--mem 32,64,128] [--no-page] [--json]\n");
      return 2;
    }
  }
  if (sodium_init() < 0) {
    std::fprintf(stderr, "sodium_init failed\n");
    return 1;
  }
  std::sort(mems.begin(), mems.end());  // each size grows the heap once, on its first call
  std::string host = where();
  std::printf("parley-bench-crypto: libsodium %s, %s (%s)\n", sodium_version_string(), host.c_str(),
              PARLEY_BENCH_BUILD);
  std::string why;
  if (!known_answers_ok(why)) {
    std::printf("KNOWN ANSWER MISMATCH: %s\n", why.c_str());
    return 1;
  }
  std::printf("known answers: XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha A.3.1) and Argon2id (Debian's libsodium) ok\n\n");

  if (runs > 0) {
    std::printf("Argon2id (crypto_pwhash, 1 lane, 32-byte key): first call, then median/min of %d (wall), median CPU\n",
                runs);
    std::printf("  %-5s %8s %10s %10s %10s %10s\n", "ops", "mem MiB", "first ms", "median ms", "min ms", "CPU ms");
  } else {
    std::printf("Argon2id (crypto_pwhash, 1 lane, 32-byte key): first call only\n");
    std::printf("  %-5s %8s %10s\n", "ops", "mem MiB", "first ms");
  }
  std::vector<Argon> argon;
  for (int m : mems)
    for (int o : ops) {
      Argon a = time_argon2id(o, m, runs);
      argon.push_back(a);
      if (!a.ok)
        std::printf("  %-5d %8d %10s\n", o, m, "failed (out of memory)");
      else if (a.runs_ms.empty())
        std::printf("  %-5d %8d %10.1f\n", o, m, a.first_ms);
      else if (a.cpu_ms.empty())
        std::printf("  %-5d %8d %10.1f %10.1f %10.1f %10s\n", o, m, a.first_ms, median(a.runs_ms),
                    *std::min_element(a.runs_ms.begin(), a.runs_ms.end()), "-");
      else
        std::printf("  %-5d %8d %10.1f %10.1f %10.1f %10.1f\n", o, m, a.first_ms, median(a.runs_ms),
                    *std::min_element(a.runs_ms.begin(), a.runs_ms.end()), median(a.cpu_ms));
      std::fflush(stdout);
    }

  if (!page) {
    if (json) print_json(host, argon, nullptr);
    return 0;
  }
  Aead p = time_aead();
  auto mbs = [](double us) { return 4096.0 / us; };  // bytes per µs = MB/s
  std::printf("\nXChaCha20-Poly1305, one 4096-byte page (+16-byte tag, page number as AD)\n");
  std::printf("  %-30s %10s %10s\n", "operation", "us/page", "MB/s");
  std::printf("  %-30s %10.2f %10s\n", "random nonce (24 bytes)", p.nonce_us, "");
  std::printf("  %-30s %10.2f %10s\n", "nonce from ChaCha20(seed, n)", p.stream_nonce_us, "");
  std::printf("  %-30s %10.2f %10.1f\n", "encrypt", p.encrypt_us, mbs(p.encrypt_us));
  std::printf("  %-30s %10.2f %10.1f\n", "encrypt with a fresh nonce", p.encrypt_nonce_us, mbs(p.encrypt_nonce_us));
  std::printf("  %-30s %10.2f %10.1f\n", "decrypt + verify", p.decrypt_us, mbs(p.decrypt_us));
  std::printf("  round trip %s, one flipped byte %s\n", p.roundtrip_ok ? "ok" : "WRONG",
              p.tamper_detected ? "rejected" : "NOT DETECTED");

  if (json) print_json(host, argon, &p);
  return p.roundtrip_ok && p.tamper_detected ? 0 : 1;
}
