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
                                         const std::vector<uint32_t>* only) {
  std::vector<flatbuffers::Offset<fb::DeviceShard>> shards;
  for (const auto& [d, t] : v.shards) {
    if (!t) continue;
    if (only && std::find(only->begin(), only->end(), d) == only->end()) continue;
    auto tensor = put_tensor(b, *t);
    shards.push_back(fb::CreateDeviceShard(b, d, tensor));
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
    for (const auto* s : *in->shards()) v.shards[s->device()] = get_tensor(s->tensor(), from);
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

std::vector<uint8_t> encode(const Command& c, const std::vector<uint32_t>* only) {
  flatbuffers::FlatBufferBuilder b(1024 + c.bytes.size());
  flatbuffers::Offset<fb::LoadBinaryArgs> load;
  flatbuffers::Offset<fb::OpenMeshArgs> open;
  flatbuffers::Offset<fb::MeshGeometry> geometry;
  flatbuffers::Offset<fb::SubmitArgs> submit;
  switch (c.kind) {
    case Kind::kLoadBinary:
      load = fb::CreateLoadBinaryArgs(b, b.CreateString(c.name), b.CreateVector(c.bytes),
                                      c.ignore_version);
      break;
    case Kind::kOpenMesh:
      open = fb::CreateOpenMeshArgs(b, b.CreateString(c.cluster_json), c.shape.rows, c.shape.cols,
                                    c.offset.row, c.offset.col, b.CreateVector(c.device_ids),
                                    c.l1_small_size, c.trace_region_size);
      break;
    case Kind::kReshapeMesh:
    case Kind::kCreateSubMesh:
      geometry = fb::CreateMeshGeometry(b, c.shape.rows, c.shape.cols, c.offset.row, c.offset.col);
      break;
    case Kind::kSubmit: {
      const ExecOptions& e = c.exec;
      auto opts = fb::CreateExecOptions(
          b, e.seed, static_cast<uint8_t>(e.init), e.check_golden, e.golden.pcc, e.golden.atol,
          e.golden.rtol, e.collect_memory, b.CreateString(e.inject_fault_loc),
          b.CreateString(e.debug_leak_loc), c.hooks, e.ones_density, e.check_op_goldens,
          static_cast<uint8_t>(e.fabric), e.golden_diff_topk, e.golden.atol_allclose,
          e.golden.rtol_allclose);
      std::vector<flatbuffers::Offset<fb::Input>> inputs;
      for (const auto& v : c.inputs) inputs.push_back(put_input(b, v, only));
      submit = fb::CreateSubmitArgs(b, c.program_index, opts, c.has_inputs, b.CreateVector(inputs));
      break;
    }
    default:
      break;
  }
  b.Finish(fb::CreateCommand(b, c.seq, static_cast<fb::CommandKind>(c.kind), c.handle, c.target,
                             load, open, geometry, submit));
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
  if (static_cast<uint8_t>(in->kind()) > static_cast<uint8_t>(Kind::kShutdown)) {
    raise(ErrorCode::kRankFailed, fmt::format("command {} from rank 0 has unknown kind {}", c.seq,
                                              static_cast<unsigned>(in->kind())));
  }
  c.kind = static_cast<Kind>(in->kind());
  c.handle = in->handle();
  c.target = in->target();
  if (const auto* l = in->load()) {
    if (l->name()) c.name = l->name()->str();
    c.bytes = scalars<uint8_t>(l->bytes());
    c.ignore_version = l->ignore_version();
  }
  if (const auto* o = in->open()) {
    if (o->cluster_json()) c.cluster_json = o->cluster_json()->str();
    c.shape = {o->rows(), o->cols()};
    c.offset = {o->offset_row(), o->offset_col()};
    c.device_ids = scalars<uint32_t>(o->device_ids());
    c.l1_small_size = o->l1_small_size();
    c.trace_region_size = o->trace_region_size();
  }
  if (const auto* g = in->geometry()) {
    c.shape = {g->rows(), g->cols()};
    c.offset = {g->offset_row(), g->offset_col()};
  }
  if (const auto* s = in->submit()) {
    c.program_index = s->program_index();
    if (const auto* e = s->options()) {
      c.exec.seed = e->seed();
      if (e->init() > static_cast<uint8_t>(InitKind::kOnes)) {
        raise(ErrorCode::kRankFailed,
              fmt::format("command {} from rank 0 has unknown init kind {}", c.seq, e->init()));
      }
      c.exec.init = static_cast<InitKind>(e->init());
      c.exec.check_golden = e->check_golden();
      c.exec.golden = {e->pcc(), e->atol(), e->rtol(), e->atol_allclose(), e->rtol_allclose()};
      c.exec.collect_memory = e->collect_memory();
      if (e->inject_fault_loc()) c.exec.inject_fault_loc = e->inject_fault_loc()->str();
      if (e->debug_leak_loc()) c.exec.debug_leak_loc = e->debug_leak_loc()->str();
      c.hooks = e->hooks();
      c.exec.ones_density = e->ones_density();
      c.exec.check_op_goldens = e->check_op_goldens();
      c.exec.golden_diff_topk = e->golden_diff_topk();
      if (e->fabric() > static_cast<uint8_t>(report::FabricConfig::kCustom)) {
        raise(ErrorCode::kRankFailed,
              fmt::format("command {} from rank 0 has unknown fabric {}", c.seq, e->fabric()));
      }
      c.exec.fabric = static_cast<report::FabricConfig>(e->fabric());
    }
    c.has_inputs = s->has_inputs();
    if (s->inputs()) {
      for (const auto* i : *s->inputs()) c.inputs.push_back(get_input(i, 0));
    }
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
