// The reference interpreter's driver: walks a program's ops in order, runs each op on every
// device of the mesh (sharing results between devices whose operands are the same tensors),
// runs collectives across the mesh, follows "call" into private programs, frees values after
// their last use and reports every op's results to the hooks.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "interp_kernels.hpp"
#include "meshrt/reference/interpreter.hpp"

namespace meshrt::reference {
namespace {

using interp::OpContext;
using interp::Tensor;

constexpr int kMaxCallDepth = 64;

// For each value id, the index of the last op that reads it (or -1 if no op does).
std::vector<int64_t> last_uses(const binary::Program& program) {
  std::vector<int64_t> last(program.values.size(), -1);
  for (size_t i = 0; i < program.ops.size(); ++i) {
    for (uint32_t id : program.ops[i].operands) {
      if (id < last.size()) last[id] = static_cast<int64_t>(i);
    }
  }
  return last;
}

class ProgramRun {
 public:
  ProgramRun(const binary::Binary& binary, size_t program_index, const InterpreterHooks& hooks,
             int depth)
      : binary_(binary), hooks_(hooks), depth_(depth) {
    if (program_index >= binary.programs.size()) {
      raise(ErrorCode::kNotFound, fmt::format("program {} does not exist (the binary has {})",
                                              program_index, binary.programs.size()));
    }
    program_ = &binary.programs[program_index];
    mesh_ = program_->mesh_shape;
  }

  std::vector<DeviceTensors> run(std::vector<DeviceTensors> inputs) {
    bind_inputs(std::move(inputs));
    std::vector<int64_t> last = last_uses(*program_);
    std::vector<bool> is_output(program_->values.size(), false);
    for (uint32_t id : program_->outputs) is_output.at(id) = true;
    for (size_t i = 0; i < program_->ops.size(); ++i) {
      const binary::Op& op = program_->ops[i];
      std::vector<DeviceTensors> results = run_op(op);
      for (size_t r = 0; r < op.results.size(); ++r) values_.at(op.results[r]) = results[r];
      if (hooks_.post_op) hooks_.post_op(op, results);
      for (uint32_t id : op.operands) {
        if (last[id] == static_cast<int64_t>(i) && !is_output[id]) values_[id].reset();
      }
      for (uint32_t id : op.results) {
        if (last[id] < static_cast<int64_t>(i) && !is_output[id]) values_[id].reset();
      }
    }
    std::vector<DeviceTensors> outputs;
    for (uint32_t id : program_->outputs) outputs.push_back(value(id, "output"));
    return outputs;
  }

 private:
  // Every value id the program mentions must have a type.
  void check_value_ids() const {
    const binary::Program& p = *program_;
    auto check = [&](uint32_t id, const std::string& where) {
      if (id >= p.values.size()) {
        raise(ErrorCode::kInvalidArgument,
              fmt::format("program '{}': {} names value {}, but only {} values exist", p.name,
                          where, id, p.values.size()));
      }
    };
    for (uint32_t id : p.inputs) check(id, "an input");
    for (uint32_t id : p.outputs) check(id, "an output");
    for (const binary::Op& op : p.ops) {
      for (uint32_t id : op.operands) check(id, fmt::format("op '{}' (loc '{}')", op.name, op.loc));
      for (uint32_t id : op.results) check(id, fmt::format("op '{}' (loc '{}')", op.name, op.loc));
    }
    if (mesh_.volume() == 0) {
      raise(ErrorCode::kInvalidArgument, fmt::format("program '{}' has an empty mesh", p.name));
    }
  }

  void bind_inputs(std::vector<DeviceTensors> inputs) {
    check_value_ids();
    const binary::Program& p = *program_;
    if (inputs.size() != p.inputs.size()) {
      raise(ErrorCode::kInvalidArgument, fmt::format("program '{}' takes {} inputs, {} given",
                                                     p.name, p.inputs.size(), inputs.size()));
    }
    values_.assign(p.values.size(), std::nullopt);
    for (size_t i = 0; i < inputs.size(); ++i) {
      const binary::TensorDesc& desc = p.values.at(p.inputs[i]);
      const Shape& expected = desc.presharded ? desc.local_shape : desc.shape;
      if (inputs[i].size() != mesh_.volume()) {
        raise(ErrorCode::kInvalidArgument,
              fmt::format("program '{}' input {} has {} device tensors, the {} mesh has {}", p.name,
                          i, inputs[i].size(), mesh_.to_string(), mesh_.volume()));
      }
      for (size_t d = 0; d < inputs[i].size(); ++d) {
        if (!inputs[i][d] || inputs[i][d]->shape() != expected) {
          raise(ErrorCode::kInvalidArgument,
                fmt::format("program '{}' input {} on device {} has shape {}, expected {}", p.name,
                            i, d, inputs[i][d] ? shape_to_string(inputs[i][d]->shape()) : "null",
                            shape_to_string(expected)));
        }
      }
      values_[p.inputs[i]] = std::move(inputs[i]);
    }
  }

