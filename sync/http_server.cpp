// sync/http_server.cpp — the HTTP layer (see http_server.h): the connection registry and
// its caps, one Session per connection with one deadline timer, and the accept loop.
//
// Threads: I/O threads run the io_context; every connection lives on its own strand, so a
// Session's members are only touched by one thread at a time. The application's handler
// runs on a worker pool and hands the answer back to the strand.
#include "sync/http_server.h"

#include <openssl/ssl.h>
#include <sys/resource.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

namespace parley::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

// Connections over a cap are answered "busy" (their request is read first, so that the
// client sees the answer rather than a reset); past this many such answers at once the
// extra connections are closed unanswered.
constexpr int kMaxRefusing = 256;
constexpr std::chrono::seconds kRefuseDeadline{2};
// After an answer that ends a connection, what the client is still sending (a body we
// refused) is read and dropped for at most this long or this much, then it is closed.
constexpr std::chrono::seconds kLinger{2};
constexpr std::size_t kMaxLingerBytes = 16 * 1024 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;

// ---- who is connected --------------------------------------------------------------

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void stop() = 0;   // any thread: idle connections close, requests in flight finish
};

enum class Admission { serve, refuse, drop };

// Counts connections per address and in all (the caps), and knows every session so that
// stop() can reach it.
class Registry {
 public:
  explicit Registry(const HttpLimits& limits) : limits_(limits) {}

  Admission enter(const std::shared_ptr<SessionBase>& s, const std::string& address) {
    std::lock_guard lock(m_);
    Admission a = decide(address);
    if (a != Admission::drop) live_[s.get()] = Entry{s, address, a};
    return a;
  }

  // From the session's destructor.
  void leave(const SessionBase* s) {
    std::lock_guard lock(m_);
    auto it = live_.find(s);
    if (it == live_.end()) return;
    if (it->second.admission == Admission::refuse) {
      --refusing_;
    } else {
      --total_;
      if (--per_address_[it->second.address] == 0) per_address_.erase(it->second.address);
    }
    live_.erase(it);
    if (live_.empty()) none_left_.notify_all();
  }

  // Refuses new sessions, asks the live ones to stop; true once none is left, false when
  // `grace` passed first.
  bool stop_all(std::chrono::seconds grace) {
    std::vector<std::shared_ptr<SessionBase>> sessions;
    {
      std::lock_guard lock(m_);
      stopping_ = true;
      for (auto& [p, e] : live_)
        if (auto s = e.session.lock()) sessions.push_back(std::move(s));
    }
    for (auto& s : sessions) s->stop();
    sessions.clear();
    std::unique_lock lock(m_);
    return none_left_.wait_for(lock, grace, [&] { return live_.empty(); });
  }

 private:
  struct Entry {
    std::weak_ptr<SessionBase> session;
    std::string address;
    Admission admission;
  };

  Admission decide(const std::string& address) {
    if (stopping_) return Admission::drop;
    auto here = per_address_.find(address);
    int from_here = here == per_address_.end() ? 0 : here->second;
    if (total_ >= limits_.max_connections || from_here >= limits_.max_connections_per_address) {
      if (refusing_ >= kMaxRefusing) return Admission::drop;
      ++refusing_;
      return Admission::refuse;
    }
    ++total_;
    ++per_address_[address];
    return Admission::serve;
  }

  const HttpLimits& limits_;
  std::mutex m_;
  std::condition_variable none_left_;
  std::unordered_map<const SessionBase*, Entry> live_;
  std::unordered_map<std::string, int> per_address_;
  int total_ = 0, refusing_ = 0;
  bool stopping_ = false;
};

// What every session shares: the application, the limits, the caps and the worker pools.
struct Core {
  Core(HttpApp a, HttpLimits l)
      : app(std::move(a)), limits(l), registry(limits),
        workers(static_cast<std::size_t>(std::max(1, l.worker_threads))), light(2) {}
  HttpApp app;
  HttpLimits limits;
  Registry registry;
  asio::thread_pool workers;   // the application's handler (store work)
  // Requests the application marks light (health): two threads, so that one waiting on
  // the store does not hold up the next (server_http.cpp answers that one from memory).
  asio::thread_pool light;
};

