// tests/core/test_sha256.cpp — SHA-256 against FIPS 180-4 vectors and, natively, against
// coreutils' sha256sum over every length around the padding boundaries.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "core/sha256.h"
#include "tests/support.h"

using parley::sha256_hex;

TEST_CASE("sha256 matches the FIPS 180-4 examples", "[sha256]") {
  struct Row {
    std::string input, digest;
  };
  const Row rows[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {std::string(1000000, 'a'), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  for (const auto& r : rows) {
    INFO("input length " << r.input.size());
    CHECK(sha256_hex(r.input) == r.digest);
  }
}

#ifndef __EMSCRIPTEN__
TEST_CASE("sha256 agrees with coreutils sha256sum at every padding boundary", "[sha256][oracle]") {
  for (std::size_t len : {1u, 54u, 55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 127u, 128u, 129u, 1000u}) {
    std::string data;
    for (std::size_t i = 0; i < len; ++i) data.push_back(static_cast<char>((i * 7 + 3) % 256));   // every byte value
    parley::test::TempFile tmp("sha256-input");
    const std::string& path = tmp.path;
    { std::FILE* f = std::fopen(path.c_str(), "wb"); std::fwrite(data.data(), 1, data.size(), f); std::fclose(f); }
    std::string cmd = "sha256sum " + path;
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    char buf[128] = {0};
    REQUIRE(fgets(buf, sizeof buf, p));
    pclose(p);
    INFO("length " << len);
    CHECK(sha256_hex(data) == std::string(buf, 64));
  }
}
#endif
