// core/sha256.h — SHA-256 (FIPS 180-4), used for the hash chain of challenge events.
//
// Written here rather than taken from a library because the same code must run natively
// and in WebAssembly with no system crypto library: OpenSSL is not available to emcc, and
// neither Debian nor npm packages a portable C++ implementation. It is checked against the
// FIPS test vectors and against coreutils' sha256sum in tests/core/test_sha256.cpp.
#pragma once
#include <string>
#include <string_view>

namespace parley {
// Lower-case hex digest of the bytes of `data`.
std::string sha256_hex(std::string_view data);
}  // namespace parley
