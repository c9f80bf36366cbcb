// SqliteStore against real SQLite files in a temporary directory: durability
// across reopen, snapshots, sequence checks, and refusal (without touching
// the file) of corrupt, foreign, newer-schema and locked stores.
#include "byoipd/controller/store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace byoipd::controller {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char templ[] = "/tmp/byoipd-store-test-XXXXXX";
    const char* made = ::mkdtemp(templ);
    EXPECT_NE(made, nullptr);
    path_ = made != nullptr ? made : "/tmp/byoipd-store-test-failed";
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string db() const { return path_ + "/state.db"; }

 private:
  std::string path_;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs SQL on `path` through a separate connection, as an operator would.
void run_sql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// First column of the first row of `sql`, as text ("" when no row).
std::string query_one(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  std::string value;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  if (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0)) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

std::vector<JournalRecord> records(uint64_t first, uint64_t count) {
  std::vector<JournalRecord> out;
  for (uint64_t seq = first; seq < first + count; ++seq) {
    out.push_back({seq, "command " + std::to_string(seq)});
  }
  return out;
}

std::vector<uint64_t> seqs(const StoredState& state) {
  std::vector<uint64_t> out;
  for (const auto& r : state.journal) out.push_back(r.seq);
  return out;
}

std::vector<uint64_t> range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t seq = first; seq <= last; ++seq) out.push_back(seq);
  return out;
}

