// ttir.rearrange: the parser's resolution of einops patterns into elementary axes (axes_shape,
// in input order) and their result order (axes_permutation), worked out by hand per pattern,
// and the errors of patterns that cannot describe their shapes.
#include <gtest/gtest.h>

#include <string>

#include "common/expect_error.hpp"
#include "meshrt/compiler/parser.hpp"

namespace meshrt::compiler::testing {
namespace {

using meshrt::testing::expect_error;

std::string tensor(const std::string& shape) { return "tensor<" + shape + "xf32>"; }

binary::Op parse_rearrange(const std::string& pattern, const std::string& in,
                           const std::string& out) {
  const std::string text = "func.func @f(%a: " + tensor(in) + ") -> " + tensor(out) +
                           " {\n  %r = \"ttir.rearrange\"(%a) <{pattern = \"" + pattern +
                           "\"}> : (" + tensor(in) + ") -> " + tensor(out) +
                           "\n  return %r : " + tensor(out) + "\n}\n";
  const binary::Binary b = parse_mlir(text, ParseOptions{"r.mlir", std::nullopt});
  return b.programs.at(0).ops.at(0);
}

struct Case {
  const char* pattern;
  const char* in;
  const char* out;
  std::vector<int64_t> axes_shape;
  std::vector<int64_t> axes_permutation;
};

TEST(Rearrange, PatternsResolveToAxesAndTheirOrder) {
  const Case cases[] = {
      {"h w -> w h", "2x3", "3x2", {2, 3}, {1, 0}},
      {"b c h w -> b c (h w)", "1x3x4x5", "1x3x20", {1, 3, 4, 5}, {0, 1, 2, 3}},
      // h and w split 12: w from the result's dim 2, h from dim 3.
      {"b (h w) c -> c b w h", "2x12x4", "4x2x4x3", {2, 3, 4, 4}, {3, 0, 2, 1}},
      // One unknown in a group: h = 12 / w, w known from the input's own dim.
      {"b (h w) w2 -> b h (w w2)", "2x12x5", "2x4x15", {2, 4, 3, 5}, {0, 1, 2, 3}},
      {"... h w -> ... w h", "2x3x4x8", "2x3x8x4", {2, 3, 4, 8}, {0, 1, 3, 2}},
      {"a 1 b -> b () a", "4x1x8", "8x1x4", {4, 8}, {1, 0}},
  };
  int checked = 0;
  for (const Case& c : cases) {
    const binary::Op op = parse_rearrange(c.pattern, c.in, c.out);
    EXPECT_EQ(op.ints_attr("axes_shape"), c.axes_shape) << c.pattern;
    EXPECT_EQ(op.ints_attr("axes_permutation"), c.axes_permutation) << c.pattern;
    checked += 2;
  }
  EXPECT_EQ(checked, 12);
}

TEST(Rearrange, PatternsThatCannotDescribeTheirShapesAreRefused) {
  const struct {
    const char* pattern;
    const char* in;
    const char* out;
    const char* fragment;
  } bad[] = {
      {"h w w -> w h", "2x3x3", "3x2", "axis 'w' appears twice on the input side"},
      {"h w -> w", "2x3", "3", "axis 'h' is on the input side only"},
      {"h -> h w", "2", "2x3", "axis 'w' is on the result side only"},
      {"h w -> (w h", "2x3", "6", "'(' without ')'"},
      {"h w w2", "2x3x4", "2x3x4", "needs exactly one '->'"},
      {"h w -> w h", "2x3x4", "3x2", "the input side has 2 dims but the input has rank 3"},
      {"(h w) -> (w h)", "12", "12", "the size of axis 'h' cannot be told from the shapes"},
      {"(h w) c -> h (w c)", "12x3", "5x7", "a dim of size 7 does not divide by 3 (axis 'w')"},
      {"h w -> (h w)", "2x3", "7", "(h w) has 6 elements but its dim has size 7"},
      {"... h -> h", "2x3", "3", "'...' on one side only"},
      {"h 2 -> h", "3x2", "3", "'2' is not an axis name"},
  };
  int checked = 0;
  for (const auto& b : bad) {
    expect_error([&] { parse_rearrange(b.pattern, b.in, b.out); }, ErrorCode::kInvalidArgument,
                 std::vector<std::string>{"r.mlir:2:", "ttir.rearrange", b.fragment});
    ++checked;
  }
  EXPECT_EQ(checked, 11);
}

}  // namespace
}  // namespace meshrt::compiler::testing
