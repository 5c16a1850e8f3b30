// Device ops and host transfers. Collectives are in cost_model_ccl.cpp.
#include <algorithm>
#include <cmath>

#include "meshrt/report/cost_model.hpp"

namespace meshrt::report {

namespace {

double padded_volume(const Shape& shape, bool tile, double tile_dim) {
  double v = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    double d = static_cast<double>(shape[i]);
    if (tile && i + 2 >= shape.size()) d = std::ceil(d / tile_dim) * tile_dim;
    v *= d;
  }
  return v;
}

// Tiles of the output (32x32 blocks of its last two dims, times the batch dims).
double output_tiles(const binary::TensorDesc& out, double tile_dim) {
  return padded_volume(out.shape, true, tile_dim) / (tile_dim * tile_dim);
}

uint64_t round_up_ns(double ns) {
  if (ns <= 0) return 0;
  return static_cast<uint64_t>(std::ceil(ns - 1e-9));
}

int64_t dim_or_1(const Shape& s, int64_t from_end) {
  int64_t i = static_cast<int64_t>(s.size()) - from_end;
  return i >= 0 ? s[static_cast<size_t>(i)] : 1;
}

}  // namespace

double tensor_device_bytes(const binary::TensorDesc& desc, const CostParams& params) {
  const Shape& shape = desc.presharded && !desc.local_shape.empty() ? desc.local_shape : desc.shape;
  return padded_volume(binary::storage_shape(shape, desc.layout), binary::is_tiled(desc.layout),
                       params.tile_dim) *
         static_cast<double>(element_size(desc.dtype));
}

double op_flops(const binary::Op& op, std::span<const binary::TensorDesc* const> in,
                std::span<const binary::TensorDesc* const> out) {
  if (op_family(op.name) != OpFamily::kMatmul || in.size() < 2 || out.empty()) return 0;
  const Shape& a = in[0]->shape;
  const Shape& b = in[1]->shape;
  double k = 1;
  if (op.name == "dot_general") {
    if (op.has_attr("contract_dims_lhs")) {
      for (int64_t d : op.ints_attr("contract_dims_lhs")) {
        if (d >= 0 && static_cast<size_t>(d) < a.size()) k *= static_cast<double>(a[d]);
      }
    }
  } else if (op.name == "matmul" || op.name == "linear") {
    k = static_cast<double>(op.bool_attr_or("transpose_a", false) ? dim_or_1(a, 2)
                                                                  : dim_or_1(a, 1));
  } else if (op.name == "sparse_matmul") {
    // Every block counted (the cost model sees shapes, not which blocks the sparsity skips).
    k = static_cast<double>(dim_or_1(b, 2));
  } else if (op.name == "topk_router_gpt") {
    return 2.0 * static_cast<double>(volume(a)) * static_cast<double>(dim_or_1(b, 1));
  } else if (op.name == "moe_compute") {
    // Each result row (a token slot come home) is one token through one expert: three
    // products of H x N (w0 [L, E, H, N]); on average a chip computes as many as it receives
    // (the routing itself is data the model does not see).
    if (in.size() < 5) return 0;
    const double n = static_cast<double>(dim_or_1(in[4]->shape, 1));
    return 2.0 * 3.0 * static_cast<double>(volume(out[0]->shape)) * n;
  } else if (op.name == "sdpa_fw") {
    // Per score Q.K^T (D) and P.V (Dv); the result rows are Dv wide.
    const double d = static_cast<double>(dim_or_1(a, 1)), scores = static_cast<double>(dim_or_1(a, 2));
    const double dv = static_cast<double>(std::max<int64_t>(dim_or_1(out[0]->shape, 1), 1));
    k = scores * (d + dv) / dv;
  } else if (op.name == "sdpa_bw") {
    // Per score: Q.K^T again (D), dP = dO.V^T and dV (Dv each), dQ and dK (D each); the first
    // result (dQ) rows are D wide.
    if (in.size() < 5) return 0;
    const double d = static_cast<double>(std::max<int64_t>(dim_or_1(in[2]->shape, 1), 1));
    const double dv = static_cast<double>(dim_or_1(in[4]->shape, 1));
    k = static_cast<double>(dim_or_1(a, 2)) * (3 * d + 2 * dv) / d;
  } else if (op.name.find("attention") != std::string::npos) {
    // Q.K^T then P.V: each result row meets kv_len keys of size D and values of size Dv (paged:
    // the page table's blocks per user times the block size; a chunk's causal prefix is not
    // known before it runs, so every paged position counts).
    int table = -1;
    if (op.name == "paged_flash_multi_latent_attention_decode")
      table = op.segment_operands(7)[3];
    else if (op.name.rfind("paged_", 0) == 0 || op.name.rfind("chunked_", 0) == 0)
      table = 3;
    const bool paged = table >= 0 && in.size() > static_cast<size_t>(table);
    const double kv_len =
        static_cast<double>(dim_or_1(b, 2)) *
        (paged ? static_cast<double>(dim_or_1(in[static_cast<size_t>(table)]->shape, 1)) : 1.0);
    const double value_dim = static_cast<double>(std::max<int64_t>(dim_or_1(out[0]->shape, 1), 1));
    k = kv_len * (static_cast<double>(dim_or_1(b, 1)) + value_dim) / value_dim;
  } else {  // convolutions: weight [out_ch, in_ch / groups, kh, kw]
    if (!b.empty() && b[0] > 0) k = static_cast<double>(volume(b)) / static_cast<double>(b[0]);
  }
  return 2.0 * static_cast<double>(volume(out[0]->shape)) * k;
}

