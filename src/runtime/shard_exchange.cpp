#include "shard_exchange.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstring>

#include "meshrt/common/timeouts.hpp"
#include "meshrt/common/error.hpp"

namespace meshrt::runtime {

namespace {

// Moving `bytes` (0: not known on this side) between ranks.
comm::Deadline op_deadline(size_t bytes) {
  return comm::Deadline::after(Timeouts::get().data(bytes));
}

// Splits a received message into shards of `devices` (in order).
void unpack(const comm::Bytes& bytes, const std::vector<uint32_t>& devices, const Shape& shape,
            DataType dtype, int from, ShardMap& out) {
  const size_t each = static_cast<size_t>(volume(shape)) * element_size(dtype);
  if (bytes.size() != each * devices.size()) {
    raise(ErrorCode::kRankFailed,
          fmt::format("rank {} sent {} bytes of shards, expected {} ({} shards of {})", from,
                      bytes.size(), each * devices.size(), devices.size(),
                      shape_to_string(shape)));
  }
  for (size_t i = 0; i < devices.size(); ++i) {
    auto t = std::make_shared<HostTensor>(shape, dtype);
    if (each) std::memcpy(t->data(), bytes.data() + i * each, each);
    out[devices[i]] = std::move(t);
  }
}

comm::Bytes pack(const ShardMap& local, const std::vector<uint32_t>& devices) {
  size_t total = 0;
  for (uint32_t d : devices) total += local.at(d)->size_bytes();
  comm::Bytes bytes(total);
  size_t at = 0;
  for (uint32_t d : devices) {
    const HostTensor& t = *local.at(d);
    if (t.size_bytes()) std::memcpy(bytes.data() + at, t.data(), t.size_bytes());
    at += t.size_bytes();
  }
  return bytes;
}

}  // namespace

ShardMap exchange_shards(MeshContext& mesh, const ShardMap& local,
                         const std::vector<std::set<uint32_t>>& needs, const Shape& shape,
                         DataType dtype) {
  const int me = mesh.rank();
  ShardMap out;
  for (uint32_t d : needs[me]) {
    if (mesh.owner(DeviceId{d}) == me) out[d] = local.at(d);
  }
  if (mesh.num_ranks() == 1) return out;

  // One message per shard, in device order on both sides (messages between two ranks with one
  // tag arrive in the order they were sent): sends read the shard's own bytes and receives land
  // in the result tensors, so no byte is copied on the host besides the transfer itself.
  std::vector<comm::Outgoing> outgoing;
  for (int r = 0; r < mesh.num_ranks(); ++r) {
    if (r == me) continue;
    for (uint32_t d : needs[r]) {
      if (mesh.owner(DeviceId{d}) != me) continue;
      const HostTensor& t = *local.at(d);
      outgoing.push_back({r, {reinterpret_cast<const uint8_t*>(t.data()), t.size_bytes()}});
    }
  }
  std::vector<comm::Incoming> incoming;
  for (int r = 0; r < mesh.num_ranks(); ++r) {
    if (r == me) continue;
    for (uint32_t d : needs[me]) {
      if (mesh.owner(DeviceId{d}) != r) continue;
      auto t = std::make_shared<HostTensor>(HostTensor::uninitialized(shape, dtype));
      incoming.push_back({r, {reinterpret_cast<uint8_t*>(t->data()), t->size_bytes()}});
      out[d] = std::move(t);
    }
  }
  if (outgoing.empty() && incoming.empty()) return out;
  try {
    size_t bytes = 0;
    for (const auto& o : outgoing) bytes += o.bytes.size();
    for (const auto& i : incoming) bytes += i.into.size();
    mesh.comm().exchange_into(comm::kTagShards, outgoing, incoming, op_deadline(bytes));
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kInvalidArgument) throw;
    raise(ErrorCode::kRankFailed, fmt::format("shards of {} {} from another rank: {}",
                                              shape_to_string(shape), mlir_name(dtype), e.what()));
  }
  return out;
}

ShardMap scatter_from_controller(MeshContext& mesh, const ShardMap& from_controller,
                                 const Shape& shape, DataType dtype) {
  ShardMap out;
  std::vector<uint32_t> mine;
  for (DeviceId d : mesh.local_devices()) mine.push_back(d.value);
  if (mesh.is_controller()) {
    for (uint32_t d : mine) out[d] = from_controller.at(d);
    std::vector<comm::Bytes> payloads;
    std::vector<int> dsts;
    for (int r = 1; r < mesh.num_ranks(); ++r) {
      std::vector<uint32_t> theirs;
      for (uint32_t d = 0; d < mesh.shape().volume(); ++d)
        if (mesh.owner(DeviceId{d}) == r) theirs.push_back(d);
      payloads.push_back(pack(from_controller, theirs));
      dsts.push_back(r);
    }
    std::vector<comm::Outgoing> outgoing;
    for (size_t i = 0; i < dsts.size(); ++i) outgoing.push_back({dsts[i], payloads[i]});
    size_t bytes = 0;
    for (const auto& p : payloads) bytes += p.size();
    if (!outgoing.empty()) mesh.comm().exchange(comm::kTagShards, outgoing, {}, op_deadline(bytes));
    return out;
  }
  std::vector<comm::Bytes> got = mesh.comm().exchange(comm::kTagShards, {}, {0}, op_deadline(0));
  unpack(got[0], mine, shape, dtype, 0, out);
  return out;
}

std::shared_ptr<const HostTensor> broadcast_tensor(MeshContext& mesh,
                                                   std::shared_ptr<const HostTensor> tensor,
                                                   const Shape& shape, DataType dtype) {
  if (mesh.num_ranks() == 1) return tensor;
  comm::Bytes bytes;
  if (mesh.is_controller()) {
    const auto* p = reinterpret_cast<const uint8_t*>(tensor->data());
    bytes.assign(p, p + tensor->size_bytes());
  }
  mesh.comm().broadcast(bytes, 0, op_deadline(bytes.size()));
  if (mesh.is_controller()) return tensor;
  ShardMap one;
  unpack(bytes, {0}, shape, dtype, 0, one);
  return one[0];
}

}  // namespace meshrt::runtime
