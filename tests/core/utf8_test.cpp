#include "core/utf8.h"

#include <catch2/catch.hpp>
#include <string>

using namespace loconet;

TEST_CASE("well-formed UTF-8 of every length passes", "[core]") {
  CHECK(CheckUtf8("", "x").ok());
  CHECK(CheckUtf8("plain ascii", "x").ok());
  CHECK(CheckUtf8("caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x90\x8B", "x").ok());
  // The edges of each range: U+007F, U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000,
  // U+10FFFF.
  CHECK(CheckUtf8("\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF"
                  "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF",
                  "x")
            .ok());
}

TEST_CASE("UTF-8 checking refuses malformed sequences with their offset", "[core]") {
  // Overlong (2, 3 and 4 bytes), surrogate, above U+10FFFF, truncated (2, 3 and 4 bytes), a lone
  // continuation byte, bytes that never occur, a continuation byte out of range.
  for (const char* bad : {"\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xF0\x80\x80\xAF",
                          "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xC3",
                          "\xE2\x80", "\xF0\x9F\x90", "\x80", "\xFE", "\xFF", "\xC3\x28"}) {
    Status s = CheckUtf8(std::string("ok ") + bad + " more", "file.txt");
    CHECK(s.code() == Code::kParseError);
    CHECK(s.message() == "file.txt: invalid UTF-8 at byte 3");
    CHECK(FindInvalidUtf8(std::string("ok ") + bad) == 3);
  }
  CHECK(FindInvalidUtf8("fine \xE2\x80\x94") == std::string_view::npos);
}

TEST_CASE("decoding yields code points and leaves the position on bad input", "[core]") {
  std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x90\x8B\xC3";
  size_t i = 0;
  CHECK(DecodeUtf8(s, &i) == 'a');
  CHECK(i == 1);
  CHECK(DecodeUtf8(s, &i) == 0xE9);
  CHECK(i == 3);
  CHECK(DecodeUtf8(s, &i) == 0x20AC);
  CHECK(i == 6);
  CHECK(DecodeUtf8(s, &i) == 0x1F40B);
  CHECK(i == 10);
  CHECK(DecodeUtf8(s, &i) == -1);
  CHECK(i == 10);
}