// ---- one connection ----------------------------------------------------------------

// Beast caps the header's size; this also caps its number of fields (each is an
// allocation of its own).
class RequestParser : public http::request_parser<http::string_body> {
 public:
  explicit RequestParser(int max_fields) : max_fields_(max_fields) {}

 private:
  void on_field_impl(http::field name, beast::string_view name_string, beast::string_view value,
                     error_code& ec) override {
    if (++fields_ > max_fields_) {
      ec = http::error::header_limit;
      return;
    }
    get().insert(name, name_string, value);
  }
  int max_fields_, fields_ = 0;
};

tcp::socket& lowest(tcp::socket& s) { return s; }
tcp::socket& lowest(ssl::stream<tcp::socket>& s) { return s.next_layer(); }

bool is_parse_error(const error_code& ec) {
  return ec.category() == make_error_code(http::error::bad_method).category() && ec != http::error::end_of_stream &&
         ec != http::error::partial_message;
}

Response busy_response() {
  Response res{http::status::service_unavailable, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::retry_after, "1");
  res.body() = R"({"error":{"code":"busy","message":"the server has too many connections open (from your )"
               R"(address or in all); try again in a second"}})";
  return res;
}

void log_failure(const char* what) {
  std::string text = "{\"time\":\"" + utc_timestamp() + "\",\"error\":\"http layer: ";
  for (const char* p = what; *p; ++p)
    if (*p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) text += *p;
  text += "\"}\n";
  std::fputs(text.c_str(), stderr);
}

