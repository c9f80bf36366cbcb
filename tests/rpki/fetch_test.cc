// fetch(): files and HTTP against a real HTTP server on loopback (Python's,
// started by the test with ETag / 304 handling), never another address.
#include "byoipd/rpki/fetch.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

namespace byoipd::rpki {
namespace {

namespace fs = std::filesystem;

constexpr const char* kServer = R"PY(
import http.server, sys
BODY = b'{"roas":[{"asn":"AS64496","prefix":"192.0.2.0/24","maxLength":24,"ta":"test"}]}'
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path == "/missing":
            self.send_response(404); self.end_headers(); return
        if self.path == "/big":
            self.send_response(200); self.end_headers(); self.wfile.write(b"x" * 100000); return
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304); self.end_headers(); return
        self.send_response(200)
        self.send_header("ETag", '"v1"')
        self.send_header("Last-Modified", "Thu, 26 Nov 2026 06:00:00 GMT")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers(); self.wfile.write(BODY)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
)PY";

class HttpServer {
 public:
  HttpServer() {
    int out[2];
    EXPECT_EQ(pipe(out), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      execl("/usr/bin/python3", "python3", "-c", kServer, nullptr);
      _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    if (fscanf(f, "%d", &port_) != 1) port_ = 0;
    fclose(f);
  }
  ~HttpServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

FetchRequest at(const std::string& location, const std::string& etag = "",
                const std::string& last_modified = "") {
  FetchRequest r;
  r.location = location;
  r.etag = etag;
  r.last_modified = last_modified;
  return r;
}

TEST(Fetch, HttpSendsTheEtagBackAndGets304) {
  HttpServer server;
  ASSERT_GT(server.port(), 0);
  auto first = fetch(at(server.url("/vrps.json")));
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->http_status, 200);
  EXPECT_NE(first->body.find("AS64496"), std::string::npos);
  EXPECT_EQ(first->etag, "\"v1\"");
  EXPECT_EQ(first->last_modified, "Thu, 26 Nov 2026 06:00:00 GMT");
  FetchRequest again = at(server.url("/vrps.json"), first->etag, first->last_modified);
  auto second = fetch(again);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_TRUE(second->not_modified);
  EXPECT_EQ(second->etag, "\"v1\"");
}

TEST(Fetch, HttpErrorsNameTheLocation) {
  HttpServer server;
  auto missing = fetch(at(server.url("/missing")));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().reason(), "fetch-failed");
  EXPECT_NE(missing.status().message().find("HTTP status 404"), std::string::npos);
  FetchRequest small = at(server.url("/big"));
  small.max_bytes = 1000;
  auto big = fetch(small);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().reason(), "fetch-too-large");
  auto refused = fetch(at("http://127.0.0.1:1/vrps.json"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), "fetch-failed");
  auto scheme = fetch(at("ftp://127.0.0.1/x"));
  EXPECT_EQ(scheme.status().reason(), "fetch-unsupported-scheme");
}

TEST(Fetch, FilesUseModificationTimeAndSizeAsTheirTag) {
  fs::path dir = fs::temp_directory_path() / ("byoipd-fetch-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "vrps.json";
  std::ofstream(file) << R"({"roas":[]})";
  auto first = fetch(at(file.string()));
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->body, R"({"roas":[]})");
  EXPECT_FALSE(first->not_modified);
  auto same = fetch(at("file://" + file.string(), "", first->last_modified));
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->not_modified);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::ofstream(file) << R"({"roas":[ ]})";
  auto changed = fetch(at(file.string(), "", first->last_modified));
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(changed->not_modified);
  auto gone = fetch(at((dir / "nope.json").string()));
  EXPECT_EQ(gone.status().reason(), "fetch-failed");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace byoipd::rpki
