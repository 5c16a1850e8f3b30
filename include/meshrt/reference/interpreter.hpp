// Reference interpreter: runs a program of a binary in f64 on every device of its mesh and
// returns the exact values that goldens are made of.
//
// It is deliberately independent of the device kernels in src/ops: plain loops, no shared
// code, so that a bug in one is caught by the other.
//
// Values are SPMD: every value of a program exists once per device of the program's mesh. Ops
// that are not collectives run on each device independently; devices whose operands are the
// very same tensors share one result (replicated values are computed once).
//
// Thread-safety: interpret() is reentrant; concurrent calls on the same (const) binary are fine.
// Blocking: runs to completion on the calling thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/tensor/host_tensor.hpp"

namespace meshrt::reference {

// One tensor per device of the program's mesh, indexed by DeviceId (row-major). Entries may alias
// (replicated values share one tensor). Never null.
using DeviceTensors = std::vector<std::shared_ptr<const HostTensor>>;

struct InterpreterHooks {
  // Called after each op (also ops inside called private programs) with its results per device.
  std::function<void(const binary::Op& op, const std::vector<DeviceTensors>& results)> post_op;
};

// Runs program `program_index` of `binary` in f64 on the program's mesh
// (binary.programs[i].mesh_shape).
// inputs[i] holds argument i on every device: for a presharded argument, each device's local shard
// (shape = TensorDesc::local_shape); otherwise the same full tensor on every device.
// Kernels compute in f64; every value is stored in its declared dtype (rounded), as tt-mlir's
// goldens carry each op's dtype into the next op; data movement (reshape, permute, embedding)
// runs on the stored tensors. The interpreter takes the inputs over and frees each after its
// last use; a generated input (HostTensor::generated) is made when first read, and only the rows
// an embedding reads of it. Returns outputs[i] per device.
// Throws Error(kUnsupported) naming op and loc for an op it does not implement,
// Error(kInvalidArgument) for inconsistent shapes, Error(kNotFound) for a bad program index.
std::vector<DeviceTensors> interpret(const binary::Binary& binary, size_t program_index,
                                     std::vector<DeviceTensors> inputs,
                                     const InterpreterHooks& hooks = {});

// Names of the ops interpret() implements (sorted), for reports and `ttrt query`.
std::vector<std::string> interpreter_supported_ops();

}  // namespace meshrt::reference
