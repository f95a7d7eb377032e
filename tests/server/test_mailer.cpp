// tests/server/test_mailer.cpp — the mailer (sync/mailer.h) through real SMTP: every case
// starts tests/server/smtp_sink.py (aiosmtpd on 127.0.0.1, a real subprocess, through
// tests/server/smtp_sink.h) in the mode it needs, sends with the real SmtpMailer over
// libcurl, and reads what the sink stored (its mailbox and AUTH log, JSON lines). TLS uses
// the self-signed localhost certificate in tests/fixtures/tls (SAN localhost and
// 127.0.0.1), which is also the CA the client trusts.
//
// The network tables run their rows at once, one thread each (the notifier sends from
// threads too), so the suite costs the slowest row, ~3 s, not the sum. Catch2 is not
// thread-safe: rows only collect results; assertions run afterwards on the main thread.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/event.h"
#include "sync/mailer.h"
#include "tests/server/smtp_sink.h"
#include "tests/support.h"

using namespace parley;
using namespace parley::server;
using Outcome = SendResult::Outcome;

namespace {

const std::int64_t kNow = 1740992400000;   // 2025-03-03T09:00:00Z

using Clock = parley::test::SteadyClock;
using parley::test::kCert;
using parley::test::seconds_since;
using parley::test::Sink;
using parley::test::SinkOptions;

const char* name_of(Outcome o) {
  switch (o) {
    case Outcome::Sent: return "Sent";
    case Outcome::Retry: return "Retry";
    case Outcome::Refused: return "Refused";
  }
  return "?";
}

MailMessage a_message(const std::string& id) {
  return {"lead@agency.example", "Challenge CH-17 escalated", "A challenge needs you.\n", id + "@parley"};
}

SmtpSettings settings_for(const std::string& url) {
  SmtpSettings s;
  s.url = url;
  s.from = "parley@office.example";
  s.timeout_seconds = 3;
  return s;
}

// ---- format_message and plausible_address (no network) --------------------------------

// The part of a message after the blank line.
std::string body_of(const std::string& text) { return text.substr(text.find("\r\n\r\n") + 4); }

// A header's value as written, continuation lines included ("" when absent).
std::string header_of(const std::string& text, const std::string& name) {
  const std::string head = "\r\n" + text.substr(0, text.find("\r\n\r\n") + 2);
  const std::size_t at = head.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  std::size_t end = at + 2;
  do end = head.find("\r\n", end + 1); while (head[end + 2] == ' ');
  return head.substr(at + name.size() + 4, end - at - name.size() - 4);
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  while (n-- > 0) out += s;
  return out;
}

}  // namespace

TEST_CASE("format_message refuses CR or LF in a header and names the header", "[mailer][format]") {
  const std::string kBreak = " holds a CR or LF", kNotAddress = " is not an address of the form local@domain";
  struct Row {
    std::string error;   // what the exception says, after "mail header "
    std::function<void(SmtpSettings&, MailMessage&)> spoil;
  };
  const std::vector<Row> rows = {
      {"Subject" + kBreak, [](SmtpSettings&, MailMessage& m) { m.subject = "Hello\r\nBcc: victim@example.org"; }},
      {"Subject" + kBreak, [](SmtpSettings&, MailMessage& m) { m.subject = "Hello\nthere"; }},
      {"Subject" + kBreak, [](SmtpSettings&, MailMessage& m) { m.subject = "Hello\rthere"; }},
      {"To" + kBreak, [](SmtpSettings&, MailMessage& m) { m.to = "lead@agency.example\r\nBcc: victim@example.org"; }},
      {"To" + kBreak, [](SmtpSettings&, MailMessage& m) { m.to = "lead@agency.example\n"; }},
      {"From" + kBreak, [](SmtpSettings& s, MailMessage&) { s.from = "parley@office.example\r"; }},
      {"Message-ID" + kBreak, [](SmtpSettings&, MailMessage& m) { m.message_id = "k1@parley\r\nX-Evil: 1"; }},
      // No line break, but not one plain address either.
      {"To" + kNotAddress, [](SmtpSettings&, MailMessage& m) { m.to = "lead@agency.example, victim@example.org"; }},
      {"To" + kNotAddress, [](SmtpSettings&, MailMessage& m) { m.to = "Lead <lead@agency.example>"; }},
      {"From" + kNotAddress, [](SmtpSettings& s, MailMessage&) { s.from = "no-at-sign"; }},
      {"Message-ID" + kNotAddress, [](SmtpSettings&, MailMessage& m) { m.message_id = "<k1@parley>"; }},
  };
  for (const auto& row : rows) {
    SmtpSettings settings = settings_for("smtp://127.0.0.1:25");
    MailMessage message = a_message("k1");
    row.spoil(settings, message);
    INFO("subject '" << message.subject << "', to '" << message.to << "', from '" << settings.from << "', id '"
                     << message.message_id << "'");
    CHECK_THROWS_WITH(format_message(settings, message, kNow), "mail header " + row.error);
  }
}

