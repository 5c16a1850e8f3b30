// Debug hooks (see debug.hpp). Under MPI every rank takes part: after each op the workers send
// their chips' shards of its outputs to rank 0, rank 0 runs the callbacks, then tells the
// workers to go on (or that a callback failed, which ends the program on every rank).
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

#include "meshrt/common/timeouts.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/report/memory_json.hpp"
#include "meshrt/runtime/debug.hpp"
#include <nlohmann/json.hpp>
#include "session.hpp"
#include "tensor_state.hpp"

namespace tt::runtime {

using meshrt::ErrorCode;
using meshrt::raise;
using meshrt::runtime::TensorValue;

namespace {

struct ProgramCtx {
  uint64_t binary_handle = 0;
  std::shared_ptr<const meshrt::binary::Binary> binary;
  uint32_t program_index = 0;
  meshrt::MeshShape mesh;
  std::string deferred_error;  // a pre-op callback failure, reported after the op
};

struct OpCtx {
  const meshrt::binary::Op* op = nullptr;
  const std::vector<TensorValue>* outputs = nullptr;
};

// The memory of every chip of the mesh after the op whose post-op callback runs on this thread
// (what getMemoryView answers there: the runtime is busy running the program, so the ranks
// cannot serve a memory command then).
thread_local const std::vector<meshrt::device::MemoryView>* t_callback_views = nullptr;

debug::Hooks& instance() {
  static debug::Hooks hooks;
  return hooks;
}

const OpCtx& op_ctx(OpContext c) {
  if (!c.handle) raise(ErrorCode::kInvalidArgument, "OpContext used outside a debug callback");
  return *static_cast<const OpCtx*>(c.handle);
}

std::chrono::milliseconds hook_wait() { return meshrt::Timeouts::get().hook; }

// Every rank: output shards of every chip to rank 0 (rank 0 returns them merged).
std::vector<TensorValue> gather_outputs(meshrt::runtime::MeshContext& mesh,
                                        const meshrt::binary::Op& op,
                                        const std::vector<TensorValue>& local) {
  namespace comm = meshrt::comm;
  namespace wire = meshrt::runtime::wire;
  if (mesh.num_ranks() == 1 || op.name == "call") return local;
  std::vector<TensorValue> full = local;
  auto deadline = comm::Deadline::after(meshrt::Timeouts::get().data_base);  // sizes not known
  for (size_t k = 0; k < local.size(); ++k) {
    if (!mesh.is_controller()) {
      TensorValue mine{nullptr, local[k].shards};
      std::vector<uint8_t> bytes = wire::encode_value(mine);
      mesh.comm().exchange(meshrt::runtime::detail::kTagHookGather, {{0, bytes}}, {}, deadline);
      continue;
    }
    std::vector<int> sources;
    for (int r = 1; r < mesh.num_ranks(); ++r) sources.push_back(r);
    auto got = mesh.comm().exchange(meshrt::runtime::detail::kTagHookGather, {}, sources, deadline);
    for (size_t i = 0; i < got.size(); ++i) {
      TensorValue theirs = wire::decode_value(got[i], sources[i]);
      for (auto& [d, t] : theirs.shards) full[k].shards[d] = t;
    }
  }
  return full;
}

// Every rank: its chips' memory views to rank 0 (rank 0 returns every chip's, by device id).
std::vector<meshrt::device::MemoryView> gather_memory(meshrt::runtime::MeshContext& mesh) {
  namespace comm = meshrt::comm;
  std::vector<meshrt::device::MemoryView> views;
  for (size_t l = 0; l < mesh.local_devices().size(); ++l) {
    views.push_back(mesh.device(l).memory_view());
    views.back().device = mesh.local_devices()[l];
  }
  if (mesh.num_ranks() == 1) return views;
  auto deadline = comm::Deadline::after(meshrt::Timeouts::get().data_base);
  if (!mesh.is_controller()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& v : views) j.push_back(meshrt::report::memory_view_to_json(v));
    const std::string text = j.dump();
    mesh.comm().exchange(meshrt::runtime::detail::kTagHookGather,
                         {{0, comm::Bytes(text.begin(), text.end())}}, {}, deadline);
    return {};
  }
  std::vector<int> sources;
  for (int r = 1; r < mesh.num_ranks(); ++r) sources.push_back(r);
  auto got = mesh.comm().exchange(meshrt::runtime::detail::kTagHookGather, {}, sources, deadline);
  for (const auto& bytes : got) {
    for (const auto& v : nlohmann::json::parse(bytes.begin(), bytes.end()))
      views.push_back(meshrt::report::memory_view_from_json(v.get<std::string>()));
  }
  return views;
}

}  // namespace

namespace debug {

const Hooks& Hooks::get(std::optional<OpCallback> pre, std::optional<OpCallback> post,
                        std::optional<ProgramCallback> pre_program,
                        std::optional<ProgramCallback> post_program) {
  Hooks& h = instance();
  if (pre || post || pre_program || post_program) {
    h.pre_op_ = std::move(pre);
    h.post_op_ = std::move(post);
    h.pre_program_ = std::move(pre_program);
    h.post_program_ = std::move(post_program);
  }
  return h;
}

void Hooks::unregisterHooks() const {
  pre_op_.reset();
  post_op_.reset();
  pre_program_.reset();
  post_program_.reset();
}

}  // namespace debug