  const DeviceTensors& value(uint32_t id, const char* what) const {
    if (id >= values_.size() || !values_[id]) {
      raise(ErrorCode::kInternal,
            fmt::format("program '{}': {} value {} is not available", program_->name, what, id));
    }
    return *values_[id];
  }

  OpContext context_of(const binary::Op& op) const {
    OpContext ctx{op, {}};
    for (uint32_t id : op.results) {
      if (id >= program_->values.size()) {
        ctx.fail(ErrorCode::kInvalidArgument, fmt::format("result value {} has no type", id));
      }
      ctx.results.push_back(&program_->values[id]);
    }
    return ctx;
  }

  DataType declared_dtype(uint32_t id) const {
    return id < program_->values.size() ? program_->values[id].dtype : DataType::kFloat64;
  }

  std::vector<DeviceTensors> run_op(const binary::Op& op) {
    OpContext ctx = context_of(op);
    std::vector<DeviceTensors> operands;
    for (uint32_t id : op.operands) operands.push_back(value(id, "operand"));
    std::vector<DeviceTensors> results;
    const interp::KernelTable& table = interp::kernel_table();
    if (op.name == "call") {
      results = run_call(ctx, operands);
    } else if (interp::MeshKernel mesh_kernel = table.mesh.find(op.name)) {
      results = mesh_kernel(ctx, mesh_, operands);
    } else if (interp::HostKernel host_kernel = table.host.find(op.name)) {
      results = run_per_device(ctx, nullptr, host_kernel, operands);
    } else if (interp::DeviceKernel device_kernel = table.device.find(op.name)) {
      results = run_per_device(ctx, device_kernel, nullptr, operands);
    } else {
      ctx.fail(ErrorCode::kUnsupported, "not implemented by the reference interpreter");
    }
    check_results(ctx, results);
    return results;
  }

  static void check_result_count(const OpContext& ctx, size_t computed) {
    if (computed != ctx.op.results.size()) {
      ctx.fail(ErrorCode::kInvalidArgument, fmt::format("declares {} results, computes {}",
                                                        ctx.op.results.size(), computed));
    }
  }

  // Runs a device kernel (f64) or a host kernel (stored tensors) once per distinct combination
  // of operand tensors. An operand's f64 copy lives only until the last device that reads it.
  std::vector<DeviceTensors> run_per_device(const OpContext& ctx, interp::DeviceKernel kernel,
                                            interp::HostKernel host_kernel,
                                            const std::vector<DeviceTensors>& operands) {
    const binary::Op& op = ctx.op;
    std::vector<DeviceTensors> results(op.results.size(), DeviceTensors(mesh_.volume()));
    std::map<std::vector<const HostTensor*>, std::vector<std::shared_ptr<const HostTensor>>> done;
    std::map<const HostTensor*, Tensor> converted;
    std::map<const HostTensor*, uint32_t> last_device;
    for (uint32_t d = 0; d < mesh_.volume(); ++d) {
      for (const DeviceTensors& o : operands) last_device[o[d].get()] = d;
    }
    for (uint32_t d = 0; d < mesh_.volume(); ++d) {
      std::vector<const HostTensor*> key;
      for (const DeviceTensors& o : operands) key.push_back(o[d].get());
      auto it = done.find(key);
      if (it == done.end()) {
        std::vector<std::shared_ptr<const HostTensor>> stored;
        if (host_kernel) {
          std::vector<std::shared_ptr<const HostTensor>> kept;
          std::vector<const HostTensor*> args;
          for (size_t k = 0; k < key.size(); ++k) {
            kept.push_back(interp::restore(operands[k][d], declared_dtype(op.operands[k])));
            args.push_back(kept.back().get());
          }
          stored = host_kernel(ctx, args);
        } else {
          std::vector<const Tensor*> args;
          for (size_t k = 0; k < key.size(); ++k) {
            auto [slot, fresh] = converted.try_emplace(key[k]);
            if (fresh) slot->second = interp::from_host(*key[k], declared_dtype(op.operands[k]));
            args.push_back(&slot->second);
          }
          std::vector<Tensor> out = kernel(ctx, args);
          check_result_count(ctx, out.size());
          for (size_t r = 0; r < out.size(); ++r) {
            stored.push_back(interp::to_host(out[r], ctx.result_dtype(r)));
          }
        }
        check_result_count(ctx, stored.size());
        for (size_t r = 0; r < stored.size(); ++r) {
          if (stored[r]->shape() != ctx.result_shape(r)) {
            ctx.fail(ErrorCode::kInvalidArgument,
                     fmt::format("result {} computes shape {}, the type says {}", r,
                                 shape_to_string(stored[r]->shape()),
                                 shape_to_string(ctx.result_shape(r))));
          }
        }
        it = done.emplace(std::move(key), std::move(stored)).first;
      }
      for (size_t r = 0; r < op.results.size(); ++r) results[r][d] = it->second[r];
      for (auto c = converted.begin(); c != converted.end();) {
        c = last_device[c->first] == d ? converted.erase(c) : std::next(c);
      }
    }
    return results;
  }