TEST_CASE("format_message writes RFC 5322 headers, RFC 2047 subjects and a quoted-printable body", "[mailer][format]") {
  const std::string text = format_message(settings_for("smtp://x"), a_message("k1"), kNow);
  CHECK(text.rfind("Date: Mon, 03 Mar 2025 09:00:00 +0000\r\n", 0) == 0);
  for (const char* line : {"\r\nFrom: parley@office.example\r\n", "\r\nTo: lead@agency.example\r\n",
                           "\r\nSubject: Challenge CH-17 escalated\r\n", "\r\nMessage-ID: <k1@parley>\r\n",
                           "\r\nMIME-Version: 1.0\r\n", "\r\nContent-Type: text/plain; charset=UTF-8\r\n",
                           "\r\nContent-Transfer-Encoding: quoted-printable\r\n"})
    CHECK_THAT(text, Catch::Contains(line));

  SECTION("Date is UTC, from the injected clock") {
    struct Row { std::int64_t ms; const char* date; };
    for (const Row& row : {Row{kNow, "Mon, 03 Mar 2025 09:00:00 +0000"}, Row{1709251199999, "Thu, 29 Feb 2024 23:59:59 +0000"},
                           Row{0, "Thu, 01 Jan 1970 00:00:00 +0000"}, Row{-1000, "Wed, 31 Dec 1969 23:59:59 +0000"}})
      CHECK(header_of(format_message(settings_for("smtp://x"), a_message("k1"), row.ms), "Date") == row.date);
  }

  SECTION("Subject: as it is when plain and short, else encoded words of whole UTF-8 characters") {
    struct Row { std::string subject, header; };
    const std::vector<Row> rows = {
        {"Challenge CH-17 escalated", "Challenge CH-17 escalated"},
        {"", ""},
        {"Æ", "=?UTF-8?B?w4Y=?="},
        {"50% =?off?=", "=?UTF-8?B?NTAlID0/b2ZmPz0=?="},   // would read as an encoded word
        {"tab\there", "=?UTF-8?B?dGFiCWhlcmU=?="},
        // 41 bytes: the 2-byte "é" would straddle the 40-byte word, so it starts the next one.
        {std::string(39, 'a') + "é", "=?UTF-8?B?" + repeat("YWFh", 13) + "?=\r\n =?UTF-8?B?w6k=?="},
    };
    for (const auto& row : rows) {
      MailMessage m = a_message("k1");
      m.subject = row.subject;
      const std::string text = format_message(settings_for("smtp://x"), m, kNow);
      INFO("subject '" << row.subject << "'");
      CHECK(header_of(text, "Subject") == row.header);
    }
  }

  SECTION("body: quoted-printable, CRLF lines, no line over 76 characters") {
    struct Row { std::string body, encoded; };
    const std::vector<Row> rows = {
        {"plain\n", "plain\r\n"},
        {"no newline at the end", "no newline at the end=\r\n"},     // soft break: decodes to exactly this
        {"windows\r\nends\r\n", "windows\r\nends\r\n"},
        {"lone\rreturn\n", "lone=0Dreturn\r\n"},
        {"trailing space \ntab\t\n", "trailing space=20\r\ntab=09\r\n"},
        {"a=b é\n", "a=3Db =C3=A9\r\n"},
        {".\n..dots are libcurl's to stuff\n", ".\r\n..dots are libcurl's to stuff\r\n"},
        {std::string(80, 'x') + "\n", std::string(75, 'x') + "=\r\n" + std::string(5, 'x') + "\r\n"},
        {std::string(74, 'x') + "é\n", std::string(74, 'x') + "=\r\n=C3=A9\r\n"},   // never splits an =XX
        {"", ""},
    };
    for (const auto& row : rows) {
      MailMessage m = a_message("k1");
      m.body = row.body;
      INFO("body '" << row.body << "'");
      CHECK(body_of(format_message(settings_for("smtp://x"), m, kNow)) == row.encoded);
    }
  }
}

