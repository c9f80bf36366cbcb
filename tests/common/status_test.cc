#include "byoipd/common/status.h"

#include <gtest/gtest.h>

#include <iterator>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace byoipd {

void PrintTo(const Status& s, std::ostream* os) { *os << s.to_string(); }

namespace {

// ---------------------------------------------------------------------------
// Status

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.reason(), "");
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.to_string(), "ok");
  EXPECT_TRUE(Status::ok_status().ok());
  EXPECT_EQ(Status::ok_status().to_string(), "ok");
}

TEST(Status, ErrorCarriesCodeReasonAndMessage) {
  Status s(Code::kNotFound, "pool-not-found", "pool 'ipam-pool-0123' does not exist");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.reason(), "pool-not-found");
  EXPECT_EQ(s.message(), "pool 'ipam-pool-0123' does not exist");
  EXPECT_EQ(s.to_string(), "not-found/pool-not-found: pool 'ipam-pool-0123' does not exist");
}

TEST(Status, ToStringWithEmptyMessage) {
  Status s(Code::kInternal, "corrupt-snapshot", "");
  EXPECT_EQ(s.to_string(), "internal/corrupt-snapshot: ");
}

TEST(Status, CopyAndMoveKeepFields) {
  Status original(Code::kConflict, "cidr-overlap", "10.0.0.0/8 overlaps 10.0.0.0/16");
  Status copy = original;
  EXPECT_EQ(copy.code(), Code::kConflict);
  EXPECT_EQ(copy.reason(), "cidr-overlap");
  EXPECT_EQ(copy.message(), "10.0.0.0/8 overlaps 10.0.0.0/16");
  Status moved = std::move(copy);
  EXPECT_EQ(moved.to_string(), original.to_string());
}

struct CodeCase {
  Code code;
  const char* name;
};

const CodeCase kCodes[] = {
    {Code::kOk, "ok"},
    {Code::kInvalidArgument, "invalid-argument"},
    {Code::kNotFound, "not-found"},
    {Code::kAlreadyExists, "already-exists"},
    {Code::kFailedPrecondition, "failed-precondition"},
    {Code::kResourceExhausted, "resource-exhausted"},
    {Code::kConflict, "conflict"},
    {Code::kPermissionDenied, "permission-denied"},
    {Code::kUnavailable, "unavailable"},
    {Code::kInternal, "internal"},
};

TEST(CodeName, EveryCodeHasItsStableName) {
  std::set<std::string_view> seen;
  for (const CodeCase& c : kCodes) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(code_name(c.code), c.name);
    EXPECT_TRUE(seen.insert(code_name(c.code)).second) << "duplicate name";
  }
  // The table above covers every enumerator.
  EXPECT_EQ(static_cast<int>(Code::kInternal) + 1, static_cast<int>(std::size(kCodes)));
}

TEST(CodeName, OutOfRangeValueIsUnknown) {
  EXPECT_EQ(code_name(static_cast<Code>(200)), "unknown");
}

TEST(Status, ToStringUsesCodeNameForEveryErrorCode) {
  for (const CodeCase& c : kCodes) {
    if (c.code == Code::kOk) continue;
    SCOPED_TRACE(c.name);
    Status s(c.code, "some-reason", "some message");
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.to_string(), std::string(c.name) + "/some-reason: some message");
  }
}

// ---------------------------------------------------------------------------
// Result<T>

TEST(Result, HoldsValue) {
  Result<int> r = 42;
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(r.status().to_string(), "ok");
}

TEST(Result, HoldsError) {
  Result<int> r = Status(Code::kResourceExhausted, "pool-full", "no /24 left in 10.0.0.0/16");
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.status().code(), Code::kResourceExhausted);
  EXPECT_EQ(r.status().reason(), "pool-full");
  EXPECT_EQ(r.status().message(), "no /24 left in 10.0.0.0/16");
  EXPECT_EQ(r.status().to_string(), "resource-exhausted/pool-full: no /24 left in 10.0.0.0/16");
}

TEST(Result, ValueIsMutableAndArrowWorks) {
  Result<std::string> r = std::string("10.0.0.0/8");
  EXPECT_EQ(r->size(), 10u);
  r.value() += " (pool)";
  *r += "!";
  EXPECT_EQ(*r, "10.0.0.0/8 (pool)!");

  const Result<std::string>& cr = r;
  EXPECT_EQ(cr->size(), 18u);
  EXPECT_EQ(cr.value(), "10.0.0.0/8 (pool)!");
  EXPECT_EQ(*cr, "10.0.0.0/8 (pool)!");
}

Result<int> half(int n) {
  if (n % 2 != 0) {
    return Status(Code::kInvalidArgument, "odd-number", std::to_string(n) + " is odd");
  }
  return n / 2;
}

TEST(Result, ReturnedFromFunction) {
  Result<int> even = half(10);
  ASSERT_TRUE(even.ok());
  EXPECT_EQ(*even, 5);
  Result<int> odd = half(7);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().to_string(), "invalid-argument/odd-number: 7 is odd");
}

// Move-only payloads

static_assert(!std::is_copy_constructible_v<Result<std::unique_ptr<int>>>);
static_assert(std::is_move_constructible_v<Result<std::unique_ptr<int>>>);
static_assert(std::is_same_v<decltype(std::declval<Result<int>&&>().value()), int&&>);

Result<std::unique_ptr<int>> make_box(int n) {
  if (n < 0) return Status(Code::kInvalidArgument, "negative", "n must be >= 0");
  auto box = std::make_unique<int>(n);
  return box;  // implicit move of a local into Result(T)
}

TEST(Result, MoveOnlyValue) {
  Result<std::unique_ptr<int>> r = make_box(7);
  ASSERT_TRUE(r.ok());
  ASSERT_NE(r.value(), nullptr);
  EXPECT_EQ(**r, 7);
  EXPECT_EQ(*r->get(), 7);

  std::unique_ptr<int> taken = std::move(r).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, 7);

  Result<std::unique_ptr<int>> moved = make_box(9);
  Result<std::unique_ptr<int>> target = std::move(moved);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(**target, 9);
}

TEST(Result, MoveOnlyError) {
  Result<std::unique_ptr<int>> r = make_box(-1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "negative");
  Result<std::unique_ptr<int>> moved = std::move(r);
  EXPECT_FALSE(moved.ok());
  EXPECT_EQ(moved.status().to_string(), "invalid-argument/negative: n must be >= 0");
}

}  // namespace
}  // namespace byoipd
