// sync/mailer.cpp — see mailer.h. The message text (format_message) and one SMTP attempt
// through libcurl (SmtpMailer::send).
//
// Model: the body goes out quoted-printable, not 8bit. libcurl never announces
// BODY=8BITMIME, so 8-bit data would be outside what the server agreed to (RFC 6152); QP
// is 7-bit, keeps every encoded line under 77 bytes whatever the text (SMTP's hard limit
// is 998 + CRLF), and decodes to exactly the body given. The SMTP-level transparency
// (a line starting with "." sent as "..") is libcurl's job: Curl_smtp_escape_eob doubles
// a dot after every CRLF and at the very start, and smtp_done appends CRLF.CRLF, or only
// .CRLF when the data already ends with CRLF (curl lib/smtp.c; checked by test_mailer).
// libcurl does not convert line ends: the text handed to it must already be CRLF.
//
// The time limit: CURLOPT_TIMEOUT covers connecting and the whole dialogue, the wait for
// the 250 after the data included. It does not cover curl_easy_cleanup, which sends QUIT
// on a connection still open and waits for the reply up to CURLOPT_SERVER_RESPONSE_TIMEOUT
// (default 120 s) — also after a timeout, when the server is busy with our message: with
// libcurl 7.88.1, `curl --max-time 1` against a server that answers the data after 12 s
// exits after 12 s. So after a failure the socket is shut before cleanup, and after success
// QUIT gets one second (end_session; test_mailer's slow-accept and slow-both rows).
#include "sync/mailer.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>

