// Group commit: one writer thread turns everything queued since its last write
// into one Store::append, so N concurrent submitters share one fsync.
//
// Failure policy: when an append fails, every record of that batch gets the
// error and the writer goes on to the next batch; it never retries. The
// controller treats a failed write as fatal for those requests: they are
// answered 503, and because their commands were already applied to the
// in-memory state, that state no longer matches the store and must be rebuilt
// from it (load) before serving writes again. Until then later batches fail
// too, with store-sequence-gap, since the journal may not skip the lost seqs.
#include <chrono>
#include <utility>

#include "byoipd/controller/store.h"

namespace byoipd::controller {

GroupCommitter::GroupCommitter(Store& store) : store_(store), thread_([this] { run(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();  // run() returns only once the queue is empty
}

void GroupCommitter::submit(JournalRecord record, Done done) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Entry{std::move(record), std::move(done), false});
  }
  cv_.notify_one();
}

void GroupCommitter::submit_snapshot(uint64_t seq, std::string bytes, Done done) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Entry{JournalRecord{seq, std::move(bytes)}, std::move(done), true});
  }
  cv_.notify_one();
}

// REQUIRES: not called from a `done` callback (the writer thread would wait
// for itself). Under a steady stream of submits from other threads this may
// wait longer than for its own records: it returns at the first moment the
// queue is empty and no write is in flight.
void GroupCommitter::flush() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return queue_.empty() && !writing_; });
}

// commits() and records() count successful appends only.
uint64_t GroupCommitter::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

uint64_t GroupCommitter::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

double GroupCommitter::last_commit_seconds() const {
  std::lock_guard lock(mu_);
  return last_commit_seconds_;
}

void GroupCommitter::set_observer(Observer observer) {
  std::lock_guard lock(mu_);
  observer_ = std::move(observer);
}

void GroupCommitter::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything is written
    writing_ = true;
    if (queue_.front().snapshot) {
      Entry entry = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      Status status = store_.write_snapshot(entry.record.seq, entry.record.payload);
      entry.record.payload.clear();
      if (entry.done) entry.done(status);
      lock.lock();
      writing_ = false;
      if (queue_.empty()) idle_cv_.notify_all();
      continue;
    }
    // The journal records queued before the next snapshot, as one batch.
    std::deque<Entry> batch;
    while (!queue_.empty() && !queue_.front().snapshot) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    Observer observer = observer_;
    lock.unlock();

    std::vector<JournalRecord> records;
    records.reserve(batch.size());
    for (auto& entry : batch) records.push_back(std::move(entry.record));
    auto start = std::chrono::steady_clock::now();
    Status status = store_.append(records);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (observer) observer(seconds, records.size());

    // Statistics first, so a caller woken by `done` sees its own commit.
    lock.lock();
    last_commit_seconds_ = seconds;
    if (status.ok()) {
      ++commits_;
      records_ += records.size();
    }
    lock.unlock();
    for (auto& entry : batch) {
      if (entry.done) entry.done(status);
    }

    lock.lock();
    writing_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
}

}  // namespace byoipd::controller
