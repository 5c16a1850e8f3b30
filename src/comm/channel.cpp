#include "meshrt/comm/channel.hpp"

#include <fmt/format.h>

namespace meshrt::comm {

Channel::Channel(Communicator& base, uint32_t id) : base_(base), id_(id) {
  if (id == 0 || id > kMaxChannel) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("channel id {} is out of range [1, {}]", id, kMaxChannel));
  }
}

int Channel::tag(int t) const {
  if (t < 0 || t >= kTagsPerChannel) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("rank {}: tag {} is out of a channel's range [0, {})", rank(), t,
                      kTagsPerChannel));
  }
  return static_cast<int>(id_) * kTagsPerChannel + t;
}

void Channel::send(int dst, int t, std::span<const uint8_t> bytes, Deadline deadline) {
  base_.send(dst, tag(t), bytes, deadline);
}

Bytes Channel::recv(int src, int t, Deadline deadline) { return base_.recv(src, tag(t), deadline); }

std::vector<Bytes> Channel::exchange(int t, const std::vector<Outgoing>& outgoing,
                                     const std::vector<int>& sources, Deadline deadline) {
  return base_.exchange(tag(t), outgoing, sources, deadline);
}

void Channel::exchange_into(int t, const std::vector<Outgoing>& outgoing,
                            const std::vector<Incoming>& incoming, Deadline deadline) {
  base_.exchange_into(tag(t), outgoing, incoming, deadline);
}

void Channel::broadcast(Bytes& bytes, int root, Deadline deadline) {
  if (root < 0 || root >= size()) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("rank {}: broadcast with invalid root rank {} (world size {})", rank(), root,
                      size()));
  }
  if (size() == 1) return;
  if (rank() != root) {
    bytes = base_.recv(root, tag(kTagBroadcast), deadline);
    return;
  }
  std::vector<Outgoing> out;
  for (int r = 0; r < size(); ++r) {
    if (r != root) out.push_back({r, bytes});
  }
  base_.exchange(tag(kTagBroadcast), out, {}, deadline);
}

std::vector<Bytes> Channel::allgather(std::span<const uint8_t> mine, Deadline deadline) {
  std::vector<Outgoing> out;
  std::vector<int> sources;
  for (int r = 0; r < size(); ++r) {
    if (r == rank()) continue;
    out.push_back({r, mine});
    sources.push_back(r);
  }
  std::vector<Bytes> got = base_.exchange(tag(kTagAllgather), out, sources, deadline);
  std::vector<Bytes> all(static_cast<size_t>(size()));
  for (size_t i = 0; i < sources.size(); ++i)
    all[static_cast<size_t>(sources[i])] = std::move(got[i]);
  all[static_cast<size_t>(rank())].assign(mine.begin(), mine.end());
  return all;
}

void Channel::barrier(Deadline deadline) {
  std::vector<Outgoing> out;
  std::vector<int> sources;
  for (int r = 0; r < size(); ++r) {
    if (r == rank()) continue;
    out.push_back({r, {}});
    sources.push_back(r);
  }
  base_.exchange(tag(kTagBarrier), out, sources, deadline);
}

}  // namespace meshrt::comm
