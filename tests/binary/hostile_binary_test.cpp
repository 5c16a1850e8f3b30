// The binary loader against hostile bytes: the fuzzer's crash inputs, crafted claims (absent
// union values, huge shapes and meshes, inconsistent constants), every truncation and every
// single-byte corruption of a real binary. Each is a clear Error or a successful load, never a
// signal and never an allocation of a claimed size.
#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/expect_error.hpp"
#include "meshrt/binary/binary_io.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/schemas/binary_generated.h"

namespace meshrt::binary {
namespace {

namespace fbs = ::meshrt::fb;
using meshrt::testing::expect_error;

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return {std::istreambuf_iterator<char>(in), {}};
}

// A one-program binary written with the generated builder, so tests can set any field.
struct Crafted {
  fbs::AttrValue attr_type = fbs::AttrValue::IntAttr;
  bool attr_value = true;
  std::vector<int64_t> shape = {32, 32};
  uint32_t mesh_rows = 1, mesh_cols = 1;
  std::vector<int64_t> dense_shape = {2, 2};
  std::vector<double> dense_values = {1, 2, 3, 4};
  uint8_t layout = 1;

  std::vector<uint8_t> bytes() const {
    flatbuffers::FlatBufferBuilder b;
    flatbuffers::Offset<void> value;
    if (attr_value) {
      switch (attr_type) {
        case fbs::AttrValue::BoolAttr:
          value = fbs::CreateBoolAttr(b, true).Union();
          break;
        case fbs::AttrValue::IntAttr:
          value = fbs::CreateIntAttr(b, 3).Union();
          break;
        case fbs::AttrValue::FloatAttr:
          value = fbs::CreateFloatAttr(b, 0.5).Union();
          break;
        case fbs::AttrValue::StringAttr:
          value = fbs::CreateStringAttr(b, b.CreateString("sum")).Union();
          break;
        case fbs::AttrValue::IntArrayAttr:
          value = fbs::CreateIntArrayAttr(b, b.CreateVector(std::vector<int64_t>{1})).Union();
          break;
        case fbs::AttrValue::FloatArrayAttr:
          value = fbs::CreateFloatArrayAttr(b, b.CreateVector(std::vector<double>{1})).Union();
          break;
        default:
          value = fbs::CreateDenseAttr(b, b.CreateVector(dense_shape), fbs::DataType::Float32,
                                       b.CreateVector(dense_values))
                      .Union();
      }
    }
    auto attr = fbs::CreateNamedAttr(b, b.CreateString("dim"), attr_type, value);
    std::vector<flatbuffers::Offset<fbs::NamedAttr>> attrs{attr};
    auto op = fbs::CreateOp(b, b.CreateString("relu"), b.CreateString("relu0"), 0,
                            b.CreateVector(std::vector<uint32_t>{0}),
                            b.CreateVector(std::vector<uint32_t>{1}), b.CreateVector(attrs));
    std::vector<flatbuffers::Offset<fbs::TensorDesc>> values;
    for (int i = 0; i < 2; ++i) {
      values.push_back(fbs::CreateTensorDesc(b, b.CreateVector(shape), fbs::DataType::Float32,
                                             static_cast<fbs::Layout>(layout)));
    }
    fbs::MeshShape mesh(mesh_rows, mesh_cols);
    std::vector<flatbuffers::Offset<fbs::Op>> ops{op};
    auto program =
        fbs::CreateProgram(b, b.CreateString("main"), false, &mesh, b.CreateVector(values),
                           b.CreateVector(std::vector<uint32_t>{0}),
                           b.CreateVector(std::vector<uint32_t>{1}), b.CreateVector(ops));
    Version v = current_version();
    fbs::Version version(v.major, v.minor, v.patch);
    std::vector<flatbuffers::Offset<fbs::Program>> programs{program};
    auto root = fbs::CreateBinary(b, &version, b.CreateString(current_schema_hash()), 0, 0,
                                  b.CreateVector(programs));
    fbs::FinishSizePrefixedBinaryBuffer(b, root);
    return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
  }
};

void expect_rejected(const Crafted& c, const std::vector<std::string>& fragments) {
  std::vector<uint8_t> bytes = c.bytes();
  expect_error([&] { deserialize(bytes, "crafted.ttnn"); }, ErrorCode::kInvalidArgument, fragments);
}

TEST(HostileBinary, FuzzerCrashInputsAreClearErrors) {
  const std::string dir = std::string(MESHRT_SOURCE_DIR) + "/tests/binary/data/loader_crashes/";
  const std::vector<std::string> files = {"crash-1bbccb970678d74c230d8974c61084d7c6625c18",
                                          "crash-2a882747bd88f4ce006256fe0b0f0032108c6d97",
                                          "crash-3a17f66f6a544861c0dfb3e5d1cb9de5f7f659bf",
                                          "crash-9371f88dc7e037a5c5e721a49bb5357c05d4ad53",
                                          "crash-d683d54ae5e703f9890cb310a07963227b610cdd",
                                          "crash-d814a040f81ecc1e79425a2e5635926b4bc5cc4a",
                                          "crash-ee2d165fb3b19bbcb0107ad389ae40900896801c",
                                          "crash_boolattr.ttnn",
                                          "crash_intattr.ttnn",
                                          "min_intattr.ttnn"};
  size_t checked = 0;
  LoadOptions ignore;
  ignore.ignore_version = true;
  for (const std::string& f : files) {
    std::vector<uint8_t> bytes = read_bytes(dir + f);
    ASSERT_EQ(bytes.size(), 3976u) << f;
    // With the version check skipped every one reaches the corrupted part and names it.
    expect_error([&] { deserialize(bytes, f, ignore); }, ErrorCode::kInvalidArgument,
                 {f + ": corrupted binary: "});
    ++checked;
  }
  EXPECT_EQ(checked, 10u);
}

TEST(HostileBinary, UnionTypeWithoutValueIsNamed) {
  const std::vector<fbs::AttrValue> types = {
      fbs::AttrValue::BoolAttr,   fbs::AttrValue::IntAttr,      fbs::AttrValue::FloatAttr,
      fbs::AttrValue::StringAttr, fbs::AttrValue::IntArrayAttr, fbs::AttrValue::FloatArrayAttr,
      fbs::AttrValue::DenseAttr};
  for (fbs::AttrValue t : types) {
    Crafted c;
    c.attr_type = t;
    EXPECT_NO_THROW(deserialize(c.bytes(), "ok.ttnn")) << fbs::EnumNameAttrValue(t);
    c.attr_value = false;
    expect_rejected(c, {"crafted.ttnn: corrupted binary: program 'main' op 'relu' (relu0) "
                        "attribute 'dim' value is missing"});
  }
}

TEST(HostileBinary, HugeShapesAreRefusedBeforeAnythingIsSized) {
  Crafted c;
  c.shape = {int64_t{1} << 40, int64_t{1} << 40};
  expect_rejected(c, {"value 0 has shape", "more than 2^48 elements"});
  c.shape = {INT64_MAX, INT64_MAX, 2};  // the product wraps to a small number
  expect_rejected(c, {"value 0 has shape"});
  c.shape = {32, -1};
  expect_rejected(c, {"a negative dim"});
  c.shape = std::vector<int64_t>(40, 1);
  expect_rejected(c, {"rank 40"});
}

TEST(HostileBinary, ImpossibleMeshesAreRefused) {
  for (auto [rows, cols] : std::vector<std::pair<uint32_t, uint32_t>>{
           {0, 4}, {4, 0}, {70000, 1}, {65536, 65536}, {4096, 4096}}) {
    Crafted c;
    c.mesh_rows = rows;
    c.mesh_cols = cols;
    expect_rejected(c, {fmt::format("has a {}x{} mesh", rows, cols)});
  }
  Crafted ok;
  ok.mesh_rows = 64;
  ok.mesh_cols = 64;
  EXPECT_EQ(deserialize(ok.bytes(), "ok.ttnn").programs[0].mesh_shape.volume(), 4096u);
}

TEST(HostileBinary, ConstantsMustHoldTheirValues) {
  Crafted c;
  c.attr_type = fbs::AttrValue::DenseAttr;
  c.dense_values = {1, 2, 3};  // 3 values for a 2x2 constant
  expect_rejected(c, {"holds 3 values for shape 2x2"});
  c.dense_values = {7};  // a splat is fine
  EXPECT_NO_THROW(deserialize(c.bytes(), "splat.ttnn"));
  c.dense_shape = {int64_t{1} << 50};
  expect_rejected(c, {"more than 2^48 elements"});
}

TEST(HostileBinary, UnknownEnumCodesAreRefused) {
  Crafted c;
  c.layout = 7;
  expect_rejected(c, {"value 0 layout has code 7"});
}

TEST(HostileBinary, EveryTruncationIsAnError) {
  std::vector<uint8_t> bytes = Crafted{}.bytes();
  size_t errors = 0;
  for (size_t keep = 0; keep < bytes.size(); ++keep) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(keep));
    try {
      deserialize(cut, "cut.ttnn");
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      ++errors;
    }
  }
  EXPECT_EQ(errors, bytes.size());
}

TEST(HostileBinary, EverySingleByteCorruptionLoadsOrIsAnError) {
  std::vector<uint8_t> bytes = Crafted{}.bytes();
  size_t trials = 0, errors = 0;
  for (size_t pos = 0; pos < bytes.size(); ++pos) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
      std::vector<uint8_t> bad = bytes;
      bad[pos] ^= mask;
      ++trials;
      try {
        deserialize(bad, "flipped.ttnn");
      } catch (const Error&) {
        ++errors;
      }
    }
  }
  EXPECT_EQ(trials, 3 * bytes.size());
  EXPECT_GT(errors, bytes.size());  // most corruptions hit offsets, sizes or the identifier
}

}  // namespace
}  // namespace meshrt::binary
