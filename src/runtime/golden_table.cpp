#include "golden_table.hpp"

#include <fmt/format.h>

#include "meshrt/common/error.hpp"
#include "meshrt/runtime/golden_source.hpp"

namespace meshrt::runtime {

namespace {

GoldenSource& installed() {
  static GoldenSource source;
  return source;
}

}  // namespace

void set_golden_source(GoldenSource source) { installed() = std::move(source); }
const GoldenSource& golden_source() { return installed(); }

void GoldenTable::compute(const binary::Binary& bin, size_t program_index,
                          const binary::GoldenRequest& request) {
  stored_ = false;
  if (!golden_source()) {
    unavailable_ =
        "no golden source is installed in this process (the runtime does not link the reference "
        "interpreter: see meshrt/runtime/golden_source.hpp)";
    return;
  }
  try {
    computed_ = golden_source()(bin, program_index, request);
  } catch (const Error& e) {
    unavailable_ = e.what();  // the run goes on; every result counts as unchecked
  } catch (const std::bad_alloc&) {
    unavailable_ = "the reference interpreter ran out of host memory";
  }
  index(computed_);
}

void GoldenTable::index(const binary::ProgramGoldens& goldens) {
  for (const auto& g : goldens.goldens) index_[g.loc][g.device_id] = &g.tensor;
}

GoldenTable::GoldenTable(const binary::Binary& bin, size_t program_index, uint64_t seed,
                         InitKind init, uint32_t ones_density) {
  if (program_index < bin.goldens.size()) {
    const auto& stored = bin.goldens[program_index];
    const bool same_ones = init != InitKind::kOnes || ones_density <= 1;
    if (stored.seed == seed && stored.init == init && same_ones && !stored.goldens.empty()) {
      index(stored);
      return;
    }
  }
  compute(bin, program_index, binary::GoldenRequest{seed, init, ones_density, nullptr});
}

GoldenTable::GoldenTable(const binary::Binary& bin, size_t program_index,
                         const std::vector<TensorValue>& inputs) {
  const binary::Program& program = bin.programs.at(program_index);
  const uint32_t devices = program.mesh_shape.volume();
  std::vector<std::vector<std::shared_ptr<const HostTensor>>> per_device(inputs.size());
  for (size_t i = 0; i < inputs.size() && i < program.inputs.size(); ++i) {
    const bool presharded = program.values[program.inputs[i]].presharded;
    for (uint32_t d = 0; d < devices; ++d) {
      auto it = inputs[i].shards.find(DeviceId{d});
      std::shared_ptr<const HostTensor> t =
          presharded ? (it == inputs[i].shards.end() ? nullptr : it->second) : inputs[i].host;
      if (!t) {
        stored_ = false;
        unavailable_ = fmt::format("input {} of program '{}' is not known whole on this rank", i,
                                   program.name);
        return;
      }
      per_device[i].push_back(std::move(t));
    }
  }
  compute(bin, program_index, binary::GoldenRequest{0, InitKind::kRandn, 1, &per_device});
}

const HostTensor* GoldenTable::find(const std::string& key, uint32_t device) const {
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  auto d = it->second.find(device);
  if (d != it->second.end()) return d->second;
  auto all = it->second.find(binary::Golden::kAllDevices);
  return all == it->second.end() ? nullptr : all->second;
}

const HostTensor* GoldenTable::find_host(const std::string& key) const { return find(key, 0); }

}  // namespace meshrt::runtime
