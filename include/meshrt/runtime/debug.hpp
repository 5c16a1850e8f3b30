// Debug hooks, as tt-mlir's tt::runtime::debug::Hooks: callbacks on rank 0 before/after every
// op and program that submit() runs. Inside a post-op callback, getOpOutputTensor() returns the
// op's output with the shards of every rank's chips (gathered to rank 0 before the callback
// runs; workers wait for the callback to return, so a debugger may pause).
//
// Thread-safety: set and call from the thread that calls the runtime API. A callback that
// throws ends the program on every rank with that error.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "meshrt/runtime/runtime.hpp"

namespace tt::runtime {

// Opaque handles valid only during a callback.
struct CallbackContext {
  const void* handle = nullptr;
};
struct OpContext {
  const void* handle = nullptr;
};

std::string getOpDebugString(OpContext opContextHandle);
std::string getOpLocInfo(OpContext opContextHandle);
// Output `index` of the op: device id -> shard from every rank's chips (a host value: key 0).
std::unordered_map<std::uint32_t, Tensor> getOpOutputTensor(OpContext opContextHandle,
                                                            CallbackContext programContextHandle,
                                                            size_t index = 0);
// Golden stored in the binary for `loc` (device id -> tensor; 0xffffffff: every device).
std::unordered_map<std::uint32_t, Tensor> getDebugInfoGolden(Binary binary, const std::string& loc);
// meshrt: program index and mesh of the running program.
uint32_t getProgramIndex(CallbackContext programContextHandle);

namespace debug {

using OpCallback = std::function<void(Binary, CallbackContext, OpContext)>;
using ProgramCallback = std::function<void(Binary, CallbackContext)>;

class Hooks {
 public:
  // Installs the callbacks (replacing earlier ones) and returns the process-wide hooks.
  static const Hooks& get(std::optional<OpCallback> preOperatorCallback = std::nullopt,
                          std::optional<OpCallback> postOperatorCallback = std::nullopt,
                          std::optional<ProgramCallback> preProgramCallback = std::nullopt,
                          std::optional<ProgramCallback> postProgramCallback = std::nullopt);
  std::optional<OpCallback> getPreOperatorCallback() const { return pre_op_; }
  std::optional<OpCallback> getPostOperatorCallback() const { return post_op_; }
  std::optional<ProgramCallback> getPreProgramCallback() const { return pre_program_; }
  std::optional<ProgramCallback> getPostProgramCallback() const { return post_program_; }
  bool active() const { return pre_op_ || post_op_ || pre_program_ || post_program_; }
  void unregisterHooks() const;

 private:
  mutable std::optional<OpCallback> pre_op_, post_op_;
  mutable std::optional<ProgramCallback> pre_program_, post_program_;
};

}  // namespace debug
}  // namespace tt::runtime