template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

  template <class... StreamArgs>
  Session(Core& core, std::string peer, StreamArgs&&... args)
      : core_(core), stream_(std::forward<StreamArgs>(args)...), timer_(stream_.get_executor()),
        buffer_(core.limits.header_bytes + kReadChunk), peer_(std::move(peer)) {}
  ~Session() override { core_.registry.leave(this); }

  const std::string& peer() const { return peer_; }
  auto executor() { return stream_.get_executor(); }

  // On the session's strand. The first request's header deadline runs from the accept
  // (over TLS, the handshake is inside it).
  void start(Admission a) {
    if (a == Admission::drop) return close_now();
    refuse_ = a == Admission::refuse;
    arm(refuse_ ? std::min(kRefuseDeadline, core_.limits.header_deadline) : core_.limits.header_deadline);
    if constexpr (kTls) {
      phase_ = Phase::handshake;
      stream_.async_handshake(ssl::stream_base::server, [self = shared()](error_code ec) {
        if (ec) return self->close_now();
        self->read_header();
      });
    } else {
      read_header();
    }
  }

  void stop() override {
    asio::post(executor(), [self = shared()] {
      self->stopping_ = true;
      if (self->phase_ == Phase::handshake || self->phase_ == Phase::idle || self->phase_ == Phase::headers)
        self->close_now();
    });
  }

 private:
  enum class Phase { handshake, idle, headers, body, handling, writing, closing };

  std::shared_ptr<Session> shared() { return this->shared_from_this(); }

  // ---- the deadline: one timer, re-armed per phase; a stale expiry is ignored ----
  void arm(Clock::duration d) {
    timer_.expires_after(d);
    timer_.async_wait([self = shared(), gen = ++timer_gen_](error_code ec) {
      if (!ec && gen == self->timer_gen_ && !self->closed_) self->on_deadline();
    });
  }
  void disarm() {
    ++timer_gen_;
    timer_.cancel();
  }
  void on_deadline() {
    if (phase_ == Phase::body) {   // answer 408: stop the read, keep the connection to write
      body_late_ = true;
      error_code ec;
      lowest(stream_).cancel(ec);
      return;
    }
    close_now();   // idle, headers, handshake, writing, closing: nothing more is owed
  }

  // ---- reading a request ----
  void await_request() {
    if (stopping_) return close_now();
    if (buffer_.size() > 0) {   // pipelined: its first bytes are here already
      arm(core_.limits.header_deadline);
      return read_header();
    }
    buffer_.shrink_to_fit();   // an idle connection holds no buffer
    phase_ = Phase::idle;
    arm(core_.limits.idle);
    stream_.async_read_some(buffer_.prepare(kReadChunk), [self = shared()](error_code ec, std::size_t n) {
      if (ec || self->closed_) return self->close_now();
      self->buffer_.commit(n);
      self->arm(self->core_.limits.header_deadline);   // from the request's first byte
      self->read_header();
    });
  }

  void read_header() {
    phase_ = Phase::headers;
    parser_.emplace(core_.limits.header_fields);
    parser_->header_limit(core_.limits.header_bytes);
    parser_->body_limit(core_.limits.body_bytes);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared()](error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    if (closed_) return;
    if (ec) return on_read_error(ec);
    started_ = Clock::now();
    if (refuse_) return answer(busy_response());
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue") && !parser_->is_done()) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared()](error_code ec, std::size_t) {
                          if (ec || self->closed_) return self->close_now();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  // The whole body within one deadline, however it trickles in.
  void read_body() {
    if (parser_->is_done()) return dispatch();
    phase_ = Phase::body;
    arm(core_.limits.body_deadline);
    http::async_read(stream_, buffer_, *parser_, [self = shared()](error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(error_code ec) {
    if (closed_) return;
    if (body_late_) return refuse(408);
    if (ec) return on_read_error(ec);
    dispatch();
  }

  void on_read_error(const error_code& ec) {
    if (ec == http::error::header_limit) return refuse(431);
    if (ec == http::error::body_limit || ec == http::error::buffer_overflow) return refuse(413);
    // The client stopped sending mid-body (it may still read): the body was cut short.
    if (ec == http::error::partial_message && phase_ == Phase::body) return refuse(400);
    if (is_parse_error(ec)) return refuse(400);
    close_now();   // closed, reset, or our own deadline: nobody to answer
  }

  // ---- answering ----
  void dispatch() {
    disarm();
    phase_ = Phase::handling;
    begin_exchange(parser_->release());
    parser_.reset();
    bool light = core_.app.light && core_.app.light(ex_);
    asio::post(light ? core_.light : core_.workers, [self = shared()] {
      self->run_handler();
      asio::post(self->executor(), [self] { self->respond(); });
    });
  }

  // Answers a request the layer refused (status) with the application's error, and
  // ends the connection: its stream is in an unknown state.
  void refuse(int status) {
    disarm();
    phase_ = Phase::handling;
    close_after_ = true;
    if (started_ == Clock::time_point{}) started_ = Clock::now();
    Request partial;
    partial.base() = parser_->get().base();   // whatever of the request line and fields arrived
    begin_exchange(std::move(partial));
    asio::post(core_.workers, [self = shared(), status] {
      try {
        self->core_.app.error(self->ex_, status);
      } catch (const std::exception& e) {
        log_failure(e.what());
        self->ex_.res = Response{static_cast<http::status>(status), 11};
      }
      asio::post(self->executor(), [self] { self->respond(); });
    });
  }

  void answer(Response res) {
    disarm();
    close_after_ = true;
    Request partial;
    partial.base() = parser_->get().base();
    begin_exchange(std::move(partial));
    ex_.res = std::move(res);
    respond();
  }

  void begin_exchange(Request req) {
    ex_ = Exchange{};
    ex_.req = std::move(req);
    std::string_view target = ex_.req.target();
    ex_.path = url_decode(target.substr(0, target.find('?')));
    ex_.peer = peer_;
  }

  void run_handler() {
    try {
      core_.app.handle(ex_);
      compress_for_client(ex_);
    } catch (const std::exception& e) {   // the application answers its own errors; a backstop
      log_failure(e.what());
      try {
        core_.app.error(ex_, 500);
      } catch (const std::exception&) {
        ex_.res = Response{http::status::internal_server_error, 11};
      }
    }
  }

  void respond() {
    if (closed_) return;
    Response& res = ex_.res;
    bool keep = !close_after_ && !stopping_ && ex_.req.keep_alive() &&
                served_ + 1 < core_.limits.max_requests_per_connection;
    res.version(11);
    res.set("X-Content-Type-Options", "nosniff");
    res.keep_alive(keep);
    set_length(res, ex_.req.method() == http::verb::head);
    phase_ = Phase::writing;
    arm(core_.limits.write_deadline);
    http::async_write(stream_, res, [self = shared(), keep](error_code ec, std::size_t) { self->on_written(ec, keep); });
  }

  // A HEAD gets the length of the GET and no body; 1xx, 204 and 304 have no body at all.
  static void set_length(Response& res, bool head) {
    unsigned status = res.result_int();
    if (status < 200 || status == 204 || status == 304) {
      res.body().clear();
      res.erase(http::field::content_length);
      return;
    }
    std::size_t n = res.body().size();
    if (head) res.body().clear();
    res.content_length(n);
  }

  void on_written(error_code ec, bool keep) {
    disarm();
    ex_.ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
    if (core_.app.log) core_.app.log(ex_);
    ex_ = Exchange{};
    started_ = {};
    ++served_;
    if (ec) return close_now();
    if (!keep) return linger();
    await_request();
  }

  // ---- closing ----
  // Ends the connection after its last answer: stop sending, then drop what the client
  // still sends until it closes (bounded), so that it reads the answer, not a reset.
  void linger() {
    phase_ = Phase::closing;
    arm(kLinger);
    if constexpr (kTls) {
      stream_.async_shutdown([self = shared()](error_code) { self->close_now(); });
    } else {
      error_code ec;
      stream_.shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return close_now();
      drain();
    }
  }

  void drain() {
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(kReadChunk), [self = shared()](error_code ec, std::size_t n) {
      self->lingered_ += n;
      if (ec || self->closed_ || self->lingered_ > kMaxLingerBytes) return self->close_now();
      self->drain();
    });
  }

  void close_now() {
    if (closed_) return;
    closed_ = true;
    disarm();
    error_code ec;
    lowest(stream_).shutdown(tcp::socket::shutdown_both, ec);
    lowest(stream_).close(ec);
  }

  Core& core_;
  Stream stream_;
  asio::steady_timer timer_;
  unsigned timer_gen_ = 0;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  Exchange ex_;
  std::string peer_;
  Phase phase_ = Phase::headers;
  Clock::time_point started_{};
  int served_ = 0;
  std::size_t lingered_ = 0;
  bool refuse_ = false, body_late_ = false, close_after_ = false, stopping_ = false, closed_ = false;
};

std::string peer_address(const tcp::socket& socket) {
  error_code ec;
  auto address = socket.remote_endpoint(ec).address();
  if (ec) return "unknown";
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  return address.to_string();
}

// 1,024 connections need more descriptors than the usual soft limit of 1,024 allows.
void raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  rlim_t want = std::min<rlim_t>(lim.rlim_max, 65536);
  if (lim.rlim_cur < want) {
    lim.rlim_cur = want;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

}  // namespace

// ---- the server ----------------------------------------------------------------------

struct HttpServer::Impl {
  Impl(HttpApp app, HttpLimits limits) : core(std::move(app), limits) {}

  // Declared in this order so that the io_context (and the sessions its queued handlers
  // hold) goes before the registry and the TLS context they use.
  Core core;
  std::optional<ssl::context> tls;
  asio::io_context ioc{std::max(1, core.limits.io_threads)};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  asio::steady_timer retry{acceptor.get_executor()};
  std::vector<std::thread> threads;
  std::function<void()> on_failure;
  std::atomic<bool> stopping{false}, stopped{false}, failure_told{false};

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
      if (stopping || !acceptor.is_open()) return;
      if (ec) {
        // Out of descriptors (or another transient failure): try again shortly rather
        // than spin.
        retry.expires_after(std::chrono::milliseconds(100));
        retry.async_wait([this](error_code e) {
          if (!e && !stopping) accept();
        });
        return;
      }
      error_code ignored;
      // Small JSON answers on a kept-alive connection otherwise wait ~40 ms for the
      // client's delayed ACK (Nagle): measured by bench/sync_bench.mjs.
      socket.set_option(tcp::no_delay(true), ignored);
      std::string peer = peer_address(socket);
      if (tls)
        launch(std::make_shared<Session<ssl::stream<tcp::socket>>>(core, std::move(peer), std::move(socket), *tls));
      else
        launch(std::make_shared<Session<tcp::socket>>(core, std::move(peer), std::move(socket)));
      accept();
    });
  }

  template <class S>
  void launch(std::shared_ptr<S> s) {
    Admission a = core.registry.enter(s, s->peer());
    asio::post(s->executor(), [s, a] { s->start(a); });
  }

  void run_io() {
    for (;;) {
      try {
        ioc.run();
        break;
      } catch (const std::exception& e) {   // a handler threw: note it and keep serving
        log_failure(e.what());
      }
    }
    if (!stopping && !failure_told.exchange(true) && on_failure) on_failure();
  }
};

