// tests/support.cpp — see support.h.
#include "tests/support.h"

#include <cstdio>
#include <filesystem>
#include <random>
#include <stdexcept>

namespace parley::test {

TempFile::TempFile(const std::string& stem) {
  std::random_device rd;
  path = (std::filesystem::temp_directory_path() / (stem + "-" + std::to_string(rd()) + ".db")).string();
  std::filesystem::remove(path);
}

TempFile::~TempFile() {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  std::filesystem::remove(path + "-journal", ec);
}

std::int64_t at(const std::string& time) {
  std::int64_t ms = 0;
  if (!parse_time(time, ms)) throw std::invalid_argument("bad test time " + time);
  return ms;
}

Author practitioner(const std::string& agency) { return {"Sam Example", "Social Worker", agency, "practitioner"}; }

Json open_body(const std::string& procedure, bool imminent_risk) {
  return Json{{"procedure", procedure},
              {"imminent_risk", imminent_risk},
              {"subject", {{"name", "Alex Testperson"}, {"kind", "adult"}, {"date_of_birth", "1950-02-03"}}},
              {"challenger", {{"name", "Sam Example"}, {"job_title", "Social Worker"},
                              {"agency", "Northshire Council Adult Social Care"}, {"role", "practitioner"}}},
              {"challenged", {{"name", "Jo Sample"}, {"job_title", "Community Nurse"},
                              {"agency", "Northshire Community Health NHS Trust"}, {"role", "practitioner"}}},
              {"category", "response_to_referral"},
              {"summary", "Referral for a care review was closed without contact; the nurse disagrees."}};
}

Device::Device(const std::string& name, std::uint64_t seed, std::int64_t now)
    : file(name), store(file.path), clock(now), ids(seed), procedures(ProcedureLibrary::builtin()),
      engine(store, procedures, clock, ids) {}

std::size_t Device::pull(Device& other, const std::string& challenge) {
  return engine.merge(other.store.challenge_events(challenge));
}

}  // namespace parley::test
