// Device kernels of the KV-cache and transformer ops against hand-computed values.
#include <cmath>

#include "ops_test_util.hpp"

namespace meshrt::ops::testing {
namespace {

constexpr DataType F32 = DataType::kFloat32;
constexpr DataType BF16 = DataType::kBFloat16;
constexpr DataType I32 = DataType::kInt32;
using V = std::vector<double>;
using I = std::vector<int64_t>;
const double kLn3 = std::log(3.0);

void expect_near(const HostTensor& t, const V& expected, double tol) {
  V got = t.to_doubles();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], tol) << "element " << i;
}

TEST(Transformer, UpdateCacheWritesTokensAtPositions) {
  HostTensor cache({2, 1, 3, 2}, BF16);
  HostTensor token = tensor({1, 1, 2, 2}, BF16, {1, 2, 3, 4});
  HostTensor shared = tensor({1}, I32, {2});
  EXPECT_EQ(
      run1(make_op("update_cache"), {&cache, &token, &shared}, {2, 1, 3, 2}, BF16).to_doubles(),
      (V{0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 3, 4}));
  // One position per user; a position outside the cache is skipped.
  HostTensor per_user = tensor({2}, I32, {0, 7});
  EXPECT_EQ(
      run1(make_op("update_cache"), {&cache, &token, &per_user}, {2, 1, 3, 2}, BF16).to_doubles(),
      (V{1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  // Users along dim 0: [B, H, 1, D].
  HostTensor rows = tensor({2, 1, 1, 2}, BF16, {5, 6, 7, 8});
  EXPECT_EQ(
      run1(make_op("update_cache"), {&cache, &rows, &per_user}, {2, 1, 3, 2}, BF16).to_doubles(),
      (V{5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  expect_error(make_op("update_cache"), {&cache, &token, &shared}, {2, 1, 4, 2}, BF16,
               ErrorCode::kInvalidArgument, {"update_cache", "result shape mismatch"});
}

TEST(Transformer, FillAndPagedFillCache) {
  HostTensor cache({2, 2, 3, 1}, F32);
  HostTensor input = tensor({1, 2, 2, 1}, F32, {1, 2, 3, 4});
  EXPECT_EQ(run1(make_op("fill_cache", {{"batch_offset", int64_t{1}}}), {&cache, &input},
                 {2, 2, 3, 1}, F32)
                .to_doubles(),
            (V{0, 0, 0, 0, 0, 0, 1, 2, 0, 3, 4, 0}));
  HostTensor blocks({3, 1, 2, 1}, F32);
  HostTensor seq = tensor({1, 1, 3, 1}, F32, {1, 2, 3});
  HostTensor pages = tensor({2, 2}, I32, {0, 1, 2, 0});
  HostTensor user = tensor({1}, DataType::kInt64, {1});
  EXPECT_EQ(run1(make_op("paged_fill_cache"), {&blocks, &seq, &pages, &user}, {3, 1, 2, 1}, F32)
                .to_doubles(),
            (V{3, 0, 0, 0, 1, 2}));
  HostTensor no_user = tensor({1}, DataType::kInt64, {2});  // past the page table: no write
  EXPECT_EQ(run1(make_op("paged_fill_cache"), {&blocks, &seq, &pages, &no_user}, {3, 1, 2, 1}, F32)
                .to_doubles(),
            (V{0, 0, 0, 0, 0, 0}));
}

TEST(Transformer, AttentionPrefillAndDecode) {
  HostTensor q = tensor({1, 1, 2, 1}, F32, {1, 1});
  HostTensor k = tensor({1, 1, 2, 1}, F32, {0, kLn3});
  HostTensor v = tensor({1, 1, 2, 1}, F32, {10, 20});
  auto sdpa = [](bool causal) {
    return make_op("scaled_dot_product_attention", {{"is_causal", causal}, {"scale", 1.0}});
  };
  expect_near(run1(sdpa(false), {&q, &k, &v}, {1, 1, 2, 1}, F32), {17.5, 17.5}, 1e-4);
  expect_near(run1(sdpa(true), {&q, &k, &v}, {1, 1, 2, 1}, F32), {10, 17.5}, 1e-4);
  HostTensor mask = tensor({1, 1, 1, 2}, F32, {kLn3, 0});
  expect_near(run1(sdpa(false), {&q, &k, &v, &mask}, {1, 1, 2, 1}, F32), {15, 15}, 1e-4);
  // bf16: weights round to bf16 before P.V, the result to bf16 (17.5 is exact in bf16).
  HostTensor qb = tensor({1, 1, 2, 1}, BF16, {1, 1});
  HostTensor kb = tensor({1, 1, 2, 1}, BF16, {0, kLn3});
  HostTensor vb = tensor({1, 1, 2, 1}, BF16, {10, 20});
  expect_near(run1(sdpa(false), {&qb, &kb, &vb}, {1, 1, 2, 1}, BF16), {17.5, 17.5}, 0.2);

  HostTensor dq = tensor({1, 2, 1, 1}, F32, {1, 1});
  HostTensor dk = tensor({2, 1, 2, 1}, F32, {0, kLn3, 0, kLn3});
  HostTensor dv = tensor({2, 1, 2, 1}, F32, {10, 20, 10, 20});
  HostTensor pos = tensor({2}, I32, {0, 1});
  auto decode =
      make_op("scaled_dot_product_attention_decode",
              {{"is_causal", true}, {"scale", 1.0}, {"operandSegmentSizes", I{1, 1, 1, 0, 1, 0}}});
  expect_near(run1(decode, {&dq, &dk, &dv, &pos}, {1, 2, 1, 1}, F32), {10, 17.5}, 1e-4);
  expect_error(decode, {&dq, &dk, &dv, &pos}, {1, 2, 1, 2}, F32, ErrorCode::kInvalidArgument,
               {"scaled_dot_product_attention_decode", "result shape mismatch"});
}

TEST(Transformer, ConcatenateAndSplitHeads) {
  HostTensor x = tensor({1, 2, 2, 2}, BF16, {0, 1, 2, 3, 4, 5, 6, 7});
  EXPECT_EQ(run1(make_op("concatenate_heads"), {&x}, {1, 2, 4}, BF16).to_doubles(),
            (V{0, 1, 4, 5, 2, 3, 6, 7}));
  HostTensor fused = tensor({1, 2, 6}, F32, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  HostTensor qo({1, 1, 2, 2}, F32), ko({1, 1, 2, 2}, F32), vo({1, 1, 2, 2}, F32);
  std::vector<const HostTensor*> ins = {&fused};
  std::vector<HostTensor*> outs = {&qo, &ko, &vo};
  run_kernel(make_op("split_query_key_value_and_split_heads",
                     {{"num_heads", int64_t{1}}, {"transpose_key", true}}),
             ins, outs);
  EXPECT_EQ(qo.to_doubles(), (V{0, 1, 6, 7}));
  EXPECT_EQ(ko.to_doubles(), (V{2, 8, 3, 9}));
  EXPECT_EQ(vo.to_doubles(), (V{4, 5, 10, 11}));
  HostTensor query = tensor({1, 2, 2}, F32, {0, 1, 2, 3});
  HostTensor kv = tensor({1, 2, 4}, F32, {10, 11, 12, 13, 14, 15, 16, 17});
  ins = {&query, &kv};
  run_kernel(make_op("split_query_key_value_and_split_heads",
                     {{"num_heads", int64_t{1}}, {"transpose_key", false}}),
             ins, outs);
  EXPECT_EQ(qo.to_doubles(), (V{0, 1, 2, 3}));
  EXPECT_EQ(ko.to_doubles(), (V{10, 11, 14, 15}));
  EXPECT_EQ(vo.to_doubles(), (V{12, 13, 16, 17}));
  HostTensor wrong = tensor({1, 2, 5}, F32, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  ins = {&wrong};
  meshrt::testing::expect_error(
      [&] {
        run_kernel(make_op("split_query_key_value_and_split_heads", {{"num_heads", int64_t{1}}}),
                   ins, outs);
      },
      ErrorCode::kInvalidArgument, "do not split");
}

}  // namespace
}  // namespace meshrt::ops::testing