namespace parley::server {
namespace {

// ---- message text ----------------------------------------------------------------------

void refuse_line_breaks(const char* header, std::string_view value) {
  if (value.find_first_of("\r\n") != std::string_view::npos)
    throw std::invalid_argument(std::string("mail header ") + header + " holds a CR or LF");
}

void require_address(const char* header, const std::string& value) {
  refuse_line_breaks(header, value);
  if (!plausible_address(value))
    throw std::invalid_argument(std::string("mail header ") + header + " is not an address of the form local@domain");
}

// RFC 5322 section 3.3, always in UTC: "Mon, 03 Mar 2025 09:00:00 +0000".
std::string rfc5322_date(std::int64_t now_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds{now_ms}};
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> hms{floor<seconds>(t) - day};
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char out[64];
  std::snprintf(out, sizeof out, "%s, %02u %s %04d %02d:%02d:%02d +0000", kDays[weekday{day}.c_encoding()],
                static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return out;
}

std::string base64(std::string_view bytes) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

// A subject goes out as it is only when it is printable ASCII, short enough for one
// 78-character line, and holds no "=?" a reader would take for an encoded word.
bool subject_needs_encoding(std::string_view subject) {
  constexpr std::size_t kRoom = 78 - std::string_view("Subject: ").size();
  if (subject.size() > kRoom || subject.find("=?") != std::string_view::npos) return true;
  return std::any_of(subject.begin(), subject.end(), [](char c) { return c < 0x20 || c > 0x7e; });
}

// RFC 2047 B encoded words of at most 40 source bytes (68 characters each), split only
// between UTF-8 characters so each word decodes on its own, folded one word a line
// (whitespace between encoded words is not part of the text).
std::string encode_subject(std::string_view subject) {
  constexpr std::size_t kChunk = 40;
  std::string out;
  std::size_t start = 0;
  while (start < subject.size()) {
    std::size_t end = std::min(subject.size(), start + kChunk);
    while (end < subject.size() && end > start + 1 && (static_cast<unsigned char>(subject[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(subject.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

// RFC 2045 section 6.7. Lines of the body (split at \n; a \r before \n is dropped, any
// other \r is encoded) become CRLF lines; soft breaks keep encoded lines within 76
// characters. A body not ending in \n ends with a soft break, so decoding gives back
// exactly the body and the message text still ends with CRLF.
std::string quoted_printable(std::string_view body) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  std::size_t line_length = 0;
  auto put = [&](std::string_view token) {
    if (line_length + token.size() > 75) {
      out += "=\r\n";
      line_length = 0;
    }
    out += token;
    line_length += token.size();
  };
  for (std::size_t i = 0; i < body.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(body[i]);
    const bool line_end_next = i + 1 == body.size() || body[i + 1] == '\n' ||
                               (body[i + 1] == '\r' && i + 2 < body.size() && body[i + 2] == '\n');
    if (c == '\n') {
      out += "\r\n";
      line_length = 0;
    } else if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') {
      continue;
    } else if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !line_end_next)) {
      put(std::string_view(&body[i], 1));
    } else {
      const char encoded[] = {'=', kHex[c >> 4], kHex[c & 15]};
      put(std::string_view(encoded, 3));
    }
  }
  if (!body.empty() && body.back() != '\n') out += "=\r\n";
  return out;
}

// ---- libcurl ---------------------------------------------------------------------------

// curl_global_init is not thread-safe and must run once before any handle; the notifier
// may send from worker threads.
CURLcode global_init_once() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

struct Upload {
  const std::string& text;
  std::size_t offset = 0;
};

std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->text.size() - upload->offset);
  upload->text.copy(buffer, n, upload->offset);
  upload->offset += n;
  return n;
}

// libcurl hands every server reply line to the header callback. The last few are kept to
// find the server's own words for the reply that decided (e.g. "550 5.1.1 Mailbox
// unavailable"), which is not always the last line: after a refusal libcurl sends QUIT
// before returning, and "221 Bye" comes after.
std::size_t keep_replies(char* data, std::size_t size, std::size_t count, void* user) {
  auto* replies = static_cast<std::deque<std::string>*>(user);
  replies->emplace_back(data, size * count);
  if (replies->size() > 8) replies->pop_front();
  return size * count;
}

std::string reply_with_code(const std::deque<std::string>& replies, long code) {
  const std::string prefix = std::to_string(code);
  for (auto it = replies.rbegin(); it != replies.rend(); ++it)
    if (it->rfind(prefix, 0) == 0) return *it;
  return "";
}

// One printable line of at most 300 bytes, for the outbox and the log.
std::string one_line(std::string text) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (text.size() > 300) text.resize(300);
  return text;
}

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

using Outcome = SendResult::Outcome;

// Sent only on CURLE_OK (libcurl checked the 250 to the message). A 5xx reply, whatever
// the step, will not change by trying again; anything else (no connection, timeout, TLS
// failure, dropped, 4xx) might.
SendResult classify(CURLcode code, long reply_code, const std::string& error, const std::string& reply) {
  if (code == CURLE_OK) return {Outcome::Sent, reply.empty() ? "250 accepted" : reply};
  std::string detail = "curl " + std::to_string(code) + " (" + curl_easy_strerror(code) + ")";
  if (!error.empty()) detail += ": " + error;
  if (reply_code >= 400 && !reply.empty()) detail += "; server said: " + reply;
  const Outcome outcome = reply_code >= 500 && reply_code <= 599 ? Outcome::Refused : Outcome::Retry;
  return {outcome, one_line(detail)};
}

// Before curl_easy_cleanup's QUIT (see the file comment): a server that did not answer in
// time is not waited for again; one that did gets a second to say goodbye.
void end_session(CURL* h, CURLcode code) {
  if (code == CURLE_OK) {
    curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, 1L);
    return;
  }
  curl_socket_t socket = CURL_SOCKET_BAD;
  if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &socket) == CURLE_OK && socket != CURL_SOCKET_BAD)
    shutdown(socket, SHUT_RDWR);   // libcurl still owns and closes the descriptor
}

}  // namespace

bool plausible_address(const std::string& address) {
  // ASCII only: the mailer does not use SMTPUTF8, so a UTF-8 address could not be sent.
  // The characters refused besides the contract's (quotes, commas, parentheses...) would
  // make the header mean more than one plain address.
  static const std::string_view kRefused = " <>,;:\"()[]\\";
  const std::size_t at = address.find('@');
  if (at == std::string::npos || at == 0 || at > 64 || address.size() > 254) return false;
  const std::string_view domain = std::string_view(address).substr(at + 1);
  if (domain.empty() || domain.find('@') != std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != std::string_view::npos)
    return false;
  return std::none_of(address.begin(), address.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c <= 0x20 || c >= 0x7f || kRefused.find(ch) != std::string_view::npos;
  });
}

