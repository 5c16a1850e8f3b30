#include <fmt/format.h>

#include "device_pool.hpp"
#include "meshrt/binary/inputs.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/ops/kernels.hpp"
#include "steps.hpp"

namespace meshrt::runtime {

namespace {

// An op that keeps element order (a reshape, an identity permute) applied to generated shards
// not yet made gives views of them, still not made: the chip buffer is reserved as for any
// result, and no element is made until an op reads it. False (nothing done) otherwise.
bool run_view_step(const StepContext& s, const binary::Op& op, Values& values) {
  if (!binary::keeps_element_order(op)) return false;
  const Value& in = values.at(op.operands[0]);
  if (in.shards.empty()) return false;
  for (const auto& [d, shard] : in.shards) {
    if (shard->data->materialized()) return false;
  }
  const binary::TensorDesc& desc = s.program.values[op.results[0]];
  Value result;
  for (size_t l = 0; l < s.mesh.local_devices().size(); ++l) {
    DeviceId d = s.mesh.local_devices()[l];
    auto view = std::make_shared<const HostTensor>(in.shards.at(d)->data->reshaped(desc.shape));
    result.shards[d] = place(s.mesh, l, desc, std::move(view));
  }
  result.resident = true;
  values[op.results[0]] = std::move(result);
  return true;
}

}  // namespace

void run_kernel_step(const StepContext& s, const binary::Op& op, Values& values) {
  for (uint32_t id : op.operands) ensure_on_device(s.mesh, s.program, id, values.at(id));
  if (run_view_step(s, op, values)) return;
  std::vector<Value> results(op.results.size());
  // Buffers first (chip allocators are not thread-safe), then the kernels of all chips at once.
  const size_t chips = s.mesh.local_devices().size();
  std::vector<std::vector<const HostTensor*>> in(chips);
  std::vector<std::vector<HostTensor*>> out(chips);
  for (size_t l = 0; l < chips; ++l) {
    DeviceId d = s.mesh.local_devices()[l];
    for (uint32_t id : op.operands) in[l].push_back(values.at(id).shards.at(d)->data.get());
    for (size_t k = 0; k < op.results.size(); ++k) {
      HostTensor* t = nullptr;
      results[k].shards[d] = place(s.mesh, l, s.program.values[op.results[k]], nullptr, &t);
      out[l].push_back(t);
    }
  }
  parallel_for(chips, [&](size_t l) { ops::run_kernel(op, in[l], out[l]); });
  for (size_t k = 0; k < op.results.size(); ++k) {
    results[k].resident = true;
    values[op.results[k]] = std::move(results[k]);
  }
}

}  // namespace meshrt::runtime
