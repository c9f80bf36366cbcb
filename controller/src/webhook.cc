#include "webhook.h"

#include <curl/curl.h>

#include <algorithm>
#include <deque>
#include <utility>

namespace byoipd::controller {

namespace {

constexpr int kDefaultTimeoutMs = 5000;

// curl_global_init is not guaranteed thread-safe: run it once, from the
// thread constructing the first notifier.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t discard_body(char*, size_t size, size_t nmemb, void*) { return size * nmemb; }

// Called by libcurl at least once a second during a transfer; a non-zero
// return aborts it (CURLE_ABORTED_BY_CALLBACK).
int abort_when_cancelled(void* cancel, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(cancel)->load() ? 1 : 0;
}

struct EasyCleanup {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct SlistCleanup {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

DeliveryResult http_post_json(const Webhook& hook, const std::string& body,
                              const std::atomic<bool>& cancel) {
  init_curl_once();
  std::unique_ptr<CURL, EasyCleanup> easy(curl_easy_init());
  if (!easy) return {false, 0, "curl_easy_init failed"};
  curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/json");
  // No "Expect: 100-continue" round trip for larger bodies.
  if (list != nullptr) list = curl_slist_append(list, "Expect:");
  std::unique_ptr<curl_slist, SlistCleanup> headers(list);
  if (!headers) return {false, 0, "curl_slist_append failed"};

  const long timeout_ms = hook.timeout_ms > 0 ? hook.timeout_ms : kDefaultTimeoutMs;
  char error[CURL_ERROR_SIZE] = {};
  CURL* h = easy.get();
  curl_easy_setopt(h, CURLOPT_URL, hook.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  // A loopback receiver is never reached through a proxy from the environment.
  curl_easy_setopt(h, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, "byoipd");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, abort_when_cancelled);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(&cancel));
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);

  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_ABORTED_BY_CALLBACK) return {false, 0, "aborted: notifier shutting down"};
  if (rc != CURLE_OK) {
    return {false, 0, error[0] != '\0' ? std::string(error) : curl_easy_strerror(rc)};
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) return {true, status, ""};
  return {false, status, "HTTP " + std::to_string(status)};
}

std::string redact_url(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const size_t authority = scheme_end + 3;
  size_t rest = url.find_first_of("/?#", authority);
  if (rest == std::string::npos) rest = url.size();
  size_t host = url.rfind('@', rest);
  host = host == std::string::npos || host < authority ? authority : host + 1;
  return url.substr(0, authority) + url.substr(host, rest - host) +
         (rest < url.size() ? "/..." : "");
}

int backoff_delay_ms(int failures, int initial_ms, int max_ms) {
  const int cap = std::max(max_ms, 1);
  int delay = std::clamp(initial_ms, 1, cap);
  for (int i = 1; i < failures && delay < cap; ++i) {
    delay = delay > cap / 2 ? cap : delay * 2;
  }
  return delay;
}

struct WebhookNotifier::Hook {
  struct Pending {
    std::string what;  // "firing pool-utilization/ipam-pool-..." for log lines
    std::string body;
    int attempts = 0;  // so far; all failed but possibly the one in flight
  };

  explicit Hook(Webhook c) : config(std::move(c)) { stats.url = redact_url(config.url); }

  Webhook config;
  std::deque<Pending> queue;
  Clock::time_point head_due{};  // when the head event may be attempted
  bool dropped = false;          // removed by set_hooks while in flight
  HookStats stats;
};

WebhookNotifier::WebhookNotifier(std::vector<Webhook> hooks, int retry_initial_ms,
                                 int retry_max_ms, LogFn log, WebhookTransport transport)
    : retry_initial_ms_(retry_initial_ms),
      retry_max_ms_(retry_max_ms),
      log_(std::move(log)),
      transport_(transport ? std::move(transport) : WebhookTransport(http_post_json)) {
  init_curl_once();
  for (Webhook& h : hooks) hooks_.push_back(std::make_shared<Hook>(std::move(h)));
  worker_ = std::thread([this] { run(); });
}

WebhookNotifier::~WebhookNotifier() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

void WebhookNotifier::enqueue(const AlarmEvent& event) {
  std::string body = to_json(event).dump();
  std::string what = event.state + " " + event.key + " (sequence " +
                     std::to_string(event.sequence) + ")";
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& hook : hooks_) {
      if (hook->queue.empty()) hook->head_due = Clock::now();
      hook->queue.push_back({what, body});
      hook->stats.pending = hook->queue.size();
    }
  }
  wake_.notify_all();
}

