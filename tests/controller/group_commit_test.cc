// GroupCommitter over a fake Store that can hold a write at a gate, sleep per
// append to force batching, and fail a chosen append; plus one run over the
// real SQLite store.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "byoipd/controller/store.h"

namespace byoipd::controller {
namespace {

using namespace std::chrono_literals;

// In-memory journal. Control knobs are set before the committer writes.
class FakeStore : public Store {
 public:
  Result<StoredState> load() override {
    std::lock_guard lock(mu_);
    StoredState state;
    state.journal = journal_;
    return state;
  }

  Status append(const std::vector<JournalRecord>& records) override {
    std::unique_lock lock(mu_);
    ++appends_;
    blocked_ = gate_closed_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return !gate_closed_; });
    blocked_ = false;
    if (delay_ > 0ms) {
      lock.unlock();
      std::this_thread::sleep_for(delay_);
      lock.lock();
    }
    if (appends_ == fail_append_) {
      return Status(Code::kUnavailable, "store-write-failed", "injected: no space left on device");
    }
    journal_.insert(journal_.end(), records.begin(), records.end());
    batch_sizes_.push_back(records.size());
    return {};
  }

  Status write_snapshot(uint64_t, const std::string&) override { return {}; }

  void set_delay(std::chrono::milliseconds delay) {
    std::lock_guard lock(mu_);
    delay_ = delay;
  }
  // Makes the `n`th append (1-based) fail.
  void fail_append(int n) {
    std::lock_guard lock(mu_);
    fail_append_ = n;
  }
  void close_gate() {
    std::lock_guard lock(mu_);
    gate_closed_ = true;
  }
  void open_gate() {
    {
      std::lock_guard lock(mu_);
      gate_closed_ = false;
    }
    cv_.notify_all();
  }
  // Waits until an append is held at the closed gate.
  bool wait_until_blocked() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [this] { return blocked_; });
  }
  std::vector<uint64_t> seqs() {
    std::lock_guard lock(mu_);
    std::vector<uint64_t> out;
    for (const auto& r : journal_) out.push_back(r.seq);
    return out;
  }
  std::vector<size_t> batch_sizes() {
    std::lock_guard lock(mu_);
    return batch_sizes_;
  }
  int appends() {
    std::lock_guard lock(mu_);
    return appends_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<JournalRecord> journal_;
  std::vector<size_t> batch_sizes_;  // of successful appends
  std::chrono::milliseconds delay_{0};
  int fail_append_ = 0;
  int appends_ = 0;
  bool gate_closed_ = false;
  bool blocked_ = false;
};

std::vector<uint64_t> range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t seq = first; seq <= last; ++seq) out.push_back(seq);
  return out;
}

// Submits from many threads. Seqs are assigned and submitted under one lock,
// as the controller does when it applies commands in order.
void submit_concurrently(GroupCommitter& committer, int threads, int per_thread,
                         std::vector<std::atomic<int>>& calls, std::atomic<int>& errors) {
  std::mutex order;
  uint64_t next = 0;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        std::lock_guard lock(order);
        uint64_t seq = ++next;
        committer.submit({seq, "command " + std::to_string(seq)}, [&, seq](const Status& s) {
          calls[seq].fetch_add(1);
          if (!s.ok()) errors.fetch_add(1);
        });
      }
    });
  }
  for (auto& w : workers) w.join();
}

TEST(GroupCommitter, ConcurrentSubmittersShareCommitsAndAreEachAcknowledgedOnce) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 200;
  constexpr uint64_t kTotal = kThreads * kPerThread;
  FakeStore store;
  store.set_delay(2ms);
  GroupCommitter committer(store);
  std::atomic<uint64_t> observed_records{0};
  std::atomic<uint64_t> observed_batches{0};
  committer.set_observer([&](double seconds, size_t batch_size) {
    EXPECT_GE(seconds, 0.0);
    observed_records += batch_size;
    ++observed_batches;
  });
  std::vector<std::atomic<int>> calls(kTotal + 1);
  std::atomic<int> errors{0};
  submit_concurrently(committer, kThreads, kPerThread, calls, errors);
  committer.flush();

  for (uint64_t seq = 1; seq <= kTotal; ++seq) EXPECT_EQ(calls[seq].load(), 1) << "seq " << seq;
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(store.seqs(), range(1, kTotal));
  EXPECT_EQ(committer.records(), kTotal);
  EXPECT_EQ(committer.commits(), static_cast<uint64_t>(store.appends()));
  EXPECT_LT(committer.commits(), committer.records());
  EXPECT_EQ(observed_records.load(), kTotal);
  EXPECT_EQ(observed_batches.load(), committer.commits());
  EXPECT_GT(committer.last_commit_seconds(), 0.0);
}

// Everything queued while a write is in flight goes into the next append.
TEST(GroupCommitter, RecordsQueuedDuringAWriteFormOneBatch) {
  FakeStore store;
  GroupCommitter committer(store);
  std::vector<size_t> observed;
  committer.set_observer([&](double, size_t batch_size) { observed.push_back(batch_size); });
  store.close_gate();
  committer.submit({1, "a"}, nullptr);
  ASSERT_TRUE(store.wait_until_blocked());
  for (uint64_t seq = 2; seq <= 5; ++seq) committer.submit({seq, "b"}, nullptr);
  store.open_gate();
  committer.flush();
  EXPECT_EQ(store.batch_sizes(), (std::vector<size_t>{1, 4}));
  EXPECT_EQ(observed, (std::vector<size_t>{1, 4}));
  EXPECT_EQ(committer.commits(), 2u);
  EXPECT_EQ(committer.records(), 5u);
}

