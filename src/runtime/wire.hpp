// Controller/worker messages (schemas/commands.fbs) as C++ values, and their flatbuffers
// encoding. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
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

struct Command {
  uint64_t seq = 0;
  Kind kind = Kind::kShutdown;
  uint64_t handle = 0;  // binary or mesh created / acted on
  uint64_t target = 0;  // parent mesh (sub-mesh) or binary (submit)
  // LoadBinary
  std::string name;
  std::vector<uint8_t> bytes;
  bool ignore_version = false;
  // OpenMesh
  std::string cluster_json;
  std::vector<uint32_t> device_ids;
  uint64_t l1_small_size = 0;
  uint64_t trace_region_size = 0;
  // OpenMesh, ReshapeMesh, CreateSubMesh
  MeshShape shape;
  MeshCoordinate offset;
  // Submit
  uint32_t program_index = 0;
  ExecOptions exec;  // pre_op is never sent
  bool hooks = false;
  bool has_inputs = false;
  std::vector<TensorValue> inputs;
  // Rank 0 only, never sent: send every worker all the inputs (host tensors and every shard),
  // not just its own chips' shards (goldens of user inputs are computed on every rank).
  bool full_inputs = false;
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
std::vector<uint8_t> encode(const Command& command, const std::vector<uint32_t>* only_devices);
// Throws Error(kRankFailed) for bytes that are not a valid Command.
Command decode_command(std::span<const uint8_t> bytes);

std::vector<uint8_t> encode(const Response& response);
Response decode_response(std::span<const uint8_t> bytes, int from_rank);

// A TensorValue as self-describing bytes (shards of any shape), for gathering op outputs.
std::vector<uint8_t> encode_value(const TensorValue& value);
TensorValue decode_value(std::span<const uint8_t> bytes, int from_rank);

}  // namespace meshrt::runtime::wire
