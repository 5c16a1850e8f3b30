// A channel: a Communicator that carries one conversation over another communicator's
// point-to-point calls, in a tag space of its own. Several channels of one communicator carry
// independent conversations at the same time (one thread each), which is how concurrent
// program runs on disjoint sub-meshes keep their messages apart.
//
// Tags: channel c maps tag t (0 <= t < kTagsPerChannel) to c * kTagsPerChannel + t on the base
// communicator; tags below kTagsPerChannel stay the base's own. broadcast, allgather and barrier
// are built from point-to-point messages on the channel (never the base's collectives, whose
// order would have to agree across channels).
//
// Thread-safety: a channel is used by one thread at a time; the base communicator must accept
// point-to-point calls from several threads at once (comm/local and comm/mpi do). The base must
// outlive the channel.
#pragma once

#include <cstdint>

#include "meshrt/comm/communicator.hpp"

namespace meshrt::comm {

class Channel final : public Communicator {
 public:
  static constexpr int kTagsPerChannel = 32;
  // Highest channel id: kTagsPerChannel * (kMaxChannel + 1) stays within 32767, the smallest
  // MPI_TAG_UB the MPI standard allows.
  static constexpr uint32_t kMaxChannel = 1000;

  // Throws Error(kInvalidArgument) unless 1 <= id <= kMaxChannel.
  Channel(Communicator& base, uint32_t id);

  uint32_t id() const { return id_; }
  int rank() const override { return base_.rank(); }
  int size() const override { return base_.size(); }
  std::string kind() const override { return base_.kind(); }

  void send(int dst, int tag, std::span<const uint8_t> bytes, Deadline deadline) override;
  Bytes recv(int src, int tag, Deadline deadline) override;
  std::vector<Bytes> exchange(int tag, const std::vector<Outgoing>& outgoing,
                              const std::vector<int>& sources, Deadline deadline) override;
  void exchange_into(int tag, const std::vector<Outgoing>& outgoing,
                     const std::vector<Incoming>& incoming, Deadline deadline) override;
  void broadcast(Bytes& bytes, int root, Deadline deadline) override;
  std::vector<Bytes> allgather(std::span<const uint8_t> mine, Deadline deadline) override;
  void barrier(Deadline deadline) override;
  void abort_job(int exit_code) override { base_.abort_job(exit_code); }

 private:
  int tag(int t) const;

  Communicator& base_;
  uint32_t id_;
};

}  // namespace meshrt::comm
