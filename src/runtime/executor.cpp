#include "meshrt/runtime/executor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "device_pool.hpp"
#include "golden_table.hpp"
#include "meshrt/binary/inputs.hpp"
#include "meshrt/catalog/op_catalog.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/common/timeouts.hpp"
#include "meshrt/compiler/compile.hpp"
#include "meshrt/device/tensor_bytes.hpp"
#include "meshrt/ops/ccl.hpp"
#include "meshrt/ops/moe.hpp"
#include "meshrt/ops/kernels.hpp"
#include "meshrt/runtime/memory_plan.hpp"
#include "perf_recorder.hpp"
#include "result_exchange.hpp"
#include "shard_exchange.hpp"

namespace meshrt::runtime {

namespace {

// A tensor resident on one simulated chip: its bytes plus the chip buffer accounting for them.
// The buffer is released when the last owner drops the shard.
struct DeviceShard {
  std::shared_ptr<const HostTensor> data;
  device::Device* device = nullptr;
  device::BufferHandle handle;
  DeviceShard() = default;
  DeviceShard(const DeviceShard&) = delete;
  DeviceShard& operator=(const DeviceShard&) = delete;
  ~DeviceShard() {
    if (!device) return;
    try {
      device->deallocate(handle);
    } catch (...) {
    }
  }
};

// A program value: a whole host tensor (controller only) and/or one shard per local chip.
struct Value {
  std::shared_ptr<const HostTensor> host;
  std::map<uint32_t, std::shared_ptr<DeviceShard>> shards;
  // On the devices, even on a rank that holds no chip of the mesh (a sub-mesh elsewhere).
  bool resident = false;
  bool on_device() const { return resident || !shards.empty(); }
};

GoldenDiff top_differences(const std::string& key, uint32_t device, const HostTensor& golden,
                           const HostTensor& got, uint32_t k) {
  GoldenDiff d;
  d.key = key;
  d.device_id = device;
  d.integer = !is_float(golden.dtype());
  std::vector<GoldenDiff::Entry> all(static_cast<size_t>(golden.volume()));
  for (int64_t i = 0; i < golden.volume(); ++i) {
    double g = golden.at(i), o = got.at(i);
    all[static_cast<size_t>(i)] = {g, o, std::fabs(g - o), i};
  }
  auto largest = [&](auto diff_of) {
    std::vector<GoldenDiff::Entry> v = all;
    for (auto& e : v) e.diff = diff_of(e);
    auto key_of = [](const GoldenDiff::Entry& e) { return std::isnan(e.diff) ? INFINITY : e.diff; };
    const size_t n = std::min<size_t>(k, v.size());
    std::partial_sort(v.begin(), v.begin() + static_cast<long>(n), v.end(),
                      [&](const auto& a, const auto& b) { return key_of(a) > key_of(b); });
    v.resize(n);
    return v;
  };
  d.absolute = largest([](const GoldenDiff::Entry& e) { return e.diff; });
  d.relative = largest([](const GoldenDiff::Entry& e) {
    return e.golden == 0 ? (e.diff == 0 ? 0.0 : INFINITY) : e.diff / std::fabs(e.golden);
  });
  return d;
}

class Executor {
 public:
  Executor(MeshContext& mesh, const binary::Binary& bin, const ExecOptions& options,
           const PostOpCallback& post_op, const GoldenTable* goldens, ProgramResult& result)
      : mesh_(mesh), bin_(bin), o_(options), post_op_(post_op), goldens_(goldens), r_(result) {}

  std::vector<Value> run(size_t program_index, std::vector<Value> inputs);

  std::vector<Value> make_inputs(size_t program_index);
  std::vector<Value> adopt_inputs(size_t program_index, const std::vector<TensorValue>& given);
  TensorValue collect(const binary::Program& program, uint32_t id, const Value& v);
  std::vector<std::unique_ptr<device::BufferHandle>> leaks;

 private:
  using Values = std::map<uint32_t, Value>;

  const Shape& device_shape(const binary::Program& p, uint32_t id) const {
    const binary::TensorDesc& d = p.values[id];
    return d.presharded ? binary::input_shape(d) : d.shape;
  }
  std::shared_ptr<DeviceShard> place(size_t local, std::shared_ptr<const HostTensor> data,
                                     const binary::TensorDesc& desc);
  // `zeroed`: false when the op writes every element (its fresh pages are then not cleared).
  std::shared_ptr<HostTensor> allocate_output(size_t local, const binary::TensorDesc& desc,
                                              std::shared_ptr<DeviceShard>& shard,
                                              bool zeroed = true);
  void ensure_on_device(const binary::Program& p, uint32_t id, Value& v);
  void run_device_op(const binary::Program& p, const binary::Op& op, Values& values);
  void run_mesh_shard(const binary::Program& p, const binary::Op& op, Values& values);
  void run_collective(const binary::Program& p, const binary::Op& op, Values& values);
  void run_distributed_norm(const binary::Program& p, const binary::Op& op, Values& values);
  void run_expert_parallel(const binary::Program& p, const binary::Op& op, Values& values);
  void run_call(const binary::Program& p, const binary::Op& op, Values& values);
  void after_op(const binary::Program& p, const binary::Op& op, Values& values);
  void perturb(std::shared_ptr<const HostTensor>& t);

