// Test helpers for the reference interpreter: build binary::Program values by hand (no parser)
// and run them.
#pragma once

#include "common/expect_error.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/reference/interpreter.hpp"

namespace meshrt::reference::testing {

using binary::AttrValue;
using Attrs = std::map<std::string, AttrValue>;

class ProgramBuilder {
 public:
  explicit ProgramBuilder(MeshShape mesh = {1, 1}, std::string name = "main") {
    program_.name = std::move(name);
    program_.mesh_shape = mesh;
  }

  uint32_t input(Shape shape, DataType dtype = DataType::kFloat32) {
    uint32_t id = add_value(std::move(shape), dtype);
    program_.inputs.push_back(id);
    return id;
  }

  uint32_t presharded_input(Shape full, Shape local, DataType dtype = DataType::kFloat32) {
    uint32_t id = input(std::move(full), dtype);
    program_.values[id].presharded = true;
    program_.values[id].local_shape = std::move(local);
    return id;
  }

  // Adds an op with one result of the given type; returns the result's value id.
  uint32_t op(const std::string& name, std::vector<uint32_t> operands, Shape result_shape,
              DataType dtype = DataType::kFloat32, Attrs attrs = {}) {
    uint32_t id = add_value(std::move(result_shape), dtype);
    binary::Op op;
    op.name = name;
    op.loc = "loc_" + name + "_" + std::to_string(program_.ops.size());
    op.operands = std::move(operands);
    op.results = {id};
    op.attrs = std::move(attrs);
    program_.ops.push_back(std::move(op));
    return id;
  }

  void output(uint32_t id) { program_.outputs.push_back(id); }
  binary::Program& program() { return program_; }

  binary::Binary binary() const {
    binary::Binary b;
    b.programs.push_back(program_);
    return b;
  }

 private:
  uint32_t add_value(Shape shape, DataType dtype) {
    binary::TensorDesc desc;
    desc.shape = std::move(shape);
    desc.dtype = dtype;
    program_.values.push_back(desc);
    return static_cast<uint32_t>(program_.values.size() - 1);
  }

  binary::Program program_;
};

inline HostTensor make_tensor(Shape shape, std::vector<double> values,
                              DataType dtype = DataType::kFloat32) {
  return HostTensor::from_doubles(std::move(shape), dtype, values);
}

// 0, 1, 2, ... as a tensor.
inline HostTensor iota_tensor(Shape shape, DataType dtype = DataType::kFloat32, double start = 0) {
  std::vector<double> v(static_cast<size_t>(volume(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + static_cast<double>(i);
  return make_tensor(std::move(shape), v, dtype);
}

inline DeviceTensors replicated(const HostTensor& t, uint32_t devices = 1) {
  auto shared = std::make_shared<const HostTensor>(t);
  return DeviceTensors(devices, shared);
}

// Runs program 0 on a 1x1 mesh with the given inputs; returns output 0 of device 0.
inline HostTensor run_single(const ProgramBuilder& builder, const std::vector<HostTensor>& inputs) {
  std::vector<DeviceTensors> in;
  for (const HostTensor& t : inputs) in.push_back(replicated(t));
  std::vector<DeviceTensors> out = interpret(builder.binary(), 0, in);
  return *out.at(0).at(0);
}

// Convenience: a one-op program over inputs of the given shapes (f32 unless dtype given).
inline HostTensor run_op(const std::string& name, const std::vector<HostTensor>& inputs,
                         Shape result_shape, DataType result_dtype = DataType::kFloat32,
                         Attrs attrs = {}) {
  ProgramBuilder b;
  std::vector<uint32_t> ids;
  for (const HostTensor& t : inputs) ids.push_back(b.input(t.shape(), t.dtype()));
  b.output(b.op(name, ids, std::move(result_shape), result_dtype, std::move(attrs)));
  return run_single(b, inputs);
}

inline std::vector<int64_t> ints(std::initializer_list<int64_t> v) { return v; }

// Relative precision of a value stored in `dtype` (half its unit in the last place).
inline double precision_of(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32:
      return 0x1p-24;
    case DataType::kBFloat16:
      return 0x1p-8;
    case DataType::kFloat16:
      return 0x1p-11;
    default:
      return 1e-12;
  }
}

// Expects `actual` to hold `expected` values and the given shape: within `tol` if given, else
// within the rounding of actual's dtype (interpreter results are stored in their dtype).
inline void expect_values(const HostTensor& actual, const Shape& shape,
                          const std::vector<double>& expected, double tol = -1) {
  ASSERT_EQ(actual.shape(), shape);
  ASSERT_EQ(actual.volume(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    const double bound =
        tol >= 0 ? tol : std::max(1e-12, precision_of(actual.dtype()) * std::abs(expected[i]));
    EXPECT_NEAR(actual.at(static_cast<int64_t>(i)), expected[i], bound) << "element " << i;
  }
}

using meshrt::testing::expect_error;

}  // namespace meshrt::reference::testing
