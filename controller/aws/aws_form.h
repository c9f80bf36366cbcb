// URL encoding as AWS uses it: form bodies (EC2 Query) and SigV4 canonical
// strings.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace byoipd::aws {

using FormPairs = std::vector<std::pair<std::string, std::string>>;

// application/x-www-form-urlencoded body -> ordered (name, value) pairs,
// percent-decoded, '+' = space. Empty segments ("a=1&&b=2") are skipped; a
// pair without '=' has an empty value; a '%' not followed by two hex digits
// is kept literally (as Python's parse_qsl does).
FormPairs parse_form(std::string_view body);

// Percent-decodes `s`; '+' becomes a space only when `plus_is_space`.
std::string percent_decode(std::string_view s, bool plus_is_space);

// RFC 3986 encoding as SigV4 specifies it: every byte except the unreserved
// A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex); '/' is kept when
// `keep_slash`.
std::string uri_encode(std::string_view s, bool keep_slash);

}  // namespace byoipd::aws