void WebhookNotifier::set_hooks(std::vector<Webhook> hooks) {
  std::vector<std::string> lines;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::shared_ptr<Hook>> old = std::move(hooks_);
    hooks_.clear();
    for (Webhook& config : hooks) {
      auto same = std::find_if(old.begin(), old.end(), [&](const std::shared_ptr<Hook>& h) {
        return h && h->config.url == config.url;
      });
      if (same != old.end()) {
        (*same)->config = std::move(config);
        hooks_.push_back(std::move(*same));
      } else {
        hooks_.push_back(std::make_shared<Hook>(std::move(config)));
      }
    }
    for (auto& gone : old) {
      if (!gone) continue;
      gone->dropped = true;
      if (!gone->queue.empty()) {
        lines.push_back("webhook " + gone->stats.url + ": removed by reload; abandoned " +
                        std::to_string(gone->queue.size()) + " undelivered alarm event(s)");
      }
    }
  }
  wake_.notify_all();
  for (const std::string& line : lines) log(line);
}

std::vector<WebhookNotifier::HookStats> WebhookNotifier::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<HookStats> out;
  for (const auto& hook : hooks_) out.push_back(hook->stats);
  return out;
}

std::shared_ptr<WebhookNotifier::Hook> WebhookNotifier::next_due(Clock::time_point* due) const {
  std::shared_ptr<Hook> best;
  for (const auto& hook : hooks_) {
    if (hook->queue.empty()) continue;
    if (!best || hook->head_due < best->head_due) best = hook;
  }
  if (best) *due = best->head_due;
  return best;
}

void WebhookNotifier::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    Clock::time_point due;
    std::shared_ptr<Hook> hook = next_due(&due);
    if (!hook) {
      wake_.wait(lock);
      continue;
    }
    if (due > Clock::now()) {
      wake_.wait_until(lock, due);
      continue;
    }
    const Webhook config = hook->config;
    Hook::Pending& head = hook->queue.front();
    ++head.attempts;
    const std::string body = head.body;
    lock.unlock();
    DeliveryResult result = transport_(config, body, stopping_);
    lock.lock();
    // An attempt cut short by shutdown is neither a failure nor retried.
    if (hook->dropped || (stopping_ && !result.delivered)) continue;
    std::string line = record(*hook, result);
    lock.unlock();
    log(line);
    lock.lock();
  }
  std::vector<std::string> lines;
  for (const auto& hook : hooks_) {
    if (hook->queue.empty()) continue;
    lines.push_back("webhook " + hook->stats.url + ": shutting down; abandoned " +
                    std::to_string(hook->queue.size()) + " undelivered alarm event(s)");
  }
  lock.unlock();
  for (const std::string& line : lines) log(line);
}

std::string WebhookNotifier::record(Hook& hook, const DeliveryResult& result) {
  Hook::Pending& head = hook.queue.front();
  const std::string prefix = "webhook " + hook.stats.url + ": ";
  if (result.delivered) {
    std::string line = prefix + "delivered " + head.what + " after " +
                       std::to_string(head.attempts) +
                       (head.attempts == 1 ? " attempt" : " attempts");
    hook.queue.pop_front();
    hook.head_due = Clock::now();
    ++hook.stats.delivered;
    hook.stats.pending = hook.queue.size();
    return line;
  }
  ++hook.stats.attempts_failed;
  hook.stats.last_error = result.error;
  const int delay = backoff_delay_ms(head.attempts, retry_initial_ms_, retry_max_ms_);
  hook.head_due = Clock::now() + std::chrono::milliseconds(delay);
  return prefix + "attempt " + std::to_string(head.attempts) + " to deliver " + head.what +
         " failed: " + result.error + "; retrying in " + std::to_string(delay) + " ms";
}

void WebhookNotifier::log(const std::string& line) const {
  if (log_) log_(line);
}

}  // namespace byoipd::controller
