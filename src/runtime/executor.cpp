#include "meshrt/runtime/executor.hpp"

#include <fmt/format.h>

#include "device_pool.hpp"
#include "device_values.hpp"
#include "fault_injection.hpp"
#include "golden_check.hpp"
#include "golden_table.hpp"
#include "meshrt/binary/inputs.hpp"
#include "meshrt/catalog/op_catalog.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/common/timeouts.hpp"
#include "meshrt/runtime/memory_plan.hpp"
#include "perf_recorder.hpp"
#include "result_exchange.hpp"
#include "steps.hpp"

namespace meshrt::runtime {

namespace {

// Runs the ops of a program in order, each through the step of its family (steps.hpp), and
// after each op checks its results, calls the observers and frees what the op was the last
// use of.
class Executor {
 public:
  Executor(MeshContext& mesh, const binary::Binary& bin, const ExecOptions& options,
           const PostOpCallback& post_op, const GoldenChecker* checker, const FaultPlan& faults,
           ProgramResult& result)
      : mesh_(mesh), bin_(bin), o_(options), post_op_(post_op), checker_(checker), r_(result),
        step_(with_faults([this](const StepContext& s, const binary::Op& op,
                                 Values& values) { dispatch(s, op, values); },
                          faults)) {}

  std::vector<Value> run(size_t program_index, std::vector<Value> inputs);
  std::vector<Value> make_inputs(size_t program_index);
  std::vector<Value> adopt_inputs(size_t program_index, const std::vector<TensorValue>& given);

 private:
  void dispatch(const StepContext& s, const binary::Op& op, Values& values);
  void run_call(const binary::Op& op, Values& values);
  void after_op(const binary::Op& op, Values& values);