  MeshContext& mesh_;
  const binary::Binary& bin_;
  const ExecOptions& o_;
  const PostOpCallback& post_op_;
  const GoldenTable* goldens_;
  ProgramResult& r_;
  uint64_t op_seq_ = 0;
  PerfRecorder perf_{mesh_, o_.fabric};  // modelled chip clocks and per-op perf rows
};

std::shared_ptr<DeviceShard> Executor::place(size_t local, std::shared_ptr<const HostTensor> data,
                                             const binary::TensorDesc& desc) {
  auto shard = std::make_shared<DeviceShard>();
  device::Device& dev = mesh_.device(local);
  const bool tile = binary::is_tiled(desc.layout);
  const Shape stored = binary::storage_shape(data->shape(), desc.layout);
  auto type =
      desc.buffer == binary::BufferType::kL1 ? device::BufferType::kL1 : device::BufferType::kDram;
  shard->handle = dev.allocate(type, device::tensor_device_bytes(stored, data->dtype(), tile),
                               device::tensor_page_bytes(stored, data->dtype(), tile));
  shard->device = &dev;
  shard->data = std::move(data);
  return shard;
}

// Reserves the chip buffer first, so a program that does not fit fails before host memory
// for its tensor is allocated.
std::shared_ptr<HostTensor> Executor::allocate_output(size_t local, const binary::TensorDesc& desc,
                                                      std::shared_ptr<DeviceShard>& shard,
                                                      bool zeroed) {
  shard = std::make_shared<DeviceShard>();
  device::Device& dev = mesh_.device(local);
  const bool tile = binary::is_tiled(desc.layout);
  const Shape stored = binary::storage_shape(desc.shape, desc.layout);
  auto type =
      desc.buffer == binary::BufferType::kL1 ? device::BufferType::kL1 : device::BufferType::kDram;
  shard->handle = dev.allocate(type, device::tensor_device_bytes(stored, desc.dtype, tile),
                               device::tensor_page_bytes(stored, desc.dtype, tile));
  shard->device = &dev;
  auto t = zeroed ? std::make_shared<HostTensor>(desc.shape, desc.dtype)
                  : std::make_shared<HostTensor>(HostTensor::uninitialized(desc.shape, desc.dtype));
  shard->data = t;
  return t;
}

void Executor::ensure_on_device(const binary::Program& p, uint32_t id, Value& v) {
  if (v.on_device()) return;
  const binary::TensorDesc& desc = p.values[id];
  auto host = broadcast_tensor(mesh_, v.host, desc.shape, desc.dtype);
  for (size_t l = 0; l < mesh_.local_devices().size(); ++l) {
    v.shards[mesh_.local_devices()[l].value] = place(l, host, desc);
  }
  v.resident = true;
}

// Generated inputs: each rank generates its own chips' shards of presharded arguments, rank 0
// the whole tensors; then they are taken in exactly like user-supplied inputs.
std::vector<Value> Executor::make_inputs(size_t program_index) {
  const binary::Program& p = bin_.programs[program_index];
  std::vector<TensorValue> generated(p.inputs.size());
  for (size_t i = 0; i < p.inputs.size(); ++i) {
    if (p.values[p.inputs[i]].presharded) {
      for (DeviceId d : mesh_.local_devices()) {
        generated[i].shards[d.value] = std::make_shared<const HostTensor>(
            binary::generate_input(p, i, d, o_.seed, o_.init, o_.ones_density));
      }
    } else if (mesh_.is_controller()) {
      generated[i].host = std::make_shared<const HostTensor>(
          binary::generate_input(p, i, DeviceId{0}, o_.seed, o_.init, o_.ones_density));
    }
  }
  return adopt_inputs(program_index, generated);
}

// User-supplied inputs: presharded arguments take this rank's shards, whole arguments the host
// tensor rank 0 holds. Shapes and dtypes must match the program's arguments.
std::vector<Value> Executor::adopt_inputs(size_t program_index,
                                          const std::vector<TensorValue>& given) {
  const binary::Program& p = bin_.programs[program_index];
  if (given.size() != p.inputs.size()) {
    raise(ErrorCode::kInvalidArgument, fmt::format("program '{}' takes {} inputs, got {}", p.name,
                                                   p.inputs.size(), given.size()));
  }
  auto check = [&](const HostTensor& t, const binary::TensorDesc& desc, const Shape& want,
                   size_t i) {
    if (t.shape() != want || t.dtype() != desc.dtype) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("input {} of program '{}' must be {} {}, got {} {}", i, p.name,
                        shape_to_string(want), mlir_name(desc.dtype), shape_to_string(t.shape()),
                        mlir_name(t.dtype())));
    }
  };
  std::vector<Value> inputs(p.inputs.size());
  for (size_t i = 0; i < p.inputs.size(); ++i) {
    const binary::TensorDesc& desc = p.values[p.inputs[i]];
    if (desc.presharded) {
      inputs[i].resident = true;
      for (size_t l = 0; l < mesh_.local_devices().size(); ++l) {
        DeviceId d = mesh_.local_devices()[l];
        auto it = given[i].shards.find(d.value);
        if (it == given[i].shards.end() || !it->second) {
          raise(
              ErrorCode::kInvalidArgument,
              fmt::format("input {} of program '{}' is presharded: it needs a shard for device {}",
                          i, p.name, d.value));
        }
        check(*it->second, desc, binary::input_shape(desc), i);
        inputs[i].shards[d.value] = place(l, it->second, desc);
      }
    } else if (mesh_.is_controller()) {
      if (!given[i].host) {
        raise(ErrorCode::kInvalidArgument,
              fmt::format("input {} of program '{}' needs a host tensor", i, p.name));
      }
      check(*given[i].host, desc, desc.shape, i);
      inputs[i].host = given[i].host;
    }
  }
  return inputs;
}

