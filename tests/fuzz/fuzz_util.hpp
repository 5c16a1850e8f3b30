// Shared by the libFuzzer targets: a meshrt::Error is the expected answer to bad input; any
// other escape (another exception type, a signal, a sanitizer report, an allocation over
// libFuzzer's -malloc_limit_mb) is a finding. expect() marks a property that must hold for
// every input (a round trip that must succeed): breaking it aborts, so libFuzzer keeps the input.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "meshrt/common/error.hpp"

namespace meshrt::fuzz {

inline void expect(bool property, const char* what) {
  if (!property) {
    std::fprintf(stderr, "fuzz property broken: %s\n", what);
    std::abort();
  }
}

// Runs `f`; a meshrt::Error is swallowed (the input was rightly refused), anything else escapes.
template <typename F>
bool refused(F&& f) {
  try {
    f();
    return false;
  } catch (const Error&) {
    return true;
  }
}

}  // namespace meshrt::fuzz
