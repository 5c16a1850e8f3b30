// Multi-device ops: mesh_shard, all_gather, reduce_scatter, all_reduce, collective_permute,
// mesh_partition, distributed_rms_norm, all_reduce_async, collective_broadcast, all_to_all.
// Shapes are per device, as the TTIR types say.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "meshrt/common/error.hpp"
#include "verify_util.hpp"

namespace meshrt::verify::detail {

namespace {

uint32_t cluster_axis(const OpChecker& c) {
  int64_t axis = c.int_attr("cluster_axis");
  if (axis != 0 && axis != 1) c.fail(fmt::format("cluster_axis must be 0 or 1, got {}", axis));
  return static_cast<uint32_t>(axis);
}

void check_reduce_type(const OpChecker& c) {
  std::string type = c.string_attr("reduce_type");
  if (type != "sum" && type != "mean" && type != "max" && type != "min") {
    c.fail(fmt::format("reduce_type must be sum, mean, max or min, got '{}'", type));
  }
}

void check_mesh_shard(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  std::string type = c.string_attr("shard_type");
  std::string direction = c.string_attr("shard_direction");
  if (direction != "full_to_shard" && direction != "shard_to_full") {
    c.fail(
        fmt::format("shard_direction must be full_to_shard or shard_to_full, got '{}'", direction));
  }
  std::vector<int64_t> shard_shape = c.ints_attr("shard_shape");
  if (type == "replicate") {
    c.expect_result_shape(c.in(0));
    return;
  }
  if (type == "identity") {
    // Presharded data: the declared types are either both the local shape, or the full shape
    // on one side and full / shard_shape on the other.
    if (c.out() == c.in(0)) return;
    bool to_shard = direction == "full_to_shard";
    Shape scaled = c.in(0);
    for (size_t d = 0; d < scaled.size() && d < shard_shape.size(); ++d) {
      if (shard_shape[d] <= 0 || (to_shard && scaled[d] % shard_shape[d] != 0)) {
        c.fail(fmt::format("shard_shape[{}] = {} does not divide dim {} of size {}", d,
                           shard_shape[d], d, scaled[d]));
      }
      scaled[d] = to_shard ? scaled[d] / shard_shape[d] : scaled[d] * shard_shape[d];
    }
    c.expect_result_shape(scaled);
    return;
  }
  if (type != "devices")
    c.fail(fmt::format("shard_type must be devices, replicate or identity, got '{}'", type));
  bool to_shard = direction == "full_to_shard";
  if (c.inferring()) {  // as tt-mlir types it: each dim divided (multiplied) by shard_shape
    Shape shape = c.in(0);
    if (shard_shape.size() != shape.size())
      c.fail(fmt::format("shard_shape has {} entries but the operand {} has rank {}",
                         shard_shape.size(), shape_to_string(shape), shape.size()));
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shard_shape[d] <= 0 || (to_shard && shape[d] % shard_shape[d] != 0))
        c.fail(fmt::format("shard_shape[{}] = {} does not divide dim {} of size {} (tensor {})",
                           d, shard_shape[d], d, shape[d], shape_to_string(shape)));
      shape[d] = to_shard ? shape[d] / shard_shape[d] : shape[d] * shard_shape[d];
    }
    c.expect_result_shape(shape);
    return;
  }
  const Shape& full = to_shard ? c.in(0) : c.out();
  const Shape& shard = to_shard ? c.out() : c.in(0);
  if (shard_shape.size() != full.size()) {
    c.fail(fmt::format("shard_shape has {} entries but the tensor {} has rank {}",
                       shard_shape.size(), shape_to_string(full), full.size()));
  }
  for (size_t d = 0; d < full.size(); ++d) {
    if (shard_shape[d] <= 0 || full[d] % shard_shape[d] != 0) {
      c.fail(fmt::format("shard_shape[{}] = {} does not divide dim {} of size {} (tensor {})", d,
                         shard_shape[d], d, full[d], shape_to_string(full)));
    }
  }
  // What each device really holds: tensor dim shard_dims[k] is split across mesh axis k.
  std::vector<int64_t> shard_dims =
      c.has("shard_dims") ? c.ints_attr("shard_dims") : std::vector<int64_t>{};
  if (shard_dims.size() > 2)
    c.fail(fmt::format("shard_dims has {} entries, a mesh has 2 axes", shard_dims.size()));
  Shape factor(full.size(), 1);
  for (size_t axis = 0; axis < shard_dims.size(); ++axis) {
    if (shard_dims[axis] < 0) continue;
    int64_t d = c.dim_index(shard_dims[axis], full.size(), fmt::format("shard_dims[{}]", axis));
    factor[d] *= c.mesh().axis_size(static_cast<uint32_t>(axis));
  }
  Shape expected = full;
  for (size_t d = 0; d < full.size(); ++d) {
    if (full[d] % factor[d] != 0) {
      c.fail(fmt::format("dim {} of size {} cannot be split into {} shards on a {} mesh", d,
                         full[d], factor[d], c.mesh().to_string()));
    }
    expected[d] = full[d] / factor[d];
  }
  // The declared shard must tile the full tensor; tt-mlir does not tie it to the mesh (the
  // corpus has files whose declared shard differs from the mesh split), so neither do we.
  if (shard.size() != full.size()) {
    c.fail(fmt::format("shard {} and full tensor {} differ in rank", shape_to_string(shard),
                       shape_to_string(full)));
  }
  for (size_t d = 0; d < full.size(); ++d) {
    bool split = factor[d] != 1 || shard_shape[d] != 1;
    if (shard[d] <= 0 || full[d] % shard[d] != 0 || (!split && shard[d] != full[d])) {
      c.fail(fmt::format(
          "{} shape {} does not tile {} in dim {} (mesh {} gives {}, shard_dims [{}])",
          to_shard ? "result" : "operand", shape_to_string(shard), shape_to_string(full), d,
          c.mesh().to_string(), shape_to_string(expected), fmt::join(shard_dims, ", ")));
    }
  }
}

