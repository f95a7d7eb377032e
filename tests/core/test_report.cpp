// tests/core/test_report.cpp — record forms filled from events: every field of a
// procedure's form has a value, Buckinghamshire's Appendix B carries the signatures and
// time taken, and the HTML escapes what people typed.
#include <catch2/catch.hpp>

#include "core/report.h"
#include "tests/support.h"

using namespace parley;
using namespace parley::test;

TEST_CASE("Buckinghamshire Appendix B is filled from the events", "[report]") {
  Device d("report-bk", 51, at("2026-02-02T09:00"));
  Json body = open_body("buckinghamshire-bsab");
  body["summary"] = "Enquiry closed <before> the adult's views were heard & recorded";
  body["copied_to"] = {"Northshire Safeguarding Adults Team"};
  std::string id = d.engine.open(body, practitioner(), at("2026-02-02T09:00"));
  d.clock.set(at("2026-02-05T12:00"));
  d.engine.record(id, EventKind::Escalated, {{"reason", "No agreement"}, {"tried", "Discussion"}}, practitioner(), at("2026-02-03T09:00"));
  d.engine.record(id, EventKind::OutcomeAgreed, {{"outcome", "Enquiry reopened"}, {"outstanding", "Review in 4 weeks"}}, practitioner(), at("2026-02-05T10:00"));
  d.engine.record(id, EventKind::RecordSigned, {{"side", "challenger"}, {"name", "Pat Manager"}, {"job_title", "Team Manager"},
                                                {"agency", "Northshire Council"}, {"date", "2026-02-05"}}, practitioner(), at("2026-02-05T11:00"));
  ChallengeView v = d.engine.view(id, at("2026-02-05T12:00"));
  const Form& form = v.procedure->forms.front();
  auto rows = fill_form(v, form);
  REQUIRE(rows.size() == form.fields.size());
  auto value = [&](const std::string& from) {
    for (std::size_t i = 0; i < form.fields.size(); ++i)
      if (form.fields[i].from == from) return rows[i].value;
    return std::string("(no field)");
  };
  CHECK(value("subject.name") == "Alex Testperson");
  CHECK(value("agreed_outcome").find("Enquiry reopened") == 0);
  CHECK(value("agreed_outcome").find("Outstanding issues: Review in 4 weeks") != std::string::npos);
  CHECK(value("copied_to") == "Northshire Safeguarding Adults Team");
  CHECK(value("resolution_stage").rfind("Stage 2", 0) == 0);
  CHECK(value("time_taken") == "3 working days (3 calendar days)");
  CHECK(value("signature.challenger").find("Pat Manager") != std::string::npos);
  CHECK(value("signature.challenged") == "Not signed");
  std::string html = form_html(v, form, at("2026-02-05T12:00"));
  CHECK(html.find("&lt;before&gt;") != std::string::npos);
  CHECK(html.find("&amp; recorded") != std::string::npos);
  CHECK(html.find("<before>") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);   // printable offline: no scripts, no network
  CHECK(html.find("http") == std::string::npos);
}

TEST_CASE("every seed procedure's forms fill every field", "[report]") {
  for (const char* proc : {"salford-ssab", "buckinghamshire-bsab", "bury-sab", "shropshire-sscp", "milton-keynes-mktogether"}) {
    INFO(proc);
    Device d("report-all", 52, at("2026-02-02T09:00"));
    std::string id = d.engine.open(open_body(proc), practitioner(), at("2026-02-02T09:00"));
    ChallengeView v = d.engine.view(id, at("2026-02-02T10:00"));
    for (const auto& form : v.procedure->forms) {
      auto rows = fill_form(v, form);
      CHECK(rows.size() == form.fields.size());
      for (const auto& r : rows) CHECK_FALSE(r.value.empty());
      CHECK(form_html(v, form, at("2026-02-02T10:00")).find(form.title.substr(0, 10)) != std::string::npos);
    }
  }
}
