// bench/password_bench.cpp — what one password guess costs against a copied server.db:
// the server's Argon2id (libsodium crypto_pwhash_str, "interactive": 2 passes over 64 MiB)
// next to the PBKDF2-HMAC-SHA256 at 100,000 rounds it replaced. Prints figures; asserts
// nothing (docs/performance.md "Password hashing", docs/security.md).
//
//   build/native-release/bench/parley-bench-password [runs]
#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

namespace {

double median_ms(int runs, const std::function<void()>& f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 21;
  if (sodium_init() < 0) return 1;
  const char* password = "correct horse battery staple";
  char out[crypto_pwhash_STRBYTES];
  double argon = median_ms(runs, [&] {
    crypto_pwhash_str_alg(out, password, 28, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                          crypto_pwhash_ALG_ARGON2ID13);
  });
  unsigned char key[32];
  double pbkdf2 = median_ms(runs, [&] {
    PKCS5_PBKDF2_HMAC(password, 28, reinterpret_cast<const unsigned char*>("saltsaltsaltsalt"), 16, 100000, EVP_sha256(),
                      sizeof key, key);
  });
  std::printf("password hashing, median of %d runs on one core:\n", runs);
  std::printf("  Argon2id (2 passes, 64 MiB): %.1f ms per guess = %.1f guesses/s per core, 64 MiB each\n", argon,
              1000.0 / argon);
  std::printf("  PBKDF2-SHA256 100,000 rounds (before): %.1f ms per guess = %.1f guesses/s per core\n", pbkdf2,
              1000.0 / pbkdf2);
  std::printf("  a 12-character password of 4 random dictionary words (7776^4 = 3.7e15) at 1,000 cores: "
              "%.0f years on average for Argon2id\n",
              3.656e15 / 2 / (1000.0 * 1000.0 / argon) / (3600.0 * 24 * 365));
  return 0;
}
