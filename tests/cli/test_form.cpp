// tests/cli/test_form.cpp — `parley form` end to end, through the real binary
// (PARLEY_BINARY): a Buckinghamshire challenge scripted through the CLI, its Appendix B
// printed as text and JSON on the terminal and written as HTML and PDF files, the PDF read
// back with poppler's pdftotext (poppler-utils, tools/setup). Synthetic people only.
//
// The contract under test (tools/cli/form_command.h, docs/cli.md): the rows are the
// record form's; a file is written whole and readable by its owner only (0600), even over
// an existing file; the format follows --format or the file's extension; mistakes are one
// line on stderr, exit 2 for usage and 1 otherwise, and write nothing. To see the stage
// history in the PDF whatever the shipped form holds, the test loads the shipped
// Buckinghamshire file with a `stage_history` and a `correspondence` field added, through
// --procedures (a Board's own files replace the shipped one of the same id).
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support.h"

using nlohmann::json;
using parley::test::TempFile;

namespace {

const char* kNow = "2027-02-20T12:00";

using parley::test::slurp;
using Result = parley::test::RunResult;

Result run_parley(const std::vector<std::string>& args) { return parley::test::run_program(PARLEY_BINARY, args, kNow); }

std::string ok(const std::vector<std::string>& args) {
  Result r = run_parley(args);
  INFO("parley" << r.command << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  return r.out;
}

void check_error(const Result& r, int code, const std::string& needle) {
  INFO("parley" << r.command << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == code);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("parley: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_THAT(r.err, Catch::Contains(needle));
}

// Runs of spaces and newlines as one space: pdftotext wraps where the PDF wrapped.
std::string squeeze(const std::string& s) {
  std::string out;
  for (char c : s) {
    bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  return out;
}

std::string pdf_text(const std::string& pdf) {
  Result r = parley::test::run_program("pdftotext", {"-enc", "UTF-8", pdf, "-"}, kNow);
  INFO("pdftotext (poppler-utils, installed by tools/setup): " << r.err);
  REQUIRE(r.code == 0);
  return squeeze(r.out);
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// A folder of its own, removed with what it holds.
struct TempDir {
  std::string path;
  TempDir() {
    std::random_device rd;
    path = (std::filesystem::temp_directory_path() / ("parley-form-" + std::to_string(rd()))).string();
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

// The shipped Buckinghamshire file with the stage history and correspondence on its form.
void write_procedure(const TempDir& dir) {
  json p = json::parse(slurp(std::string(PARLEY_SOURCE_DIR) + "/procedures/buckinghamshire-bsab.json"));
  json& fields = p.at("forms").at(0).at("fields");
  for (const char* from : {"stage_history", "correspondence"})
    if (std::none_of(fields.begin(), fields.end(), [&](const json& f) { return f.at("from") == from; }))
      fields.push_back({{"id", std::string("test_") + from}, {"label", std::string("Test: ") + from}, {"from", from}});
  std::ofstream(dir.file("buckinghamshire-bsab.json")) << p.dump(2);
}

std::vector<std::string> as(const char* name, const char* agency, const char* role, const char* at) {
  return {"--as", name, "--as-agency", agency, "--as-role", role, "--at", at};
}

std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A Buckinghamshire challenge raised Mon 1 Feb 2027, escalated, resolved at stage 2 and
// signed. Returns its id.
std::string script(const std::vector<std::string>& db) {
  const char* council = "Northshire Council Adult Social Care";
  json opened = json::parse(ok(cat(db, {"challenge", "open", "--procedure", "buckinghamshire-bsab", "--imminent-risk", "no",
                                        "--subject-name", "Zoë Ångström-Lefèvre", "--subject-kind", "adult",
                                        "--challenger-name", "Sam Example", "--challenger-agency", council,
                                        "--challenger-job-title", "Social Worker", "--challenger-role", "practitioner",
                                        "--challenged-agency", "Northshire Community Health NHS Trust",
                                        "--challenged-name", "Jo Sample", "--category", "response_to_referral",
                                        "--summary", "Enquiry closed before the adult's views were heard — the nurse disagrees.",
                                        "--copied-to", "Northshire Safeguarding Adults Team", "--at", "2027-02-01T09:00",
                                        "--json"})));
  const std::string id = opened.at("challenge");
  ok(cat(cat(db, {"challenge", "record-discussion", id, "--with", "Jo Sample|Community Nurse|Northshire Community Health NHS Trust",
                  "--method", "phone", "--summary", "Each agency gave its view.", "--agreed", "no",
                  "--subject-views", "She wants to stay at home."}),
         as("Sam Example", council, "practitioner", "2027-02-01T14:00")));
  ok(cat(cat(db, {"challenge", "escalate", id, "--reason", "No agreement", "--tried", "A phone discussion"}),
         as("Sam Example", council, "practitioner", "2027-02-02T10:00")));
  ok(cat(cat(db, {"challenge", "record-discussion", id, "--with", "Pat Manager|Team Manager|Northshire Council Adult Social Care",
                  "--method", "face_to_face", "--summary", "Discussed with own manager.", "--agreed", "yes"}),
         as("Pat Manager", council, "line_manager", "2027-02-03T10:00")));
  ok(cat(cat(db, {"challenge", "record-outcome", id, "--outcome", "Enquiry reopened with an advocate."}),
         as("Pat Manager", council, "line_manager", "2027-02-04T10:00")));
  ok(cat(cat(db, {"challenge", "sign", id, "--side", "challenger", "--name", "Pat Manager", "--job-title", "Team Manager",
                  "--agency", council, "--date", "2027-02-04"}),
         as("Pat Manager", council, "line_manager", "2027-02-04T11:00")));
  return id;
}

}  // namespace

TEST_CASE("parley form prints and writes the record form as text, JSON, HTML and PDF", "[cli][form]") {
  TempDir dir;
  write_procedure(dir);
  TempFile db_file("parley-form-db");
  const std::vector<std::string> db = {"--db", db_file.path, "--procedures", dir.path};
  const std::string id = script(db);
  json view = json::parse(ok(cat(db, {"challenge", "show", id, "--json"})));
  REQUIRE(view.at("stages").size() >= 2);
  const std::string stage1 = view.at("stages").at(0).at("words");
  REQUIRE_FALSE(stage1.empty());

  SECTION("text on the terminal, by default the procedure's first form") {
    std::string text = ok(cat(db, {"form", id}));
    CHECK(text.rfind("Appendix B Record of Escalation", 0) == 0);
    for (const char* phrase : {"Name of adult at risk\n  Zoë Ångström-Lefèvre\n",
                               "Enquiry reopened with an advocate.", "Name: Pat Manager", "Printed from Parley on 20 Feb 2027"})
      CHECK_THAT(text, Catch::Contains(phrase));
    CHECK_THAT(text, Catch::Contains(stage1));
    CHECK(ok(cat(db, {"form", id, "--form", "bsab-appendix-b", "--format", "text"})) == text);
  }

  SECTION("--json: the form's rows") {
    json j = json::parse(ok(cat(db, {"form", id, "--json"})));
    CHECK(j.at("form") == "bsab-appendix-b");
    CHECK(j.at("challenge") == id);
    REQUIRE(j.at("rows").size() >= 9);
    CHECK(j.at("rows").at(0).at("label") == "Name of adult at risk");
    CHECK(j.at("rows").at(0).at("value") == "Zoë Ångström-Lefèvre");
  }

  SECTION("HTML to a file: whole, private, self-contained") {
    const std::string out = dir.file("appendix-b.html");
    Result r = run_parley(cat(db, {"form", id, "--out", out}));
    REQUIRE(r.code == 0);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("Wrote " + out));
    CHECK(mode_of(out) == 0600);
    std::string html = slurp(out);
    CHECK(html.rfind("<!doctype html>", 0) == 0);
    CHECK_THAT(html, Catch::Contains("Zoë Ångström-Lefèvre"));
    CHECK_THAT(html, Catch::Contains("the adult&#39;s views"));
    CHECK_THAT(html, !Catch::Contains("<script"));
  }

  SECTION("PDF to a file: private even over an existing file, and reads back") {
    const std::string out = dir.file("appendix-b.pdf");
    std::ofstream(out) << "old";
    std::filesystem::permissions(out, std::filesystem::perms(0644));
    ok(cat(db, {"form", id, "--out", out}));
    CHECK(mode_of(out) == 0600);
    CHECK(slurp(out).rfind("%PDF-", 0) == 0);
    std::string text = pdf_text(out);
    INFO("pdftotext: " << text);
    CHECK_THAT(text, Catch::Contains("Zoë Ångström-Lefèvre"));     // accents, through the embedded font
    CHECK_THAT(text, Catch::Contains(squeeze(stage1)));             // the stage history, as the engine words it
    CHECK_THAT(text, Catch::Contains("Name: Pat Manager"));        // the challenger's manager's signature
    CHECK_THAT(text, Catch::Contains("the nurse disagrees"));
    CHECK_THAT(text, Catch::Contains("Page 1 of"));
    CHECK_THAT(text, Catch::Contains("Printed from Parley on 20 Feb 2027"));
    // --format wins over the extension.
    const std::string named_txt = dir.file("really-a.pdf.txt");
    ok(cat(db, {"form", id, "--format", "pdf", "--out", named_txt}));
    CHECK(slurp(named_txt).rfind("%PDF-", 0) == 0);
  }

  SECTION("mistakes say what to fix and write nothing") {
    const std::string out = dir.file("nothing.pdf");
    check_error(run_parley(cat(db, {"form", id, "--form", "appendix-z", "--out", out})), 2,
                "'appendix-z' is not a form of buckinghamshire-bsab; its forms: bsab-appendix-b");
    check_error(run_parley(cat(db, {"form", id, "--format", "pdf"})), 2, "--format pdf needs --out");
    check_error(run_parley(cat(db, {"form", id, "--format", "docx"})), 2, "'docx' is not one of text, html, pdf");
    check_error(run_parley(cat(db, {"form", id, "--out", dir.file("form.odt")})), 2, "name it .pdf, .html or .txt");
    check_error(run_parley(cat(db, {"form", id, "--json", "--out", out})), 2, "--json prints the form's rows");
    check_error(run_parley(cat(db, {"form"})), 2, "usage: parley --db FILE form CHALLENGE-ID");
    check_error(run_parley(cat(db, {"form", id, "--colour", "blue"})), 2, "--colour");
    check_error(run_parley(cat(db, {"form", "BSAB-NOSUCH"})), 1, "BSAB-NOSUCH");
    check_error(run_parley(cat(db, {"form", id, "--out", dir.file("no-such-folder/form.pdf")})), 1, "cannot write");
    CHECK_FALSE(std::filesystem::exists(out));
    CHECK_FALSE(std::filesystem::exists(dir.file("no-such-folder")));
    for (const auto& entry : std::filesystem::directory_iterator(dir.path))
      CHECK(entry.path().string().find(".tmp-") == std::string::npos);
  }
}

TEST_CASE("parley form --as-of prints the record as it stood then", "[cli][form]") {
  TempDir dir;
  write_procedure(dir);
  TempFile db_file("parley-form-db");
  const std::vector<std::string> db = {"--db", db_file.path, "--procedures", dir.path};
  const std::string id = script(db);
  std::string before = ok(cat(db, {"form", id, "--as-of", "2027-02-03T12:00"}));
  CHECK_THAT(before, Catch::Contains("Escalated to stage 2 on 2 Feb 2027"));
  CHECK_THAT(before, Catch::Contains("No outcome agreed yet"));
  CHECK_THAT(before, !Catch::Contains("Enquiry reopened"));
  CHECK_THAT(ok(cat(db, {"form", id})), Catch::Contains("Enquiry reopened"));
  check_error(run_parley(cat(db, {"form", id, "--as-of", "yesterday"})), 2, "--as-of: 'yesterday' is not a date or time");
}

TEST_CASE("parley form writes every shipped procedure's forms as PDF", "[cli][form]") {
  TempDir dir;
  TempFile db_file("parley-form-db");
  for (const char* procedure : {"buckinghamshire-bsab", "bury-sab", "milton-keynes-mktogether", "salford-ssab", "shropshire-sscp"}) {
    INFO(procedure);
    json opened = json::parse(ok({"--db", db_file.path, "challenge", "open", "--procedure", procedure, "--imminent-risk", "no",
                                  "--subject-name", "Zoë Testperson", "--challenger-name", "Sam Example",
                                  "--challenger-agency", "Northshire Council", "--challenged-agency", "Northshire Trust",
                                  "--category", "response_to_referral", "--summary", "A synthetic disagreement.",
                                  "--at", "2027-02-01T09:00", "--json"}));
    const std::string id = opened.at("challenge");
    json procedure_json = json::parse(ok({"procedure", "show", procedure, "--json"}));
    for (const auto& form : procedure_json.at("forms")) {
      const std::string out = dir.file(std::string(procedure) + "-" + form.at("id").get<std::string>() + ".pdf");
      ok({"--db", db_file.path, "form", id, "--form", form.at("id"), "--out", out});
      std::string text = pdf_text(out);
      CHECK_THAT(text, Catch::Contains("Zoë Testperson"));
      CHECK_THAT(text, Catch::Contains(squeeze(form.at("title").get<std::string>())));
    }
  }
}
