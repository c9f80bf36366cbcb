#include "daemon_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace byoipd::bench {
namespace {

using Clock = std::chrono::steady_clock;

// SHA-256 (hex) of kManagementToken and kNetworkToken: the config stores
// token digests only.
constexpr const char* kManagementTokenSha256 =
    "40f290e13a251b4dcd33a7c30580fa2c1f59af4b4061fe64198b54a8e6d9e929";
constexpr const char* kNetworkTokenSha256 =
    "3b6e228dcb30bdd8fc3d3da4de139d671b2c5ba936669e592ec700be285dd110";

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// utime + stime of a /proc/.../stat file, in seconds; -1 when unreadable.
double stat_cpu_seconds(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return -1;
  // After "pid (comm)": state is field 3; utime and stime are fields 14, 15.
  std::istringstream fields(text.substr(paren + 2));
  std::string skip;
  for (int field = 3; field < 14; ++field) fields >> skip;
  unsigned long long utime = 0, stime = 0;
  if (!(fields >> utime >> stime)) return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

std::string daemon_config_yaml(const std::string& state_dir, const std::string& log_file) {
  std::string y;
  y += "listen:\n  api: 127.0.0.1:1\n";
  y += "state_dir: " + state_dir + "\n";
  y += "log:\n  level: info\n  file: " + log_file + "\n";
  y += "organization:\n  id: o-benchorg\n";
  y += std::string("  management_account: \"") + kManagementAccount + "\"\n";
  y += "  accounts:\n";
  y += std::string("    - id: \"") + kManagementAccount + "\"\n      name: mgmt\n";
  y += std::string("      token_sha256: ") + kManagementTokenSha256 + "\n";
  y += std::string("    - id: \"") + kNetworkAccount + "\"\n      name: network\n";
  y += "      ou: ou-infra-net01\n";
  y += std::string("      token_sha256: ") + kNetworkTokenSha256 + "\n";
  return y;
}

std::string default_byoipd_path(const std::string& argv_path) {
  if (!argv_path.empty()) return argv_path;
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "./controller/byoipd";
  std::string exe(self, static_cast<size_t>(n));
  std::string bench_dir = exe.substr(0, exe.rfind('/'));
  return bench_dir + "/../controller/byoipd";
}

std::string make_work_dir(const std::string& parent, const char* prefix) {
  std::string base = parent;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::string pattern = base + "/" + prefix + "XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    std::fprintf(stderr, "cannot create a work directory under %s: %s\n", base.c_str(),
                 std::strerror(errno));
    std::exit(1);
  }
  return pattern;
}

// ---- DaemonProcess -----------------------------------------------------------

DaemonProcess::~DaemonProcess() { stop(SIGKILL, 5); }

bool DaemonProcess::start(const std::string& byoipd, const std::string& config_path,
                          const std::string& stderr_path, double timeout_seconds,
                          std::string* error) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  int err_fd = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (err_fd < 0) {
    *error = "open " + stderr_path + ": " + std::strerror(errno);
    close(out[0]);
    close(out[1]);
    return false;
  }
  auto t0 = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    const char* argv[] = {byoipd.c_str(), "--config", config_path.c_str(), "--port", "0", nullptr};
    execv(argv[0], const_cast<char* const*>(argv));
    std::fprintf(stderr, "exec %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  close(out[1]);
  close(err_fd);
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    close(out[0]);
    return false;
  }
  pid_ = pid;

  static const std::string kListening = "byoipd: listening on ";
  std::string text;
  bool found = false;
  while (!found) {
    double left = timeout_seconds - seconds_since(t0);
    if (left <= 0) {
      *error = "byoipd printed no listening line within " + std::to_string(timeout_seconds) + " s";
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left * 1000) + 1) <= 0) continue;
    char chunk[512];
    ssize_t n = read(out[0], chunk, sizeof chunk);
    if (n <= 0) {
      *error = "byoipd exited before listening (see " + stderr_path + ")";
      break;
    }
    text.append(chunk, static_cast<size_t>(n));
    size_t at = text.find(kListening);
    size_t eol = at == std::string::npos ? at : text.find('\n', at);
    if (eol != std::string::npos) {
      startup_seconds_ = seconds_since(t0);
      std::string address = text.substr(at + kListening.size(), eol - at - kListening.size());
      port_ = static_cast<uint16_t>(std::atoi(address.substr(address.rfind(':') + 1).c_str()));
      found = true;
    }
  }
  // byoipd prints nothing more on stdout; keeping the pipe open would only
  // matter if it did, so close it.
  close(out[0]);
  if (!found) stop(SIGKILL, 5);
  return found;
}

int DaemonProcess::stop(int signo, double timeout_seconds) {
  if (pid_ <= 0) return -1;
  kill(pid_, signo);
  auto t0 = Clock::now();
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || r < 0) break;
    if (seconds_since(t0) > timeout_seconds) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  return status;
}

long DaemonProcess::status_kb(const char* field) const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  std::string key = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) == 0) return std::atol(line.c_str() + key.size());
  }
  return -1;
}

double DaemonProcess::cpu_seconds() const {
  return stat_cpu_seconds("/proc/" + std::to_string(pid_) + "/stat");
}

double DaemonProcess::main_thread_cpu_seconds() const {
  return stat_cpu_seconds("/proc/" + std::to_string(pid_) + "/task/" + std::to_string(pid_) +
                          "/stat");
}

// ---- HttpConnection ------------------------------------------------------------

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) close(fd_);
}

bool HttpConnection::connect(uint16_t port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

bool HttpConnection::read_more() {
  char chunk[16384];
  for (;;) {
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

HttpResult HttpConnection::round_trip(const std::string& request) {
  HttpResult result;
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return result;
    sent += static_cast<size_t>(n);
  }
  size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!read_more()) return result;
  }
  // "HTTP/1.1 200 OK"; byoipd always sends Content-Length (no chunking).
  if (buffer_.compare(0, 5, "HTTP/") != 0 || buffer_.size() < 12) return result;
  int status = std::atoi(buffer_.c_str() + 9);
  size_t length = 0;
  size_t line = buffer_.find("\r\n");
  while (line < header_end) {
    size_t next = buffer_.find("\r\n", line + 2);
    static const char kLength[] = "content-length:";
    if (strncasecmp(buffer_.c_str() + line + 2, kLength, sizeof kLength - 1) == 0) {
      length = std::strtoul(buffer_.c_str() + line + 2 + sizeof kLength - 1, nullptr, 10);
    }
    line = next;
  }
  size_t body_at = header_end + 4;
  while (buffer_.size() < body_at + length) {
    if (!read_more()) return result;
  }
  result.status = status;
  result.body = buffer_.substr(body_at, length);
  buffer_.erase(0, body_at + length);
  return result;
}

std::string http_request(const std::string& method, const std::string& target,
                         const std::string& token, const std::string& body) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!token.empty()) r += "Authorization: Bearer " + token + "\r\n";
  if (!body.empty()) {
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n";
  }
  r += "\r\n";
  r += body;
  return r;
}

double metric_value(const std::string& exposition, const std::string& name) {
  std::string key = "\n" + name + " ";
  size_t at = exposition.find(key);
  if (at == std::string::npos) return -1;
  return std::strtod(exposition.c_str() + at + key.size(), nullptr);
}

}  // namespace byoipd::bench