// Declare `var` as the opened store / the loaded state, or fail the test.
#define ASSERT_OPEN(var, dir)                                          \
  auto var##_result = open_sqlite_store(dir);                          \
  ASSERT_TRUE(var##_result.ok()) << var##_result.status().to_string(); \
  std::unique_ptr<Store> var = std::move(var##_result).value()

#define ASSERT_LOAD(var, store)                                        \
  auto var##_result = (store).load();                                  \
  ASSERT_TRUE(var##_result.ok()) << var##_result.status().to_string(); \
  StoredState var = std::move(var##_result).value()

// ---------------------------------------------------------------------------
// Round trips

TEST(SqliteStore, FreshStoreIsEmptyAndCreatesItsDirectory) {
  TempDir tmp;
  std::string dir = tmp.path() + "/nested/state";
  ASSERT_OPEN(store, dir);
  ASSERT_LOAD(state, *store);
  EXPECT_EQ(state.snapshot_seq, 0u);
  EXPECT_EQ(state.snapshot, "");
  EXPECT_TRUE(state.journal.empty());
  EXPECT_TRUE(fs::exists(dir + "/state.db"));
  EXPECT_TRUE(fs::exists(dir + "/state.lock"));
}

// Reopening reads the file through a file: URI; the path must survive it.
TEST(SqliteStore, DirectoryNameWithUriSpecialCharacters) {
  TempDir tmp;
  std::string dir = tmp.path() + "/a dir?x=1#frag%41&immutable=0";
  {
    ASSERT_OPEN(store, dir);
    ASSERT_TRUE(store->append(records(1, 2)).ok());
  }
  ASSERT_OPEN(store, dir);
  ASSERT_LOAD(state, *store);
  EXPECT_EQ(seqs(state), range(1, 2));
  EXPECT_TRUE(fs::exists(dir + "/state.db"));
}

TEST(SqliteStore, AppendedRecordsSurviveReopenInOrder) {
  TempDir tmp;
  std::vector<JournalRecord> written = {
      {1, "plain"},
      {2, "nul\0inside\0"s},
      {3, ""},
      {4, std::string("\xff\x00\x01\x80", 4)},
      {5, std::string(1 << 20, 'x')},
  };
  {
    ASSERT_OPEN(store, tmp.path());
    ASSERT_TRUE(store->append({written[0], written[1], written[2]}).ok());
    ASSERT_TRUE(store->append({written[3]}).ok());
    ASSERT_TRUE(store->append({written[4]}).ok());
    ASSERT_TRUE(store->append({}).ok());  // no-op
  }
  ASSERT_OPEN(store, tmp.path());
  ASSERT_LOAD(state, *store);
  EXPECT_EQ(state.snapshot_seq, 0u);
  ASSERT_EQ(state.journal.size(), written.size());
  for (size_t i = 0; i < written.size(); ++i) {
    EXPECT_EQ(state.journal[i].seq, written[i].seq);
    EXPECT_EQ(state.journal[i].payload, written[i].payload) << "seq " << written[i].seq;
  }
  EXPECT_EQ(query_one(tmp.db(), "PRAGMA journal_mode"), "wal");
}

TEST(SqliteStore, SnapshotDropsJournalUpToItsSeq) {
  TempDir tmp;
  std::string image = "snapshot\0image"s;
  {
    ASSERT_OPEN(store, tmp.path());
    ASSERT_TRUE(store->append(records(1, 10)).ok());
    ASSERT_TRUE(store->write_snapshot(6, image).ok());
    ASSERT_LOAD(state, *store);
    EXPECT_EQ(state.snapshot_seq, 6u);
    EXPECT_EQ(state.snapshot, image);
    EXPECT_EQ(seqs(state), range(7, 10));
    ASSERT_TRUE(store->append(records(11, 2)).ok());
  }
  EXPECT_EQ(query_one(tmp.db(), "SELECT count(*) FROM journal"), "6");
  ASSERT_OPEN(store, tmp.path());
  ASSERT_LOAD(state, *store);
  EXPECT_EQ(state.snapshot_seq, 6u);
  EXPECT_EQ(state.snapshot, image);
  EXPECT_EQ(seqs(state), range(7, 12));
  EXPECT_EQ(state.journal.back().payload, "command 12");

  // A newer snapshot replaces the old one; with an empty journal the next
  // append continues right after the snapshot.
  ASSERT_TRUE(store->write_snapshot(12, "second").ok());
  ASSERT_TRUE(store->write_snapshot(12, "second, rewritten").ok());
  ASSERT_LOAD(after, *store);
  EXPECT_EQ(after.snapshot_seq, 12u);
  EXPECT_EQ(after.snapshot, "second, rewritten");
  EXPECT_TRUE(after.journal.empty());
  EXPECT_EQ(store->append(records(14, 1)).reason(), "store-sequence-gap");
  EXPECT_TRUE(store->append(records(13, 1)).ok());
}

TEST(SqliteStore, LargeAndEmptySnapshotsRoundTrip) {
  TempDir tmp;
  std::string large(5 << 20, '\0');
  for (size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>(i * 131 + i / 7);
  ASSERT_OPEN(store, tmp.path());
  ASSERT_TRUE(store->append(records(1, 3)).ok());
  ASSERT_TRUE(store->write_snapshot(2, large).ok());
  {
    ASSERT_LOAD(state, *store);
    EXPECT_EQ(state.snapshot_seq, 2u);
    EXPECT_TRUE(state.snapshot == large);
  }
  ASSERT_TRUE(store->write_snapshot(3, "").ok());
  ASSERT_LOAD(state, *store);
  EXPECT_EQ(state.snapshot_seq, 3u);
  EXPECT_EQ(state.snapshot, "");
  EXPECT_TRUE(state.journal.empty());
}

TEST(SqliteStore, SnapshotOutsideTheStoredRangeIsRefused) {
  TempDir tmp;
  ASSERT_OPEN(store, tmp.path());
  EXPECT_EQ(store->write_snapshot(1, "x").reason(), "store-snapshot-out-of-range");  // empty
  ASSERT_TRUE(store->append(records(1, 10)).ok());
  ASSERT_TRUE(store->write_snapshot(5, "five").ok());
  struct Case {
    const char* name;
    uint64_t seq;
  } const cases[] = {
      {"zero means no snapshot", 0},
      {"older than the stored snapshot", 4},
      {"ahead of the journal", 11},
  };
  for (const Case& c : cases) {
    Status s = store->write_snapshot(c.seq, "refused");
    EXPECT_EQ(s.reason(), "store-snapshot-out-of-range") << c.name << ": " << s.to_string();
  }
  ASSERT_LOAD(state, *store);
  EXPECT_EQ(state.snapshot_seq, 5u);
  EXPECT_EQ(state.snapshot, "five");
  EXPECT_EQ(seqs(state), range(6, 10));
}

TEST(SqliteStore, SequenceGapIsRefusedAndNothingWritten) {
  struct Case {
    const char* name;
    std::vector<uint64_t> batch;
  } const cases[] = {
      {"skips a seq", {5}},
      {"repeats the last seq", {3}},
      {"goes back", {1}},
      {"gap inside the batch", {4, 6}},
      {"duplicate inside the batch", {4, 4}},
      {"good records then a gap", {4, 5, 7}},
  };
  for (const Case& c : cases) {
    TempDir tmp;
    ASSERT_OPEN(store, tmp.path());
    ASSERT_TRUE(store->append(records(1, 3)).ok());
    std::vector<JournalRecord> batch;
    for (uint64_t seq : c.batch) batch.push_back({seq, "refused"});
    Status s = store->append(batch);
    EXPECT_EQ(s.reason(), "store-sequence-gap") << c.name << ": " << s.to_string();
    EXPECT_NE(s.message().find("nothing was written"), std::string::npos) << s.message();
    ASSERT_LOAD(state, *store);
    EXPECT_EQ(seqs(state), range(1, 3)) << c.name;
    EXPECT_TRUE(store->append(records(4, 1)).ok()) << c.name;
  }
  TempDir fresh;
  ASSERT_OPEN(store, fresh.path());
  EXPECT_EQ(store->append(records(0, 1)).reason(), "store-sequence-gap");
  EXPECT_EQ(store->append(records(2, 1)).reason(), "store-sequence-gap");
  EXPECT_TRUE(store->append(records(1, 1)).ok());
}

// A crash leaves committed records in state.db-wal; they must be loaded.
TEST(SqliteStore, CommittedRecordsInTheWalSurviveACrash) {
  TempDir tmp;
  TempDir crashed;
  ASSERT_OPEN(store, tmp.path());
  ASSERT_TRUE(store->append(records(1, 100)).ok());
  ASSERT_GT(fs::file_size(tmp.db() + "-wal"), 0u);
  // Copy the files as a crash would leave them: the store is still open, so
  // nothing has been checkpointed into state.db.
  fs::copy_file(tmp.db(), crashed.db());
  fs::copy_file(tmp.db() + "-wal", crashed.db() + "-wal");
  ASSERT_OPEN(recovered, crashed.path());
  ASSERT_LOAD(state, *recovered);
  EXPECT_EQ(seqs(state), range(1, 100));
}

// RLIMIT_FSIZE makes SQLite's writes fail as on a full disk.
TEST(SqliteStore, FailedWriteRollsBackAndTheStoreStaysUsable) {
  TempDir tmp;
  ASSERT_OPEN(store, tmp.path());
  ASSERT_TRUE(store->append(records(1, 1)).ok());
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 256 * 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Status s = store->append({{2, std::string(4 << 20, 'x')}});
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::signal(SIGXFSZ, old_handler);

  EXPECT_EQ(s.reason(), "store-write-failed") << s.to_string();
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_NE(s.message().find(tmp.db()), std::string::npos) << s.message();
  EXPECT_TRUE(store->append({{2, "after the failure"}}).ok());
  store.reset();
  ASSERT_OPEN(reopened, tmp.path());
  ASSERT_LOAD(state, *reopened);
  ASSERT_EQ(seqs(state), range(1, 2));
  EXPECT_EQ(state.journal[1].payload, "after the failure");
}

// ---------------------------------------------------------------------------
// Refusals: the file must be left byte for byte as it was.

TEST(SqliteStore, NewerSchemaIsRefusedAndLeftUntouched) {
  TempDir tmp;
  {
    ASSERT_OPEN(store, tmp.path());
    ASSERT_TRUE(store->append(records(1, 5)).ok());
  }
  run_sql(tmp.db(), "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
  std::string before = read_bytes(tmp.db());
  auto opened = open_sqlite_store(tmp.path());
  ASSERT_FALSE(opened.ok());
  Status s = opened.status();
  EXPECT_EQ(s.reason(), "store-too-new");
  EXPECT_NE(s.message().find(tmp.db()), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("schema version 99"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("up to version 1"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("Upgrade byoipd"), std::string::npos) << s.message();
  EXPECT_EQ(read_bytes(tmp.db()), before);
  EXPECT_FALSE(fs::exists(tmp.db() + "-wal"));
  EXPECT_FALSE(fs::exists(tmp.db() + "-shm"));
  EXPECT_EQ(query_one(tmp.db(), "SELECT value FROM meta WHERE key = 'schema_version'"), "99");
}

// A real store of a few hundred pages, for the corruption cases.
std::string make_store_bytes() {
  TempDir tmp;
  {
    auto store = open_sqlite_store(tmp.path());
    EXPECT_TRUE(store.ok());
    std::vector<JournalRecord> batch;
    for (uint64_t seq = 1; seq <= 20000; ++seq) batch.push_back({seq, std::string(40, 'p')});
    EXPECT_TRUE((*store)->append(batch).ok());
  }
  return read_bytes(tmp.db());
}

TEST(SqliteStore, CorruptFileIsRefusedAndLeftUntouched) {
  std::string good = make_store_bytes();
  ASSERT_GT(good.size(), 64u * 4096);
  std::mt19937 rng(7);
  auto garbage = [&](size_t n) {
    std::string out(n, '\0');
    for (char& c : out) c = static_cast<char>(rng());
    return out;
  };
  struct Case {
    const char* name;
    std::string bytes;
  } const cases[] = {
      {"random bytes", garbage(16 * 4096)},
      {"a few random bytes", garbage(100)},
      {"truncated to half", good.substr(0, good.size() / 2)},
      {"truncated mid-page", good.substr(0, good.size() - 1000)},
      {"btree page overwritten",
       good.substr(0, 4096 * 10) + garbage(4096) + good.substr(4096 * 11)},
      {"header overwritten", garbage(100) + good.substr(100)},
  };
  for (const Case& c : cases) {
    TempDir tmp;
    write_bytes(tmp.db(), c.bytes);
    auto opened = open_sqlite_store(tmp.path());
    ASSERT_FALSE(opened.ok()) << c.name;
    Status s = opened.status();
    EXPECT_EQ(s.reason(), "store-corrupt") << c.name << ": " << s.to_string();
    EXPECT_NE(s.message().find(tmp.db()), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("docs/operations.md"), std::string::npos) << s.message();
    EXPECT_EQ(read_bytes(tmp.db()), c.bytes) << c.name;
  }
}

TEST(SqliteStore, ForeignDatabaseIsRefusedAndLeftUntouched) {
  TempDir tmp;
  run_sql(tmp.db(), "CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('alice')");
  std::string before = read_bytes(tmp.db());
  auto opened = open_sqlite_store(tmp.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().reason(), "store-corrupt");
  EXPECT_NE(opened.status().message().find("not a byoipd state store"), std::string::npos)
      << opened.status().message();
  EXPECT_EQ(read_bytes(tmp.db()), before);
}

TEST(SqliteStore, DamagedMetadataIsRefusedAndLeftUntouched) {
  struct Case {
    const char* name;
    const char* sql;  // run on a valid store
    const char* expect_in_message;
  } const cases[] = {
      {"no schema_version", "DELETE FROM meta", "no schema_version"},
      {"schema_version not a number", "UPDATE meta SET value = 'one'", "'one'"},
      {"schema_version zero", "UPDATE meta SET value = '0'", "'0'"},
      {"journal table dropped", "DROP TABLE journal", "table journal is missing"},
  };
  for (const Case& c : cases) {
    TempDir tmp;
    { ASSERT_OPEN(store, tmp.path()); }
    run_sql(tmp.db(), c.sql);
    std::string before = read_bytes(tmp.db());
    auto opened = open_sqlite_store(tmp.path());
    ASSERT_FALSE(opened.ok()) << c.name;
    EXPECT_EQ(opened.status().reason(), "store-corrupt") << c.name;
    EXPECT_NE(opened.status().message().find(c.expect_in_message), std::string::npos)
        << c.name << ": " << opened.status().message();
    EXPECT_EQ(read_bytes(tmp.db()), before) << c.name;
  }
}

// SQLite would silently delete a WAL whose database file is gone.
TEST(SqliteStore, WalWithoutItsDatabaseIsRefused) {
  TempDir tmp;
  write_bytes(tmp.db() + "-wal", std::string(8192, 'w'));
  auto opened = open_sqlite_store(tmp.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().reason(), "store-corrupt");
  EXPECT_EQ(fs::file_size(tmp.db() + "-wal"), 8192u);
}

TEST(SqliteStore, SecondOpenWhileTheFirstIsAliveIsLocked) {
  TempDir tmp;
  {
    ASSERT_OPEN(first, tmp.path());
    auto second = open_sqlite_store(tmp.path());
    ASSERT_FALSE(second.ok());
    Status s = second.status();
    EXPECT_EQ(s.reason(), "store-locked");
    EXPECT_NE(s.message().find(tmp.path() + "/state.lock"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(std::to_string(::getpid())), std::string::npos) << s.message();
  }
  // Closing the first store releases the lock.
  EXPECT_TRUE(open_sqlite_store(tmp.path()).ok());
}

// ---------------------------------------------------------------------------
// Schema version and migrations

TEST(SqliteStore, MigrationsCreateTheCurrentSchemaInAnEmptyFile) {
  struct Case {
    const char* name;
    void (*make)(const std::string& db);
  } const cases[] = {
      {"zero-byte file", [](const std::string& db) { write_bytes(db, ""); }},
      {"SQLite database without tables",
       [](const std::string& db) { run_sql(db, "CREATE TABLE t (x); DROP TABLE t"); }},
  };
  for (const Case& c : cases) {
    TempDir tmp;
    c.make(tmp.db());
    {
      ASSERT_OPEN(store, tmp.path());
      ASSERT_TRUE(store->append(records(1, 2)).ok()) << c.name;
    }
    EXPECT_EQ(query_one(tmp.db(), "SELECT value FROM meta WHERE key = 'schema_version'"), "1")
        << c.name;
    EXPECT_EQ(query_one(tmp.db(),
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                        " AND name IN ('meta', 'journal', 'snapshot')"),
              "3")
        << c.name;
    EXPECT_EQ(query_one(tmp.db(), "PRAGMA journal_mode"), "wal") << c.name;
  }
}

TEST(SqliteStore, CurrentVersionStoreIsOpenedWithoutChange) {
  TempDir tmp;
  {
    ASSERT_OPEN(store, tmp.path());
    ASSERT_TRUE(store->append(records(1, 3)).ok());
    ASSERT_TRUE(store->write_snapshot(2, "two").ok());
  }
  for (int reopen = 0; reopen < 2; ++reopen) {
    ASSERT_OPEN(store, tmp.path());
    ASSERT_LOAD(state, *store);
    EXPECT_EQ(state.snapshot_seq, 2u);
    EXPECT_EQ(state.snapshot, "two");
    EXPECT_EQ(seqs(state), range(3, 3));
  }
  EXPECT_EQ(query_one(tmp.db(), "SELECT count(*) FROM meta"), "1");
}

// ---------------------------------------------------------------------------
// Start-up size: a million journal records. Prints timings; asserts content
// only (tests never assert on speed).

TEST(SqliteStore, LoadsAMillionRecords) {
  constexpr uint64_t kRecords = 1'000'000;
  TempDir tmp;
  auto payload = [](uint64_t seq) {
    std::string p = "allocate pool=ipam-pool-0123456789abcdef cidr=10.";
    p += std::to_string(seq);
    p.resize(60, '.');
    return p;
  };
  {
    ASSERT_OPEN(store, tmp.path());
    std::vector<JournalRecord> batch;
    for (uint64_t seq = 1; seq <= kRecords; ++seq) {
      batch.push_back({seq, payload(seq)});
      if (batch.size() == 10000) {
        ASSERT_TRUE(store->append(batch).ok());
        batch.clear();
      }
    }
  }
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  ASSERT_OPEN(store, tmp.path());
  auto t1 = Clock::now();
  ASSERT_LOAD(state, *store);
  auto t2 = Clock::now();
  ASSERT_EQ(state.journal.size(), kRecords);
  for (uint64_t seq : {uint64_t{1}, uint64_t{500'000}, kRecords}) {
    EXPECT_EQ(state.journal[seq - 1].seq, seq);
    EXPECT_EQ(state.journal[seq - 1].payload, payload(seq));
  }
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf(
      "[ timing   ] %llu records, %.1f MB file: open (incl. quick_check) %.0f ms, "
      "load %.0f ms\n",
      static_cast<unsigned long long>(kRecords), static_cast<double>(fs::file_size(tmp.db())) / 1e6,
      ms(t1 - t0), ms(t2 - t1));
}

}  // namespace
}  // namespace byoipd::controller