HttpServer::HttpServer(HttpApp app, HttpLimits limits) : impl_(std::make_unique<Impl>(std::move(app), limits)) {}

HttpServer::~HttpServer() { stop(std::chrono::seconds(0)); }

void HttpServer::use_tls(const std::string& cert_file, const std::string& key_file) {
  ssl::context ctx(ssl::context::tls_server);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  error_code ec;
  ctx.use_certificate_chain_file(cert_file, ec);
  if (!ec) ctx.use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec || SSL_CTX_check_private_key(ctx.native_handle()) != 1)
    throw std::runtime_error("cannot load the certificate or key, or they do not match");
  impl_->tls.emplace(std::move(ctx));
}

bool HttpServer::tls() const { return impl_->tls.has_value(); }

int HttpServer::listen(const std::string& host, int port) {
  tcp::resolver resolver(impl_->ioc);
  auto found = resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service);
  tcp::endpoint at = found.begin()->endpoint();
  auto& acceptor = impl_->acceptor;
  acceptor.open(at.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(at);
  // A deep queue: a burst of devices reconnecting is accepted, not refused by the kernel.
  acceptor.listen(asio::socket_base::max_listen_connections);
  return acceptor.local_endpoint().port();
}

void HttpServer::start(std::function<void()> on_failure) {
  impl_->on_failure = std::move(on_failure);
  raise_descriptor_limit();
  impl_->accept();
  for (int i = 0; i < std::max(1, impl_->core.limits.io_threads); ++i)
    impl_->threads.emplace_back([this] { impl_->run_io(); });
}

void HttpServer::stop(std::chrono::seconds grace) {
  Impl& s = *impl_;
  if (s.stopped.exchange(true)) return;
  s.stopping = true;
  // The acceptor belongs to its strand: close it there (directly if nothing runs).
  auto close_acceptor = [&s] {
    error_code ec;
    s.acceptor.close(ec);
    s.retry.cancel();
  };
  if (s.threads.empty()) {
    close_acceptor();
  } else {
    std::promise<void> closed;
    asio::post(s.acceptor.get_executor(), [&] {
      close_acceptor();
      closed.set_value();
    });
    closed.get_future().wait();
  }
  s.core.registry.stop_all(grace);
  s.core.workers.join();
  s.core.light.join();
  s.work.reset();
  s.ioc.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
}

}  // namespace parley::server
