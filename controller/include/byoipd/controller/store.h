// Durable state: a journal of applied commands plus periodic snapshots.
//
// The controller applies a command to its in-memory state, then appends the
// command to the journal and acknowledges it only once the journal write is
// durable. On start it loads the newest snapshot and replays the journal
// records after it. Commands are opaque bytes here.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "byoipd/common/status.h"

namespace byoipd::controller {

struct JournalRecord {
  uint64_t seq;         // strictly increasing, starting at 1
  std::string payload;  // the serialized command
};

struct StoredState {
  uint64_t snapshot_seq = 0;    // 0 = no snapshot
  std::string snapshot;         // empty when snapshot_seq == 0
  std::vector<JournalRecord> journal;  // records with seq > snapshot_seq, in order
};

class Store {
 public:
  virtual ~Store() = default;
  // Everything durable, for start-up.
  virtual Result<StoredState> load() = 0;
  // Appends records in one durable transaction: all or none.
  // REQUIRES: seqs continue the journal without gaps.
  virtual Status append(const std::vector<JournalRecord>& records) = 0;
  // Stores a snapshot of the state after record `seq` and drops the journal
  // records up to `seq`, atomically.
  // REQUIRES: stored snapshot seq <= seq <= last appended seq.
  virtual Status write_snapshot(uint64_t seq, const std::string& bytes) = 0;
};

// SQLite store in `dir`/state.db: WAL mode, synchronous=FULL, schema version
// in a meta table with forward migrations. A corrupt database or one written
// by a newer schema is refused with a clear error and left untouched.
// Creates `dir` if missing.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& dir);

// Group commit: callers submit records from any thread; one writer thread
// appends everything queued since its last write in a single transaction, so
// N concurrent submitters cost about one fsync. `done` runs on the writer
// thread with the outcome of the write that included the record.
class GroupCommitter {
 public:
  using Done = std::function<void(const Status&)>;
  using Observer = std::function<void(double seconds, size_t batch_size)>;
  explicit GroupCommitter(Store& store);
  ~GroupCommitter();  // drains the queue, then stops
  void submit(JournalRecord record, Done done);
  // Queues Store::write_snapshot(seq, bytes) behind everything submitted so
  // far, so it runs in order with the journal writes around it.
  // REQUIRES: records up to `seq` were submitted before.
  void submit_snapshot(uint64_t seq, std::string bytes, Done done);
  // Blocks until everything submitted so far is written.
  void flush();
  // Statistics for /metrics.
  uint64_t commits() const;
  uint64_t records() const;
  double last_commit_seconds() const;
  // Called on the writer thread after each append (for the commit-latency
  // histogram).
  void set_observer(Observer observer);

 private:
  void run();
  Store& store_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  struct Entry {
    JournalRecord record;
    Done done;
    bool snapshot = false;  // record.payload holds the snapshot bytes
  };
  std::deque<Entry> queue_;
  bool stopping_ = false;
  bool writing_ = false;
  uint64_t commits_ = 0;
  uint64_t records_ = 0;
  double last_commit_seconds_ = 0;
  Observer observer_;
  std::thread thread_;
};

}  // namespace byoipd::controller