void Executor::run_device_op(const binary::Program& p, const binary::Op& op, Values& values) {
  for (uint32_t id : op.operands) ensure_on_device(p, id, values.at(id));
  std::vector<Value> results(op.results.size());
  // Buffers first (chip allocators are not thread-safe), then the kernels of all chips at once.
  const size_t chips = mesh_.local_devices().size();
  std::vector<std::vector<const HostTensor*>> in(chips);
  std::vector<std::vector<HostTensor*>> out(chips);
  for (size_t l = 0; l < chips; ++l) {
    uint32_t d = mesh_.local_devices()[l].value;
    for (uint32_t id : op.operands) in[l].push_back(values.at(id).shards.at(d)->data.get());
    for (size_t k = 0; k < op.results.size(); ++k) {
      std::shared_ptr<DeviceShard> shard;
      out[l].push_back(allocate_output(l, p.values[op.results[k]], shard).get());
      results[k].shards[d] = shard;
    }
  }
  parallel_for(chips, [&](size_t l) { ops::run_kernel(op, in[l], out[l]); });
  for (size_t k = 0; k < op.results.size(); ++k) {
    results[k].resident = true;
    values[op.results[k]] = std::move(results[k]);
  }
}

void Executor::run_mesh_shard(const binary::Program& p, const binary::Op& op, Values& values) {
  const std::string& type = op.string_attr("shard_type");
  const std::string& direction = op.string_attr("shard_direction");
  const uint32_t in_id = op.operands.at(0), out_id = op.results.at(0);
  Value& in = values.at(in_id);
  const binary::TensorDesc& out_desc = p.values[out_id];
  Value out;
  if (type == "identity") {
    if (!in.on_device()) ensure_on_device(p, in_id, in);
    out.shards = in.shards;  // no data moves: the tensor already is per device
    out.resident = true;
  } else if (direction == "full_to_shard") {
    if (!in.host && in.on_device()) {
      raise(
          ErrorCode::kUnsupported,
          fmt::format("mesh_shard at {}: full_to_shard of a value already on the devices", op.loc));
    }
    ShardMap from_controller;
    if (mesh_.is_controller()) {
      for (uint32_t d = 0; d < mesh_.shape().volume(); ++d) {
        if (type == "replicate") {
          from_controller[d] = in.host;
          continue;
        }
        // shard_for_device writes the whole shard.
        auto t = std::make_shared<HostTensor>(
            HostTensor::uninitialized(out_desc.shape, out_desc.dtype));
        ops::shard_for_device(op, mesh_.shape(), DeviceId{d}, *in.host, *t);
        from_controller[d] = std::move(t);
      }
    }
    ShardMap mine = type == "replicate" ? ShardMap{}
                                        : scatter_from_controller(mesh_, from_controller,
                                                                  out_desc.shape, out_desc.dtype);
    std::shared_ptr<const HostTensor> replica;
    if (type == "replicate")
      replica = broadcast_tensor(mesh_, in.host, out_desc.shape, out_desc.dtype);
    for (size_t l = 0; l < mesh_.local_devices().size(); ++l) {
      uint32_t d = mesh_.local_devices()[l].value;
      out.shards[d] = place(l, type == "replicate" ? replica : mine.at(d), out_desc);
    }
    out.resident = true;
  } else {  // shard_to_full, devices or replicate: rank 0 gathers the pieces it needs
    ensure_on_device(p, in_id, in);
    std::vector<DeviceId> needed = type == "replicate"
                                       ? std::vector<DeviceId>{DeviceId{0}}
                                       : ops::shards_needed_for_full(op, mesh_.shape());
    std::vector<std::set<uint32_t>> needs(static_cast<size_t>(mesh_.num_ranks()));
    for (DeviceId d : needed) needs[0].insert(d.value);
    ShardMap local;
    for (const auto& [d, s] : in.shards) local[d] = s->data;
    const Shape& shape = device_shape(p, in_id);
    ShardMap got = exchange_shards(mesh_, local, needs, shape, p.values[in_id].dtype);
    if (mesh_.is_controller()) {
      if (type == "replicate") {
        out.host = got.at(0);
      } else {
        std::vector<const HostTensor*> pieces;
        for (DeviceId d : needed) pieces.push_back(got.at(d.value).get());
        auto full = std::make_shared<HostTensor>(out_desc.shape, out_desc.dtype);
        ops::assemble_full(op, mesh_.shape(), pieces, *full);
        out.host = std::move(full);
      }
    }
  }
  values[out_id] = std::move(out);
}