TEST(GroupCommitter, FailedBatchGivesEveryRecordTheErrorAndLaterBatchesAreTried) {
  FakeStore store;
  store.fail_append(2);
  GroupCommitter committer(store);
  std::vector<Status> results(7);
  auto done = [&](uint64_t seq) { return [&, seq](const Status& s) { results[seq] = s; }; };
  store.close_gate();
  committer.submit({1, "ok"}, done(1));
  ASSERT_TRUE(store.wait_until_blocked());
  for (uint64_t seq = 2; seq <= 4; ++seq) committer.submit({seq, "lost"}, done(seq));
  store.open_gate();
  committer.flush();
  committer.submit({5, "ok"}, done(5));
  committer.submit({6, "ok"}, done(6));
  committer.flush();

  EXPECT_TRUE(results[1].ok()) << results[1].to_string();
  for (uint64_t seq = 2; seq <= 4; ++seq) {
    EXPECT_EQ(results[seq].reason(), "store-write-failed") << "seq " << seq;
    EXPECT_EQ(results[seq].message(), "injected: no space left on device");
  }
  EXPECT_TRUE(results[5].ok()) << results[5].to_string();
  EXPECT_TRUE(results[6].ok()) << results[6].to_string();
  EXPECT_EQ(store.seqs(), (std::vector<uint64_t>{1, 5, 6}));
  EXPECT_EQ(committer.records(), 3u);  // successful appends only
}

TEST(GroupCommitter, FlushWaitsForTheWriteAndItsCallbacks) {
  FakeStore store;
  store.set_delay(50ms);
  GroupCommitter committer(store);
  committer.flush();  // nothing queued: returns at once
  std::atomic<bool> acknowledged{false};
  committer.submit({1, "x"}, [&](const Status& s) { acknowledged = s.ok(); });
  committer.submit({2, "no callback"}, nullptr);
  committer.flush();
  EXPECT_TRUE(acknowledged.load());
  EXPECT_EQ(store.seqs(), range(1, 2));
  EXPECT_GT(committer.last_commit_seconds(), 0.0);
}

TEST(GroupCommitter, DestructorDrainsPendingRecords) {
  FakeStore store;
  store.set_delay(5ms);
  std::atomic<int> acknowledged{0};
  {
    GroupCommitter committer(store);
    for (uint64_t seq = 1; seq <= 100; ++seq) {
      committer.submit({seq, "x"}, [&](const Status& s) {
        if (s.ok()) ++acknowledged;
      });
    }
  }
  EXPECT_EQ(acknowledged.load(), 100);
  EXPECT_EQ(store.seqs(), range(1, 100));
}

TEST(GroupCommitter, OverTheSqliteStore) {
  char templ[] = "/tmp/byoipd-group-commit-test-XXXXXX";
  ASSERT_NE(::mkdtemp(templ), nullptr);
  std::string dir = templ;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  constexpr uint64_t kTotal = kThreads * kPerThread;
  {
    auto opened = open_sqlite_store(dir);
    ASSERT_TRUE(opened.ok()) << opened.status().to_string();
    std::unique_ptr<Store> store = std::move(opened).value();
    std::vector<std::atomic<int>> calls(kTotal + 1);
    std::atomic<int> errors{0};
    {
      GroupCommitter committer(*store);
      submit_concurrently(committer, kThreads, kPerThread, calls, errors);
      committer.flush();
      EXPECT_EQ(committer.records(), kTotal);
      std::printf("[ info     ] %llu records in %llu SQLite commits\n",
                  static_cast<unsigned long long>(committer.records()),
                  static_cast<unsigned long long>(committer.commits()));
    }
    EXPECT_EQ(errors.load(), 0);
    auto state = store->load();
    ASSERT_TRUE(state.ok()) << state.status().to_string();
    std::vector<uint64_t> seqs;
    for (const auto& r : state->journal) seqs.push_back(r.seq);
    EXPECT_EQ(seqs, range(1, kTotal));
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST(GroupCommitter, SnapshotsRunInOrderWithJournalWrites) {
  char dir_template[] = "/tmp/byoipd-gc-snap-XXXXXX";
  std::string dir = mkdtemp(dir_template);
  {
    auto store = open_sqlite_store(dir);
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    GroupCommitter committer(**store);
    std::vector<Status> results;
    std::mutex mu;
    auto record = [&](const Status& st) {
      std::lock_guard lock(mu);
      results.push_back(st);
    };
    for (uint64_t seq = 1; seq <= 3; ++seq) committer.submit({seq, "c" + std::to_string(seq)}, record);
    committer.submit_snapshot(3, "state-after-3", record);
    for (uint64_t seq = 4; seq <= 5; ++seq) committer.submit({seq, "c" + std::to_string(seq)}, record);
    committer.flush();
    ASSERT_EQ(results.size(), 6u);
    for (const auto& st : results) EXPECT_TRUE(st.ok()) << st.to_string();
  }
  auto store = open_sqlite_store(dir);
  ASSERT_TRUE(store.ok());
  auto state = (*store)->load();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->snapshot_seq, 3u);
  EXPECT_EQ(state->snapshot, "state-after-3");
  ASSERT_EQ(state->journal.size(), 2u);
  EXPECT_EQ(state->journal[0].seq, 4u);
  EXPECT_EQ(state->journal[1].payload, "c5");
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace byoipd::controller
