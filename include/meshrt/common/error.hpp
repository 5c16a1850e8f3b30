// One error type for the whole project: a code plus a message that names the file, op or
// rank involved and what was expected versus what was found.
//
// Library code throws meshrt::Error and never aborts the process. Boundaries (the CLI, the
// MPI worker loop, the public runtime API) catch it and turn it into a result entry, an
// error response or a non-zero exit code.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace meshrt {

enum class ErrorCode {
  kInvalidArgument,  // malformed input: bad MLIR, bad flag value, wrong shape
  kNotFound,         // a file, program, loc or device that does not exist
  kIncompatible,     // version/schema mismatch, mesh does not fit the cluster
  kUnsupported,      // a valid op or attribute meshrt does not implement yet
  kOutOfMemory,      // a simulated device bank cannot hold a buffer
  kRankFailed,       // another MPI rank reported an error or died
  kTimeout,          // a deadline passed
  kInternal,         // a bug in meshrt
};

// Stable lower-case name of a code ("invalid_argument", ...), used in result files.
std::string_view to_string(ErrorCode code);

// Where an error happened, as fields for code that acts on it (which rank to name, which host
// was lost); the message says the same in words. -1 / empty: not known or not relevant.
struct ErrorSite {
  int rank = -1;     // the MPI rank the error is about (the lost or failing one)
  std::string host;  // that rank's host name
  std::string op;    // the op or MPI call
  int device = -1;   // the device id
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message, ErrorSite site = {});
  ErrorCode code() const { return code_; }
  const ErrorSite& site() const { return site_; }

 private:
  ErrorCode code_;
  ErrorSite site_;
};

// Throws Error(code, message[, site]). Use with fmt::format for messages.
[[noreturn]] void raise(ErrorCode code, const std::string& message);
[[noreturn]] void raise(ErrorCode code, const std::string& message, ErrorSite site);

}  // namespace meshrt