void Executor::run_collective(const binary::Program& p, const binary::Op& op, Values& values) {
  if (o_.fabric == report::FabricConfig::kDisabled && mesh_.shape().volume() > 1) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("collective '{}' at {} needs a fabric between the chips, but the fabric is "
                      "disabled (--fabric-config disabled)",
                      op.name, op.loc));
  }
  const uint32_t in_id = op.operands.at(0), out_id = op.results.at(0);
  Value& in = values.at(in_id);
  ensure_on_device(p, in_id, in);
  const MeshShape& mesh = mesh_.shape();
  const binary::TensorDesc& out_desc = p.values[out_id];
  const bool permute = op.name == "collective_permute";
  const bool partition = op.name == "mesh_partition";
  const bool broadcast = op.name == "collective_broadcast";
  const bool grouped = broadcast || op.name == "all_to_all";
  const uint32_t axis = permute ? 0 : static_cast<uint32_t>(op.int_attr_or("cluster_axis", 0));
  const std::vector<std::vector<uint32_t>> groups =
      grouped ? op.replica_groups() : std::vector<std::vector<uint32_t>>{};
  auto group_of = [&](DeviceId d) -> std::vector<DeviceId> {
    for (const auto& g : groups) {
      if (std::find(g.begin(), g.end(), d.value) == g.end()) continue;
      std::vector<DeviceId> out;
      for (uint32_t id : g) out.push_back(DeviceId{id});
      return out;
    }
    return {d};  // in no group: keeps its own tensor
  };

  // What each device reads: its line along the cluster axis, its permute source, its replica
  // group (all_to_all) or its group's source (collective_broadcast).
  auto sources_of = [&](DeviceId d) -> std::vector<DeviceId> {
    if (permute) {
      auto src = ops::permute_source(op, d);
      return src ? std::vector<DeviceId>{*src} : std::vector<DeviceId>{};
    }
    if (partition) return {d};
    if (broadcast) return {group_of(d).front()};
    if (grouped) return group_of(d);
    return line_through(mesh, d, axis);
  };
  std::vector<std::set<uint32_t>> needs(static_cast<size_t>(mesh_.num_ranks()));
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    for (DeviceId s : sources_of(DeviceId{d})) needs[mesh_.owner(DeviceId{d})].insert(s.value);
  }
  ShardMap local;
  for (const auto& [d, s] : in.shards) local[d] = s->data;
  ShardMap got =
      exchange_shards(mesh_, local, needs, device_shape(p, in_id), p.values[in_id].dtype);

  Value out;
  for (size_t l = 0; l < mesh_.local_devices().size(); ++l) {
    DeviceId d = mesh_.local_devices()[l];
    std::shared_ptr<DeviceShard> shard;
    // all_gather, reduce_scatter, all_reduce, all_to_all and broadcasts write every element.
    auto t = allocate_output(l, out_desc, shard, permute || partition);  // others write all
    std::vector<DeviceId> src = sources_of(d);
    std::vector<const HostTensor*> line;
    uint32_t index_in_line = 0;
    for (size_t k = 0; k < src.size(); ++k) {
      line.push_back(got.at(src[k].value).get());
      if (src[k] == d) index_in_line = static_cast<uint32_t>(k);
    }
    if (op.name == "all_gather") {
      ops::all_gather(op, line, *t);
    } else if (op.name == "reduce_scatter") {
      ops::reduce_scatter(op, line, index_in_line, *t);
    } else if (op.name == "all_reduce" || op.name == "all_reduce_async") {
      ops::all_reduce(op, line, *t);
    } else if (broadcast) {
      *t = *line[0];
    } else if (grouped) {
      ops::all_to_all(op, line, index_in_line, *t);
    } else if (permute) {
      if (!line.empty()) *t = *line[0];  // no source: stays zero
    } else if (partition) {
      MeshCoordinate c = mesh.coord_of(d);
      ops::mesh_partition(op, axis == 0 ? c.row : c.col, *line[0], *t);
    } else {
      raise(ErrorCode::kUnsupported,
            fmt::format("collective '{}' at {} is not implemented", op.name, op.loc));
    }
    out.shards[d.value] = shard;
  }
  out.resident = true;
  values[out_id] = std::move(out);
}