  std::vector<DeviceTensors> run_call(const OpContext& ctx,
                                      const std::vector<DeviceTensors>& operands) {
    const int64_t callee = ctx.op.int_attr("callee");
    if (callee < 0 || static_cast<size_t>(callee) >= binary_.programs.size()) {
      ctx.fail(ErrorCode::kNotFound, fmt::format("callee program {} does not exist", callee));
    }
    if (depth_ + 1 > kMaxCallDepth) {
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("calls nest deeper than {} (recursion?)", kMaxCallDepth));
    }
    const binary::Program& target = binary_.programs[static_cast<size_t>(callee)];
    if (!(target.mesh_shape == mesh_)) {
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("callee '{}' runs on a {} mesh, the caller on {}", target.name,
                           target.mesh_shape.to_string(), mesh_.to_string()));
    }
    ProgramRun nested(binary_, static_cast<size_t>(callee), hooks_, depth_ + 1);
    return nested.run(operands);
  }

  void check_results(const OpContext& ctx, const std::vector<DeviceTensors>& results) const {
    if (results.size() != ctx.op.results.size()) {
      ctx.fail(ErrorCode::kInvalidArgument, fmt::format("declares {} results, produced {}",
                                                        ctx.op.results.size(), results.size()));
    }
    for (const DeviceTensors& r : results) {
      if (r.size() != mesh_.volume()) {
        ctx.fail(ErrorCode::kInternal, "a result does not cover every device");
      }
      for (const auto& t : r) {
        if (!t) ctx.fail(ErrorCode::kInternal, "a result is missing on a device");
      }
    }
    // Per-device values of an identity mesh_shard keep their local shapes.
    const bool identity = ctx.op.name == "mesh_shard" && ctx.op.has_attr("shard_type") &&
                          ctx.op.string_attr("shard_type") == "identity";
    if (identity) return;
    for (size_t r = 0; r < results.size(); ++r) {
      for (size_t d = 0; d < results[r].size(); ++d) {
        if (results[r][d]->shape() != ctx.result_shape(r)) {
          ctx.fail(ErrorCode::kInvalidArgument,
                   fmt::format("result {} on device {} has shape {}, the type says {}", r, d,
                               shape_to_string(results[r][d]->shape()),
                               shape_to_string(ctx.result_shape(r))));
        }
      }
    }
  }

  const binary::Binary& binary_;
  const binary::Program* program_ = nullptr;
  MeshShape mesh_;
  const InterpreterHooks& hooks_;
  int depth_;
  std::vector<std::optional<DeviceTensors>> values_;
};

}  // namespace

namespace interp {

const KernelTable& kernel_table() {
  static const KernelTable table = [] {
    KernelTable t;
    register_eltwise_kernels(t);
    register_matmul_kernels(t);
    register_reduction_kernels(t);
    register_data_movement_kernels(t);
    register_host_data_kernels(t);
    register_creation_kernels(t);
    register_conv_pool_kernels(t);
    register_collective_kernels(t);
    register_mesh_shard_kernels(t);
    register_indexing_kernels(t);
    register_sort_kernels(t);
    register_conv_transpose_3d_kernels(t);
    register_transformer_kernels(t);
    register_random_kernels(t);
    register_quantization_kernels(t);
    register_optimizer_kernels(t);
    register_attention_training_kernels(t);
    register_moe_kernels(t);
    return t;
  }();
  return table;
}

}  // namespace interp

std::vector<DeviceTensors> interpret(const binary::Binary& binary, size_t program_index,
                                     std::vector<DeviceTensors> inputs,
                                     const InterpreterHooks& hooks) {
  ProgramRun run(binary, program_index, hooks, 0);
  return run.run(std::move(inputs));
}

std::vector<std::string> interpreter_supported_ops() {
  const interp::KernelTable& table = interp::kernel_table();
  std::vector<std::string> names{"call"};
  for (std::string_view name : table.device.names()) names.emplace_back(name);
  for (std::string_view name : table.mesh.names()) names.emplace_back(name);
  for (std::string_view name : table.host.names()) names.emplace_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace meshrt::reference
