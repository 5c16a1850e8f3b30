#include "wire.hpp"

#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>

#include <cstring>
#include <optional>

#include "meshrt/common/untrusted.hpp"
#include "meshrt/schemas/commands_generated.h"

namespace meshrt::runtime::wire {

namespace fb = meshrt::wire;

namespace {

flatbuffers::Offset<fb::Tensor> put_tensor(flatbuffers::FlatBufferBuilder& b, const HostTensor& t) {
  std::vector<int64_t> shape(t.shape().begin(), t.shape().end());
  auto s = b.CreateVector(shape);
  auto d = b.CreateVector(reinterpret_cast<const uint8_t*>(t.data()), t.size_bytes());
  return fb::CreateTensor(b, s, static_cast<uint8_t>(t.dtype()), d);
}

std::shared_ptr<const HostTensor> get_tensor(const fb::Tensor* t, int from) {
  if (!t || !t->shape() || !t->data()) {
    raise(ErrorCode::kRankFailed, fmt::format("rank {} sent a tensor without shape or data", from));
  }
  Shape shape = scalars<int64_t>(t->shape());
  if (t->dtype() > static_cast<uint8_t>(DataType::kInt16)) {
    raise(ErrorCode::kRankFailed,
          fmt::format("rank {} sent a tensor of unknown data type code {}", from, t->dtype()));
  }
  const auto dtype = static_cast<DataType>(t->dtype());
  // The bytes are in the message: a shape that matches them cannot claim more than it holds.
  std::optional<uint64_t> elements = checked_volume(shape, t->data()->size());
  if (!elements || *elements * element_size(dtype) != t->data()->size()) {
    raise(ErrorCode::kRankFailed,
          fmt::format("rank {} sent a {} tensor of {} {} bytes", from, shape_to_string(shape),
                      t->data()->size(), mlir_name(dtype)));
  }
  auto out = std::make_shared<HostTensor>(HostTensor::uninitialized(shape, dtype));
  if (out->size_bytes()) std::memcpy(out->data(), t->data()->data(), out->size_bytes());
  return out;
}

flatbuffers::Offset<fb::Input> put_input(flatbuffers::FlatBufferBuilder& b, const TensorValue& v,
                                         const std::vector<DeviceId>* only) {
  std::vector<flatbuffers::Offset<fb::DeviceShard>> shards;
  for (const auto& [d, t] : v.shards) {
    if (!t) continue;
    if (only && std::find(only->begin(), only->end(), d) == only->end()) continue;
    auto tensor = put_tensor(b, *t);
    shards.push_back(fb::CreateDeviceShard(b, d.value, tensor));
  }
  auto sv = b.CreateVector(shards);
  flatbuffers::Offset<fb::Tensor> host;
  if (v.host && !only) host = put_tensor(b, *v.host);
  return fb::CreateInput(b, host, sv);
}

TensorValue get_input(const fb::Input* in, int from) {
  TensorValue v;
  if (!in) return v;
  if (in->host()) v.host = get_tensor(in->host(), from);
  if (in->shards()) {
    for (const auto* s : *in->shards()) v.shards[DeviceId{s->device()}] = get_tensor(s->tensor(), from);
  }
  return v;
}

}  // namespace

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::kLoadBinary:
      return "load_binary";
    case Kind::kReleaseBinary:
      return "release_binary";
    case Kind::kOpenMesh:
      return "open_mesh";
    case Kind::kCloseMesh:
      return "close_mesh";
    case Kind::kReshapeMesh:
      return "reshape_mesh";
    case Kind::kCreateSubMesh:
      return "create_submesh";
    case Kind::kSubmit:
      return "submit";
    case Kind::kMemoryView:
      return "memory_view";
    case Kind::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

namespace {

Submit decode_submit(const fb::Command* in, uint64_t mesh, uint64_t binary, uint64_t seq) {
  const auto* s = in->submit();
  if (!s) {
    raise(ErrorCode::kRankFailed, fmt::format("command {} ('submit') from rank 0 has no run", seq));
  }
  Submit x;
  x.mesh = mesh;
  x.binary = binary;
  x.program_index = s->program_index();
  if (const auto* e = s->options()) {
    x.exec.seed = e->seed();
    if (e->init() > static_cast<uint8_t>(InitKind::kOnes)) {
      raise(ErrorCode::kRankFailed,
            fmt::format("command {} from rank 0 has unknown init kind {}", seq, e->init()));
    }
    x.exec.init = static_cast<InitKind>(e->init());
    x.exec.check_golden = e->check_golden();
    x.exec.golden = {e->pcc(), e->atol(), e->rtol(), e->atol_allclose(), e->rtol_allclose()};
    x.exec.collect_memory = e->collect_memory();
    x.hooks = e->hooks();
    x.exec.ones_density = e->ones_density();
    x.exec.check_op_goldens = e->check_op_goldens();
    x.exec.golden_diff_topk = e->golden_diff_topk();
    if (e->fabric() > static_cast<uint8_t>(report::FabricConfig::kCustom)) {
      raise(ErrorCode::kRankFailed,
            fmt::format("command {} from rank 0 has unknown fabric {}", seq, e->fabric()));
    }
    x.exec.fabric = static_cast<report::FabricConfig>(e->fabric());
  }
  if (const auto* f = s->faults()) {
    if (f->wrong_result_at()) x.faults.wrong_result_at = f->wrong_result_at()->str();
    if (f->leak_at()) x.faults.leak_at = f->leak_at()->str();
  }
  x.has_inputs = s->has_inputs();
  if (s->inputs()) {
    for (const auto* i : *s->inputs()) x.inputs.push_back(get_input(i, 0));
  }
  return x;
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// The flatbuffers table of a command: its kind, the object it creates or acts on (`handle`),
// the parent mesh or the binary (`target`) and the arguments of its kind.
struct Encoded {
  uint64_t handle = 0, target = 0;
  flatbuffers::Offset<fb::LoadBinaryArgs> load;
  flatbuffers::Offset<fb::OpenMeshArgs> open;
  flatbuffers::Offset<fb::MeshGeometry> geometry;
  flatbuffers::Offset<fb::SubmitArgs> submit;
};

}  // namespace

std::vector<uint8_t> encode(const Command& c, const std::vector<DeviceId>* only) {
  const auto* load_args = std::get_if<LoadBinary>(&c.body);
  flatbuffers::FlatBufferBuilder b(1024 + (load_args ? load_args->bytes.size() : 0));
  auto geometry = [&](const MeshShape& s, const MeshCoordinate& o) {
    return fb::CreateMeshGeometry(b, s.rows, s.cols, o.row, o.col);
  };
  Encoded e = std::visit(
      Overloaded{
          [&](const LoadBinary& x) {
            Encoded out{x.binary};
            out.load = fb::CreateLoadBinaryArgs(b, b.CreateString(x.name), b.CreateVector(x.bytes),
                                                x.ignore_version);
            return out;
          },
          [&](const ReleaseBinary& x) { return Encoded{x.binary}; },
          [&](const OpenMesh& x) {
            Encoded out{x.mesh};
            out.open = fb::CreateOpenMeshArgs(b, b.CreateString(x.cluster_json), x.shape.rows,
                                              x.shape.cols, 0, 0, b.CreateVector(x.device_ids),
                                              x.l1_small_size, x.trace_region_size);
            return out;
          },
          [&](const CloseMesh& x) { return Encoded{x.mesh}; },
          [&](const ReshapeMesh& x) {
            Encoded out{x.mesh};
            out.geometry = geometry(x.shape, {});
            return out;
          },
          [&](const CreateSubMesh& x) {
            Encoded out{x.mesh, x.parent};
            out.geometry = geometry(x.shape, x.offset);
            return out;
          },
          [&](const Submit& x) {
            Encoded out{x.mesh, x.binary};
            const ExecOptions& o = x.exec;
            auto opts = fb::CreateExecOptions(
                b, o.seed, static_cast<uint8_t>(o.init), o.check_golden, o.golden.pcc,
                o.golden.atol, o.golden.rtol, o.collect_memory, x.hooks, o.ones_density,
                o.check_op_goldens, static_cast<uint8_t>(o.fabric), o.golden_diff_topk,
                o.golden.atol_allclose, o.golden.rtol_allclose);
            std::vector<flatbuffers::Offset<fb::Input>> inputs;
            for (const auto& v : x.inputs) inputs.push_back(put_input(b, v, only));
            auto faults = x.faults.empty()
                              ? 0
                              : fb::CreateFaultPlan(b, b.CreateString(x.faults.wrong_result_at),
                                                    b.CreateString(x.faults.leak_at));
            out.submit = fb::CreateSubmitArgs(b, x.program_index, opts, x.has_inputs,
                                              b.CreateVector(inputs), faults);
            return out;
          },
          [&](const MemoryView& x) { return Encoded{x.mesh}; },
          [&](const Shutdown&) { return Encoded{}; },
      },
      c.body);
  b.Finish(fb::CreateCommand(b, c.seq, static_cast<fb::CommandKind>(c.kind()), e.handle, e.target,
                             e.load, e.open, e.geometry, e.submit));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

Command decode_command(std::span<const uint8_t> given) {
  std::vector<uint8_t> storage;
  std::span<const uint8_t> bytes = aligned(given, storage);
  flatbuffers::Verifier v(bytes.data(), bytes.size(), 64, 100000000);
  if (!v.VerifyBuffer<fb::Command>(nullptr)) {
    raise(ErrorCode::kRankFailed,
          fmt::format("malformed command from rank 0 ({} bytes)", bytes.size()));
  }
  const fb::Command* in = flatbuffers::GetRoot<fb::Command>(bytes.data());
  Command c;
  c.seq = in->seq();
  const uint64_t handle = in->handle(), target = in->target();
  auto missing = [&](const char* what) {
    raise(ErrorCode::kRankFailed, fmt::format("command {} ('{}') from rank 0 has no {}", c.seq,
                                              kind_name(static_cast<Kind>(in->kind())), what));
  };
  switch (static_cast<uint8_t>(in->kind())) {
    case static_cast<uint8_t>(Kind::kLoadBinary): {
      const auto* l = in->load();
      if (!l) missing("binary");
      LoadBinary x{handle, l->name() ? l->name()->str() : "", scalars<uint8_t>(l->bytes()),
                   l->ignore_version()};
      c.body = std::move(x);
      break;
    }
    case static_cast<uint8_t>(Kind::kReleaseBinary):
      c.body = ReleaseBinary{handle};
      break;
    case static_cast<uint8_t>(Kind::kOpenMesh): {
      const auto* o = in->open();
      if (!o) missing("mesh to open");
      OpenMesh x;
      x.mesh = handle;
      if (o->cluster_json()) x.cluster_json = o->cluster_json()->str();
      x.device_ids = scalars<uint32_t>(o->device_ids());
      x.shape = {o->rows(), o->cols()};
      x.l1_small_size = o->l1_small_size();
      x.trace_region_size = o->trace_region_size();
      c.body = std::move(x);
      break;
    }
    case static_cast<uint8_t>(Kind::kCloseMesh):
      c.body = CloseMesh{handle};
      break;
    case static_cast<uint8_t>(Kind::kReshapeMesh):
    case static_cast<uint8_t>(Kind::kCreateSubMesh): {
      const auto* g = in->geometry();
      if (!g) missing("mesh geometry");
      const MeshShape shape{g->rows(), g->cols()};
      if (in->kind() == fb::CommandKind::ReshapeMesh) {
        c.body = ReshapeMesh{handle, shape};
      } else {
        c.body = CreateSubMesh{handle, target, shape, {g->offset_row(), g->offset_col()}};
      }
      break;
    }
    case static_cast<uint8_t>(Kind::kSubmit):
      c.body = decode_submit(in, handle, target, c.seq);
      break;
    case static_cast<uint8_t>(Kind::kMemoryView):
      c.body = MemoryView{handle};
      break;
    case static_cast<uint8_t>(Kind::kShutdown):
      c.body = Shutdown{};
      break;
    default:
      raise(ErrorCode::kRankFailed, fmt::format("command {} from rank 0 has unknown kind {}",
                                                c.seq, static_cast<unsigned>(in->kind())));
  }
  return c;
}

std::vector<uint8_t> encode(const Response& r) {
  flatbuffers::FlatBufferBuilder b(256 + r.payload.size());
  b.Finish(fb::CreateResponse(b, r.seq, r.rank, r.ok, static_cast<uint8_t>(r.code),
                              b.CreateString(r.message), b.CreateVector(r.payload)));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

Response decode_response(std::span<const uint8_t> given, int from) {
  std::vector<uint8_t> storage;
  std::span<const uint8_t> bytes = aligned(given, storage);
  flatbuffers::Verifier v(bytes.data(), bytes.size(), 64, 100000000);
  if (!v.VerifyBuffer<fb::Response>(nullptr)) {
    raise(ErrorCode::kRankFailed,
          fmt::format("malformed response from rank {} ({} bytes)", from, bytes.size()));
  }
  const fb::Response* in = flatbuffers::GetRoot<fb::Response>(bytes.data());
  Response r;
  r.seq = in->seq();
  r.rank = in->rank();
  r.ok = in->ok();
  r.code = in->code() > static_cast<uint8_t>(ErrorCode::kInternal)
               ? ErrorCode::kInternal
               : static_cast<ErrorCode>(in->code());
  if (in->message()) r.message = in->message()->str();
  r.payload = scalars<uint8_t>(in->payload());
  return r;
}

std::vector<uint8_t> encode_value(const TensorValue& value) {
  flatbuffers::FlatBufferBuilder b(1024);
  b.Finish(put_input(b, value, nullptr));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

TensorValue decode_value(std::span<const uint8_t> given, int from) {
  std::vector<uint8_t> storage;
  std::span<const uint8_t> bytes = aligned(given, storage);
  flatbuffers::Verifier v(bytes.data(), bytes.size(), 64, 100000000);
  if (!v.VerifyBuffer<fb::Input>(nullptr)) {
    raise(ErrorCode::kRankFailed, fmt::format("malformed op output from rank {}", from));
  }
  return get_input(flatbuffers::GetRoot<fb::Input>(bytes.data()), from);
}

}  // namespace meshrt::runtime::wire