// distributed_rms_norm / distributed_layer_norm: local statistics on every chip, an exchange of
// the statistics (one or two f32 per row) along cluster_axis, then the local normalisation.
void Executor::run_distributed_norm(const binary::Program& p, const binary::Op& op,
                                    Values& values) {
  for (uint32_t id : op.operands) ensure_on_device(p, id, values.at(id));
  const MeshShape& mesh = mesh_.shape();
  const uint32_t axis = static_cast<uint32_t>(op.int_attr_or("cluster_axis", 0));
  const uint32_t out_id = op.results.at(0);
  const binary::TensorDesc& out_desc = p.values[out_id];
  const Shape& in_shape = device_shape(p, op.operands[0]);
  const Shape stats_shape{(in_shape.empty() ? 0 : volume(in_shape) / std::max<int64_t>(1, in_shape.back())) *
                          ops::distributed_norm_stats_per_row(op)};
  const size_t chips = mesh_.local_devices().size();
  std::vector<std::vector<const HostTensor*>> in(chips);
  std::vector<std::shared_ptr<HostTensor>> summed(chips);
  ShardMap stats;
  for (size_t l = 0; l < chips; ++l) {
    const uint32_t d = mesh_.local_devices()[l].value;
    for (uint32_t id : op.operands) in[l].push_back(values.at(id).shards.at(d)->data.get());
    summed[l] = std::make_shared<HostTensor>(in_shape, p.values[op.operands[0]].dtype);
    stats[d] = std::make_shared<HostTensor>(stats_shape, DataType::kFloat32);
  }
  parallel_for(chips, [&](size_t l) {
    auto s = std::const_pointer_cast<HostTensor>(stats.at(mesh_.local_devices()[l].value));
    ops::distributed_norm_stats(op, in[l], *summed[l], *s);
  });
  std::vector<std::set<uint32_t>> needs(static_cast<size_t>(mesh_.num_ranks()));
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    for (DeviceId s : line_through(mesh, DeviceId{d}, axis))
      needs[mesh_.owner(DeviceId{d})].insert(s.value);
  }
  ShardMap got = exchange_shards(mesh_, stats, needs, stats_shape, DataType::kFloat32);
  Value out;
  for (size_t l = 0; l < chips; ++l) {
    const DeviceId d = mesh_.local_devices()[l];
    std::shared_ptr<DeviceShard> shard;
    auto t = allocate_output(l, out_desc, shard, /*zeroed=*/false);
    std::vector<const HostTensor*> line;
    for (DeviceId s : line_through(mesh, d, axis)) line.push_back(got.at(s.value).get());
    ops::distributed_norm_apply(op, in[l], *summed[l], line, *t);
    out.shards[d.value] = shard;
  }
  out.resident = true;
  values[out_id] = std::move(out);
}

