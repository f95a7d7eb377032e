// tools/cli/args.cpp — option parsing for the `parley` CLI (see args.h).
#include "tools/cli/args.h"

namespace parley::cli {

namespace {
const std::set<std::string> kGlobal = {"db", "json", "procedures", "now"};
}

Args Args::parse(int argc, char** argv, const std::set<std::string>& flags) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) == 0 && s.size() > 2) {
      std::string name = s.substr(2), value;
      auto eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (flags.count(name)) {
        value = "true";
      } else {
        if (i + 1 >= argc) throw UsageError("--" + name + " needs a value");
        value = argv[++i];
      }
      a.options.emplace(name, value);
    } else {
      a.words.push_back(s);
    }
  }
  return a;
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
  auto it = options.find(name);
  return it == options.end() ? fallback : it->second;
}

std::string Args::need(const std::string& name, const std::string& what) const {
  auto it = options.find(name);
  if (it == options.end() || it->second.empty()) throw UsageError("--" + name + " is required (" + what + ")");
  return it->second;
}

std::vector<std::string> Args::all(const std::string& name) const {
  std::vector<std::string> out;
  auto [b, e] = options.equal_range(name);
  for (auto it = b; it != e; ++it) out.push_back(it->second);
  return out;
}

void Args::only(const std::string& command, const std::set<std::string>& allowed) const {
  for (const auto& [name, value] : options)
    if (!allowed.count(name) && !kGlobal.count(name))
      throw UsageError("'" + command + "' has no option --" + name + " (see 'parley help')");
}

}  // namespace parley::cli