  MeshContext& mesh_;
  const binary::Binary& bin_;
  const ExecOptions& o_;
  const PostOpCallback& post_op_;
  const GoldenChecker* checker_;  // null: no golden checks
  ProgramResult& r_;
  StepFn step_;
  uint64_t op_seq_ = 0;
  PerfRecorder perf_{mesh_, o_.fabric};  // modelled chip clocks and per-op perf rows
};

// Generated inputs: each rank generates its own chips' shards of presharded arguments, rank 0
// the whole tensors; then they are taken in exactly like user-supplied inputs.
std::vector<Value> Executor::make_inputs(size_t program_index) {
  const binary::Program& p = bin_.programs[program_index];
  std::vector<TensorValue> generated(p.inputs.size());
  for (size_t i = 0; i < p.inputs.size(); ++i) {
    if (p.values[p.inputs[i]].presharded) {
      for (DeviceId d : mesh_.local_devices()) {
        generated[i].shards[d] = std::make_shared<const HostTensor>(
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
        auto it = given[i].shards.find(d);
        if (it == given[i].shards.end() || !it->second) {
          raise(
              ErrorCode::kInvalidArgument,
              fmt::format("input {} of program '{}' is presharded: it needs a shard for device {}",
                          i, p.name, d.value));
        }
        check(*it->second, desc, binary::input_shape(desc), i);
        inputs[i].shards[d] = place(mesh_, l, desc, it->second);
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

void Executor::dispatch(const StepContext& s, const binary::Op& op, Values& values) {
  const catalog::OpInfo* info = catalog::find_op(op.name);
  switch (info ? info->execution : catalog::Execution::kKernel) {
    case catalog::Execution::kCall:
      return run_call(op, values);
    case catalog::Execution::kMeshShard:
      return run_mesh_shard_step(s, op, values);
    case catalog::Execution::kCollective:
      if (op.name == "distributed_rms_norm" || op.name == "distributed_layer_norm") {
        return run_distributed_norm_step(s, op, values);
      }
      if (info->family == "moe") return run_expert_step(s, op, values);
      return run_ccl_step(s, op, values);
    case catalog::Execution::kKernel:
    case catalog::Execution::kPipelineOnly:  // refused by the verifier before any run
      return run_kernel_step(s, op, values);
  }
}

void Executor::run_call(const binary::Op& op, Values& values) {
  size_t callee = static_cast<size_t>(op.int_attr("callee"));
  std::vector<Value> args;
  for (uint32_t id : op.operands) args.push_back(values.at(id));
  std::vector<Value> outs = run(callee, std::move(args));
  for (size_t k = 0; k < op.results.size() && k < outs.size(); ++k) {
    values[op.results[k]] = std::move(outs[k]);
  }
}

void Executor::after_op(const binary::Op& op, Values& values) {
  ++r_.ops_executed;
  ++op_seq_;
  if (checker_ && o_.check_op_goldens && op.name != "call") {  // a call's ops check themselves
    for (size_t k = 0; k < op.results.size(); ++k) {
      checker_->check(binary::golden_key(op.loc, k), values.at(op.results[k]), r_.goldens,
                      &r_.goldens_unavailable);
    }
  }
  if (post_op_) {
    std::vector<TensorValue> seen;
    for (uint32_t id : op.results) seen.push_back(to_tensor_value(values.at(id)));
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

std::vector<Value> Executor::run(size_t program_index, std::vector<Value> inputs) {
  const binary::Program& p = bin_.programs.at(program_index);
  const StepContext s{mesh_, p, o_.fabric};
  Values values;
  for (size_t i = 0; i < p.inputs.size() && i < inputs.size(); ++i) {
    values[p.inputs[i]] = std::move(inputs[i]);
  }
  for (const binary::Op& op : p.ops) {
    const uint64_t host_start_ns = PerfRecorder::now_ns();
    if (o_.pre_op) o_.pre_op(op);
    try {
      step_(s, op, values);
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
    after_op(op, values);
  }
  std::vector<Value> outputs;
  for (uint32_t id : p.outputs) outputs.push_back(values.at(id));
  return outputs;
}

}  // namespace

ProgramResult run_program(MeshContext& mesh, const binary::Binary& bin, size_t program_index,
                          const ExecOptions& options, const PostOpCallback& post_op,
                          const std::vector<TensorValue>* user_inputs, const FaultPlan& faults) {
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
  std::unique_ptr<GoldenChecker> checker;
  if (options.check_golden) {
    goldens = user_inputs ? std::make_unique<GoldenTable>(bin, program_index, *user_inputs)
                          : std::make_unique<GoldenTable>(bin, program_index, options.seed,
                                                          options.init, options.ones_density);
    result.golden_source_stored = goldens->stored();
    result.golden_unavailable_reason = goldens->unavailable();
    checker = std::make_unique<GoldenChecker>(*goldens, options.golden, mesh.is_controller());
  }
  {
    Executor exec(mesh, bin, options, post_op, checker.get(), faults, result);
    std::vector<Value> inputs = user_inputs ? exec.adopt_inputs(program_index, *user_inputs)
                                            : exec.make_inputs(program_index);
    for (const Value& v : inputs) result.inputs.push_back(to_tensor_value(v));
    if (mesh.num_ranks() > 1) {
      // Every rank starts the first op once rank 0 has its inputs (generating them takes time
      // that is not the program's): each op's host time then covers the op alone.
      mesh.comm().barrier(comm::Deadline::after(Timeouts::get().answer));
    }
    std::vector<Value> outputs = exec.run(program_index, inputs);
    inputs.clear();
    for (size_t i = 0; i < outputs.size(); ++i) {
      result.outputs.push_back(to_tensor_value(outputs[i]));
      if (checker) checker->check("output_" + std::to_string(i), outputs[i], result.goldens);
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
  if (mesh.is_controller() && options.golden_diff_topk > 0 && checker) {
    result.golden_diffs =
        checker->output_diffs(result, mesh.shape().volume() == 1, options.golden_diff_topk);
  }
  return result;
}

}  // namespace meshrt::runtime