// Mixture-of-experts steps: every device works out where its operands' rows go on its ring
// (ops/moe.hpp) and the rows travel, each once per receiving rank; moe_expert_token_remap stays
// on its device (it only needs to know which device it is).
void Executor::run_expert_parallel(const binary::Program& p, const binary::Op& op,
                                   Values& values) {
  for (uint32_t id : op.operands) ensure_on_device(p, id, values.at(id));
  const size_t chips = mesh_.local_devices().size();
  std::vector<Value> results(op.results.size());
  std::vector<std::map<uint32_t, HostTensor*>> out(op.results.size());
  std::vector<std::vector<const HostTensor*>> in(chips);
  std::vector<std::vector<HostTensor*>> out_of(chips);
  std::vector<Shape> result_shapes;
  for (uint32_t id : op.results) result_shapes.push_back(p.values[id].shape);
  for (size_t l = 0; l < chips; ++l) {
    const uint32_t d = mesh_.local_devices()[l].value;
    for (uint32_t id : op.operands) in[l].push_back(values.at(id).shards.at(d)->data.get());
    for (size_t k = 0; k < op.results.size(); ++k) {
      std::shared_ptr<DeviceShard> shard;
      HostTensor* t = allocate_output(l, p.values[op.results[k]], shard).get();  // zeroed
      out[k][d] = t;
      out_of[l].push_back(t);
      results[k].shards[d] = shard;
    }
  }
  if (op.name == "moe_expert_token_remap") {
    parallel_for(chips, [&](size_t l) {
      ops::expert_token_remap(op, mesh_.local_devices()[l], in[l], out_of[l]);
    });
  } else {
    if (o_.fabric == report::FabricConfig::kDisabled && mesh_.shape().volume() > 1) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("'{}' at {} needs a fabric between the chips, but the fabric is disabled "
                        "(--fabric-config disabled)",
                        op.name, op.loc));
    }
    const uint32_t axis = static_cast<uint32_t>(op.int_attr_or("cluster_axis", 0));
    std::vector<RowParcel> parcels;
    std::set<int> peers;
    std::vector<ops::ExpertStep> steps(chips);  // staged rows stay alive until delivered
    const DataType dtype = p.values[op.results.at(0)].dtype;
    parallel_for(chips, [&](size_t l) {
      const DeviceId d = mesh_.local_devices()[l];
      steps[l] = ops::expert_step(op, d, line_through(mesh_.shape(), d, axis), in[l],
                                  result_shapes, dtype);
    });
    for (size_t l = 0; l < chips; ++l) {
      for (DeviceId x : line_through(mesh_.shape(), mesh_.local_devices()[l], axis))
        if (mesh_.owner(x) != mesh_.rank()) peers.insert(mesh_.owner(x));
      // One parcel per source row, however many devices it lands on.
      std::map<std::pair<uint8_t, int64_t>, size_t> parcel_of;
      for (const ops::RowRoute& r : steps[l].routes) {
        const HostTensor& src =
            r.operand == ops::RowRoute::kStaged ? steps[l].staged : *in[l].at(r.operand);
        const int64_t width = src.shape().empty() ? 1 : src.shape().back();
        const size_t row_bytes = static_cast<size_t>(width) * element_size(src.dtype());
        auto [it, fresh] = parcel_of.try_emplace({r.operand, r.src_row}, parcels.size());
        if (fresh)
          parcels.push_back({reinterpret_cast<const uint8_t*>(src.data()) +
                                 static_cast<size_t>(r.src_row) * row_bytes,
                             row_bytes,
                             {}});
        parcels[it->second].to.push_back({r.result, r.device, r.dest_row});
      }
    }
    deliver_rows(mesh_, parcels, peers, out);
  }
  for (size_t k = 0; k < op.results.size(); ++k) {
    results[k].resident = true;
    values[op.results[k]] = std::move(results[k]);
  }
}

void Executor::run_call(const binary::Program&, const binary::Op& op, Values& values) {
  size_t callee = static_cast<size_t>(op.int_attr("callee"));
  std::vector<Value> args;
  for (uint32_t id : op.operands) args.push_back(values.at(id));
  std::vector<Value> outs = run(callee, std::move(args));
  for (size_t k = 0; k < op.results.size() && k < outs.size(); ++k) {
    values[op.results[k]] = std::move(outs[k]);
  }
}

void Executor::perturb(std::shared_ptr<const HostTensor>& t) {
  auto copy = std::make_shared<HostTensor>(*t);
  double scale = 1.0;
  for (int64_t i = 0; i < copy->volume(); ++i) scale = std::max(scale, std::fabs(copy->at(i)));
  const bool boolean = copy->dtype() == DataType::kBool;  // negating would keep true true
  for (int64_t i = 0; i < copy->volume(); ++i) {
    const double x = copy->at(i);
    copy->set(i, boolean ? (x == 0 ? 1.0 : 0.0)
                         : x * -1.0 + static_cast<double>((i * 7) % 5 - 2) * scale);
  }
  t = std::move(copy);
}

