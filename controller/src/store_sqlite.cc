// SQLite state store: <dir>/state.db holds the journal and the newest
// snapshot; <dir>/state.lock keeps a second daemon out.
//
// Durability: WAL mode with synchronous=FULL, so COMMIT returns only after the
// WAL is fsynced. Every Store call is one transaction.
//
// Opening never modifies a database it is going to refuse: an existing file is
// first inspected over a read-only connection (is it ours, its schema version,
// PRAGMA quick_check), and only then opened read-write, switched to WAL and
// migrated.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <utility>
#include <vector>

#include "byoipd/controller/store.h"

namespace byoipd::controller {
namespace {

// The version this build writes. kMigrations[v] takes a store from version v
// to v + 1; all pending steps run in one transaction. Released steps are never
// edited: change the schema by appending a step.
constexpr int kSchemaVersion = 1;
constexpr const char* kMigrations[] = {
    // 0 -> 1: the journal of applied commands and the single newest snapshot.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE journal (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL);"
    "CREATE TABLE snapshot (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " seq INTEGER NOT NULL, bytes BLOB NOT NULL);",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

// Another process (an operator's sqlite3 shell, a backup) may hold a lock on
// the database briefly; wait rather than fail the write.
constexpr int kBusyTimeoutMs = 5000;
// After a checkpoint, truncate the WAL back to this size so one large
// snapshot does not leave a large WAL behind.
constexpr const char* kJournalSizeLimit = "PRAGMA journal_size_limit = 67108864";

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, DbClose>;
struct StmtFinalize {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

// Resets a statement on scope exit, releasing its locks and bound pointers.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;
  ~ResetOnExit() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_;
};

std::string errmsg(sqlite3* db) { return db != nullptr ? sqlite3_errmsg(db) : "out of memory"; }

bool is_corruption(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

// The store refuses `path` as it is. `problem` completes "state store <path> ".
Status refuse(const std::string& path, const std::string& problem) {
  return Status(Code::kInternal, "store-corrupt",
                "state store " + path + " " + problem +
                    "; it was left untouched. Stop byoipd and restore the state directory from "
                    "the latest backup, see docs/operations.md");
}

Status corrupt(const std::string& path, const std::string& detail) {
  return refuse(path, "is corrupt (" + detail + ")");
}

Status open_failed(const std::string& path, const std::string& detail) {
  return Status(Code::kUnavailable, "store-open-failed",
                "cannot open state store " + path + ": " + detail);
}

// A failed SQLite call while opening: corruption or an environment problem.
Status open_error(const std::string& path, sqlite3* db, int rc) {
  std::string detail = "SQLite: " + errmsg(db);
  return is_corruption(rc) ? corrupt(path, detail) : open_failed(path, detail);
}

// Opens `filename` (a path or a file: URI) for the store at `path`.
Status open_db(const std::string& path, const std::string& filename, int flags, Db* out) {
  sqlite3* raw = nullptr;
  // NOMUTEX: SqliteStore serializes all use of its connection itself.
  int rc = sqlite3_open_v2(filename.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) return open_failed(path, "SQLite: " + errmsg(raw));
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  *out = std::move(db);
  return {};
}

// Runs `sql`, calling `row` for each result row; returns the final result
// code, SQLITE_DONE on success.
template <typename Row>
int for_each_row(sqlite3* db, const char* sql, Row&& row) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  Stmt stmt(raw);
  if (rc != SQLITE_OK) return rc;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) row(raw);
  return rc;
}

std::string column_text(sqlite3_stmt* stmt, int col) {
  const unsigned char* text = sqlite3_column_text(stmt, col);
  return text != nullptr ? reinterpret_cast<const char*>(text) : "";
}

std::string column_blob(sqlite3_stmt* stmt, int col) {
  const void* data = sqlite3_column_blob(stmt, col);
  int size = sqlite3_column_bytes(stmt, col);
  if (size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

// A file: URI for `path`; `immutable` tells SQLite that nothing else writes
// the file, so it takes no locks and creates no -wal or -shm file.
std::string file_uri(const std::string& path, bool immutable) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri = "file:";
  for (unsigned char c : path) {
    if (std::isalnum(c) != 0 || std::strchr("/-._~", c) != nullptr) {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 0xf];
    }
  }
  return immutable ? uri + "?immutable=1" : uri;
}

// Schema version of an existing database, read over a read-only connection
// that never checkpoints, so a refused file is left exactly as it was.
// 0 = a database with no tables.
Result<int> inspect(const std::string& path) {
  // Without a WAL everything is in the file, and our lock keeps other
  // daemons out, so it can be read as immutable: no -wal/-shm files appear
  // next to a file we refuse. With a WAL the committed tail is in it.
  struct stat wal {};
  bool immutable = ::stat((path + "-wal").c_str(), &wal) != 0 || wal.st_size == 0;
  Db db;
  int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
  if (Status s = open_db(path, file_uri(path, immutable), flags, &db); !s.ok()) return s;
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);

