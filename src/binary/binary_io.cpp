#include "meshrt/binary/binary_io.hpp"

#include <fmt/format.h>

#include <cstring>

#include "meshrt/common/error.hpp"
#include "meshrt/common/file_io.hpp"
#include "meshrt/common/untrusted.hpp"
#include "meshrt/schemas/binary_generated.h"

namespace meshrt::binary {

namespace fbs = ::meshrt::fb;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

Version current_version() {
  return Version{MESHRT_VERSION_MAJOR, MESHRT_VERSION_MINOR, MESHRT_VERSION_PATCH};
}

std::string current_schema_hash() { return MESHRT_SCHEMA_HASH; }

namespace {

Offset<fbs::TensorDesc> write_desc(FlatBufferBuilder& b, const TensorDesc& d) {
  return fbs::CreateTensorDesc(
      b, b.CreateVector(d.shape), static_cast<fbs::DataType>(d.dtype),
      static_cast<fbs::Layout>(d.layout), static_cast<fbs::BufferType>(d.buffer),
      static_cast<fbs::MemoryLayout>(d.memory_layout), d.presharded, b.CreateVector(d.local_shape),
      b.CreateString(d.name), b.CreateString(d.argument_type));
}

Offset<fbs::NamedAttr> write_attr(FlatBufferBuilder& b, const std::string& name,
                                  const AttrValue& v) {
  auto key = b.CreateString(name);
  fbs::AttrValue type = fbs::AttrValue::NONE;
  Offset<void> value;
  if (auto* x = std::get_if<bool>(&v)) {
    type = fbs::AttrValue::BoolAttr;
    value = fbs::CreateBoolAttr(b, *x).Union();
  } else if (auto* i = std::get_if<int64_t>(&v)) {
    type = fbs::AttrValue::IntAttr;
    value = fbs::CreateIntAttr(b, *i).Union();
  } else if (auto* f = std::get_if<double>(&v)) {
    type = fbs::AttrValue::FloatAttr;
    value = fbs::CreateFloatAttr(b, *f).Union();
  } else if (auto* s = std::get_if<std::string>(&v)) {
    type = fbs::AttrValue::StringAttr;
    value = fbs::CreateStringAttr(b, b.CreateString(*s)).Union();
  } else if (auto* ia = std::get_if<std::vector<int64_t>>(&v)) {
    type = fbs::AttrValue::IntArrayAttr;
    value = fbs::CreateIntArrayAttr(b, b.CreateVector(*ia)).Union();
  } else if (auto* fa = std::get_if<std::vector<double>>(&v)) {
    type = fbs::AttrValue::FloatArrayAttr;
    value = fbs::CreateFloatArrayAttr(b, b.CreateVector(*fa)).Union();
  } else if (auto* e = std::get_if<DenseElements>(&v)) {
    type = fbs::AttrValue::DenseAttr;
    value = fbs::CreateDenseAttr(b, b.CreateVector(e->shape), static_cast<fbs::DataType>(e->dtype),
                                 b.CreateVector(e->values))
                .Union();
  }
  return fbs::CreateNamedAttr(b, key, type, value);
}

Offset<fbs::Op> write_op(FlatBufferBuilder& b, const Op& op) {
  std::vector<Offset<fbs::NamedAttr>> attrs;
  for (const auto& [k, v] : op.attrs) attrs.push_back(write_attr(b, k, v));
  return fbs::CreateOp(b, b.CreateString(op.name), b.CreateString(op.loc),
                       b.CreateString(op.debug_str), b.CreateVector(op.operands),
                       b.CreateVector(op.results), b.CreateVector(attrs), b.CreateVector(op.frees));
}

Offset<fbs::Program> write_program(FlatBufferBuilder& b, const Program& p) {
  std::vector<Offset<fbs::TensorDesc>> values;
  for (const auto& d : p.values) values.push_back(write_desc(b, d));
  std::vector<Offset<fbs::Op>> ops;
  for (const auto& op : p.ops) ops.push_back(write_op(b, op));
  fbs::MeshShape mesh(p.mesh_shape.rows, p.mesh_shape.cols);
  return fbs::CreateProgram(b, b.CreateString(p.name), p.is_private, &mesh, b.CreateVector(values),
                            b.CreateVector(p.inputs), b.CreateVector(p.outputs),
                            b.CreateVector(ops));
}

Offset<fbs::ProgramGoldens> write_goldens(FlatBufferBuilder& b, const ProgramGoldens& g) {
  std::vector<Offset<fbs::GoldenTensor>> tensors;
  for (const auto& t : g.goldens) {
    auto data =
        b.CreateVector(reinterpret_cast<const uint8_t*>(t.tensor.data()), t.tensor.size_bytes());
    tensors.push_back(fbs::CreateGoldenTensor(b, b.CreateString(t.loc), t.device_id,
                                              b.CreateVector(t.tensor.shape()),
                                              static_cast<fbs::DataType>(t.tensor.dtype()), data));
  }
  return fbs::CreateProgramGoldens(b, g.seed, static_cast<fbs::InitKind>(g.init),
                                   b.CreateVector(tensors));
}

// A string of the binary (absent: empty). Names, locs and sources end up in JSON result files.
std::string text(const flatbuffers::String* s, const std::string& name, const std::string& what) {
  if (!s) return {};
  return utf8_text(s->str(), ErrorCode::kInvalidArgument, name + ": corrupted binary", what);
}

// Limits on what a binary may claim before anything is sized from it: the DRAM and host
// memory preflights then see sizes that cannot overflow.
constexpr size_t kMaxRank = 32;
constexpr uint64_t kMaxElements = uint64_t{1} << 48;
constexpr uint32_t kMaxMeshSide = 1u << 16;
constexpr uint64_t kMaxMeshChips = uint64_t{1} << 20;

// Every read of a binary names the file and what is wrong with it.
[[noreturn]] void corrupt(const std::string& name, const std::string& what) {
  raise(ErrorCode::kInvalidArgument, fmt::format("{}: corrupted binary: {}", name, what));
}

template <typename T>
const T& need(const T* field, const std::string& name, const std::string& what) {
  return present(field, ErrorCode::kInvalidArgument, name + ": corrupted binary", what);
}

DataType read_dtype(fbs::DataType t, const std::string& name) {
  auto raw = static_cast<uint8_t>(t);
  if (raw > static_cast<uint8_t>(DataType::kInt16)) {
    raise(ErrorCode::kInvalidArgument, fmt::format("{}: unknown data type code {}", name, raw));
  }
  return static_cast<DataType>(raw);
}

// An enum stored as a byte: its value when it is one of the `count` the schema defines.
template <typename E, typename F>
E read_enum(F raw, uint8_t count, const std::string& name, const std::string& what) {
  auto v = static_cast<uint8_t>(raw);
  if (v >= count)
    corrupt(name, fmt::format("{} has code {}, not one of the {} defined", what, v, count));
  return static_cast<E>(v);
}

Shape read_shape(const flatbuffers::Vector<int64_t>* v, const std::string& name,
                 const std::string& what) {
  Shape shape = scalars<int64_t>(v);
  if (shape.size() > kMaxRank) {
    corrupt(name, fmt::format("{} has rank {} (at most {})", what, shape.size(), kMaxRank));
  }
  if (!checked_volume(shape, kMaxElements)) {
    corrupt(name, fmt::format("{} has shape {}: a negative dim or more than 2^48 elements", what,
                              shape_to_string(shape)));
  }
  return shape;
}

AttrValue read_attr(const fbs::NamedAttr& a, const std::string& name, const std::string& where) {
  const std::string key = text(a.name(), name, where + " attribute name");
  const std::string what = fmt::format("{} attribute '{}'", where, key);
  switch (a.value_type()) {
    case fbs::AttrValue::BoolAttr:
      return need(a.value_as_BoolAttr(), name, what + " value").value();
    case fbs::AttrValue::IntAttr:
      return static_cast<int64_t>(need(a.value_as_IntAttr(), name, what + " value").value());
    case fbs::AttrValue::FloatAttr:
      return need(a.value_as_FloatAttr(), name, what + " value").value();
    case fbs::AttrValue::StringAttr:
      return text(need(a.value_as_StringAttr(), name, what + " value").value(), name, what);
    case fbs::AttrValue::IntArrayAttr:
      return scalars<int64_t>(need(a.value_as_IntArrayAttr(), name, what + " value").values());
    case fbs::AttrValue::FloatArrayAttr:
      return scalars<double>(need(a.value_as_FloatArrayAttr(), name, what + " value").values());
    case fbs::AttrValue::DenseAttr: {
      const auto& d = need(a.value_as_DenseAttr(), name, what + " value");
      DenseElements e{read_shape(d.shape(), name, what), read_dtype(d.dtype(), name),
                      scalars<double>(d.values())};
      if (e.values.size() != 1 && e.values.size() != static_cast<size_t>(volume(e.shape))) {
        corrupt(name, fmt::format("{} holds {} values for shape {}", what, e.values.size(),
                                  shape_to_string(e.shape)));
      }
      return e;
    }
    default:
      break;
  }
  raise(ErrorCode::kInvalidArgument, fmt::format("{}: {} has no value", name, what));
}

Program read_program(const fbs::Program& p, const std::string& name) {
  Program out;
  out.name = text(p.name(), name, "a program name");
  const std::string where = fmt::format("program '{}'", out.name);
  out.is_private = p.private_();
  if (p.mesh_shape()) {
    uint32_t rows = p.mesh_shape()->rows(), cols = p.mesh_shape()->cols();
    if (rows == 0 || cols == 0 || rows > kMaxMeshSide || cols > kMaxMeshSide ||
        uint64_t{rows} * cols > kMaxMeshChips) {
      corrupt(name, fmt::format("{} has a {}x{} mesh (at most {} chips)", where, rows, cols,
                                kMaxMeshChips));
    }
    out.mesh_shape = MeshShape{rows, cols};
  }
  if (p.values()) {
    for (const auto* d : *p.values()) {
      const std::string what = fmt::format("{} value {}", where, out.values.size());
      TensorDesc desc;
      desc.shape = read_shape(d->shape(), name, what);
      desc.dtype = read_dtype(d->dtype(), name);
      desc.layout = read_enum<Layout>(d->layout(), 3, name, what + " layout");
      desc.buffer = read_enum<BufferType>(d->buffer(), 2, name, what + " buffer type");
      desc.memory_layout =
          read_enum<MemoryLayout>(d->memory_layout(), 2, name, what + " memory layout");
      desc.presharded = d->presharded();
      desc.local_shape = read_shape(d->local_shape(), name, what + " local shape");
      desc.name = text(d->name(), name, what + " name");
      desc.argument_type = text(d->argument_type(), name, what + " argument type");
      out.values.push_back(std::move(desc));
    }
  }
  out.inputs = scalars<uint32_t>(p.inputs());
  out.outputs = scalars<uint32_t>(p.outputs());
  const auto n = static_cast<uint32_t>(out.values.size());
  auto check_ids = [&](const std::vector<uint32_t>& ids, const std::string& what) {
    for (uint32_t id : ids) {
      if (id >= n) {
        raise(ErrorCode::kInvalidArgument,
              fmt::format("{}: program '{}': {} refers to value {} but there are {} values", name,
                          out.name, what, id, n));
      }
    }
  };
  check_ids(out.inputs, "an input");
  check_ids(out.outputs, "an output");
  if (p.ops()) {
    for (const auto* o : *p.ops()) {
      Op op;
      op.name = text(o->name(), name, where + " op name");
      op.loc = text(o->loc(), name, fmt::format("{} op '{}' loc", where, op.name));
      op.debug_str = text(o->debug_str(), name, fmt::format("{} op '{}' text", where, op.name));
      op.operands = scalars<uint32_t>(o->operands());
      op.results = scalars<uint32_t>(o->results());
      op.frees = scalars<uint32_t>(o->frees());
      check_ids(op.operands, fmt::format("op '{}' ({}) operand", op.name, op.loc));
      check_ids(op.results, fmt::format("op '{}' ({}) result", op.name, op.loc));
      check_ids(op.frees, fmt::format("op '{}' ({}) free list", op.name, op.loc));
      if (o->attrs()) {
        const std::string what = fmt::format("{} op '{}' ({})", where, op.name, op.loc);
        for (const auto* a : *o->attrs()) {
          op.attrs[text(a->name(), name, what + " attribute name")] = read_attr(*a, name, what);
        }
      }
      out.ops.push_back(std::move(op));
    }
  }
  return out;
}

ProgramGoldens read_goldens(const fbs::ProgramGoldens& g, const std::string& name) {
  ProgramGoldens out;
  out.seed = g.seed();
  out.init = read_enum<InitKind>(g.init(), 4, name, "the goldens' input init kind");
  if (!g.goldens()) return out;
  for (const auto* t : *g.goldens()) {
    Golden golden;
    golden.loc = text(t->loc(), name, "a golden's loc");
    golden.device_id = t->device_id();
    const std::string what = fmt::format("golden '{}'", golden.loc);
    Shape shape = read_shape(t->shape(), name, what);
    DataType dtype = read_dtype(t->dtype(), name);
    size_t have = t->data() ? t->data()->size() : 0;
    // The data is inside the file, so a shape that matches it cannot claim more than the file.
    uint64_t need_bytes = *checked_volume(shape, kMaxElements) * element_size(dtype);
    if (need_bytes != have) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("{}: golden '{}' has {} bytes but its shape {} does not match", name,
                        golden.loc, have, shape_to_string(shape)));
    }
    HostTensor tensor(std::move(shape), dtype);
    if (have) std::memcpy(tensor.data(), t->data()->data(), have);
    golden.tensor = std::move(tensor);
    out.goldens.push_back(std::move(golden));
  }
  return out;
}

}  // namespace