double peak_flops(const ChipDesc& chip, DataType dtype) {
  double peak = chip.matmul_tflops_bf16 * 1e12;
  if (dtype == DataType::kFloat32 || dtype == DataType::kFloat64) peak /= 2.0;
  return peak;
}

OpCost model_device_op(const binary::Op& op, std::span<const binary::TensorDesc* const> in,
                       std::span<const binary::TensorDesc* const> out, const ChipDesc& chip,
                       const CostParams& params) {
  OpCost c;
  c.family = op_family(op.name);
  double bytes = 0;
  if (c.family != OpFamily::kCreation) {
    for (const auto* d : in) bytes += tensor_device_bytes(*d, params);
  }
  for (const auto* d : out) bytes += tensor_device_bytes(*d, params);
  const double cores = static_cast<double>(chip.grid_x) * chip.grid_y;
  double tiles = 0;
  for (const auto* d : out) tiles += output_tiles(*d, params.tile_dim);
  const double used = std::clamp(std::ceil(tiles), 1.0, cores);
  c.core_count = static_cast<uint32_t>(used);
  // DRAM bandwidth, unless too few cores are busy to draw it over the NoC.
  const double bw = std::min(chip.dram_bandwidth_gbs,
                             used * params.noc_bytes_per_cycle * chip.clock_ghz);  // GB/s = B/ns
  c.memory_ns = bw > 0 ? bytes / bw : 0;
  double fixed_ns = 0;
  if (c.family == OpFamily::kMatmul) {
    const ArchCalibration& cal = arch_calibration(chip.arch);
    const double flops = op_flops(op, in, out);
    const DataType dt = in.empty() ? DataType::kBFloat16 : in[0]->dtype;
    // FLOP/s the busy cores reach
    const double rate = peak_flops(chip, dt) * used / cores * cal.matmul_efficiency;
    c.compute_ns = rate > 0 ? flops / rate * 1e9 : 0;
    fixed_ns = cal.matmul_fixed_ns;
  }
  c.duration_ns = round_up_ns(fixed_ns + std::max(c.compute_ns, c.memory_ns));
  return c;
}

OpCost model_host_transfer(double bytes_moved, const CostParams& params) {
  OpCost c;
  c.family = OpFamily::kHostTransfer;
  c.link_ns = params.pcie_bandwidth_gbs > 0 ? bytes_moved / params.pcie_bandwidth_gbs : 0;
  c.duration_ns = round_up_ns(c.link_ns);
  return c;
}

}  // namespace meshrt::report
