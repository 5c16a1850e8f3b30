#include "meshrt/binary/binary_io.hpp"

#include <gtest/gtest.h>

#include "common/expect_error.hpp"

#include "meshrt/common/error.hpp"

namespace meshrt::binary {
namespace {

Binary sample() {
  Binary b;
  b.version = current_version();
  b.schema_hash = current_schema_hash();
  b.mlir_source = "func.func @f() {}";
  b.source_path = "f.mlir";
  Program p;
  p.name = "forward";
  p.mesh_shape = MeshShape{2, 4};
  TensorDesc in;
  in.shape = {1, 1, 32, 128};
  in.dtype = DataType::kBFloat16;
  in.presharded = true;
  in.local_shape = {1, 1, 32, 32};
  in.name = "x";
  in.argument_type = "input";
  TensorDesc out;
  out.shape = {1, 1, 32, 128};
  p.values = {in, out};
  p.inputs = {0};
  p.outputs = {1};
  Op op;
  op.name = "all_gather";
  op.loc = "ag0";
  op.debug_str = "\"ttir.all_gather\"(%0)";
  op.operands = {0};
  op.results = {1};
  op.frees = {};
  op.attrs["all_gather_dim"] = int64_t{3};
  op.attrs["cluster_axis"] = int64_t{1};
  op.attrs["flag"] = true;
  op.attrs["eps"] = 1e-5;
  op.attrs["kind"] = std::string("sum");
  op.attrs["dims"] = std::vector<int64_t>{-1, 3};
  op.attrs["scales"] = std::vector<double>{0.5, 2.0};
  op.attrs["value"] = DenseElements{{2, 2}, DataType::kFloat32, {1, 2, 3, 4}};
  p.ops.push_back(op);
  b.programs.push_back(p);
  ProgramGoldens g;
  g.seed = 7;
  g.init = InitKind::kArange;
  Golden gold;
  gold.loc = "output_0";
  gold.device_id = 3;
  gold.tensor = HostTensor::from_doubles({2, 2}, DataType::kFloat32, {1.5, -2, 3, 4});
  g.goldens.push_back(gold);
  b.goldens.push_back(g);
  return b;
}

TEST(BinaryIo, RoundTripKeepsEverything) {
  Binary in = sample();
  std::vector<uint8_t> bytes = serialize(in);
  ASSERT_TRUE(looks_like_binary(bytes));
  Binary out = deserialize(bytes, "mem");
  EXPECT_EQ(out.version, in.version);
  EXPECT_EQ(out.mlir_source, in.mlir_source);
  ASSERT_EQ(out.programs.size(), 1u);
  const Program& p = out.programs[0];
  EXPECT_EQ(p.name, "forward");
  EXPECT_EQ(p.mesh_shape, (MeshShape{2, 4}));
  EXPECT_TRUE(p.values[0].presharded);
  EXPECT_EQ(p.values[0].local_shape, (Shape{1, 1, 32, 32}));
  EXPECT_EQ(p.values[0].dtype, DataType::kBFloat16);
  EXPECT_EQ(p.values[0].name, "x");
  const Op& op = p.ops[0];
  EXPECT_EQ(op.attrs, in.programs[0].ops[0].attrs);
  EXPECT_EQ(op.int_attr("all_gather_dim"), 3);
  EXPECT_EQ(op.ints_attr("dims"), (std::vector<int64_t>{-1, 3}));
  EXPECT_EQ(op.string_attr("kind"), "sum");
  ASSERT_EQ(out.goldens.size(), 1u);
  EXPECT_EQ(out.goldens[0].seed, 7u);
  EXPECT_EQ(out.goldens[0].init, InitKind::kArange);
  EXPECT_EQ(out.goldens[0].goldens[0].tensor, in.goldens[0].goldens[0].tensor);
  EXPECT_EQ(out.goldens[0].goldens[0].device_id, 3u);
}

// Deserializing `bytes` fails with `code`, naming the file and `needle`.
void expect_error(std::span<const uint8_t> bytes, ErrorCode code, const std::string& needle) {
  testing::expect_error([&] { deserialize(bytes, "bad.ttnn"); }, code, {needle, "bad.ttnn"});
}

TEST(BinaryIo, TruncatedBinaryIsRejected) {
  std::vector<uint8_t> bytes = serialize(sample());
  for (size_t keep : {size_t{0}, size_t{5}, size_t{11}, bytes.size() / 2, bytes.size() - 1}) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + keep);
    expect_error(cut, ErrorCode::kInvalidArgument, keep < 12 ? "too short" : "truncated");
  }
}

TEST(BinaryIo, RandomBytesAreRejected) {
  std::vector<uint8_t> junk(4096);
  uint32_t x = 12345;
  for (auto& c : junk) c = static_cast<uint8_t>((x = x * 1103515245u + 12345u) >> 24);
  expect_error(junk, ErrorCode::kInvalidArgument, "not a meshrt binary");
}

TEST(BinaryIo, CorruptedBodyIsRejectedNotCrashing) {
  std::vector<uint8_t> bytes = serialize(sample());
  int rejected = 0;
  for (size_t pos = 12; pos < bytes.size(); pos += 7) {
    std::vector<uint8_t> bad = bytes;
    bad[pos] ^= 0xff;
    try {
      deserialize(bad, "bad.ttnn");
    } catch (const Error& e) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0);  // offsets and lengths get corrupted somewhere: caught, no crash
}

TEST(BinaryIo, VersionMismatchNeedsIgnoreVersion) {
  Binary b = sample();
  b.version.major += 1;
  std::vector<uint8_t> bytes = serialize(b);
  expect_error(bytes, ErrorCode::kIncompatible, "--ignore-version");
  LoadOptions ignore;
  ignore.ignore_version = true;
  EXPECT_EQ(deserialize(bytes, "x", ignore).version.major, b.version.major);
  Binary h = sample();
  h.schema_hash = "deadbeef";
  expect_error(serialize(h), ErrorCode::kIncompatible, "schema hash");
}

TEST(BinaryIo, DanglingValueIdIsRejected) {
  Binary b = sample();
  b.programs[0].ops[0].operands = {42};
  expect_error(serialize(b), ErrorCode::kInvalidArgument, "value 42");
}

TEST(BinaryIo, MissingFileIsNotFound) {
  testing::expect_error([&] { load_binary_file("/nonexistent/x.ttnn"); }, ErrorCode::kNotFound,
                        "/nonexistent/x.ttnn");
}

}  // namespace
}  // namespace meshrt::binary