void check_all_gather(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  uint32_t axis = cluster_axis(c);
  int64_t dim = c.dim_index(c.int_attr("all_gather_dim"), c.in(0).size(), "all_gather_dim");
  Shape expected = c.in(0);
  expected[dim] *= c.mesh().axis_size(axis);
  c.expect_result_shape(expected);
}

void check_reduce_scatter(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  check_reduce_type(c);
  uint32_t axis = cluster_axis(c);
  int64_t dim = c.dim_index(c.int_attr("scatter_dim"), c.in(0).size(), "scatter_dim");
  if (!c.inferring() && c.out().size() != c.in(0).size()) {
    c.fail(
        fmt::format("result rank {} differs from operand rank {}", c.out().size(), c.in(0).size()));
  }
  int64_t parts = c.mesh().axis_size(axis);
  if (c.in(0)[dim] % parts != 0) {
    c.fail(
        fmt::format("scatter_dim {} of size {} does not divide into {} parts along cluster_axis {}",
                    dim, c.in(0)[dim], parts, axis));
  }
  // tt-mlir only constrains the scattered dim; other dims are taken as declared (and inferred
  // as the operand's).
  if (c.inferring()) {
    Shape expected = c.in(0);
    expected[dim] /= parts;
    c.expect_result_shape(expected);
    return;
  }
  if (c.out()[dim] != c.in(0)[dim] / parts) {
    c.fail(fmt::format("result dim {} is {}, expected {} / {} = {}", dim, c.out()[dim],
                       c.in(0)[dim], parts, c.in(0)[dim] / parts));
  }
}

void check_all_reduce(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  check_reduce_type(c);
  cluster_axis(c);
  c.expect_result_shape(c.in(0));
}

void check_collective_permute(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  c.expect_result_shape(c.in(0));
  std::vector<int64_t> pairs = c.ints_attr("source_target_pairs");
  if (pairs.size() % 2 != 0) c.fail("source_target_pairs must hold (source, target) pairs");
  std::set<int64_t> sources, targets;
  for (size_t i = 0; i < pairs.size(); i += 2) {
    for (int64_t id : {pairs[i], pairs[i + 1]}) {
      if (id < 0 || id >= c.mesh().volume()) {
        c.fail(fmt::format("device {} in source_target_pairs is outside the {} mesh", id,
                           c.mesh().to_string()));
      }
    }
    if (!sources.insert(pairs[i]).second)
      c.fail(fmt::format("device {} is a source twice", pairs[i]));
    if (!targets.insert(pairs[i + 1]).second)
      c.fail(fmt::format("device {} is a target twice", pairs[i + 1]));
  }
}