TEST_CASE("plausible_address", "[mailer][format]") {
  struct Row { std::string address; bool ok; };
  const std::vector<Row> rows = {
      {"lead@agency.example", true},         {"first.last+tag@sub.agency.example", true},
      {"a@b", true},                         {"", false},
      {"no-at-sign", false},                 {"@agency.example", false},
      {"lead@", false},                      {"lead@@agency.example", false},
      {"lead@agency@example", false},        {"lead @agency.example", false},
      {"<lead@agency.example>", false},      {"lead@agency.example\r\n", false},
      {"lead@agency.example,x@y", false},    {"\"lead\"@agency.example", false},
      {"lead@.agency.example", false},       {"lead@agency..example", false},
      {"léad@agency.example", false},        {std::string(65, 'a') + "@agency.example", false},
      {"lead@agency.example\t", false},
  };
  for (const auto& row : rows) {
    INFO("'" << row.address << "'");
    CHECK(plausible_address(row.address) == row.ok);
  }
}

TEST_CASE("an accepted message arrives once, with its Message-ID, subject and body intact", "[mailer][smtp]") {
  Sink sink({});
  struct Row { std::string subject, body; };
  const std::vector<Row> rows = {
      {"Escalation: Ærøskøbing case — review ✓",
       "Dear Sam,\n\n.a line starting with a dot\n.\n..two dots\nFrom the start of a line\n"
       "trailing space \ttab\t\nUTF-8: é ø 漢字 ✓\na=b\n" + [] {
         std::string long_line;
         for (int i = 0; long_line.size() < 1200; ++i) long_line += std::to_string(i % 10);
         return long_line;
       }() + "\nlast line\n"},
      {"Plain ASCII", "no newline at the end"},
      {std::string(120, 's') + " =?UTF-8?B?not-a-word?=", ".\n"},   // long, and looks encoded
      {"", ""},
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    MailMessage message = a_message("case-" + std::to_string(i));
    message.subject = row.subject;
    message.body = row.body;
    SmtpMailer mailer(settings_for(sink.url()));
    const SendResult result = mailer.send(message, kNow);
    INFO("row " << i << ": " << result.detail << "\nsink: " << sink.log());
    REQUIRE(result.outcome == Outcome::Sent);
    CHECK_THAT(result.detail, Catch::StartsWith("250"));

    const auto mailbox = sink.mailbox();
    REQUIRE(mailbox.size() == i + 1);   // once: one line per message
    const Json& got = mailbox.back();
    CHECK(got["message_id"] == "<" + message.message_id + ">");
    CHECK(got["subject"] == row.subject);
    CHECK(got["body"] == row.body);
    CHECK(got["mail_from"] == "parley@office.example");
    CHECK(got["rcpt_tos"] == Json::array({"lead@agency.example"}));
    CHECK(got["tls"] == false);
    // What crossed the wire (dot-stuffing undone): the exact text, every line within SMTP's limit.
    const std::string data = got["data"];
    CHECK(data == format_message(settings_for(sink.url()), message, kNow));
    std::istringstream lines(data);
    for (std::string line; std::getline(lines, line);) CHECK(line.size() <= 999);   // 998 + the CR
  }
}

