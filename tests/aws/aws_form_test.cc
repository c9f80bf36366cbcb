#include "aws_form.h"

#include <gtest/gtest.h>

namespace byoipd::aws {
namespace {

TEST(ParseForm, DecodesPercentAndPlusKeepingOrder) {
  FormPairs got = parse_form("b=1+2%2B3&a=%C3%A9%2F&Filter.1.Value.2=x%3Dy");
  FormPairs want = {{"b", "1 2+3"}, {"a", "\xC3\xA9/"}, {"Filter.1.Value.2", "x=y"}};
  EXPECT_EQ(got, want);
}

TEST(ParseForm, EmptySegmentsMissingEqualsAndBadEscapes) {
  FormPairs got = parse_form("&a&&b=&c=%zz%4&d=%41");
  FormPairs want = {{"a", ""}, {"b", ""}, {"c", "%zz%4"}, {"d", "A"}};
  EXPECT_EQ(got, want);
  EXPECT_TRUE(parse_form("").empty());
}

TEST(PercentDecode, PlusIsSpaceOnlyWhenAsked) {
  EXPECT_EQ(percent_decode("a+b%20c", true), "a b c");
  EXPECT_EQ(percent_decode("a+b%20c", false), "a+b c");
}

TEST(UriEncode, UnreservedKeptOthersUpperHex) {
  EXPECT_EQ(uri_encode("Az09-_.~ /+=\xC3\xA9", false), "Az09-_.~%20%2F%2B%3D%C3%A9");
  EXPECT_EQ(uri_encode("/a b/c", true), "/a%20b/c");
}

}  // namespace
}  // namespace byoipd::aws
