#include <fmt/format.h>

#include <map>
#include <set>

#include "device_pool.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/ops/moe.hpp"
#include "steps.hpp"

namespace meshrt::runtime {

// Mixture-of-experts steps: every device works out where its operands' rows go on its ring
// (ops/moe.hpp) and the rows travel, each once per receiving rank; moe_expert_token_remap stays
// on its device (it only needs to know which device it is).
void run_expert_step(const StepContext& s, const binary::Op& op, Values& values) {
  for (uint32_t id : op.operands) ensure_on_device(s.mesh, s.program, id, values.at(id));
  const size_t chips = s.mesh.local_devices().size();
  std::vector<Value> results(op.results.size());
  std::vector<std::map<DeviceId, HostTensor*>> out(op.results.size());
  std::vector<std::vector<const HostTensor*>> in(chips);
  std::vector<std::vector<HostTensor*>> out_of(chips);
  std::vector<Shape> result_shapes;
  for (uint32_t id : op.results) result_shapes.push_back(s.program.values[id].shape);
  for (size_t l = 0; l < chips; ++l) {
    const DeviceId d = s.mesh.local_devices()[l];
    for (uint32_t id : op.operands) in[l].push_back(values.at(id).shards.at(d)->data.get());
    for (size_t k = 0; k < op.results.size(); ++k) {
      HostTensor* t = nullptr;  // zeroed
      results[k].shards[d] = place(s.mesh, l, s.program.values[op.results[k]], nullptr, &t);
      out[k][d] = t;
      out_of[l].push_back(t);
    }
  }
  if (op.name == "moe_expert_token_remap") {
    parallel_for(chips, [&](size_t l) {
      ops::expert_token_remap(op, s.mesh.local_devices()[l], in[l], out_of[l]);
    });
  } else {
    require_fabric(s, op);
    const uint32_t axis = static_cast<uint32_t>(op.int_attr_or("cluster_axis", 0));
    std::vector<RowParcel> parcels;
    std::set<int> peers;
    std::vector<ops::ExpertStep> steps(chips);  // staged rows stay alive until delivered
    const DataType dtype = s.program.values[op.results.at(0)].dtype;
    parallel_for(chips, [&](size_t l) {
      const DeviceId d = s.mesh.local_devices()[l];
      steps[l] = ops::expert_step(op, d, line_through(s.mesh.shape(), d, axis), in[l],
                                  result_shapes, dtype);
    });
    for (size_t l = 0; l < chips; ++l) {
      for (DeviceId x : line_through(s.mesh.shape(), s.mesh.local_devices()[l], axis))
        if (s.mesh.owner(x) != s.mesh.rank()) peers.insert(s.mesh.owner(x));
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
    deliver_rows(s.mesh, parcels, peers, out);
  }
  for (size_t k = 0; k < op.results.size(); ++k) {
    results[k].resident = true;
    values[op.results[k]] = std::move(results[k]);
  }
}

}  // namespace meshrt::runtime
