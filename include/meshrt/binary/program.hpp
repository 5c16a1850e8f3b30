// The in-memory form of a meshrt binary (.ttnn): what the compiler produces, what the
// serializer writes with flatbuffers, and what the runtime and the reference interpreter run.
//
// Ops are generic: a TTIR op name plus named attributes. Every value of a program has one
// TensorDesc; its shape is the shape each device holds (after a full_to_shard mesh_shard that
// is the shard shape), exactly as the TTIR types say. Plain value types, thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <memory>
#include <vector>

#include "meshrt/mesh/mesh.hpp"
#include "meshrt/tensor/host_tensor.hpp"

namespace meshrt::binary {

// How a tensor lies in a chip's memory: row-major pages (one per row), 32x32 tiles, or, for a
// convolution weight [O, I/groups, k...], the tiled [1, 1, I/groups * k..., O] matrix ttnn
// prepares from it.
enum class Layout : uint8_t { kRowMajor, kTile, kConvWeight };
enum class BufferType : uint8_t { kDram, kL1 };
enum class MemoryLayout : uint8_t { kInterleaved, kSharded };

// The shape a tensor of `shape` is stored as on a chip in `layout` (a prepared convolution
// weight's matrix; else `shape`), and whether that storage is tiled.
Shape storage_shape(const Shape& shape, Layout layout);
inline bool is_tiled(Layout layout) { return layout != Layout::kRowMajor; }

struct TensorDesc {
  Shape shape;
  DataType dtype = DataType::kFloat32;
  Layout layout = Layout::kTile;
  BufferType buffer = BufferType::kDram;
  MemoryLayout memory_layout = MemoryLayout::kInterleaved;
  // Program arguments only: presharded inputs arrive on each device at `local_shape`.
  bool presharded = false;
  Shape local_shape;
  std::string name;           // ttir.name, if any
  std::string argument_type;  // "input" | "parameter" | "constant" | "" (ttcore.argument_type)
};

// A dense constant: `dense<...> : tensor<...>`. A splat has exactly one value.
struct DenseElements {
  Shape shape;
  DataType dtype = DataType::kFloat32;
  std::vector<double> values;
  bool is_splat() const { return values.size() == 1 && volume(shape) != 1; }
  double at(int64_t i) const { return values.size() == 1 ? values[0] : values[i]; }
  friend bool operator==(const DenseElements&, const DenseElements&) = default;
};

// Attribute values after normalisation by the parser:
//  - integers (`3 : si32`, `true` is bool) -> int64_t / bool; floats -> double
//  - `array<i64: 1, 2>` and `[1 : i32, 2 : i32]` -> std::vector<int64_t>; float arrays ->
//    std::vector<double>
//  - enum attributes `#ttcore.shard_type<devices>` -> std::string "devices"
//  - type attributes (`tensor<...>`, `f32`) -> std::string with their MLIR text
//  - `dense<...>` -> DenseElements
//  - nested lists of int pairs (source_target_pairs: dense<[[0, 1], [1, 0]]>) -> DenseElements
using AttrValue = std::variant<bool, int64_t, double, std::string, std::vector<int64_t>,
                               std::vector<double>, DenseElements>;

struct Op {
  std::string name;       // TTIR op name without the dialect prefix: "add", "mesh_shard", "call"
  std::string loc;        // golden key: the op's loc("...") string, or a generated one
  std::string debug_str;  // the op as written in the MLIR source (one line, trimmed)
  std::vector<uint32_t> operands;  // value ids (DPS `ttir.empty` outputs already removed)
  std::vector<uint32_t> results;   // value ids
  std::map<std::string, AttrValue> attrs;
  // Values whose last use is this op: the runtime frees them after it runs.
  std::vector<uint32_t> frees;
  // 1-based position of the op in the MLIR source (0 when unknown, e.g. after deserializing).
  // Used for "path:line:col" error messages; not serialized.
  uint32_t src_line = 0;
  uint32_t src_col = 0;

  // Typed attribute lookups; throw Error(kInvalidArgument) naming op and loc when the
  // attribute is missing or has another type. The *_or variants return `fallback` if missing.
  int64_t int_attr(const std::string& key) const;
  int64_t int_attr_or(const std::string& key, int64_t fallback) const;
  double float_attr(const std::string& key) const;  // accepts an integer attribute too
  double float_attr_or(const std::string& key, double fallback) const;
  bool bool_attr_or(const std::string& key, bool fallback) const;
  const std::string& string_attr(const std::string& key) const;
  std::vector<int64_t> ints_attr(const std::string& key) const;  // accepts DenseElements too
  const DenseElements& dense_attr(const std::string& key) const;
  bool has_attr(const std::string& key) const { return attrs.count(key) != 0; }
  // For ops with optional operands: the index of the first operand of each of `segments`
  // operand segments, -1 for an empty segment. From operandSegmentSizes when present (throws
  // Error(kInvalidArgument) when it does not match the operands), else the operands fill the
  // segments in order, one each.
  std::vector<int> segment_operands(size_t segments) const;
  // The "replica_groups" attribute (a G x S dense array of device ids) as G groups; throws
  // Error(kInvalidArgument) when it is missing, not 2-D or names a device twice.
  std::vector<std::vector<uint32_t>> replica_groups() const;
};

struct Program {
  std::string name;
  bool is_private = false;         // private functions are only reached through "call"
  MeshShape mesh_shape;            // the mesh the program runs on
  std::vector<TensorDesc> values;  // indexed by value id
  std::vector<uint32_t> inputs;    // value ids of the arguments, in order
  std::vector<uint32_t> outputs;   // value ids returned, in order
  std::vector<Op> ops;
};

// Golden tensor of a loc on one device (or on every device, when all devices agree).
struct Golden {
  static constexpr uint32_t kAllDevices = 0xffffffffu;
  std::string loc;  // op loc, or "input_<i>" / "output_<i>"
  uint32_t device_id = kAllDevices;
  HostTensor tensor;  // f32, or the value's dtype for integer/bool values
};

// What a program run's goldens are computed from: given inputs (inputs[i][d]: input i on device
// d of the program's mesh, the same tensor on every device for a whole input), or, when null,
// the inputs generated from seed, init and ones_density (binary/inputs.hpp).
struct GoldenRequest {
  uint64_t seed = 0;
  InitKind init = InitKind::kRandn;
  uint32_t ones_density = 1;
  const std::vector<std::vector<std::shared_ptr<const HostTensor>>>* inputs = nullptr;
};

// Golden key of result `result_index` of an op: its loc, then "loc#1", "loc#2"...
std::string golden_key(const std::string& loc, size_t result_index);

struct ProgramGoldens {
  uint64_t seed = 0;
  InitKind init = InitKind::kRandn;
  std::vector<Golden> goldens;
};

struct Version {
  uint32_t major = 0, minor = 0, patch = 0;
  std::string to_string() const;
  friend bool operator==(const Version&, const Version&) = default;
};

struct Binary {
  Version version;
  std::string schema_hash;
  std::string mlir_source;
  std::string source_path;  // file the MLIR came from
  std::vector<Program> programs;
  std::vector<ProgramGoldens> goldens;  // one per program, same index (may be empty)
};

// Op-call attribute: "call" ops carry attrs["callee"] = program index (int64_t).

// A golden key (an op's loc, "loc#1" for its second result, "output_0"...) as MLIR prints the
// location and ttrt reports it: loc("name") with quotes and backslashes escaped, a result
// index kept after it ("name#1" -> loc("name")#1).
std::string mlir_loc(const std::string& key);

}  // namespace meshrt::binary