  std::vector<std::string> tables;
  int rc = for_each_row(db.get(), "SELECT name FROM sqlite_master WHERE type = 'table'",
                        [&](sqlite3_stmt* stmt) { tables.push_back(column_text(stmt, 0)); });
  if (rc != SQLITE_DONE) return open_error(path, db.get(), rc);
  auto has = [&](const char* name) {
    return std::find(tables.begin(), tables.end(), name) != tables.end();
  };
  if (!has("meta")) {
    if (tables.empty()) return 0;
    return refuse(path, "is not a byoipd state store (it has " + std::to_string(tables.size()) +
                            " tables but no meta table)");
  }
  // Tables every schema version since 1 has.
  for (const char* name : {"journal", "snapshot"}) {
    if (!has(name)) return corrupt(path, std::string("table ") + name + " is missing");
  }

  std::string text;
  bool found = false;
  rc = for_each_row(db.get(), "SELECT value FROM meta WHERE key = 'schema_version'",
                    [&](sqlite3_stmt* stmt) {
                      text = column_text(stmt, 0);
                      found = true;
                    });
  if (rc != SQLITE_DONE) return open_error(path, db.get(), rc);
  int version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (!found || ec != std::errc() || end != text.data() + text.size() || version < 1) {
    return corrupt(path, found ? "meta schema_version is '" + text + "', not a positive integer"
                               : "meta table has no schema_version");
  }
  if (version > kSchemaVersion) {
    return Status(Code::kFailedPrecondition, "store-too-new",
                  "state store " + path + " has schema version " + std::to_string(version) +
                      ", but this byoipd supports up to version " + std::to_string(kSchemaVersion) +
                      "; it was written by a newer byoipd and was left untouched. Upgrade byoipd "
                      "to open it");
  }

  // quick_check reads the whole file in page-sized random reads; asking the
  // kernel to read it ahead first makes a cold start several times faster.
  if (int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
    ::close(fd);
  }
  std::string problems;
  rc = for_each_row(db.get(), "PRAGMA quick_check(3)", [&](sqlite3_stmt* stmt) {
    if (!problems.empty()) problems += "; ";
    problems += column_text(stmt, 0);
  });
  if (rc != SQLITE_DONE) return open_error(path, db.get(), rc);
  if (problems != "ok") return corrupt(path, "PRAGMA quick_check: " + problems);
  return version;
}

// Schema version of the database at `path`, 0 when it does not exist yet.
Result<int> existing_version(const std::string& path) {
  struct stat db_stat {};
  if (::stat(path.c_str(), &db_stat) != 0) {
    if (errno != ENOENT) return open_failed(path, std::strerror(errno));
    db_stat.st_size = 0;
  }
  if (db_stat.st_size > 0) return inspect(path);
  // SQLite would silently delete a WAL whose database is gone.
  struct stat wal_stat {};
  if (::stat((path + "-wal").c_str(), &wal_stat) == 0 && wal_stat.st_size > 0) {
    return corrupt(path, "the database is missing or empty but " + path + "-wal holds " +
                             std::to_string(wal_stat.st_size) + " bytes");
  }
  return 0;
}

Status exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return {};
  std::string message = error != nullptr ? error : errmsg(db);
  sqlite3_free(error);
  return Status(Code::kUnavailable, "store-open-failed", message);
}

Status configure(sqlite3* db, const std::string& path) {
  std::string mode;
  int rc = for_each_row(db, "PRAGMA journal_mode = WAL",
                        [&](sqlite3_stmt* stmt) { mode = column_text(stmt, 0); });
  if (rc != SQLITE_DONE) return open_error(path, db, rc);
  if (mode != "wal")
    return open_failed(path, "cannot enable WAL mode (journal_mode is " + mode + ")");
  for (const char* sql : {"PRAGMA synchronous = FULL", kJournalSizeLimit}) {
    if (Status s = exec(db, sql); !s.ok()) return open_failed(path, s.message());
  }
  return {};
}