void Executor::after_op(const binary::Program& p, const binary::Op& op, Values& values) {
  ++r_.ops_executed;
  ++op_seq_;
  if (!o_.inject_fault_loc.empty() && op.loc == o_.inject_fault_loc && !op.results.empty()) {
    Value& v = values.at(op.results[0]);
    if (v.host && mesh_.is_controller()) {
      perturb(v.host);
    } else if (v.shards.count(0)) {
      auto fresh = std::make_shared<DeviceShard>();
      auto old = v.shards[0];
      fresh->data = old->data;
      perturb(fresh->data);
      std::swap(fresh->device, old->device);  // the new shard owns the buffer now
      fresh->handle = old->handle;
      v.shards[0] = fresh;
    }
  }
  if (!o_.debug_leak_loc.empty() && op.loc == o_.debug_leak_loc && !mesh_.local_devices().empty()) {
    mesh_.device(0).allocate(device::BufferType::kDram, 2048, 2048);  // never freed, on purpose
  }
  if (o_.check_golden && o_.check_op_goldens && op.name != "call") {
    for (size_t k = 0; k < op.results.size(); ++k) {
      std::string key = compiler::golden_key(op.loc, k);
      const Value& v = values.at(op.results[k]);
      if (v.host && mesh_.is_controller()) {
        const HostTensor* g = goldens_->find_host(key);
        if (!g) {
          ++r_.goldens_unavailable;
        } else {
          r_.goldens.push_back(
              {key, binary::Golden::kAllDevices, report::compare(*g, *v.host, o_.golden)});
        }
      }
      for (const auto& [d, shard] : v.shards) {
        const HostTensor* g = goldens_->find(key, d);
        if (!g) {
          ++r_.goldens_unavailable;
          continue;
        }
        r_.goldens.push_back({key, d, report::compare(*g, *shard->data, o_.golden)});
      }
    }
  }
  if (post_op_) {
    std::vector<TensorValue> seen;
    for (uint32_t id : op.results) seen.push_back(collect(p, id, values.at(id)));
    post_op_(op, seen);
  }
  if (o_.collect_memory) {
    OpMemoryResult m{op.loc, op.debug_str, {}};
    for (size_t l = 0; l < mesh_.local_devices().size(); ++l) {
      m.views.push_back(mesh_.device(l).memory_view());
    }
    r_.memory.push_back(std::move(m));
  }
  for (uint32_t id : op.frees) values.erase(id);
}

TensorValue Executor::collect(const binary::Program&, uint32_t, const Value& v) {
  TensorValue out;
  out.host = v.host;
  for (const auto& [d, s] : v.shards) out.shards[d] = s->data;
  out.on_device = v.on_device();
  return out;
}

std::vector<Value> Executor::run(size_t program_index, std::vector<Value> inputs) {
  const binary::Program& p = bin_.programs.at(program_index);
  Values values;
  for (size_t i = 0; i < p.inputs.size() && i < inputs.size(); ++i) {
    values[p.inputs[i]] = std::move(inputs[i]);
  }
  for (const binary::Op& op : p.ops) {
    const uint64_t host_start_ns = PerfRecorder::now_ns();
    if (o_.pre_op) o_.pre_op(op);
    try {
      const catalog::OpInfo* info = catalog::find_op(op.name);
      switch (info ? info->execution : catalog::Execution::kKernel) {
        case catalog::Execution::kCall:
          run_call(p, op, values);
          break;
        case catalog::Execution::kMeshShard:
          run_mesh_shard(p, op, values);
          break;
        case catalog::Execution::kCollective:
          if (op.name == "distributed_rms_norm" || op.name == "distributed_layer_norm") {
            run_distributed_norm(p, op, values);
          } else if (info->family == "moe") {
            run_expert_parallel(p, op, values);
          } else {
            run_collective(p, op, values);
          }
          break;
        case catalog::Execution::kKernel:
        case catalog::Execution::kPipelineOnly:  // refused by the verifier before any run
          run_device_op(p, op, values);
          break;
      }
    } catch (const Error& e) {
      std::string what = e.what();
      if (what.find(op.loc) == std::string::npos) {
        what = fmt::format("op '{}' at {} on rank {}: {}", op.name, op.loc, mesh_.rank(), what);
      }
      throw Error(e.code(), what);
    }
    if (op.name != "call") {  // a call's ops record themselves
      perf_.record(static_cast<uint32_t>(program_index), p,
                   static_cast<uint32_t>(&op - p.ops.data()), op_seq_ + 1, host_start_ns,
                   PerfRecorder::now_ns(), r_.perf);
    }
    after_op(p, op, values);
  }
  std::vector<Value> outputs;
  for (uint32_t id : p.outputs) outputs.push_back(values.at(id));
  return outputs;
}

}  // namespace

