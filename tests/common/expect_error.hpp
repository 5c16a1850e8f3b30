// The test helper every suite shares: run `fn` and expect a meshrt::Error with `code` whose
// message contains every one of `fragments` (suites wrap it to name what they call).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "meshrt/common/error.hpp"

namespace meshrt::testing {

template <typename Fn>
void expect_error(Fn&& fn, ErrorCode code, const std::vector<std::string>& fragments) {
  try {
    fn();
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    for (const std::string& fragment : fragments) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
          << "message '" << e.what() << "' lacks '" << fragment << "'";
    }
  }
}

template <typename Fn>
void expect_error(Fn&& fn, ErrorCode code, const char* fragment) {
  expect_error(std::forward<Fn>(fn), code, std::vector<std::string>{fragment});
}

}  // namespace meshrt::testing
