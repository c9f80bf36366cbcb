// WebhookNotifier: delivers alarm events to the configured webhooks.
//
// Each event is an HTTP POST of to_json(event) (Content-Type
// application/json, User-Agent byoipd). Any 2xx is a delivery; anything else
// (including a timeout or a refused connection) is retried after a backoff
// that starts at retry_initial_ms and doubles up to retry_max_ms, for as
// long as the notifier lives. Per hook, events go out strictly in order: a
// later event waits behind an undelivered earlier one, so a receiver never
// sees "resolved" before its "firing". Hooks do not wait for each other
// except while a request is in flight (one worker thread serves them all).
//
// Thread-safe: enqueue(), set_hooks() and stats() may be called from any
// thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alarms.h"
#include "byoipd/controller/config.h"

namespace byoipd::controller {

// The outcome of one delivery attempt.
struct DeliveryResult {
  bool delivered = false;  // a 2xx answer
  long http_status = 0;    // 0 when no answer was received
  std::string error;       // why not delivered; "" when delivered
};

// Sends one POST; must give up when `cancel` becomes true (shutdown).
using WebhookTransport = std::function<DeliveryResult(
    const Webhook& hook, const std::string& body, const std::atomic<bool>& cancel)>;

// The libcurl transport: POST `body` to hook.url within hook.timeout_ms.
// Only http and https are used, redirects are not followed.
DeliveryResult http_post_json(const Webhook& hook, const std::string& body,
                              const std::atomic<bool>& cancel);

// `url` fit for logs and the API: webhook URLs often carry a secret in the
// path, query or userinfo, so only scheme://host[:port] is kept and the rest
// becomes "/..." ("https://hooks.example.com/..."). Text without "://" is
// returned unchanged.
std::string redact_url(const std::string& url);

// The wait before retry number `failures` (1 = after the first failure):
// initial_ms * 2^(failures-1), capped at max_ms.
int backoff_delay_ms(int failures, int initial_ms, int max_ms);

class WebhookNotifier {
 public:
  using LogFn = std::function<void(const std::string& line)>;

  struct HookStats {
    std::string url;  // redact_url(hook.url)
    uint64_t delivered = 0;
    uint64_t attempts_failed = 0;
    size_t pending = 0;  // queued events, including the one being retried
    std::string last_error;
  };

  // `log` receives one line per delivery, failed attempt and abandoned
  // queue, naming the hook by redact_url(); it is called without internal
  // locks held, from the worker thread and from set_hooks().
  // `transport` defaults to http_post_json.
  WebhookNotifier(std::vector<Webhook> hooks, int retry_initial_ms, int retry_max_ms,
                  LogFn log = {}, WebhookTransport transport = {});
  // Stops promptly: a backoff wait is interrupted, an in-flight request is
  // aborted, and undelivered events are abandoned (their count is logged).
  ~WebhookNotifier();
  WebhookNotifier(const WebhookNotifier&) = delete;
  WebhookNotifier& operator=(const WebhookNotifier&) = delete;

  // Queues `event` for every hook configured now.
  void enqueue(const AlarmEvent& event);

  // Config reload; applies to events enqueued from now on. A hook whose url
  // is in both lists keeps its queue, backoff and counters (its timeout is
  // updated); a hook no longer listed is dropped with its queue (the count
  // is logged); a new hook starts empty.
  void set_hooks(std::vector<Webhook> hooks);

  // One entry per configured hook, in configuration order.
  std::vector<HookStats> stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Hook;

  void run();
  // REQUIRES: mu_ held. The hook with the earliest due head event.
  std::shared_ptr<Hook> next_due(Clock::time_point* due) const;
  // REQUIRES: mu_ held. Applies the head event's attempt; returns the log line.
  std::string record(Hook& hook, const DeliveryResult& result);
  void log(const std::string& line) const;

  const int retry_initial_ms_;
  const int retry_max_ms_;
  const LogFn log_;
  const WebhookTransport transport_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<Hook>> hooks_;  // guarded by mu_
  std::atomic<bool> stopping_{false};
  std::thread worker_;  // last: started once everything above exists
};

}  // namespace byoipd::controller