ProgramResult run_program(MeshContext& mesh, const binary::Binary& bin, size_t program_index,
                          const ExecOptions& options, const PostOpCallback& post_op,
                          const std::vector<TensorValue>* user_inputs) {
  if (program_index >= bin.programs.size()) {
    raise(ErrorCode::kNotFound, fmt::format("program index {} out of range: the binary has {}",
                                            program_index, bin.programs.size()));
  }
  const binary::Program& program = bin.programs[program_index];
  if (!(program.mesh_shape == mesh.shape())) {
    raise(ErrorCode::kIncompatible,
          fmt::format("program '{}' runs on a {} mesh but the opened mesh is {}", program.name,
                      program.mesh_shape.to_string(), mesh.shape().to_string()));
  }
  check_program_fits(program, mesh.cluster().chip);
  check_host_fits(program, mesh.local_devices().size(), mesh.rank());
  ProgramResult result;
  std::unique_ptr<GoldenTable> goldens;
  if (options.check_golden) {
    goldens = user_inputs ? std::make_unique<GoldenTable>(bin, program_index, *user_inputs)
                          : std::make_unique<GoldenTable>(bin, program_index, options.seed,
                                                          options.init, options.ones_density);
    result.golden_source_stored = goldens->stored();
    result.golden_unavailable_reason = goldens->unavailable();
  }
  {
    Executor exec(mesh, bin, options, post_op, goldens.get(), result);
    std::vector<Value> inputs = user_inputs ? exec.adopt_inputs(program_index, *user_inputs)
                                            : exec.make_inputs(program_index);
    for (size_t i = 0; i < inputs.size(); ++i) {
      result.inputs.push_back(exec.collect(program, program.inputs[i], inputs[i]));
    }
    if (mesh.num_ranks() > 1) {
      // Every rank starts the first op once rank 0 has its inputs (generating them takes time
      // that is not the program's): each op's host time then covers the op alone.
      mesh.comm().barrier(comm::Deadline::after(Timeouts::get().answer));
    }
    std::vector<Value> outputs = exec.run(program_index, inputs);
    inputs.clear();
    for (size_t i = 0; i < outputs.size(); ++i) {
      result.outputs.push_back(exec.collect(program, program.outputs[i], outputs[i]));
    }
    // Output goldens, compared where the value lives.
    if (options.check_golden) {
      for (size_t i = 0; i < outputs.size(); ++i) {
        std::string key = "output_" + std::to_string(i);
        if (outputs[i].host && mesh.is_controller()) {
          if (const HostTensor* g = goldens->find_host(key)) {
            result.goldens.push_back({key, binary::Golden::kAllDevices,
                                      report::compare(*g, *outputs[i].host, options.golden)});
          }
        }
        for (const auto& [d, shard] : outputs[i].shards) {
          if (const HostTensor* g = goldens->find(key, d)) {
            result.goldens.push_back({key, d, report::compare(*g, *shard->data, options.golden)});
          }
        }
      }
    }
  }
  for (size_t l = 0; l < mesh.local_devices().size(); ++l) {
    result.leaked_buffers += mesh.device(l).live_buffer_count();
  }
  gather_results_to_controller(mesh, program, result);
  // On a single chip an output is simply the tensor: rank 0 reports it as a whole tensor.
  for (TensorValue& out : result.outputs) {
    if (mesh.shape().volume() == 1 && !out.host && out.shards.size() == 1) {
      out.host = out.shards.begin()->second;
      out.shards.clear();
    }
  }
  if (mesh.is_controller() && options.golden_diff_topk > 0 && goldens) {
    for (const OpGoldenResult& g : result.goldens) {
      if (g.metrics.passed || g.loc.rfind("output_", 0) != 0) continue;
      const size_t i = std::stoul(g.loc.substr(7));
      if (i >= result.outputs.size()) continue;
      const TensorValue& out = result.outputs[i];
      const bool host = g.device_id == binary::Golden::kAllDevices;
      const HostTensor* golden =
          host ? goldens->find_host(g.loc) : goldens->find(g.loc, g.device_id);
      std::shared_ptr<const HostTensor> got = host ? out.host : nullptr;
      if (!host && out.shards.count(g.device_id)) got = out.shards.at(g.device_id);
      if (!host && !got && out.host && mesh.shape().volume() == 1) got = out.host;
      if (!golden || !got || golden->volume() != got->volume()) continue;
      result.golden_diffs.push_back(
          top_differences(g.loc, g.device_id, *golden, *got, options.golden_diff_topk));
    }
  }
  return result;
}

}  // namespace meshrt::runtime