std::string getOpDebugString(OpContext c) { return op_ctx(c).op->debug_str; }
std::string getOpLocInfo(OpContext c) { return op_ctx(c).op->loc; }

std::unordered_map<uint32_t, Tensor> getOpOutputTensor(OpContext c, CallbackContext p,
                                                       size_t index) {
  const OpCtx& oc = op_ctx(c);
  if (!oc.outputs) return {};  // a pre-op callback: nothing computed yet (as tt-mlir's ttrt)
  if (index >= oc.outputs->size()) {
    raise(ErrorCode::kNotFound, fmt::format("op '{}' at {} has {} outputs, asked for output {}",
                                            oc.op->name, oc.op->loc, oc.outputs->size(), index));
  }
  const TensorValue& v = (*oc.outputs)[index];
  std::unordered_map<uint32_t, Tensor> out;
  if (v.host) out[0] = createTensor(v.host);
  for (const auto& [d, t] : v.shards) out[d.value] = createTensor(t);
  (void)p;
  return out;
}

std::unordered_map<uint32_t, Tensor> getDebugInfoGolden(Binary binary, const std::string& loc) {
  std::unordered_map<uint32_t, Tensor> out;
  for (const auto& program : binary.get().goldens) {
    for (const auto& g : program.goldens) {
      if (g.loc == loc)
        out[g.device_id] = createTensor(std::make_shared<meshrt::HostTensor>(g.tensor));
    }
    if (!out.empty()) break;
  }
  return out;
}

uint32_t getProgramIndex(CallbackContext p) {
  if (!p.handle)
    raise(ErrorCode::kInvalidArgument, "CallbackContext used outside a debug callback");
  return static_cast<const ProgramCtx*>(p.handle)->program_index;
}

}  // namespace tt::runtime

namespace meshrt::runtime::detail {

using tt::runtime::Binary;
using tt::runtime::CallbackContext;
using tt::runtime::OpContext;

bool hooks_active() { return tt::runtime::instance().active(); }

const std::vector<device::MemoryView>* callback_memory_views() {
  return tt::runtime::t_callback_views;
}

void program_hook(bool before, uint64_t binary_handle, std::shared_ptr<const binary::Binary> bin,
                  uint32_t program_index) {
  const auto& h = tt::runtime::instance();
  const auto& cb = before ? h.getPreProgramCallback() : h.getPostProgramCallback();
  if (!cb) return;
  tt::runtime::ProgramCtx p{
      binary_handle, bin, program_index, bin->programs.at(program_index).mesh_shape, {}};
  (*cb)(tt::runtime::detail::Handles::binary(binary_handle, bin), CallbackContext{&p});
}

void attach_hooks(MeshContext& mesh, uint64_t binary_handle,
                  std::shared_ptr<const binary::Binary> bin, uint32_t program_index,
                  ExecOptions& options, PostOpCallback& post_op) {
  auto p = std::make_shared<tt::runtime::ProgramCtx>();
  *p = {binary_handle, bin, program_index, mesh.shape(), {}};
  const bool controller = mesh.is_controller();
  const auto& h = tt::runtime::instance();
  if (controller && h.getPreOperatorCallback()) {
    auto cb = *h.getPreOperatorCallback();
    options.pre_op = [p, cb](const binary::Op& op) {
      if (!p->deferred_error.empty()) return;
      tt::runtime::OpCtx oc{&op, nullptr};
      try {
        cb(tt::runtime::detail::Handles::binary(p->binary_handle, p->binary), CallbackContext{p.get()},
           OpContext{&oc});
      } catch (const std::exception& e) {
        p->deferred_error = e.what();
      }
    };
  }
  std::optional<tt::runtime::debug::OpCallback> post = h.getPostOperatorCallback();
  post_op = [&mesh, p, controller, post](const binary::Op& op,
                                         const std::vector<TensorValue>& local) {
    std::vector<TensorValue> full = tt::runtime::gather_outputs(mesh, op, local);
    const std::vector<meshrt::device::MemoryView> memory = tt::runtime::gather_memory(mesh);
    std::string error = p->deferred_error;
    if (controller && post && error.empty()) {
      tt::runtime::OpCtx oc{&op, &full};
      tt::runtime::t_callback_views = &memory;
      try {
        (*post)(tt::runtime::detail::Handles::binary(p->binary_handle, p->binary),
                CallbackContext{p.get()}, OpContext{&oc});
      } catch (const std::exception& e) {
        error = e.what();
      }
      tt::runtime::t_callback_views = nullptr;
    }
    if (mesh.num_ranks() > 1) {
      comm::Bytes status(error.begin(), error.end());
      status.push_back(error.empty() ? 1 : 0);
      auto wait = controller ? meshrt::Timeouts::get().control : tt::runtime::hook_wait();
      mesh.comm().broadcast(status, 0, comm::Deadline::after(wait));
      if (!status.empty() && status.back() == 0) error.assign(status.begin(), status.end() - 1);
    }
    if (!error.empty()) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("debug hook after op '{}' at {}: {}", op.name, op.loc, error));
    }
  };
}

}  // namespace meshrt::runtime::detail
