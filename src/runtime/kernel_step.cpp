#include <fmt/format.h>

#include "device_pool.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/ops/kernels.hpp"
#include "steps.hpp"

namespace meshrt::runtime {

void run_kernel_step(const StepContext& s, const binary::Op& op, Values& values) {
  for (uint32_t id : op.operands) ensure_on_device(s.mesh, s.program, id, values.at(id));
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
