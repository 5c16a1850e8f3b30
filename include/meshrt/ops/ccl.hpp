// Data movement of collective ops, as pure functions on shards.
//
// The executor fetches the shards (possibly from other MPI ranks) and calls these; nothing
// here communicates. Reductions accumulate in f64 and round once into the output dtype.
// All functions are thread-safe (they only read their inputs and write `out`).
// Outputs are preallocated by the caller with the declared shape and dtype; a shape that does
// not match what the op implies throws Error(kInvalidArgument) naming the op and loc.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/mesh/mesh.hpp"
#include "meshrt/tensor/host_tensor.hpp"

namespace meshrt::ops {

// mesh_shard full_to_shard: the shard of `full` that `device` holds. shard_type "devices":
// device (r, c) holds piece r along tensor dim shard_dims[0] and piece c along shard_dims[1]
// (-1: not split along that mesh axis); a single-entry shard_dims [d] splits dim d over all
// devices in row-major order. "replicate" and "identity": a copy. `out` has the shard shape.
void shard_for_device(const binary::Op& op, const MeshShape& mesh, DeviceId device,
                      const HostTensor& full, HostTensor& out);

// mesh_shard shard_to_full: the devices whose shards rebuild the full tensor, one per distinct
// piece in row-major device order (along replicated mesh axes the first device).
std::vector<DeviceId> shards_needed_for_full(const binary::Op& op, const MeshShape& mesh);

// shards[i] is the shard of shards_needed_for_full(op, mesh)[i]. `out` has the full shape.
void assemble_full(const binary::Op& op, const MeshShape& mesh,
                   std::span<const HostTensor* const> shards, HostTensor& out);

// line = tensors of the devices along cluster_axis through the device, in line order
// (meshrt::line_through). Result: the line's tensors concatenated along all_gather_dim.
void all_gather(const binary::Op& op, std::span<const HostTensor* const> line, HostTensor& out);

// Reduces the line elementwise (reduce_type sum|mean|max|min) and keeps piece
// `index_in_line` of the result along scatter_dim.
void reduce_scatter(const binary::Op& op, std::span<const HostTensor* const> line,
                    uint32_t index_in_line, HostTensor& out);

// Reduces the line elementwise (reduce_type sum|mean|max|min).
void all_reduce(const binary::Op& op, std::span<const HostTensor* const> line, HostTensor& out);

// collective_permute: the device whose tensor `dst` receives (source_target_pairs), or
// nullopt when no pair targets `dst` (dst then holds zeros).
std::optional<DeviceId> permute_source(const binary::Op& op, DeviceId dst);

// mesh_partition(dim, cluster_axis): piece `index_in_line` of `in` along `dim`, the piece
// size being out's extent along dim.
void mesh_partition(const binary::Op& op, uint32_t index_in_line, const HostTensor& in,
                    HostTensor& out);

// all_to_all(split_dim, concat_dim, split_count, replica_groups): `group` holds the inputs of
// the devices of the receiving device's replica group, in group order; the device at
// `index_in_group` receives piece index_in_group (of split_count along split_dim) of each and
// concatenates them along concat_dim in group order.
void all_to_all(const binary::Op& op, std::span<const HostTensor* const> group,
                uint32_t index_in_group, HostTensor& out);

// distributed_rms_norm(input, weight?, residual?, cluster_axis, epsilon) and
// distributed_layer_norm(input, weight?, bias?, residual?, ...), in two steps around an exchange
// of statistics (only they cross chips, never the input):
//  1. distributed_norm_stats: on one chip, `summed` = input + residual (in the input dtype;
//     a copy of input without residual) and `stats` (f32, distributed_norm_stats_per_row values
//     per row of the last dim): the row's sum of squares, preceded by its sum for layer norm.
//  2. distributed_norm_apply: `line_stats` = stats of every chip along cluster_axis; each row
//     becomes (summed - mean) * rsqrt(var + epsilon) * weight + bias over the whole line's row
//     (rms: mean 0, var = mean of squares).
// `in` holds the op's operands in Op::operands order.
int64_t distributed_norm_stats_per_row(const binary::Op& op);
void distributed_norm_stats(const binary::Op& op, std::span<const HostTensor* const> in,
                            HostTensor& summed, HostTensor& stats);
void distributed_norm_apply(const binary::Op& op, std::span<const HostTensor* const> in,
                            const HostTensor& summed, std::span<const HostTensor* const> line_stats,
                            HostTensor& out);

}  // namespace meshrt::ops