// Runs the migrations from `version` to kSchemaVersion in one transaction.
Status migrate(sqlite3* db, const std::string& path, int version) {
  if (version == kSchemaVersion) return {};
  auto failed = [&](const Status& s) {
    if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return Status(Code::kUnavailable, "store-migration-failed",
                  "cannot migrate state store " + path + " from schema version " +
                      std::to_string(version) + " to " + std::to_string(kSchemaVersion) + ": " +
                      s.message() + "; the store is unchanged");
  };
  if (Status s = exec(db, "BEGIN IMMEDIATE"); !s.ok()) return failed(s);
  for (int v = version; v < kSchemaVersion; ++v) {
    if (Status s = exec(db, kMigrations[v]); !s.ok()) return failed(s);
  }
  std::string set_version = "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '" +
                            std::to_string(kSchemaVersion) + "')";
  if (Status s = exec(db, set_version.c_str()); !s.ok()) return failed(s);
  if (Status s = exec(db, "COMMIT"); !s.ok()) return failed(s);
  return {};
}

// An exclusive flock(2) on <dir>/state.lock, held for the store's lifetime.
// The kernel drops it when the process dies, so a stale file never blocks.
class LockFile {
 public:
  static Result<LockFile> acquire(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      return Status(Code::kUnavailable, "store-open-failed",
                    "cannot open state lock " + path + ": " + std::strerror(errno));
    }
    LockFile lock(fd);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) {
        return Status(Code::kUnavailable, "store-open-failed",
                      "cannot lock " + path + ": " + std::strerror(errno));
      }
      char pid[32] = {};
      ssize_t n = ::pread(fd, pid, sizeof(pid) - 1, 0);
      std::string holder = n > 0 ? std::string(pid, static_cast<size_t>(n)) : "unknown";
      return Status(Code::kFailedPrecondition, "store-locked",
                    "state lock " + path + " is held by process " + holder +
                        ": another byoipd is using this state directory; stop it or configure "
                        "a different state directory");
    }
    // Best effort: the holder's pid only improves the message above.
    std::string pid = std::to_string(::getpid());
    if (::ftruncate(fd, 0) == 0) {
      ssize_t written = ::pwrite(fd, pid.data(), pid.size(), 0);
      static_cast<void>(written);
    }
    return lock;
  }
  LockFile(LockFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  LockFile& operator=(LockFile&&) = delete;
  ~LockFile() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit LockFile(int fd) : fd_(fd) {}
  int fd_;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, LockFile lock, Db db)
      : path_(std::move(path)), lock_(std::move(lock)), db_(std::move(db)) {}

  // Prepares the statements used on every write. A failure means the tables
  // are not what schema kSchemaVersion promises.
  Status prepare() {
    struct {
      Stmt* stmt;
      const char* sql;
    } const statements[] = {
        {&begin_, "BEGIN IMMEDIATE"},
        {&commit_, "COMMIT"},
        {&tail_,
         "SELECT coalesce((SELECT max(seq) FROM journal), 0),"
         " coalesce((SELECT seq FROM snapshot WHERE id = 1), 0)"},
        {&insert_, "INSERT INTO journal (seq, payload) VALUES (?1, ?2)"},
        {&put_snapshot_, "INSERT OR REPLACE INTO snapshot (id, seq, bytes) VALUES (1, ?1, ?2)"},
        {&trim_journal_, "DELETE FROM journal WHERE seq <= ?1"},
    };
    for (const auto& [stmt, sql] : statements) {
      sqlite3_stmt* raw = nullptr;
      int rc = sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
      stmt->reset(raw);
      if (rc != SQLITE_OK) return corrupt(path_, "SQLite: " + errmsg(db_.get()));
    }
    return {};
  }

  Result<StoredState> load() override;
  Status append(const std::vector<JournalRecord>& records) override;
  Status write_snapshot(uint64_t seq, const std::string& bytes) override;

 private:
  struct Tail {
    uint64_t journal_max;   // 0 = empty journal
    uint64_t snapshot_seq;  // 0 = no snapshot
    uint64_t last() const { return std::max(journal_max, snapshot_seq); }
  };
  Status begin();
  Status commit();
  Status read_tail(Tail* tail);
  Status read_snapshot(StoredState* state);
  Status step_write(sqlite3_stmt* stmt);
  // Rolls back the open transaction, if any, and returns `status`.
  Status abort(Status status);
  Status write_failed(const std::string& what);
  Status read_failed(int rc);

  std::mutex mu_;  // serializes all use of db_
  const std::string path_;
  // Declared before db_ so the lock is released only after the database is
  // closed; statements are finalized before the database closes.
  LockFile lock_;
  Db db_;
  Stmt begin_, commit_, tail_, insert_, put_snapshot_, trim_journal_;
};

