// The test helpers every suite shares: run `fn` and expect a meshrt::Error with `code` whose
// message contains every one of `fragments` (suites wrap it to name what they call), or take
// its whole message.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "meshrt/common/error.hpp"

namespace meshrt::testing {

// The message of the meshrt::Error `fn` throws, which must carry `code`; "" (and a test
// failure) when it throws none. For suites that compare the whole message.
template <typename Fn>
std::string error_message(Fn&& fn, ErrorCode code) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected an error";
  return "";
}

template <typename Fn>
void expect_error(Fn&& fn, ErrorCode code, const std::vector<std::string>& fragments) {
  const std::string message = error_message(std::forward<Fn>(fn), code);
  for (const std::string& fragment : fragments) {
    EXPECT_NE(message.find(fragment), std::string::npos)
        << "message '" << message << "' lacks '" << fragment << "'";
  }
}

template <typename Fn>
void expect_error(Fn&& fn, ErrorCode code, const char* fragment) {
  expect_error(std::forward<Fn>(fn), code, std::vector<std::string>{fragment});
}

}  // namespace meshrt::testing
