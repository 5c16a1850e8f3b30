#include "shard_exchange.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstring>

#include "meshrt/common/error.hpp"
#include "meshrt/common/timeouts.hpp"
#include "message_tags.hpp"

namespace meshrt::runtime {

namespace {

// Moving `bytes` (0: not known on this side) between ranks.
comm::Deadline op_deadline(size_t bytes) {
  return comm::Deadline::after(Timeouts::get().data(bytes));
}

// Splits a received message into shards of `devices` (in order).
void unpack(const comm::Bytes& bytes, const std::vector<DeviceId>& devices, const Shape& shape,
            DataType dtype, int from, ShardMap& out) {
  const size_t each = static_cast<size_t>(volume(shape)) * element_size(dtype);
  if (bytes.size() != each * devices.size()) {
    raise(ErrorCode::kRankFailed,
          fmt::format("rank {} sent {} bytes of shards, expected {} ({} shards of {})", from,
                      bytes.size(), each * devices.size(), devices.size(), shape_to_string(shape)));
  }
  for (size_t i = 0; i < devices.size(); ++i) {
    auto t = std::make_shared<HostTensor>(shape, dtype);
    if (each) std::memcpy(t->data(), bytes.data() + i * each, each);
    out[devices[i]] = std::move(t);
  }
}

comm::Bytes pack(const ShardMap& local, const std::vector<DeviceId>& devices) {
  size_t total = 0;
  for (DeviceId d : devices) total += local.at(d)->size_bytes();
  comm::Bytes bytes(total);
  size_t at = 0;
  for (DeviceId d : devices) {
    const HostTensor& t = *local.at(d);
    if (t.size_bytes()) std::memcpy(bytes.data() + at, t.data(), t.size_bytes());
    at += t.size_bytes();
  }
  return bytes;
}

}  // namespace

ShardMap exchange_shards(MeshContext& mesh, const ShardMap& local,
                         const std::vector<std::set<DeviceId>>& needs, const Shape& shape,
                         DataType dtype) {
  const int me = mesh.rank();
  ShardMap out;
  for (DeviceId d : needs[me]) {
    if (mesh.owner(d) == me) out[d] = local.at(d);
  }
  if (mesh.num_ranks() == 1) return out;

  // One message per shard, in device order on both sides (messages between two ranks with one
  // tag arrive in the order they were sent): sends read the shard's own bytes and receives land
  // in the result tensors, so no byte is copied on the host besides the transfer itself.
  std::vector<comm::Outgoing> outgoing;
  for (int r = 0; r < mesh.num_ranks(); ++r) {
    if (r == me) continue;
    for (DeviceId d : needs[r]) {
      if (mesh.owner(d) != me) continue;
      const HostTensor& t = *local.at(d);
      outgoing.push_back({r, {reinterpret_cast<const uint8_t*>(t.data()), t.size_bytes()}});
    }
  }
  std::vector<comm::Incoming> incoming;
  for (int r = 0; r < mesh.num_ranks(); ++r) {
    if (r == me) continue;
    for (DeviceId d : needs[me]) {
      if (mesh.owner(d) != r) continue;
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
    mesh.comm().exchange_into(detail::kTagShards, outgoing, incoming, op_deadline(bytes));
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kInvalidArgument) throw;
    raise(ErrorCode::kRankFailed, fmt::format("shards of {} {} from another rank: {}",
                                              shape_to_string(shape), mlir_name(dtype), e.what()));
  }
  return out;
}

namespace {

// Where one row lands: its shard and byte offset, checked against the shard's rows.
uint8_t* row_place(const std::vector<std::map<DeviceId, HostTensor*>>& out, const RowPlace& place,
                   size_t bytes, int from) {
  HostTensor* t = nullptr;
  if (place.result < out.size()) {
    auto it = out[place.result].find(place.device);
    if (it != out[place.result].end()) t = it->second;
  }
  const int64_t width = t && !t->shape().empty() ? t->shape().back() : 1;
  const size_t row_bytes = static_cast<size_t>(width) * (t ? element_size(t->dtype()) : 0);
  if (!t || row_bytes != bytes || place.row < 0 || width == 0 || place.row >= t->volume() / width) {
    raise(ErrorCode::kRankFailed,
          fmt::format("rank {} sent a row of {} bytes for row {} of result {} on device {}, "
                      "which this rank does not hold",
                      from, bytes, place.row, place.result, place.device.value));
  }
  return reinterpret_cast<uint8_t*>(t->data()) + static_cast<size_t>(place.row) * row_bytes;
}

template <class T>
void append(comm::Bytes& b, T value) {
  const auto* p = reinterpret_cast<const uint8_t*>(&value);
  b.insert(b.end(), p, p + sizeof(T));
}

template <class T>
T take(const comm::Bytes& b, size_t& at, int from) {
  if (b.size() - at < sizeof(T))
    raise(ErrorCode::kRankFailed, fmt::format("rank {} sent a truncated message of rows", from));
  T v;
  std::memcpy(&v, b.data() + at, sizeof(T));
  at += sizeof(T);
  return v;
}

}  // namespace

void deliver_rows(MeshContext& mesh, const std::vector<RowParcel>& parcels,
                  const std::set<int>& peers, std::vector<std::map<DeviceId, HostTensor*>>& out) {
  const int me = mesh.rank();
  // Message to a rank: per parcel [u32 places][u64 bytes][places x (u32 result, u32 device,
  // i64 row)][bytes].
  std::map<int, comm::Bytes> messages;
  std::map<int, uint64_t> counts;
  for (int r : peers) messages[r].resize(sizeof(uint64_t));
  for (const RowParcel& parcel : parcels) {
    std::map<int, std::vector<RowPlace>> remote;
    for (const RowPlace& place : parcel.to) {
      const int owner = mesh.owner(place.device);
      if (owner == me) {
        std::memcpy(row_place(out, place, parcel.bytes, me), parcel.data, parcel.bytes);
      } else {
        remote[owner].push_back(place);
      }
    }
    for (const auto& [r, places] : remote) {
      if (!peers.count(r))
        raise(ErrorCode::kInternal, fmt::format("rows for rank {}, which is not a peer", r));
      comm::Bytes& m = messages[r];
      append<uint32_t>(m, static_cast<uint32_t>(places.size()));
      append<uint64_t>(m, parcel.bytes);
      for (const RowPlace& place : places) {
        append<uint32_t>(m, place.result);
        append<uint32_t>(m, place.device.value);
        append<int64_t>(m, place.row);
      }
      m.insert(m.end(), parcel.data, parcel.data + parcel.bytes);
      ++counts[r];
    }
  }
  if (peers.empty()) return;
  std::vector<comm::Outgoing> outgoing;
  size_t bytes = 0;
  for (auto& [r, m] : messages) {
    const uint64_t n = counts[r];
    std::memcpy(m.data(), &n, sizeof(n));
    outgoing.push_back({r, m});
    bytes += m.size();
  }
  const std::vector<int> sources(peers.begin(), peers.end());
  std::vector<comm::Bytes> got =
      mesh.comm().exchange(detail::kTagShards, outgoing, sources, op_deadline(bytes));
  for (size_t i = 0; i < sources.size(); ++i) {
    const comm::Bytes& m = got[i];
    const int from = sources[i];
    size_t at = 0;
    const auto n = take<uint64_t>(m, at, from);
    for (uint64_t p = 0; p < n; ++p) {
      const auto places = take<uint32_t>(m, at, from);
      const auto row_bytes = take<uint64_t>(m, at, from);
      if (static_cast<uint64_t>(places) * 16 > m.size() - at)
        raise(ErrorCode::kRankFailed, fmt::format("rank {} sent a truncated row header", from));
      std::vector<RowPlace> to(places);
      for (RowPlace& place : to) {
        place.result = take<uint32_t>(m, at, from);
        place.device = DeviceId{take<uint32_t>(m, at, from)};
        place.row = take<int64_t>(m, at, from);
      }
      if (m.size() - at < row_bytes)
        raise(ErrorCode::kRankFailed, fmt::format("rank {} sent a truncated row", from));
      for (const RowPlace& place : to) {
        if (mesh.owner(place.device) != me)
          raise(
              ErrorCode::kRankFailed,
              fmt::format("rank {} sent a row for device {} of another rank", from, place.device.value));
        std::memcpy(row_place(out, place, row_bytes, from), m.data() + at, row_bytes);
      }
      at += row_bytes;
    }
    if (at != m.size())
      raise(ErrorCode::kRankFailed,
            fmt::format("rank {} sent {} bytes more than its rows", from, m.size() - at));
  }
}

ShardMap scatter_from_controller(MeshContext& mesh, const ShardMap& from_controller,
                                 const Shape& shape, DataType dtype) {
  ShardMap out;
  const std::vector<DeviceId>& mine = mesh.local_devices();
  if (mesh.is_controller()) {
    for (DeviceId d : mine) out[d] = from_controller.at(d);
    std::vector<comm::Bytes> payloads;
    std::vector<int> dsts;
    for (int r = 1; r < mesh.num_ranks(); ++r) {
      std::vector<DeviceId> theirs;
      for (uint32_t d = 0; d < mesh.shape().volume(); ++d)
        if (mesh.owner(DeviceId{d}) == r) theirs.push_back(DeviceId{d});
      payloads.push_back(pack(from_controller, theirs));
      dsts.push_back(r);
    }
    std::vector<comm::Outgoing> outgoing;
    for (size_t i = 0; i < dsts.size(); ++i) outgoing.push_back({dsts[i], payloads[i]});
    size_t bytes = 0;
    for (const auto& p : payloads) bytes += p.size();
    if (!outgoing.empty())
      mesh.comm().exchange(detail::kTagShards, outgoing, {}, op_deadline(bytes));
    return out;
  }
  std::vector<comm::Bytes> got = mesh.comm().exchange(detail::kTagShards, {}, {0}, op_deadline(0));
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
  unpack(bytes, {DeviceId{0}}, shape, dtype, 0, one);
  return one[DeviceId{0}];
}

}  // namespace meshrt::runtime
