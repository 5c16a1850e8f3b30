#include "meshrt/reference/goldens.hpp"

#include <fmt/format.h>

#include "meshrt/binary/inputs.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/reference/interpreter.hpp"

namespace meshrt::reference {

namespace {

uint64_t to_storage_bytes(const HostTensor& t) {
  return t.dtype() == DataType::kFloat64 ? t.size_bytes() / 2 : t.size_bytes();
}

HostTensor to_storage(const HostTensor& t) {
  if (t.dtype() != DataType::kFloat64) return t;
  HostTensor out(t.shape(), DataType::kFloat32);
  auto* dst = reinterpret_cast<float*>(out.data());
  const auto* src = reinterpret_cast<const double*>(t.data());
  for (int64_t i = 0; i < t.volume(); ++i) dst[i] = static_cast<float>(src[i]);
  return out;
}

// Adds the goldens of one value: one entry if every device holds the same tensor, else one per
// device. Returns false (adding nothing) if that would exceed the budget; a value that cannot
// fit is not compared (comparing would make generated tensors).
bool add_value(binary::ProgramGoldens& out, const std::string& loc, const DeviceTensors& per_device,
               uint64_t& used, uint64_t budget) {
  const uint64_t one = to_storage_bytes(*per_device[0]);
  if (used + one > budget) return false;
  bool same = true;
  for (const auto& t : per_device) {
    if (t != per_device[0] && !(*t == *per_device[0])) {
      same = false;
      break;
    }
  }
  uint64_t bytes = 0;
  size_t entries = same ? 1 : per_device.size();
  for (size_t d = 0; d < entries; ++d) bytes += to_storage_bytes(*per_device[d]);
  if (used + bytes > budget) return false;
  used += bytes;
  for (size_t d = 0; d < entries; ++d) {
    binary::Golden g;
    g.loc = loc;
    g.device_id = same ? binary::Golden::kAllDevices : static_cast<uint32_t>(d);
    g.tensor = to_storage(*per_device[d]);
    out.goldens.push_back(std::move(g));
  }
  return true;
}

// The inputs generated from (seed, init): made as the interpreter reads them.
std::vector<DeviceTensors> generated_inputs(const binary::Program& program, uint64_t seed,
                                            InitKind init, uint32_t ones_density) {
  const uint32_t devices = program.mesh_shape.volume();
  std::vector<DeviceTensors> inputs;
  for (size_t i = 0; i < program.inputs.size(); ++i) {
    const binary::TensorDesc& desc = program.values[program.inputs[i]];
    DeviceTensors per_device;
    if (desc.presharded) {
      for (uint32_t d = 0; d < devices; ++d) {
        per_device.push_back(std::make_shared<const HostTensor>(
            binary::generate_input(program, i, DeviceId{d}, seed, init, ones_density)));
      }
    } else {
      auto full = std::make_shared<const HostTensor>(
          binary::generate_input(program, i, DeviceId{0}, seed, init, ones_density));
      per_device.assign(devices, full);
    }
    inputs.push_back(per_device);
  }
  return inputs;
}

}  // namespace

binary::ProgramGoldens compute_goldens(const binary::Binary& bin, size_t program_index,
                                       uint64_t seed, InitKind init, uint64_t budget,
                                       uint64_t input_limit, uint32_t ones_density) {
  const binary::Program& program = bin.programs.at(program_index);
  check_input_limit(program, input_limit);
  binary::ProgramGoldens out = compute_goldens(
      bin, program_index, generated_inputs(program, seed, init, ones_density), budget, input_limit);
  out.seed = seed;
  out.init = init;
  return out;
}

uint64_t reference_input_bytes(const binary::Program& program) {
  const uint32_t devices = program.mesh_shape.volume();
  const std::vector<bool> untouched = binary::untouched_inputs(program);
  uint64_t bytes = 0;
  for (size_t i = 0; i < program.inputs.size(); ++i) {
    if (untouched[i]) continue;
    const binary::TensorDesc& d = program.values[program.inputs[i]];
    bytes += element_size(d.dtype) * static_cast<uint64_t>(volume(binary::input_shape(d))) *
             (d.presharded ? devices : 1);
  }
  return bytes;
}

void check_input_limit(const binary::Program& program, uint64_t input_limit) {
  const uint64_t input_bytes = reference_input_bytes(program);
  if (input_bytes > input_limit) {
    raise(ErrorCode::kUnsupported,
          fmt::format("the reference interpreter would hold {:.1f} MiB of inputs, over the "
                      "{} MiB limit (--golden-input-limit-mib)",
                      static_cast<double>(input_bytes) / (1 << 20), input_limit >> 20));
  }
}

binary::ProgramGoldens compute_goldens(const binary::Binary& bin, size_t program_index,
                                       std::vector<DeviceTensors> inputs, uint64_t budget,
                                       uint64_t input_limit) {
  const binary::Program& program = bin.programs.at(program_index);
  check_input_limit(program, input_limit);
  if (inputs.size() != program.inputs.size()) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("program '{}' takes {} inputs, got {}", program.name, program.inputs.size(),
                      inputs.size()));
  }
  binary::ProgramGoldens out;
  uint64_t used = 0;
  // Output goldens are always kept; input and op goldens fill what the budget leaves.
  uint64_t reserved = 0;
  for (uint32_t id : program.outputs)
    reserved += 4 * static_cast<uint64_t>(volume(program.values[id].shape));
  const uint64_t op_budget = budget > reserved ? budget - reserved : 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    add_value(out, "input_" + std::to_string(i), inputs[i], used, op_budget);
  }
  InterpreterHooks hooks;
  hooks.post_op = [&](const binary::Op& op, const std::vector<DeviceTensors>& results) {
    for (size_t r = 0; r < results.size(); ++r) {
      add_value(out, binary::golden_key(op.loc, r), results[r], used, op_budget);
    }
  };
  // The interpreter takes the inputs over, so that each is freed after its last use.
  std::vector<DeviceTensors> outputs = interpret(bin, program_index, std::move(inputs), hooks);
  for (size_t i = 0; i < outputs.size(); ++i) {
    add_value(out, "output_" + std::to_string(i), outputs[i], used, UINT64_MAX);
  }
  return out;
}

binary::ProgramGoldens goldens_for(const binary::Binary& bin, size_t program_index,
                                   const binary::GoldenRequest& r) {
  if (r.inputs) {
    return compute_goldens(bin, program_index, *r.inputs, kRunGoldenBudgetBytes);
  }
  return compute_goldens(bin, program_index, r.seed, r.init, kRunGoldenBudgetBytes,
                         kDefaultInputLimitBytes, r.ones_density);
}

}  // namespace meshrt::reference