// A failed COMMIT leaves the outcome unknown (the WAL frames may still reach
// the disk), so callers must reload rather than assume nothing was written.
Status SqliteStore::write_failed(const std::string& what) {
  return Status(Code::kUnavailable, "store-write-failed",
                "cannot " + what + " in state store " + path_ + ": SQLite: " + errmsg(db_.get()));
}

Status SqliteStore::read_failed(int rc) {
  if (is_corruption(rc)) return corrupt(path_, "SQLite: " + errmsg(db_.get()));
  return Status(Code::kUnavailable, "store-read-failed",
                "cannot read state store " + path_ + ": SQLite: " + errmsg(db_.get()));
}

Status SqliteStore::abort(Status status) {
  if (sqlite3_get_autocommit(db_.get()) == 0) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  return status;
}

Status SqliteStore::begin() {
  ResetOnExit reset(begin_.get());
  if (sqlite3_step(begin_.get()) != SQLITE_DONE) return abort(write_failed("begin a transaction"));
  return {};
}

Status SqliteStore::commit() {
  ResetOnExit reset(commit_.get());
  // With synchronous=FULL this returns after the WAL is fsynced.
  if (sqlite3_step(commit_.get()) != SQLITE_DONE) return abort(write_failed("commit"));
  return {};
}

Status SqliteStore::step_write(sqlite3_stmt* stmt) {
  ResetOnExit reset(stmt);
  if (sqlite3_step(stmt) != SQLITE_DONE) return abort(write_failed("write"));
  return {};
}

Status SqliteStore::read_tail(Tail* tail) {
  ResetOnExit reset(tail_.get());
  int rc = sqlite3_step(tail_.get());
  if (rc != SQLITE_ROW) return abort(read_failed(rc));
  tail->journal_max = static_cast<uint64_t>(sqlite3_column_int64(tail_.get(), 0));
  tail->snapshot_seq = static_cast<uint64_t>(sqlite3_column_int64(tail_.get(), 1));
  return {};
}

Status SqliteStore::append(const std::vector<JournalRecord>& records) {
  if (records.empty()) return {};
  std::lock_guard lock(mu_);
  if (Status s = begin(); !s.ok()) return s;
  Tail tail{};
  if (Status s = read_tail(&tail); !s.ok()) return s;
  // Strict continuity, also right after a snapshot: load() refuses gaps.
  for (size_t i = 0; i < records.size(); ++i) {
    uint64_t want = tail.last() + 1 + i;
    if (records[i].seq != want) {
      return abort(Status(Code::kInternal, "store-sequence-gap",
                          "journal append to " + path_ + " must continue at seq " +
                              std::to_string(want) + " but record " + std::to_string(i) +
                              " of the batch has seq " + std::to_string(records[i].seq) +
                              "; nothing was written"));
    }
  }
  sqlite3_stmt* insert = insert_.get();
  for (const JournalRecord& record : records) {
    sqlite3_bind_int64(insert, 1, static_cast<sqlite3_int64>(record.seq));
    // data() is never null, so an empty payload binds as an empty blob.
    sqlite3_bind_blob64(insert, 2, record.payload.data(), record.payload.size(), SQLITE_STATIC);
    if (Status s = step_write(insert); !s.ok()) return s;
  }
  return commit();
}

Status SqliteStore::write_snapshot(uint64_t seq, const std::string& bytes) {
  std::lock_guard lock(mu_);
  if (Status s = begin(); !s.ok()) return s;
  Tail tail{};
  if (Status s = read_tail(&tail); !s.ok()) return s;
  if (seq == 0 || seq < tail.snapshot_seq || seq > tail.last()) {
    return abort(Status(Code::kInternal, "store-snapshot-out-of-range",
                        "snapshot seq " + std::to_string(seq) + " for " + path_ + " is outside [" +
                            std::to_string(std::max<uint64_t>(tail.snapshot_seq, 1)) + ", " +
                            std::to_string(tail.last()) +
                            "]: a snapshot may not precede the stored snapshot (seq " +
                            std::to_string(tail.snapshot_seq) +
                            ") nor follow the last stored record (seq " +
                            std::to_string(tail.last()) + "); nothing was written"));
  }
  sqlite3_stmt* put = put_snapshot_.get();
  sqlite3_bind_int64(put, 1, static_cast<sqlite3_int64>(seq));
  sqlite3_bind_blob64(put, 2, bytes.data(), bytes.size(), SQLITE_STATIC);
  if (Status s = step_write(put); !s.ok()) return s;
  sqlite3_bind_int64(trim_journal_.get(), 1, static_cast<sqlite3_int64>(seq));
  if (Status s = step_write(trim_journal_.get()); !s.ok()) return s;
  return commit();
}

