#include "meshrt/common/error.hpp"

namespace meshrt {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kIncompatible: return "incompatible";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kOutOfMemory: return "out_of_memory";
    case ErrorCode::kRankFailed: return "rank_failed";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

Error::Error(ErrorCode code, const std::string& message, ErrorSite site)
    : std::runtime_error(message), code_(code), site_(std::move(site)) {}

void raise(ErrorCode code, const std::string& message) { throw Error(code, message); }

void raise(ErrorCode code, const std::string& message, ErrorSite site) {
  throw Error(code, message, std::move(site));
}

}  // namespace meshrt
