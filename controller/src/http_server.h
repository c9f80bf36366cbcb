// A small HTTP/1.1 server on Boost.Beast: one listener, one session per
// connection, keep-alive, a read timeout on every request, a body limit,
// optional TLS. It knows nothing of the API: every request goes to a handler
// that answers through a callback (possibly later, e.g. once a write is
// durable). Beast stays out of this header to keep includes light.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "byoipd/common/status.h"
#include "byoipd/controller/config.h"

namespace boost::asio {
class io_context;
}

namespace byoipd::controller {

struct HttpRequest {
  std::string method;
  std::string target;
  std::string body;
  std::string authorization;  // the Authorization header
  std::string content_type;
  std::string remote;  // peer address
  // Every header as received (name as sent), for request signing (SigV4).
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using HttpReply = std::function<void(HttpResponse)>;
// Called on the io_context's thread. `reply` may be called from any thread,
// exactly once.
using HttpHandler = std::function<void(HttpRequest, HttpReply)>;

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, HttpHandler handler);
  ~HttpServer();

  // Binds and starts accepting. With TLS, loads the certificate and key.
  Status listen(const Endpoint& at, const std::optional<TlsConfig>& tls);
  uint16_t port() const;
  // Stops accepting; sessions finish the request in flight, then close.
  void stop();
  // Requests read but not yet answered.
  size_t in_flight() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace byoipd::controller
