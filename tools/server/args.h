// tools/server/args.h — what parley-server's commands share: the option parser, the usage
// error, and opening the data directory's store.
//
// Model: options are --name VALUE or --name=VALUE (flags listed by the caller take no
// value); everything else is a word. A UsageError is printed with the usage text, exit 2.
#pragma once
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sync/server_store.h"

namespace parley::server_tool {

struct UsageError {
  std::string message;
};

// Options of the form --name VALUE or --name=VALUE; words are everything else.
struct Args {
  std::map<std::string, std::string> options;
  std::vector<std::string> words;
  bool has(const std::string& k) const { return options.count(k) > 0; }
  std::string get(const std::string& k, const std::string& fallback = "") const {
    auto it = options.find(k);
    return it == options.end() ? fallback : it->second;
  }
  std::string need(const std::string& k, const char* what) const {
    if (!has(k) || get(k).empty()) throw UsageError{"--" + k + " is required (" + what + ")"};
    return get(k);
  }
};

inline Args parse(int argc, char** argv, int from, const std::vector<std::string>& flags) {
  Args a;
  for (int i = from; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) == 0 && arg.size() > 2) {
      std::string name = arg.substr(2), value;
      auto eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
        value = "yes";
      } else {
        if (i + 1 >= argc) throw UsageError{arg + " needs a value"};
        value = argv[++i];
      }
      a.options[name] = value;
    } else {
      a.words.push_back(arg);
    }
  }
  return a;
}

// A whole number from `lo` to `hi` given to --name (`fallback` when absent); a UsageError
// saying so otherwise.
inline int whole_number(const Args& a, const std::string& name, int fallback, int lo, int hi) {
  if (!a.has(name)) return fallback;
  std::string t = a.get(name);
  if (t.empty() || t.size() > 6 || t.find_first_not_of("0123456789") != std::string::npos || std::stoi(t) < lo ||
      std::stoi(t) > hi)
    throw UsageError{"--" + name + ": give a whole number from " + std::to_string(lo) + " to " + std::to_string(hi)};
  return std::stoi(t);
}

inline void only(const Args& a, const std::vector<std::string>& allowed) {
  for (const auto& [k, v] : a.options)
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      throw UsageError{"unknown option --" + k};
}


// Opens DIR/server.db (creating DIR when `create`).
std::unique_ptr<parley::server::ServerStore> open_store(const Args& a, bool create);
// Fills a new database with a synthetic Board, agencies and users; prints their sign-ins.
void create_demo(parley::server::ServerStore& store);
// parley-server serve ...
int serve(int argc, char** argv);

}  // namespace parley::server_tool
