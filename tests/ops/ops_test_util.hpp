// Helpers for the ops tests: build ops and tensors tersely, run one kernel.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/expect_error.hpp"
#include "meshrt/binary/program.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/ops/kernels.hpp"

namespace meshrt::ops::testing {

inline binary::Op make_op(const std::string& name,
                          std::map<std::string, binary::AttrValue> attrs = {}) {
  binary::Op op;
  op.name = name;
  op.loc = "test.mlir:7:3";
  op.attrs = std::move(attrs);
  return op;
}

inline HostTensor tensor(Shape shape, DataType dtype, std::vector<double> values) {
  return HostTensor::from_doubles(std::move(shape), dtype, values);
}

// Runs `op` on the inputs, returning one result of `shape`/`dtype`.
inline HostTensor run1(const binary::Op& op, std::vector<const HostTensor*> inputs, Shape shape,
                       DataType dtype) {
  HostTensor out(std::move(shape), dtype);
  std::vector<HostTensor*> outs = {&out};
  run_kernel(op, inputs, outs);
  return out;
}

// Expects run_kernel to throw `code` with a message containing every string in `parts`.
inline void expect_error(const binary::Op& op, std::vector<const HostTensor*> inputs, Shape shape,
                         DataType dtype, ErrorCode code, std::vector<std::string> parts) {
  meshrt::testing::expect_error([&] { run1(op, std::move(inputs), std::move(shape), dtype); },
                                code, parts);
}

}  // namespace meshrt::ops::testing
