// tests/fuzz/fuzz_support.cpp — see fuzz_support.h.
#include "tests/fuzz/fuzz_support.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace parley::fuzz {

Json parse_json(std::string_view text) { return Json::parse(text.begin(), text.end(), nullptr, false); }

void rehash_events(Json& events, const Rewrite& w) {
  if (!events.is_array()) return;
  std::map<std::string, std::string> rehashed;   // id -> new hash
  for (Json& ev : events) {
    if (!ev.is_object()) continue;
    if (!w.device.empty()) ev["device"] = w.device;
    if (auto a = ev.find("author"); a != ev.end() && a->is_object()) {
      if (!w.author_name.empty()) (*a)["name"] = w.author_name;
      if (!w.author_agency.empty()) (*a)["agency"] = w.author_agency;
      if (!w.author_role.empty()) (*a)["role"] = w.author_role;
    }
    auto parents = ev.find("parents");
    auto hashes = ev.find("parent_hashes");
    if (parents != ev.end() && hashes != ev.end() && parents->is_array() && hashes->is_array())
      for (std::size_t k = 0; k < parents->size() && k < hashes->size(); ++k)
        if ((*parents)[k].is_string())
          if (auto it = rehashed.find((*parents)[k].get<std::string>()); it != rehashed.end()) (*hashes)[k] = it->second;
    ev.erase("hash");
    try {
      Event e = event_from_json(ev);
      e.hash = content_hash(e);
      ev["hash"] = e.hash;
      rehashed[e.id] = e.hash;
    } catch (const EventError&) {
      // Left unhashed: refused again by the code under test.
    }
  }
}

const std::vector<Json>& fixture_bundles() {
  static const std::vector<Json> bundles = [] {
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    for (const auto& f : fs::directory_iterator(fs::path(PARLEY_SOURCE_DIR) / "tests/fixtures/bundles"))
      if (f.path().extension() == ".json") files.push_back(f.path());
    std::sort(files.begin(), files.end());
    std::vector<Json> out;
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      out.push_back(Json::parse(ss.str()));
    }
    if (out.empty()) fail("no fixture bundles under " PARLEY_SOURCE_DIR "/tests/fixtures/bundles");
    return out;
  }();
  return bundles;
}

void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace parley::fuzz
