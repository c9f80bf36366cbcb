// What the daemon benchmarks share: a byoipd child process on loopback
// (started with --port 0, stopped by PID), its configuration, and a minimal
// HTTP/1.1 keep-alive client. The C++ counterpart of
// tests/integration/harness.py, with the same accounts and tokens.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace byoipd::bench {

inline constexpr const char* kManagementAccount = "111122223333";
inline constexpr const char* kNetworkAccount = "222233334444";
inline constexpr const char* kManagementToken = "mgmt-token";
inline constexpr const char* kNetworkToken = "net-token";

// The configuration file text: the two accounts above, the API on
// 127.0.0.1 (the port comes from --port 0), logs in `log_file`.
std::string daemon_config_yaml(const std::string& state_dir, const std::string& log_file);

// The byoipd binary next to this build's bench/ directory, unless `argv_path`
// (from the command line) is given.
std::string default_byoipd_path(const std::string& argv_path);

// A fresh directory under $TMPDIR (or /tmp, or `parent` when not empty);
// exits the program if it cannot be made.
std::string make_work_dir(const std::string& parent, const char* prefix);

class DaemonProcess {
 public:
  DaemonProcess() = default;
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;
  ~DaemonProcess();  // kills the child if it still runs

  // Forks and execs `byoipd --config <config_path> --port 0`, stderr appended
  // to `stderr_path`, and waits for "byoipd: listening on 127.0.0.1:PORT" on
  // its stdout. On failure returns false with `error` set (the child is
  // reaped).
  bool start(const std::string& byoipd, const std::string& config_path,
             const std::string& stderr_path, double timeout_seconds, std::string* error);
  // Sends `signo` and waits up to `timeout_seconds` for the exit, then
  // SIGKILLs. Returns the wait status, or -1 if there was no child.
  int stop(int signo, double timeout_seconds);

  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  // From fork() to the listening line on stdout.
  double startup_seconds() const { return startup_seconds_; }
  // A "Vm..." field of /proc/PID/status in kB, or -1.
  long status_kb(const char* field) const;
  // CPU time (user + system) of the process and of its main thread (where
  // byoipd runs its event loop), from /proc; -1 when unreadable.
  double cpu_seconds() const;
  double main_thread_cpu_seconds() const;

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  double startup_seconds_ = 0;
};

struct HttpResult {
  int status = -1;  // -1: connection or protocol error
  std::string body;
};

// One keep-alive connection to 127.0.0.1:port. Not thread-safe: one per
// client thread.
class HttpConnection {
 public:
  HttpConnection() = default;
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;
  ~HttpConnection();

  bool connect(uint16_t port);
  // Sends a request built by http_request() and reads the whole response.
  HttpResult round_trip(const std::string& request);

 private:
  bool read_more();
  int fd_ = -1;
  std::string buffer_;  // bytes read past the previous response
};

// The bytes of one HTTP/1.1 request; `body` empty = no body.
std::string http_request(const std::string& method, const std::string& target,
                         const std::string& token, const std::string& body);

// The value of an unlabelled sample in Prometheus text, or -1 if absent.
double metric_value(const std::string& exposition, const std::string& name);

}  // namespace byoipd::bench
