#include "perf_recorder.hpp"

#include <algorithm>

#include "meshrt/ops/ccl.hpp"

namespace meshrt::runtime {

PerfRecorder::PerfRecorder(MeshContext& mesh, report::FabricConfig fabric) : mesh_(mesh) {
  params_.fabric = fabric;
  for (size_t l = 0; l < mesh.local_devices().size(); ++l) {
    base_ns_ = std::max(base_ns_, mesh.device(l).clock_ns());
  }
  clock_.assign(mesh.shape().volume(), 0);
  start_.assign(mesh.shape().volume(), 0);
}

void PerfRecorder::record(uint32_t program_index, const binary::Program& p, uint32_t op_index,
                          uint64_t call_count, uint64_t host_start_ns, uint64_t host_end_ns,
                          std::vector<report::OpPerfRow>& rows) {
  const binary::Op& op = p.ops[op_index];
  core_count_ = 0;
  compute_ns_ = bandwidth_ns_ = 0;
  ring_ = false;
  links_ = 0;
  const std::vector<uint64_t> before = clock_;
  family_ = report::op_family(op.name);
  if (op.name != "mesh_shard") {  // the host dispatches every device op
    const auto gap = static_cast<uint64_t>(params_.op_to_op_ns);
    for (auto& t : clock_) t += gap;
  }
  if (op.name == "mesh_shard") {
    model_mesh_shard(p, op);
  } else if (report::collective_of(op.name)) {
    model_line(p, op);
  } else if (op.name == "collective_permute") {
    model_permute(p, op);
  } else {
    model_device(p, op);
  }
  const auto& local = mesh_.local_devices();
  for (size_t l = 0; l < local.size(); ++l) {
    const uint32_t d = local[l].value;
    report::OpPerfRow& r = rows.emplace_back();
    r.program_index = program_index;
    r.op_index = op_index;
    r.global_call_count = call_count;
    r.device_id = d;
    r.rank = mesh_.rank();
    r.family = family_;
    r.core_count = core_count_;
    r.host_start_ns = host_start_ns;
    r.host_end_ns = host_end_ns;
    r.device_start_ns = start_[d];
    r.device_end_ns = clock_[d];
    r.op_to_op_ns = start_[d] > before[d] ? start_[d] - before[d] : 0;
    r.compute_ns = compute_ns_;
    r.bandwidth_ns = bandwidth_ns_;
    r.ccl_ring = ring_;
    r.ccl_links = links_;
    mesh_.device(l).sync_clock_to(base_ns_ + clock_[d]);
  }
}

void PerfRecorder::model_device(const binary::Program& p, const binary::Op& op) {
  in_.clear();
  out_.clear();
  for (uint32_t id : op.operands) in_.push_back(&desc(p, id));
  for (uint32_t id : op.results) out_.push_back(&desc(p, id));
  report::OpCost c = report::model_device_op(op, in_, out_, mesh_.cluster().chip, params_);
  core_count_ = c.core_count;
  compute_ns_ = static_cast<uint64_t>(c.compute_ns);
  bandwidth_ns_ = static_cast<uint64_t>(c.memory_ns);
  for (size_t d = 0; d < clock_.size(); ++d) {
    start_[d] = clock_[d];
    clock_[d] += c.duration_ns;
  }
}

void PerfRecorder::model_mesh_shard(const binary::Program& p, const binary::Op& op) {
  start_ = clock_;
  const std::string& type = op.string_attr("shard_type");
  if (type == "identity" || op.operands.empty() || op.results.empty()) return;
  if (op.string_attr("shard_direction") == "full_to_shard") {
    const double bytes = report::tensor_device_bytes(desc(p, op.results[0]), params_);
    const uint64_t dur = report::model_host_transfer(bytes, params_).duration_ns;
    for (auto& c : clock_) c += dur;
    return;
  }
  // shard_to_full: the host reads the shards it needs.
  const double bytes = report::tensor_device_bytes(desc(p, op.operands[0]), params_);
  const uint64_t dur = report::model_host_transfer(bytes, params_).duration_ns;
  if (type == "replicate") {
    clock_[0] += dur;
    return;
  }
  for (DeviceId d : ops::shards_needed_for_full(op, mesh_.shape())) clock_[d.value] += dur;
}

void PerfRecorder::model_line(const binary::Program& p, const binary::Op& op) {
  const MeshShape& mesh = mesh_.shape();
  const uint32_t axis = static_cast<uint32_t>(op.int_attr_or("cluster_axis", 0));
  // Mixture-of-experts routing is costed over the buffer each chip fills (its first result).
  const bool routed = op.name.rfind("all_to_all_", 0) == 0;
  const binary::TensorDesc& in = desc(p, routed ? op.results.at(0) : op.operands.at(0));
  const binary::TensorDesc& out = desc(p, op.results.at(0));
  start_ = clock_;
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    const MeshCoordinate c = mesh.coord_of(DeviceId{d});
    if ((axis == 0 ? c.row : c.col) != 0) continue;  // one pass per line, from its first chip
    std::vector<DeviceId> line = line_through(mesh, DeviceId{d}, axis);
    uint64_t at = 0;
    std::vector<DeviceId> physical;
    for (DeviceId x : line) {
      at = std::max(at, clock_[x.value]);  // wait for every participant
      physical.push_back(mesh_.physical_id(x));
    }
    report::OpCost cost =
        report::model_line_collective(op, in, out, mesh_.cluster(), physical, params_);
    ring_ = ring_ || cost.ring;
    links_ = links_ == 0 ? cost.links : std::min(links_, cost.links);
    bandwidth_ns_ =
        std::max<uint64_t>(bandwidth_ns_, static_cast<uint64_t>(cost.link_ns + cost.memory_ns));
    for (DeviceId x : line) {
      start_[x.value] = at;
      clock_[x.value] = at + cost.duration_ns;
    }
  }
}

void PerfRecorder::model_permute(const binary::Program& p, const binary::Op& op) {
  const binary::TensorDesc& in = desc(p, op.operands.at(0));
  const std::vector<uint64_t> before = clock_;
  start_ = clock_;
  for (uint32_t d = 0; d < mesh_.shape().volume(); ++d) {
    auto src = ops::permute_source(op, DeviceId{d});
    if (!src) continue;
    const uint64_t at = std::max(before[src->value], before[d]);
    const report::OpCost cost = report::model_permute(
        op, in, mesh_.cluster(), mesh_.physical_id(*src), mesh_.physical_id(DeviceId{d}), params_);
    const uint64_t end = at + cost.duration_ns;
    if (cost.links > 0) links_ = links_ == 0 ? cost.links : std::min(links_, cost.links);
    for (uint32_t x : {src->value, d}) {
      start_[x] = std::max(start_[x], at);
      clock_[x] = std::max(clock_[x], end);
    }
  }
}

}  // namespace meshrt::runtime
