// Beast glue: listener and sessions (plain TCP or TLS). Modelled on the
// Boost.Beast async server examples: do_x/on_x pairs, shared_from_this to
// keep a session alive, a timeout on every read, operation_aborted ignored
// on shutdown.
#include "http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace byoipd::controller {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kReadTimeout = std::chrono::seconds(30);
constexpr size_t kBodyLimit = 1 << 20;  // 1 MiB
}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& ioc, HttpHandler handler)
      : ioc(ioc), acceptor(ioc), handler(std::move(handler)) {}
  asio::io_context& ioc;
  tcp::acceptor acceptor;
  HttpHandler handler;
  std::optional<asio::ssl::context> ssl;
  bool stopping = false;
  size_t in_flight = 0;
  void do_accept();
};

namespace {

template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(std::shared_ptr<HttpServer::Impl> server, Stream stream)
      : server_(std::move(server)), stream_(std::move(stream)) {}

  void start() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(kReadTimeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->do_read();
                              });
    } else {
      do_read();
    }
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    beast::get_lowest_layer(stream_).expires_after(kReadTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout) {
      return do_close();
    }
    if (ec) {
      if (ec == http::error::body_limit) {
        HttpResponse r{413, "application/json",
                       R"({"error":{"code":"body-too-large","message":"request body over 1 MiB"}})",
                       {}};
        keep_alive_ = false;
        return write(std::move(r));
      }
      return do_close();
    }
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    HttpRequest in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    in.body = std::move(req.body());
    in.authorization = std::string(req[http::field::authorization]);
    in.content_type = std::string(req[http::field::content_type]);
    for (const auto& field : req) {
      in.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    beast::error_code ignored;
    auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ignored);
    in.remote = ignored ? "" : peer.address().to_string();
    ++server_->in_flight;
    // The reply may come from another thread: hop back to the io_context.
    auto self = this->shared_from_this();
    server_->handler(std::move(in), [self](HttpResponse r) {
      asio::post(self->server_->ioc, [self, r = std::move(r)]() mutable {
        --self->server_->in_flight;
        self->write(std::move(r));
      });
    });
  }

  void write(HttpResponse r) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->result(static_cast<http::status>(r.status));
    res->version(11);
    res->set(http::field::server, "byoipd");
    res->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    if (server_->stopping) keep_alive_ = false;
    res->keep_alive(keep_alive_);
    res->body() = std::move(r.body);
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec || !self->keep_alive_) return self->do_close();
                        self->do_read();
                      });
  }

  void do_close() {
    beast::error_code ec;
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both,
                                                                  ignored);
      });
    } else {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  std::shared_ptr<HttpServer::Impl> server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
};

}  // namespace

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(asio::make_strand(ioc), [self = shared_from_this()](
                                                    beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || self->stopping) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      if (self->ssl) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            self, beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)),
                                                       *self->ssl))
            ->start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(self, beast::tcp_stream(std::move(socket)))
            ->start();
      }
    }
    self->do_accept();
  });
}

HttpServer::HttpServer(asio::io_context& ioc, HttpHandler handler)
    : impl_(std::make_shared<Impl>(ioc, std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::listen(const Endpoint& at, const std::optional<TlsConfig>& tls) {
  auto fail = [&](const std::string& what, const beast::error_code& ec) {
    return Status(Code::kUnavailable, "listen-failed",
                  "cannot listen on " + at.to_string() + ": " + what + ": " + ec.message());
  };
  beast::error_code ec;
  if (tls) {
    impl_->ssl.emplace(asio::ssl::context::tls_server);
    impl_->ssl->set_options(asio::ssl::context::default_workarounds |
                            asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                            asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    impl_->ssl->use_certificate_chain_file(tls->cert_file, ec);
    if (ec) {
      return Status(Code::kInvalidArgument, "tls-certificate",
                    "cannot load TLS certificate " + tls->cert_file + ": " + ec.message());
    }
    impl_->ssl->use_private_key_file(tls->key_file, asio::ssl::context::pem, ec);
    if (ec) {
      return Status(Code::kInvalidArgument, "tls-certificate",
                    "cannot load TLS key " + tls->key_file + ": " + ec.message());
    }
  }
  std::string host = at.host == "localhost" ? "127.0.0.1" : at.host;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return fail("bad address", ec);
  tcp::endpoint endpoint(address, at.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open", ec);
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  impl_->acceptor.bind(endpoint, ec);
  if (ec) return fail("bind", ec);
  impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen", ec);
  impl_->do_accept();
  return {};
}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void HttpServer::stop() {
  impl_->stopping = true;
  beast::error_code ec;
  impl_->acceptor.close(ec);
}

size_t HttpServer::in_flight() const { return impl_->in_flight; }

}  // namespace byoipd::controller