// Reads the snapshot image straight into its string: sqlite3_column_blob
// would first copy it into a buffer of SQLite's own, which doubles the time
// and peak memory for a snapshot of ~100 MB.
Status SqliteStore::read_snapshot(StoredState* state) {
  sqlite3* db = db_.get();
  sqlite3_int64 size = -1;
  int rc = for_each_row(db, "SELECT seq, length(bytes) FROM snapshot WHERE id = 1",
                        [&](sqlite3_stmt* s) {
                          state->snapshot_seq = static_cast<uint64_t>(sqlite3_column_int64(s, 0));
                          size = sqlite3_column_int64(s, 1);
                        });
  if (rc != SQLITE_DONE) return read_failed(rc);
  if (size <= 0) return {};
  if (size > INT_MAX) return corrupt(path_, "snapshot of " + std::to_string(size) + " bytes");
  state->snapshot.resize(static_cast<size_t>(size));
  sqlite3_blob* blob = nullptr;
  rc = sqlite3_blob_open(db, "main", "snapshot", "bytes", /*rowid=*/1, /*writable=*/0, &blob);
  if (rc == SQLITE_OK) {
    rc = sqlite3_blob_read(blob, state->snapshot.data(), static_cast<int>(size), 0);
  }
  Status status = rc == SQLITE_OK ? Status() : read_failed(rc);
  sqlite3_blob_close(blob);
  return status;
}

Result<StoredState> SqliteStore::load() {
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  // One read transaction, so the snapshot and the journal agree.
  if (sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return read_failed(sqlite3_errcode(db));
  }
  StoredState state;
  if (Status s = read_snapshot(&state); !s.ok()) return abort(s);
  Tail tail{};
  if (Status s = read_tail(&tail); !s.ok()) return s;
  if (tail.journal_max > state.snapshot_seq) {
    // Exact when the journal has no gaps; capped so a corrupt seq cannot ask
    // for an absurd allocation.
    state.journal.reserve(std::min<uint64_t>(tail.journal_max - state.snapshot_seq, 1u << 26));
  }

  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT seq, payload FROM journal WHERE seq > ?1 ORDER BY seq",
                              -1, &raw, nullptr);
  Stmt scan(raw);
  if (rc != SQLITE_OK) return abort(read_failed(rc));
  sqlite3_bind_int64(raw, 1, static_cast<sqlite3_int64>(state.snapshot_seq));
  uint64_t want = state.snapshot_seq + 1;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    auto seq = static_cast<uint64_t>(sqlite3_column_int64(raw, 0));
    if (seq != want) {
      return abort(corrupt(path_, "journal record " + std::to_string(want) + " is missing: after " +
                                      (want == state.snapshot_seq + 1
                                           ? "the snapshot at seq " + std::to_string(want - 1)
                                           : "seq " + std::to_string(want - 1)) +
                                      " comes seq " + std::to_string(seq)));
    }
    state.journal.push_back(JournalRecord{seq, column_blob(raw, 1)});
    ++want;
  }
  if (rc != SQLITE_DONE) return abort(read_failed(rc));
  scan.reset();
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return abort(read_failed(sqlite3_errcode(db)));
  }
  return state;
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status(Code::kUnavailable, "store-open-failed",
                  "cannot create state directory " + dir + ": " + ec.message());
  }
  // Lock first: nothing below may race another daemon on the same files.
  Result<LockFile> lock = LockFile::acquire(dir + "/state.lock");
  if (!lock.ok()) return lock.status();
  std::string path = dir + "/state.db";
  Result<int> version = existing_version(path);
  if (!version.ok()) return version.status();

  Db db;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (Status s = open_db(path, path, flags, &db); !s.ok()) return s;
  if (Status s = configure(db.get(), path); !s.ok()) return s;
  if (Status s = migrate(db.get(), path, *version); !s.ok()) return s;
  auto store = std::make_unique<SqliteStore>(path, std::move(lock).value(), std::move(db));
  if (Status s = store->prepare(); !s.ok()) return s;
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace byoipd::controller