std::string format_message(const SmtpSettings& settings, const MailMessage& message, std::int64_t now_ms) {
  require_address("From", settings.from);
  require_address("To", message.to);
  refuse_line_breaks("Subject", message.subject);
  // id-left "@" id-right (RFC 5322 section 3.6.4): the same character rules as an address.
  require_address("Message-ID", message.message_id);

  std::string text;
  text += "Date: " + rfc5322_date(now_ms) + "\r\n";
  text += "From: " + settings.from + "\r\n";
  text += "To: " + message.to + "\r\n";
  text += "Subject: " + (subject_needs_encoding(message.subject) ? encode_subject(message.subject) : message.subject) + "\r\n";
  text += "Message-ID: <" + message.message_id + ">\r\n";
  // RFC 3834: machine-sent, so vacation responders do not answer it.
  text += "Auto-Submitted: auto-generated\r\n";
  text += "MIME-Version: 1.0\r\n";
  text += "Content-Type: text/plain; charset=UTF-8\r\n";
  text += "Content-Transfer-Encoding: quoted-printable\r\n";
  text += "\r\n";
  text += quoted_printable(message.body);
  return text;
}

SmtpMailer::SmtpMailer(SmtpSettings settings) : settings_(std::move(settings)) {}

SendResult SmtpMailer::send(const MailMessage& message, std::int64_t now_ms) {
  std::string text;
  try {
    text = format_message(settings_, message, now_ms);
  } catch (const std::invalid_argument& e) {
    // The data is wrong, not the network: sending it again will not help.
    return {Outcome::Refused, std::string("not sent: ") + e.what()};
  }
  if (const CURLcode init = global_init_once(); init != CURLE_OK)
    return {Outcome::Retry, std::string("curl_global_init failed: ") + curl_easy_strerror(init)};

  // Declared before the handle: curl_easy_cleanup may still write (the QUIT reply).
  std::deque<std::string> replies;
  char error[CURL_ERROR_SIZE] = "";
  Upload upload{text};
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return {Outcome::Retry, "curl_easy_init failed"};
  CURL* h = curl.get();
  std::unique_ptr<curl_slist, SlistDeleter> recipients(curl_slist_append(nullptr, ("<" + message.to + ">").c_str()));
  if (!recipients) return {Outcome::Retry, "out of memory"};

  // 0 would mean "no limit" to libcurl: an attempt must always end.
  const long timeout = std::max(1, settings_.timeout_seconds);
  curl_easy_setopt(h, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");   // a mistyped URL cannot turn into file:// or http://
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);                  // no SIGALRM for DNS timeouts: we run on threads
  curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, std::min(timeout, 10L));
  // A user means a password: never over a connection that is not encrypted, so TLS is
  // required (STARTTLS, or smtps://). Without one, encrypt when the server offers it.
  curl_easy_setopt(h, CURLOPT_USE_SSL, settings_.user.empty() ? static_cast<long>(CURLUSESSL_TRY)
                                                               : static_cast<long>(CURLUSESSL_ALL));
  if (!settings_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, settings_.ca_file.c_str());
  if (!settings_.user.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, settings_.user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, settings_.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, ("<" + settings_.from + ">").c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_message);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(text.size()));
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, keep_replies);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &replies);

  const CURLcode code = curl_easy_perform(h);
  long reply_code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply_code);
  end_session(h, code);
  SendResult result = classify(code, reply_code, error, one_line(reply_with_code(replies, reply_code)));
  // libcurl's messages do not hold the password, but a server may echo what it got.
  if (!settings_.password.empty())
    for (std::size_t at = 0; (at = result.detail.find(settings_.password, at)) != std::string::npos; at += 3)
      result.detail.replace(at, settings_.password.size(), "***");
  return result;
}

}  // namespace parley::server
