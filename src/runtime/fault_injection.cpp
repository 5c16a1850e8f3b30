#include "fault_injection.hpp"

#include <algorithm>
#include <cmath>

namespace meshrt::runtime {

namespace {

// A copy of `t` that no tolerance accepts: negated and shifted by up to twice its largest
// magnitude (booleans flipped, since negating would keep true true).
std::shared_ptr<const HostTensor> perturbed(const HostTensor& t) {
  auto copy = std::make_shared<HostTensor>(t);
  double scale = 1.0;
  for (int64_t i = 0; i < copy->volume(); ++i) scale = std::max(scale, std::fabs(copy->at(i)));
  const bool boolean = copy->dtype() == DataType::kBool;
  for (int64_t i = 0; i < copy->volume(); ++i) {
    const double x = copy->at(i);
    copy->set(i, boolean ? (x == 0 ? 1.0 : 0.0)
                         : x * -1.0 + static_cast<double>((i * 7) % 5 - 2) * scale);
  }
  return copy;
}

void corrupt_first_result(MeshContext& mesh, Value& v) {
  if (v.host && mesh.is_controller()) {
    v.host = perturbed(*v.host);
  } else if (v.shards.count(DeviceId{0})) {
    // The corrupted copy takes over the chip buffer of the shard it replaces.
    auto fresh = std::make_shared<DeviceShard>();
    std::shared_ptr<DeviceShard>& old = v.shards[DeviceId{0}];
    fresh->data = perturbed(*old->data);
    std::swap(fresh->device, old->device);
    fresh->handle = old->handle;
    old = fresh;
  }
}

}  // namespace

StepFn with_faults(StepFn inner, const FaultPlan& plan) {
  if (plan.empty()) return inner;
  return [inner = std::move(inner), plan](const StepContext& s, const binary::Op& op,
                                          Values& values) {
    inner(s, op, values);
    if (op.loc == plan.wrong_result_at && !op.results.empty()) {
      corrupt_first_result(s.mesh, values.at(op.results[0]));
    }
    if (op.loc == plan.leak_at && !s.mesh.local_devices().empty()) {
      s.mesh.device(0).allocate(device::BufferType::kDram, 2048, 2048);  // never freed, on purpose
    }
  };
}

}  // namespace meshrt::runtime