std::vector<uint8_t> serialize(const Binary& bin) {
  FlatBufferBuilder b(1 << 16);
  std::vector<Offset<fbs::Program>> programs;
  for (const auto& p : bin.programs) programs.push_back(write_program(b, p));
  std::vector<Offset<fbs::ProgramGoldens>> goldens;
  for (const auto& g : bin.goldens) goldens.push_back(write_goldens(b, g));
  fbs::Version version(bin.version.major, bin.version.minor, bin.version.patch);
  auto root = fbs::CreateBinary(b, &version, b.CreateString(bin.schema_hash),
                                b.CreateString(bin.mlir_source), b.CreateString(bin.source_path),
                                b.CreateVector(programs), b.CreateVector(goldens));
  fbs::FinishSizePrefixedBinaryBuffer(b, root);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

bool looks_like_binary(std::span<const uint8_t> bytes) {
  return bytes.size() >= 8 && std::memcmp(bytes.data() + 8, "MRTB", 4) == 0;
}

Binary deserialize(std::span<const uint8_t> given, const std::string& name,
                   const LoadOptions& options) {
  std::vector<uint8_t> storage;
  std::span<const uint8_t> bytes = aligned(given, storage);
  if (bytes.size() < 12) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("{}: not a meshrt binary: {} bytes is too short", name, bytes.size()));
  }
  if (!flatbuffers::BufferHasIdentifier(bytes.data(), fbs::BinaryIdentifier(), true)) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("{}: not a meshrt binary: file identifier is not '{}'", name,
                      fbs::BinaryIdentifier()));
  }
  uint32_t prefix = flatbuffers::ReadScalar<uint32_t>(bytes.data());
  if (static_cast<uint64_t>(prefix) + 4 != bytes.size()) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("{}: truncated or padded binary: size prefix says {} bytes, file has {}",
                      name, static_cast<uint64_t>(prefix) + 4, bytes.size()));
  }
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), 128, 100000000);
  if (!fbs::VerifySizePrefixedBinaryBuffer(verifier)) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("{}: corrupted binary: flatbuffers verification failed", name));
  }
  const fbs::Binary* root = fbs::GetSizePrefixedBinary(bytes.data());
  Binary out;
  if (root->version()) {
    out.version =
        Version{root->version()->major(), root->version()->minor(), root->version()->patch()};
  }
  out.schema_hash = text(root->schema_hash(), name, "the schema hash");
  if (!options.ignore_version) {
    if (out.version != current_version()) {
      raise(ErrorCode::kIncompatible,
            fmt::format("{}: binary version {} does not match meshrt {} (use --ignore-version)",
                        name, out.version.to_string(), current_version().to_string()));
    }
    if (out.schema_hash != current_schema_hash()) {
      raise(ErrorCode::kIncompatible,
            fmt::format("{}: binary schema hash {} does not match this build's {} "
                        "(use --ignore-version)",
                        name, out.schema_hash.substr(0, 12), current_schema_hash().substr(0, 12)));
    }
  }
  out.mlir_source = text(root->mlir(), name, "the MLIR source");
  out.source_path = text(root->source_path(), name, "the source path");
  if (root->programs()) {
    for (const auto* p : *root->programs()) out.programs.push_back(read_program(*p, name));
  }
  if (root->goldens()) {
    for (const auto* g : *root->goldens()) out.goldens.push_back(read_goldens(*g, name));
  }
  for (const auto& p : out.programs) {
    for (const auto& op : p.ops) {
      if (op.name == "call") {
        int64_t callee = op.int_attr("callee");
        if (callee < 0 || static_cast<size_t>(callee) >= out.programs.size()) {
          raise(ErrorCode::kInvalidArgument,
                fmt::format("{}: op '{}' calls program {} but there are {}", name, op.loc, callee,
                            out.programs.size()));
        }
      }
    }
  }
  return out;
}

Binary load_binary_file(const std::string& path, const LoadOptions& options) {
  std::vector<uint8_t> bytes = read_file_bytes(path);
  return deserialize(bytes, path, options);
}

void save_binary_file(const std::string& path, const Binary& binary) {
  std::vector<uint8_t> bytes = serialize(binary);
  write_file_atomic(path,
                    std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace meshrt::binary
