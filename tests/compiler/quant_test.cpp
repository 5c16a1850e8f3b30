// Quantized types and ops in the compiler: parsing of !quant.uniform element types into the
// storage dtype and the op attributes derived from them, the verifier's checks, and the
// reference interpreter's quantize / dequantize / requantize on small tensors whose expected
// values are worked out by hand in the comments.
#include <gtest/gtest.h>

#include <limits>

#include "reference/interp_test_util.hpp"
#include "meshrt/compiler/compile.hpp"
#include "meshrt/compiler/parser.hpp"
#include "meshrt/verify/verify.hpp"

namespace meshrt::compiler::testing {

using namespace meshrt::reference;
using namespace meshrt::reference::testing;
using namespace meshrt::verify;
namespace {

binary::Binary parse_text(const std::string& text) {
  return parse_mlir(text, ParseOptions{"q.mlir", std::nullopt});
}

// A module with one `ttir.requantize` from `in_type` to `out_type` (element types of 1x3x4).
std::string requantize_module(const std::string& in_type, const std::string& out_type) {
  const std::string in = "tensor<1x3x4x" + in_type + ">";
  const std::string out = "tensor<1x3x4x" + out_type + ">";
  return "func.func @f(%arg0: " + in + ") -> " + out + " {\n  %0 = \"ttir.requantize\"(%arg0) : (" +
         in + ") -> " + out + "\n  return %0 : " + out + "\n}\n";
}

// A module with one `ttir.quantize_unrolled` of a 1x3x4 f32 tensor into `out_type` elements.
std::string quantize_module(const std::string& out_type, const std::string& attrs = "",
                            const std::string& scale_shape = "1") {
  const std::string out = "tensor<1x3x4x" + out_type + ">";
  const std::string s = "tensor<" + scale_shape + "xf32>";
  const std::string z = "tensor<" + scale_shape + "xi32>";
  return "func.func @f(%arg0: tensor<1x3x4xf32>) -> " + out + " {\n" +
         "  %1 = \"ttir.constant\"() <{value = dense<0.5> : " + s + "}> : () -> " + s + "\n" +
         "  %2 = \"ttir.constant\"() <{value = dense<0> : " + z + "}> : () -> " + z + "\n" +
         "  %3 = \"ttir.quantize_unrolled\"(%arg0, %1, %2) " + attrs + " : (tensor<1x3x4xf32>, " +
         s + ", " + z + ") -> " + out + "\n  return %3 : " + out + "\n}\n";
}

const binary::Op& only_op(const binary::Binary& b, const std::string& name) {
  for (const binary::Op& op : b.programs.at(0).ops)
    if (op.name == name) return op;
  throw std::runtime_error("no op " + name);
}

std::vector<double> floats(const binary::Op& op, const std::string& key) {
  return std::get<std::vector<double>>(op.attrs.at(key));
}

TEST(QuantTypes, PerTensorScaleAndZeroPointBecomeRequantizeAttributes) {
  binary::Binary b = parse_text(
      requantize_module("!quant.uniform<i32:f32, 2.000000e-02>", "!quant.uniform<i32:f32, 0.1:5>"));
  const binary::Program& p = b.programs[0];
  EXPECT_EQ(p.values[p.inputs[0]].dtype, DataType::kInt32);
  EXPECT_EQ(p.values[p.outputs[0]].dtype, DataType::kInt32);
  const binary::Op& op = only_op(b, "requantize");
  EXPECT_EQ(floats(op, "in_scale"), std::vector<double>{0.02});
  EXPECT_EQ(op.ints_attr("in_zero_point"), std::vector<int64_t>{0});
  EXPECT_EQ(floats(op, "out_scale"), std::vector<double>{0.1});
  EXPECT_EQ(op.ints_attr("out_zero_point"), std::vector<int64_t>{5});
  EXPECT_EQ(op.int_attr("storage_min"), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(op.int_attr("storage_max"), std::numeric_limits<int32_t>::max());
  EXPECT_FALSE(op.has_attr("axis"));
  verify_and_annotate(b, "q.mlir");
}

TEST(QuantTypes, PerAxisScalesAndZeroPoints) {
  binary::Binary b = parse_text(
      requantize_module("!quant.uniform<i32:f32:1, {1.000000e-02:10,2.000000e-02:20,3.0e-02:-30}>",
                        "!quant.uniform<i32:f32:1, {0.5,0.25,1.0}>"));
  const binary::Op& op = only_op(b, "requantize");
  EXPECT_EQ(op.int_attr("axis"), 1);
  EXPECT_EQ(floats(op, "in_scale"), (std::vector<double>{0.01, 0.02, 0.03}));
  EXPECT_EQ(op.ints_attr("in_zero_point"), (std::vector<int64_t>{10, 20, -30}));
  EXPECT_EQ(floats(op, "out_scale"), (std::vector<double>{0.5, 0.25, 1.0}));
  EXPECT_EQ(op.ints_attr("out_zero_point"), (std::vector<int64_t>{0, 0, 0}));
  verify_and_annotate(b, "q.mlir");
}

TEST(QuantTypes, NarrowStorageTypesAndStorageRanges) {
  binary::Binary u8 = parse_text(quantize_module("!quant.uniform<u8:f32, 0.5:128>"));
  const binary::Program& p = u8.programs[0];
  EXPECT_EQ(p.values[p.outputs[0]].dtype, DataType::kUInt8);
  EXPECT_EQ(only_op(u8, "quantize_unrolled").int_attr("storage_min"), 0);
  EXPECT_EQ(only_op(u8, "quantize_unrolled").int_attr("storage_max"), 255);

  binary::Binary i16 = parse_text(quantize_module("!quant.uniform<i16<-100:100>:f32, 0.5>"));
  EXPECT_EQ(i16.programs[0].values[i16.programs[0].outputs[0]].dtype, DataType::kInt16);
  EXPECT_EQ(only_op(i16, "quantize_unrolled").int_attr("storage_min"), -100);
  EXPECT_EQ(only_op(i16, "quantize_unrolled").int_attr("storage_max"), 100);
  verify_and_annotate(i16, "q.mlir");
}

void expect_parse_error(const std::string& text, ErrorCode code,
                        const std::vector<std::string>& fragments) {
  expect_error([&] { parse_text(text); }, code, fragments);
}

TEST(QuantTypes, MalformedTypesAreRejectedWithWhatIsWrong) {
  expect_parse_error(quantize_module("!quant.uniform<i32:f32>"), ErrorCode::kInvalidArgument,
                     {"q.mlir:1:78:", "malformed quantized type", "expected ',' before the scale"});
  expect_parse_error(quantize_module("!quant.uniform<i32:f32, -0.5>"), ErrorCode::kInvalidArgument,
                     {"scale '-0.5' is not a positive finite number"});
  expect_parse_error(quantize_module("!quant.uniform<i32:i32, 0.5>"), ErrorCode::kInvalidArgument,
                     {"expressed type 'i32' is not a float type"});
  expect_parse_error(quantize_module("!quant.uniform<u8:f32, 0.5:300>"),
                     ErrorCode::kInvalidArgument,
                     {"zero point 300 is outside the storage range [0, 255]"});
  expect_parse_error(quantize_module("!quant.uniform<q32:f32, 0.5>"), ErrorCode::kInvalidArgument,
                     {"unknown storage type 'q32'"});
  expect_parse_error(quantize_module("!quant.uniform<i8:f32, 0.5>"), ErrorCode::kUnsupported,
                     {"unsupported storage type 'i8'"});
  expect_parse_error(quantize_module("!quant.any<i8:f32>"), ErrorCode::kUnsupported,
                     {"unsupported quantized type '!quant.any'"});
  expect_parse_error(quantize_module("!quant.uniform<i32:f32:1, 0.5>"), ErrorCode::kInvalidArgument,
                     {"per-axis quantized type needs a"});
  expect_parse_error(quantize_module("!quant.uniform<i16<5:-5>:f32, 0.5>"),
                     ErrorCode::kInvalidArgument, {"storage range [5, -5]"});
}

TEST(QuantTypes, PerAxisTypeMustMatchItsTensor) {
  expect_parse_error(quantize_module("!quant.uniform<i32:f32:1, {0.1,0.2}>"),
                     ErrorCode::kInvalidArgument,
                     {"per-axis quantized type has 2 scale(s) but dim 1 of "
                      "'tensor<1x3x4x!quant.uniform<i32:f32:1, {0.1,0.2}>>' has size 3"});
  expect_parse_error(quantize_module("!quant.uniform<i32:f32:3, {0.1,0.2,0.3}>"),
                     ErrorCode::kInvalidArgument,
                     {"quantization axis 3 is out of range", "rank 3"});
}

TEST(QuantTypes, RequantizeNeedsQuantizedTypes) {
  expect_parse_error(requantize_module("i32", "!quant.uniform<i32:f32, 0.1>"),
                     ErrorCode::kInvalidArgument,
                     {"'ttir.requantize' needs a quantized operand type, got 'i32'"});
  expect_parse_error(requantize_module("!quant.uniform<i32:f32:1, {0.1,0.2,0.3}>",
                                       "!quant.uniform<i32:f32:2, {0.1,0.2,0.3,0.4}>"),
                     ErrorCode::kInvalidArgument,
                     {"quantized along axis 1 but its result along axis 2"});
}

TEST(QuantVerify, ParameterCountsMustMatchTheAxis) {
  binary::Binary per_axis =
      parse_text(quantize_module("i32", "<{axis = 1 : i32}>", /*scale_shape=*/"2"));
  expect_error([&] { verify_and_annotate(per_axis, "q.mlir"); }, ErrorCode::kInvalidArgument,
               {"op 'quantize_unrolled'",
                "scale has 2 entries but dim 1 (the quantization "
                "axis) of 1x3x4 has size 3"});
  binary::Binary bad_axis =
      parse_text(quantize_module("i32", "<{axis = 3 : i32}>", /*scale_shape=*/"3"));
  expect_error([&] { verify_and_annotate(bad_axis, "q.mlir"); }, ErrorCode::kInvalidArgument,
               {"quantization axis 3 is out of range for rank 3"});
  binary::Binary per_tensor = parse_text(quantize_module("i32", "", /*scale_shape=*/"3"));
  expect_error([&] { verify_and_annotate(per_tensor, "q.mlir"); }, ErrorCode::kInvalidArgument,
               {"scale has 3 entries but a per-tensor quantization (no axis) takes 1"});
}

TEST(QuantVerify, QuantizeNeedsAnIntegerResult) {
  binary::Binary b = parse_text(quantize_module("f32"));
  expect_error([&] { verify_and_annotate(b, "q.mlir"); }, ErrorCode::kInvalidArgument,
               {"result must have an integer (storage) type, has f32"});
}

HostTensor f32(Shape shape, std::vector<double> v) { return make_tensor(std::move(shape), v); }
HostTensor i32(Shape shape, std::vector<double> v) {
  return make_tensor(std::move(shape), v, DataType::kInt32);
}

TEST(InterpQuant, QuantizeRoundsHalfToEvenAddsZeroPointAndClamps) {
  // x / 0.5 = 0.5, 1.5, 2.5, -0.5, -1.5, 6, 200, -200 -> half to even: 0, 2, 2, 0, -2, 6, 200,
  // -200; + 3 -> 3, 5, 5, 3, 1, 9, 203, -197; clamped to [-10, 100].
  HostTensor x = f32({8}, {0.25, 0.75, 1.25, -0.25, -0.75, 3, 100, -100});
  Attrs range = {{"storage_min", int64_t{-10}}, {"storage_max", int64_t{100}}};
  expect_values(run_op("quantize_unrolled", {x, f32({1}, {0.5}), i32({1}, {3})}, {8},
                       DataType::kInt32, range),
                {8}, {3, 5, 5, 3, 1, 9, 100, -10});
  // Without a storage range the result's dtype bounds it: u8 holds [0, 255].
  expect_values(
      run_op("quantize_unrolled", {x, f32({1}, {0.5}), i32({1}, {3})}, {8}, DataType::kUInt8), {8},
      {3, 5, 5, 3, 1, 9, 203, 0});
}

TEST(InterpQuant, PerAxisQuantizeAndDequantize) {
  // Axis 1: scales 1, 0.5, 0.25 and zero points 0, 10, -10 per column.
  // x / scale = [[1, 2, 4], [2.5, -2, 0.5]] -> [[1, 2, 4], [2, -2, 0]] -> + zp.
  HostTensor x = f32({2, 3}, {1, 1, 1, 2.5, -1, 0.125});
  HostTensor scale = f32({3}, {1, 0.5, 0.25});
  HostTensor zp = i32({3}, {0, 10, -10});
  Attrs axis = {{"axis", int64_t{1}}};
  HostTensor q = run_op("quantize_unrolled", {x, scale, zp}, {2, 3}, DataType::kInt32, axis);
  expect_values(q, {2, 3}, {1, 12, -6, 2, 8, -10});
  // (q - zp) * scale = [[1, 1, 1], [2, -1, 0]].
  expect_values(run_op("dequantize_unrolled", {q, scale, zp}, {2, 3}, DataType::kFloat32, axis),
                {2, 3}, {1, 1, 1, 2, -1, 0});
}

TEST(InterpQuant, DequantizePerTensor) {
  // (q - 1) * 0.25 for q = -3, 0, 7.
  expect_values(
      run_op("dequantize_unrolled", {i32({3}, {-3, 0, 7}), f32({1}, {0.25}), i32({1}, {1})}, {3},
             DataType::kFloat32),
      {3}, {-1, -0.25, 1.5});
}

TEST(InterpQuant, RequantizePerTensorAndPerAxis) {
  using V = std::vector<double>;
  using I = std::vector<int64_t>;
  // Scale 0.5 -> 1: q * 0.5 = 0.5, 1.5, 2.5, -0.5, -1.5 -> half to even 0, 2, 2, 0, -2.
  Attrs halve = {{"in_scale", V{0.5}},
                 {"out_scale", V{1.0}},
                 {"in_zero_point", I{0}},
                 {"out_zero_point", I{0}}};
  expect_values(run_op("requantize", {i32({5}, {1, 3, 5, -1, -3})}, {5}, DataType::kInt32, halve),
                {5}, {0, 2, 2, 0, -2});
  // Axis 0 of 2x2: row 0 (q - 0) * 1/2 + 5 = [1.5, 2] -> [2, 2] + 5 = 7, 7 -> clamp 6;
  // row 1 (q - 1) * 2/1 + 0 = [2, 4].
  Attrs per_axis = {{"in_scale", V{1, 2}},      {"out_scale", V{2, 1}},
                    {"in_zero_point", I{0, 1}}, {"out_zero_point", I{5, 0}},
                    {"axis", int64_t{0}},       {"storage_max", int64_t{6}}};
  expect_values(
      run_op("requantize", {i32({2, 2}, {3, 4, 2, 3})}, {2, 2}, DataType::kInt32, per_axis), {2, 2},
      {6, 6, 2, 4});
}

TEST(InterpQuant, WrongParameterCountIsAnError) {
  HostTensor x = f32({2, 3}, {0, 0, 0, 0, 0, 0});
  expect_error(
      [&] {
        run_op("quantize_unrolled", {x, f32({2}, {1, 1}), i32({1}, {0})}, {2, 3}, DataType::kInt32,
               {{"axis", int64_t{1}}});
      },
      ErrorCode::kInvalidArgument,
      {"quantize_unrolled", "scale has 2 values, the quantization axis 1 has size 3"});
}

TEST(QuantCompile, GoldensOfAQuantizeDequantizeRoundTrip) {
  // Quantize then dequantize with scale 2^-4: every randn input comes back within half a step.
  const std::string text = R"(
func.func @f(%arg0: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %1 = "ttir.constant"() <{value = dense<6.250000e-02> : tensor<1xf32>}> : () -> tensor<1xf32>
  %2 = "ttir.constant"() <{value = dense<3> : tensor<1xi32>}> : () -> tensor<1xi32>
  %3 = "ttir.quantize_unrolled"(%arg0, %1, %2) : (tensor<4x8xf32>, tensor<1xf32>, tensor<1xi32>) -> tensor<4x8x!quant.uniform<i32:f32, 6.250000e-02:3>>
  %4 = "ttir.dequantize_unrolled"(%3, %1, %2) : (tensor<4x8x!quant.uniform<i32:f32, 6.250000e-02:3>>, tensor<1xf32>, tensor<1xi32>) -> tensor<4x8xf32>
  return %4 : tensor<4x8xf32>
}
)";
  CompileOptions options;
  options.path = "roundtrip.mlir";
  binary::Binary b = compile_mlir(text, options);
  const binary::ProgramGoldens& g = b.goldens.at(0);
  const HostTensor* in = nullptr;
  const HostTensor* out = nullptr;
  for (const binary::Golden& golden : g.goldens) {
    if (golden.loc == "input_0") in = &golden.tensor;
    if (golden.loc == "output_0") out = &golden.tensor;
  }
  ASSERT_TRUE(in && out);
  for (int64_t i = 0; i < in->volume(); ++i)
    EXPECT_LE(std::abs(in->at(i) - out->at(i)), 0.03125 + 1e-7) << "element " << i;
}

}  // namespace
}  // namespace meshrt::compiler::testing
