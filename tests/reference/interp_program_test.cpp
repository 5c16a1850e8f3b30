// Reference interpreter: program driver (calls, hooks, sharing between devices, errors).
#include <algorithm>
#include <cmath>

#include "reference/interp_test_util.hpp"

namespace meshrt::reference::testing {
namespace {

using DT = DataType;

TEST(InterpProgram, CallRunsPrivateProgramAndHooksSeeItsOps) {
  ProgramBuilder callee(MeshShape{1, 2}, "double_it");
  uint32_t a = callee.input({2});
  callee.output(callee.op("add", {a, a}, {2}));
  callee.program().is_private = true;

  ProgramBuilder main(MeshShape{1, 2});
  uint32_t x = main.input({2});
  uint32_t c = main.op("call", {x}, {2}, DT::kFloat32, {{"callee", int64_t{1}}});
  main.output(main.op("neg", {c}, {2}));
  binary::Binary bin = main.binary();
  bin.programs.push_back(callee.program());

  std::vector<std::string> seen;
  InterpreterHooks hooks;
  hooks.post_op = [&](const binary::Op& op, const std::vector<DeviceTensors>& results) {
    seen.push_back(op.name);
    ASSERT_EQ(results.size(), 1u);
    ASSERT_EQ(results[0].size(), 2u);
  };
  auto out = interpret(bin, 0, {replicated(make_tensor({2}, {1, -3}), 2)}, hooks);
  expect_values(*out[0][1], {2}, {-2, 6});
  EXPECT_EQ(seen, (std::vector<std::string>{"add", "call", "neg"}));
}

TEST(InterpProgram, ReplicatedDevicesShareOneResult) {
  ProgramBuilder b(MeshShape{2, 4});
  uint32_t x = b.input({2});
  b.output(b.op("exp", {x}, {2}));
  auto out = interpret(b.binary(), 0, {replicated(make_tensor({2}, {0, 1}), 8)});
  for (uint32_t d = 1; d < 8; ++d) EXPECT_EQ(out[0][d].get(), out[0][0].get());
  expect_values(*out[0][3], {2}, {1, std::exp(1.0)});
}

TEST(InterpProgram, DistinctShardsAreComputedPerDevice) {
  ProgramBuilder b(MeshShape{1, 2});
  uint32_t x = b.presharded_input({2}, {1});
  b.output(b.op("multiply", {x, x}, {1}));
  DeviceTensors in = {std::make_shared<const HostTensor>(make_tensor({1}, {3})),
                      std::make_shared<const HostTensor>(make_tensor({1}, {-4}))};
  auto out = interpret(b.binary(), 0, {in});
  EXPECT_EQ(out[0][0]->at(0), 9);
  EXPECT_EQ(out[0][1]->at(0), 16);
}

TEST(InterpProgram, IntermediatesFeedLaterOpsAndOutputsSurvive) {
  ProgramBuilder b;
  uint32_t x = b.input({2});
  uint32_t t = b.op("add", {x, x}, {2});
  uint32_t u = b.op("multiply", {t, x}, {2});
  uint32_t unused = b.op("neg", {u}, {2});
  (void)unused;
  b.output(t);
  b.output(u);
  auto out = interpret(b.binary(), 0, {replicated(make_tensor({2}, {1, 2}))});
  expect_values(*out[0][0], {2}, {2, 4});
  expect_values(*out[1][0], {2}, {2, 8});
}

TEST(InterpProgram, UnsupportedOpNamesOpAndLoc) {
  ProgramBuilder b;
  uint32_t x = b.input({2});
  b.output(b.op("frobnicate", {x}, {2}));
  b.program().ops.back().loc = "model.py:42";
  expect_error(
      [&] {
        interpret(b.binary(), 0, {replicated(make_tensor({2}, {1, 2}))});
      },
      ErrorCode::kUnsupported, {"frobnicate", "model.py:42"});
}

TEST(InterpProgram, InputErrors) {
  ProgramBuilder b(MeshShape{1, 2});
  uint32_t x = b.input({2});
  b.output(b.op("neg", {x}, {2}));
  binary::Binary bin = b.binary();
  expect_error([&] { interpret(bin, 0, {}); }, ErrorCode::kInvalidArgument, {"takes 1 inputs"});
  expect_error(
      [&] {
        interpret(bin, 0, {replicated(make_tensor({2}, {1, 2}), 1)});
      },
      ErrorCode::kInvalidArgument, {"1 device tensors", "1x2"});
  expect_error(
      [&] {
        interpret(bin, 0, {replicated(make_tensor({3}, {1, 2, 3}), 2)});
      },
      ErrorCode::kInvalidArgument, {"shape 3", "expected 2"});
  expect_error([&] { interpret(bin, 5, {}); }, ErrorCode::kNotFound, {"program 5"});
}

TEST(InterpProgram, DanglingValueIdIsRejected) {
  ProgramBuilder b;
  uint32_t x = b.input({2});
  b.output(b.op("neg", {x}, {2}));
  b.program().ops.back().operands = {7};
  expect_error(
      [&] {
        interpret(b.binary(), 0, {replicated(make_tensor({2}, {1, 2}))});
      },
      ErrorCode::kInvalidArgument, {"neg", "value 7"});
}

TEST(InterpProgram, MissingAttributeNamesOp) {
  ProgramBuilder b;
  uint32_t x = b.input({2, 2});
  b.output(b.op("transpose", {x}, {2, 2}));
  expect_error(
      [&] {
        interpret(b.binary(), 0, {replicated(iota_tensor({2, 2}))});
      },
      ErrorCode::kInvalidArgument, {"transpose", "dim0"});
}

TEST(InterpProgram, RecursiveCallIsRejected) {
  ProgramBuilder b;
  uint32_t x = b.input({1});
  b.output(b.op("call", {x}, {1}, DT::kFloat32, {{"callee", int64_t{0}}}));
  expect_error([&] { interpret(b.binary(), 0, {replicated(make_tensor({1}, {1}))}); },
               ErrorCode::kInvalidArgument, {"call", "deeper"});
}

TEST(InterpProgram, SupportedOpListNamesFamilies) {
  std::vector<std::string> ops = interpreter_supported_ops();
  for (const char* name : {"add", "matmul", "mesh_shard", "all_gather", "conv2d", "call", "sum"}) {
    EXPECT_NE(std::find(ops.begin(), ops.end(), name), ops.end()) << name;
  }
  EXPECT_TRUE(std::is_sorted(ops.begin(), ops.end()));
}

}  // namespace
}  // namespace meshrt::reference::testing