namespace {

enum class Auth { None, Accepted, Denied };   // what the sink's AUTH log must show

struct NetRow {
  const char* name;
  SinkOptions sink;
  std::string scheme = "smtp";
  std::string user, password;
  bool trust_ca = false;        // ca_file = the test certificate; else the system store
  int timeout = 3;
  Outcome expected = Outcome::Sent;
  std::size_t stored = 0;       // messages in the mailbox in the end
  double settle = 0;            // seconds to wait for the sink before counting
  Auth auth = Auth::None;
  double max_seconds = 4;       // send() returns within this
  std::string subject = "Challenge CH-17 escalated";
  std::string detail_has;       // e.g. the server's reply, quoted in the detail
};

struct NetResult {
  SendResult result;
  double seconds = 0;
  std::vector<Json> mailbox, auth_log;
  std::string sink_log, error;
};

NetResult run_row(const NetRow& row, int index) {
  NetResult r;
  try {
    Sink sink(row.sink);
    SmtpSettings s = settings_for(sink.url(row.scheme));
    s.user = row.user;
    s.password = row.password;
    s.timeout_seconds = row.timeout;
    if (row.trust_ca) s.ca_file = kCert;
    MailMessage m = a_message("row-" + std::to_string(index));
    m.subject = row.subject;
    const auto start = Clock::now();
    r.result = SmtpMailer(s).send(m, kNow);
    r.seconds = seconds_since(start);
    if (row.settle > 0) std::this_thread::sleep_for(std::chrono::duration<double>(row.settle));
    r.mailbox = sink.mailbox_when(row.stored, 3.0);
    r.auth_log = sink.auth_log();
    r.sink_log = sink.log();
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

// Runs every row at once, then checks each on this thread.
void check_rows(const std::vector<NetRow>& rows) {
  std::vector<std::future<NetResult>> running;
  for (std::size_t i = 0; i < rows.size(); ++i)
    running.push_back(std::async(std::launch::async, run_row, std::cref(rows[i]), static_cast<int>(i)));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const NetRow& row = rows[i];
    const NetResult r = running[i].get();
    INFO(row.name << ": " << name_of(r.result.outcome) << " in " << r.seconds << " s: " << r.result.detail
                  << "\nmailbox: " << Json(r.mailbox).dump() << "\nauth log: " << Json(r.auth_log).dump()
                  << "\nsink stderr: " << r.sink_log);
    REQUIRE(r.error.empty());
    CHECK(name_of(r.result.outcome) == std::string(name_of(row.expected)));
    CHECK(r.seconds < row.max_seconds);
    CHECK(r.result.detail.find('\n') == std::string::npos);
    CHECK(!r.result.detail.empty());
    CHECK_THAT(r.result.detail, Catch::Contains(row.detail_has));
    if (!row.password.empty()) CHECK(r.result.detail.find(row.password) == std::string::npos);
    CHECK(r.mailbox.size() == row.stored);
    for (const auto& got : r.mailbox) CHECK(got["message_id"] == "<row-" + std::to_string(i) + "@parley>");
    // AUTH: never a line in clear; a result line exactly when a user tried.
    for (const auto& line : r.auth_log) CHECK(line["tls"] == true);
    std::size_t results = 0;
    bool success = false;
    for (const auto& line : r.auth_log)
      if (line["event"] == "result") ++results, success = line["success"].get<bool>();
    CHECK(results == (row.auth == Auth::None ? 0u : 1u));
    if (row.auth != Auth::None) CHECK(success == (row.auth == Auth::Accepted));
    if (row.auth == Auth::None) CHECK(r.auth_log.empty());
    if (row.stored > 0 && !row.user.empty()) CHECK(r.mailbox[0]["auth_user"] == row.user);
    if (row.stored > 0 && (row.sink.tls || row.sink.implicit_tls)) CHECK(r.mailbox[0]["tls"] == true);
  }
}

}  // namespace

TEST_CASE("what the server does maps to Sent, Retry or Refused", "[mailer][smtp]") {
  std::vector<NetRow> rows;
  auto row = [&](const char* name, const char* mode, Outcome expected) -> NetRow& {
    rows.push_back({});
    rows.back().name = name;
    rows.back().sink.mode = mode;
    rows.back().expected = expected;
    return rows.back();
  };
  row("550 to RCPT: this address will never work", "refuse", Outcome::Refused).detail_has =
      "server said: 550 5.1.1 Mailbox unavailable";
  row("451 to RCPT: try later", "tempfail", Outcome::Retry).detail_has = "server said: 451 4.3.0 Try again later";
  row("connection closed after the message, no reply", "drop", Outcome::Retry);
  {
    NetRow& r = row("no greeting ever: the timeout ends the attempt", "stall", Outcome::Retry);
    r.timeout = 2;
    r.max_seconds = 2.8;
  }
  {
    NetRow& r = row("354 later than the timeout: nothing stored once the client left", "slow-data", Outcome::Retry);
    r.sink.delay = 2;
    r.timeout = 1;
    r.max_seconds = 1.8;
    r.settle = 1.5;   // past the sink's delay: it would have stored by now
  }
  {
    // The duplicate the Message-ID is for: the server keeps a message the client gave up on.
    // Without end_session (sync/mailer.cpp) curl_easy_cleanup's QUIT would wait for the 250.
    NetRow& r = row("250 later than the timeout: Retry, yet the server stored it", "slow-accept", Outcome::Retry);
    r.sink.delay = 2;
    r.timeout = 1;
    r.max_seconds = 1.8;
    r.stored = 1;
  }
  {
    // No one reply later than the timeout, the whole of them later: CURLOPT_TIMEOUT is
    // for the whole attempt, not for each reply.
    NetRow& r = row("354 and 250 each late: the whole attempt still ends on time", "slow-both", Outcome::Retry);
    r.sink.delay = 1.2;
    r.timeout = 2;
    r.max_seconds = 2.7;
    r.stored = 1;
  }
  {
    NetRow& r = row("CR/LF in the subject: Refused before any connection", "accept", Outcome::Refused);
    r.subject = "Hello\r\nBcc: victim@example.org";
    r.detail_has = "not sent: mail header Subject holds a CR or LF";
  }
  check_rows(rows);
}

TEST_CASE("nothing listening is Retry", "[mailer][smtp]") {
  // A port that was free a moment ago: bind, read the number, close.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  close(fd);
  const SendResult r = SmtpMailer(settings_for("smtp://127.0.0.1:" + std::to_string(ntohs(address.sin_port))))
                           .send(a_message("k1"), kNow);
  INFO(r.detail);
  CHECK(r.outcome == Outcome::Retry);
  CHECK_THAT(r.detail, Catch::StartsWith("curl 7 "));
}

TEST_CASE("a password only ever goes over TLS", "[mailer][smtp][tls]") {
  const SinkOptions starttls_auth{"accept", 0, "mailer", "right-horse-battery", true, false};
  std::vector<NetRow> rows;
  auto row = [&](const char* name, const SinkOptions& sink, Outcome expected) -> NetRow& {
    rows.push_back({});
    rows.back().name = name;
    rows.back().sink = sink;
    rows.back().expected = expected;
    rows.back().trust_ca = true;
    return rows.back();
  };
  {
    NetRow& r = row("STARTTLS, right password", starttls_auth, Outcome::Sent);
    r.user = "mailer", r.password = "right-horse-battery", r.stored = 1, r.auth = Auth::Accepted;
  }
  {
    NetRow& r = row("STARTTLS, wrong password: 535 is Refused", starttls_auth, Outcome::Refused);
    r.user = "mailer", r.password = "wrong-staple", r.auth = Auth::Denied;
    r.detail_has = "server said: 535";
  }
  {
    // The sink offers AUTH in clear here; the mailer must not take it.
    NetRow& r = row("AUTH offered without TLS: the password is not sent", {"accept", 0, "mailer", "right-horse-battery", false, false},
                    Outcome::Retry);
    r.user = "mailer", r.password = "right-horse-battery";
  }
  {
    NetRow& r = row("STARTTLS with a certificate the system does not trust", starttls_auth, Outcome::Retry);
    r.user = "mailer", r.password = "right-horse-battery", r.trust_ca = false;
  }
  {
    NetRow& r = row("smtps://, implicit TLS, with AUTH", {"accept", 0, "mailer", "right-horse-battery", true, true},
                    Outcome::Sent);
    r.scheme = "smtps", r.user = "mailer", r.password = "right-horse-battery", r.stored = 1, r.auth = Auth::Accepted;
  }
  {
    NetRow& r = row("smtps://, implicit TLS, no AUTH", {"accept", 0, "", "", true, true}, Outcome::Sent);
    r.scheme = "smtps", r.stored = 1;
  }
  row("smtp:// without a user still takes STARTTLS when offered", {"accept", 0, "", "", true, false}, Outcome::Sent)
      .stored = 1;
  check_rows(rows);
}
