// Programs for the runtime API tests, compiled from TTIR text.
#pragma once

#include <string>

#include "meshrt/binary/binary_io.hpp"
#include "meshrt/compiler/compile.hpp"
#include "meshrt/reference/goldens.hpp"
#include "meshrt/runtime/golden_source.hpp"

namespace meshrt::test {

// The runtime API suites run as `ttrt` does, with the reference interpreter as the golden
// source (installed when the test executable starts).
inline const bool kReferenceGoldensInstalled = [] {
  runtime::set_golden_source(reference::goldens_for);
  return true;
}();

// mesh_shard (full_to_shard over both mesh axes) -> all_gather (axis 1) -> add -> shard_to_full.
inline std::string gather_add_mlir(uint32_t rows, uint32_t cols) {
  const uint32_t h = rows * 2, w = cols * 4;
  return "func.func @gather_add(%arg0: tensor<1x1x" + std::to_string(h) + "x" + std::to_string(w) +
         "xf32>) -> tensor<1x1x" + std::to_string(h) + "x" + std::to_string(w) +
         "xf32> {\n"
         "  %0 = \"ttir.mesh_shard\"(%arg0) <{shard_dims = array<i64: 2, 3>, shard_direction = "
         "#ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 1, " +
         std::to_string(rows) + ", " + std::to_string(cols) +
         ">, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x1x" + std::to_string(h) + "x" +
         std::to_string(w) +
         "xf32>) -> tensor<1x1x2x4xf32> loc(\"shard\")\n"
         "  %1 = \"ttir.all_gather\"(%0) <{all_gather_dim = 3 : si32, cluster_axis = 1 : ui32}> : "
         "(tensor<1x1x2x4xf32>) -> tensor<1x1x2x" +
         std::to_string(w) +
         "xf32> loc(\"gather\")\n"
         "  %2 = \"ttir.add\"(%1, %1) : (tensor<1x1x2x" +
         std::to_string(w) + "xf32>, tensor<1x1x2x" + std::to_string(w) +
         "xf32>) -> tensor<1x1x2x" + std::to_string(w) +
         "xf32> loc(\"add\")\n"
         "  %3 = \"ttir.mesh_shard\"(%2) <{shard_dims = array<i64: 2, -1>, shard_direction = "
         "#ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 1, 1, " +
         std::to_string(rows) +
         ", 1>, shard_type = #ttcore.shard_type<devices>}> : (tensor<1x1x2x" + std::to_string(w) +
         "xf32>) -> tensor<1x1x" + std::to_string(h) + "x" + std::to_string(w) +
         "xf32> loc(\"full\")\n"
         "  return %3 : tensor<1x1x" +
         std::to_string(h) + "x" + std::to_string(w) + "xf32>\n}\n";
}

inline std::vector<uint8_t> gather_add_binary(uint32_t rows, uint32_t cols) {
  compiler::CompileOptions o;
  o.path = "gather_add.mlir";
  o.mesh_override = MeshShape{rows, cols};
  o.seed = 7;
  return binary::serialize(compiler::compile_mlir(gather_add_mlir(rows, cols), o));
}

// x -> tanh(x @ x), `steps` times, on an n x n f32 tensor replicated on every chip of a
// rows x cols mesh: ops "m<i>" and "t<i>". Heavy for large n (timing of concurrent runs).
inline std::string matmul_chain_mlir(uint32_t n, uint32_t steps) {
  const std::string t = "tensor<" + std::to_string(n) + "x" + std::to_string(n) + "xf32>";
  std::string s = "func.func @main(%arg0: " + t + ") -> " + t + " {\n";
  std::string x = "%arg0";
  for (uint32_t i = 0; i < steps; ++i) {
    const std::string m = "%m" + std::to_string(i), h = "%t" + std::to_string(i);
    s += "  " + m + " = \"ttir.matmul\"(" + x + ", " + x + ") : (" + t + ", " + t + ") -> " + t +
         " loc(\"m" + std::to_string(i) + "\")\n";
    s += "  " + h + " = \"ttir.tanh\"(" + m + ") : (" + t + ") -> " + t + " loc(\"t" +
         std::to_string(i) + "\")\n";
    x = h;
  }
  return s + "  return " + x + " : " + t + "\n}\n";
}

inline std::vector<uint8_t> matmul_chain_binary(uint32_t rows, uint32_t cols, uint32_t n,
                                                uint32_t steps, bool goldens) {
  compiler::CompileOptions o;
  o.path = "matmul_chain.mlir";
  o.mesh_override = MeshShape{rows, cols};
  o.goldens = goldens;
  return binary::serialize(compiler::compile_mlir(matmul_chain_mlir(n, steps), o));
}

}  // namespace meshrt::test
