// Controller/worker messages (schemas/commands.fbs) as C++ values, and their flatbuffers
// encoding. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "meshrt/common/error.hpp"
#include "meshrt/runtime/executor.hpp"

namespace meshrt::runtime::wire {

enum class Kind : uint8_t {
  kLoadBinary,
  kReleaseBinary,
  kOpenMesh,
  kCloseMesh,
  kReshapeMesh,
  kCreateSubMesh,
  kSubmit,
  kMemoryView,
  kShutdown,
};
std::string_view kind_name(Kind kind);

// One struct per command, holding what that command needs and nothing else.
struct LoadBinary {
  uint64_t binary = 0;  // the handle it is loaded under
  std::string name;
  std::vector<uint8_t> bytes;
  bool ignore_version = false;
};
struct ReleaseBinary {
  uint64_t binary = 0;
};
struct OpenMesh {
  uint64_t mesh = 0;  // the handle it is opened under
  std::string cluster_json;
  std::vector<uint32_t> device_ids;  // the chips of the cluster, row-major over their box
  MeshShape shape;                   // the shape the mesh has over them
  uint64_t l1_small_size = 0;
  uint64_t trace_region_size = 0;
};
struct CloseMesh {
  uint64_t mesh = 0;
};
struct ReshapeMesh {
  uint64_t mesh = 0;
  MeshShape shape;
};
struct CreateSubMesh {
  uint64_t mesh = 0;  // the sub-mesh's handle
  uint64_t parent = 0;
  MeshShape shape;
  MeshCoordinate offset;
};
struct Submit {
  uint64_t mesh = 0;
  uint64_t binary = 0;
  uint32_t program_index = 0;
  ExecOptions exec;  // pre_op is never sent
  FaultPlan faults;
  bool hooks = false;
  bool has_inputs = false;
  std::vector<TensorValue> inputs;
  // Rank 0 only, never sent: send every worker all the inputs (host tensors and every shard),
  // not just its own chips' shards (goldens of user inputs are computed on every rank).
  bool full_inputs = false;
};
struct MemoryView {
  uint64_t mesh = 0;
};
struct Shutdown {};

// In the order of Kind.
using Body = std::variant<LoadBinary, ReleaseBinary, OpenMesh, CloseMesh, ReshapeMesh,
                          CreateSubMesh, Submit, MemoryView, Shutdown>;
static_assert(std::variant_size_v<Body> == static_cast<size_t>(Kind::kShutdown) + 1);

struct Command {
  uint64_t seq = 0;
  Body body = Shutdown{};
  Kind kind() const { return static_cast<Kind>(body.index()); }
};

struct Response {
  uint64_t seq = 0;
  int rank = 0;
  bool ok = true;
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::vector<uint8_t> payload;
};

// `only_devices`: when set, Submit inputs keep only the shards of these devices and no host
// tensors (what one worker needs).
std::vector<uint8_t> encode(const Command& command, const std::vector<DeviceId>* only_devices);
// Throws Error(kRankFailed) for bytes that are not a valid Command.
Command decode_command(std::span<const uint8_t> bytes);

std::vector<uint8_t> encode(const Response& response);
Response decode_response(std::span<const uint8_t> bytes, int from_rank);

// A TensorValue as self-describing bytes (shards of any shape), for gathering op outputs.
std::vector<uint8_t> encode_value(const TensorValue& value);
TensorValue decode_value(std::span<const uint8_t> bytes, int from_rank);

}  // namespace meshrt::runtime::wire