void check_mesh_partition(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  uint32_t axis = cluster_axis(c);
  int64_t dim = c.dim_index(c.int_attr("dim"), c.in(0).size(), "dim");
  int64_t parts = c.mesh().axis_size(axis);
  if (c.in(0)[dim] % parts != 0) {
    c.fail(fmt::format("dim {} of size {} does not divide into {} parts along cluster_axis {}", dim,
                       c.in(0)[dim], parts, axis));
  }
  Shape expected = c.in(0);
  expected[dim] /= parts;
  c.expect_result_shape(expected);
}

void check_replica_groups(const OpChecker& c) {
  try {
    c.op.replica_groups();
  } catch (const meshrt::Error& e) {
    std::string m = e.what();
    c.fail(m.substr(m.find("replica_groups")));
  }
}

void check_collective_broadcast(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  check_replica_groups(c);
  c.expect_result_shape(c.in(0));
}

void check_all_to_all(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  check_replica_groups(c);
  const Shape& in = c.in(0);
  const int64_t split = c.dim_index(c.int_attr("split_dim"), in.size(), "split_dim");
  const int64_t concat = c.dim_index(c.int_attr("concat_dim"), in.size(), "concat_dim");
  const int64_t count = c.int_attr("split_count");
  const auto group = c.op.replica_groups().front().size();
  if (count != static_cast<int64_t>(group))
    c.fail(fmt::format("split_count {} is not the replica group size {}", count, group));
  if (count <= 0 || in[split] % count != 0)
    c.fail(
        fmt::format("split_count {} does not divide dim {} of size {}", count, split, in[split]));
  Shape expected = in;
  expected[split] /= count;
  expected[concat] *= count;
  c.expect_result_shape(expected);
}

// distributed_rms_norm (input, weight?, residual?), distributed_layer_norm (input, weight?,
// bias?, residual?).
void check_distributed_norm(const OpChecker& c) {
  const bool layer = c.op.name == "distributed_layer_norm";
  const size_t segments = layer ? 4 : 3;
  c.expect_operands(1, segments);
  c.expect_results(1);
  cluster_axis(c);
  c.expect_result_shape(c.in(0));
  std::vector<int> seg;
  try {
    seg = c.op.segment_operands(segments);
  } catch (const meshrt::Error& e) {
    std::string m = e.what();
    c.fail(m.substr(m.find("operandSegmentSizes")));
  }
  if (c.in(0).empty()) c.fail("input needs a last dim");
  for (size_t k = 1; k + 1 < segments; ++k) {  // weight (and bias)
    if (seg[k] >= 0 && volume(c.in(static_cast<size_t>(seg[k]))) != c.in(0).back())
      c.fail(fmt::format("{} of shape {} does not match the last dim {}",
                         k == 1 ? "weight" : "bias",
                         shape_to_string(c.in(static_cast<size_t>(seg[k]))), c.in(0).back()));
  }
  if (seg.back() >= 0 && c.in(static_cast<size_t>(seg.back())) != c.in(0))
    c.fail("residual shape differs from the input's");
}

}  // namespace

void add_ccl_checks(CheckTable& table) {
  table["distributed_rms_norm"] = check_distributed_norm;
  table["distributed_layer_norm"] = check_distributed_norm;
  table["all_reduce_async"] = check_all_reduce;
  table["collective_broadcast"] = check_collective_broadcast;
  table["all_to_all"] = check_all_to_all;
  table["mesh_shard"] = check_mesh_shard;
  table["all_gather"] = check_all_gather;
  table["reduce_scatter"] = check_reduce_scatter;
  table["all_reduce"] = check_all_reduce;
  table["collective_permute"] = check_collective_permute;
  table["mesh_partition"] = check_mesh_partition;
}

}  // namespace meshrt::verify::detail
