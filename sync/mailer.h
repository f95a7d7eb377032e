// sync/mailer.h — sending one email through SMTP with libcurl (Debian's libcurl4-openssl-dev):
// smtp:// with STARTTLS when the server offers it (required with --user), smtps:// for
// implicit TLS, AUTH when a user is configured. The office server's notification engine
// (sync/notifier.h) is its only caller.
//
// Model: send() makes one attempt and says what happened, never throws for a mail problem:
// Sent (the server said 250 to the message), Retry (no connection, dropped, timed out, 4xx:
// try again later), Refused (5xx: this message will never be accepted as it is; a person
// must look). Every message carries a Message-ID the caller derives from the notification's
// idempotency key, so a resend after a crash between "accepted" and "recorded" is the same
// message to the receiving system. Header values are refused if they hold CR or LF (no
// header injection from data); non-ASCII subjects are RFC 2047 encoded; the body is UTF-8.
#pragma once
#include <cstdint>
#include <string>

namespace parley::server {

struct SmtpSettings {
  std::string url;          // smtp://HOST:PORT or smtps://HOST:PORT
  std::string from;         // envelope and header From address
  std::string user;         // empty: no AUTH
  std::string password;     // never logged; read from stdin by `admin smtp`
  std::string ca_file;      // empty: the system's CA store; a PEM file for a private CA
  int timeout_seconds = 30; // the whole attempt (connect + dialogue)
};

struct MailMessage {
  std::string to;           // one address
  std::string subject;
  std::string body;         // plain text, UTF-8, lines separated by \n
  std::string message_id;   // without angle brackets: "<key-hash>@parley"
};

struct SendResult {
  enum class Outcome { Sent, Retry, Refused } outcome = Outcome::Retry;
  std::string detail;       // one line for the outbox and the log: the SMTP reply or libcurl's error
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  virtual SendResult send(const MailMessage& message, std::int64_t now_ms) = 0;
};

class SmtpMailer final : public Mailer {
 public:
  explicit SmtpMailer(SmtpSettings settings);
  SendResult send(const MailMessage& message, std::int64_t now_ms) override;
 private:
  SmtpSettings settings_;
};

// The RFC 5322 text of a message (Date from now_ms, From, To, Subject, Message-ID,
// MIME-Version, Content-Type text/plain; charset=UTF-8, Content-Transfer-Encoding), CRLF
// line ends. Throws std::invalid_argument when a header value holds CR or LF or an address
// is not of the form local@domain.
std::string format_message(const SmtpSettings& settings, const MailMessage& message, std::int64_t now_ms);

// True for local@domain with no spaces, angle brackets, CR or LF (the check `admin smtp
// --from` and `admin set-email` use too).
bool plausible_address(const std::string& address);

}  // namespace parley::server
