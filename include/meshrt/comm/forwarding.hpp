// Communicator decorators. ForwardingCommunicator passes every call on to another communicator;
// derive from it to watch or change some calls. FaultyCommunicator is a link that breaks after
// a number of messages, so tests can show that a lost or cut message ends a run with a clear
// error within its deadline, never a hang or a wrong result.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "meshrt/comm/communicator.hpp"

namespace meshrt::comm {

class ForwardingCommunicator : public Communicator {
 public:
  explicit ForwardingCommunicator(Communicator& base) : base_(base) {}
  int rank() const override { return base_.rank(); }
  int size() const override { return base_.size(); }
  std::string kind() const override { return base_.kind(); }
  int first_host_rank() const override { return base_.first_host_rank(); }
  std::string host(int rank) const override { return base_.host(rank); }
  void send(int dst, int tag, std::span<const uint8_t> bytes, Deadline deadline) override {
    base_.send(dst, tag, bytes, deadline);
  }
  Bytes recv(int src, int tag, Deadline deadline) override {
    return base_.recv(src, tag, deadline);
  }
  std::vector<Bytes> exchange(int tag, const std::vector<Outgoing>& outgoing,
                              const std::vector<int>& sources, Deadline deadline) override {
    return base_.exchange(tag, outgoing, sources, deadline);
  }
  void exchange_into(int tag, const std::vector<Outgoing>& outgoing,
                     const std::vector<Incoming>& incoming, Deadline deadline) override {
    base_.exchange_into(tag, outgoing, incoming, deadline);
  }
  void broadcast(Bytes& bytes, int root, Deadline deadline) override {
    base_.broadcast(bytes, root, deadline);
  }
  std::vector<Bytes> allgather(std::span<const uint8_t> mine, Deadline deadline) override {
    return base_.allgather(mine, deadline);
  }
  void barrier(Deadline deadline) override { base_.barrier(deadline); }
  void abort_job(int exit_code) override { base_.abort_job(exit_code); }

 protected:
  Communicator& base_;
};

// What breaks: point-to-point messages (send, and the sends of exchange / exchange_into) from
// this rank to `peer` (-1: to any rank), once `after` of them have gone through. A dropped
// message never arrives (the receiver's deadline passes); a truncated one arrives with the
// first half of its bytes. The communicator's own collectives (broadcast, allgather, barrier)
// are left alone.
struct LinkFault {
  enum class Kind { kDrop, kTruncate };
  Kind kind = Kind::kDrop;
  int peer = -1;
  uint64_t after = 0;
};

class FaultyCommunicator final : public ForwardingCommunicator {
 public:
  FaultyCommunicator(Communicator& base, LinkFault fault)
      : ForwardingCommunicator(base), fault_(fault) {}
  void send(int dst, int tag, std::span<const uint8_t> bytes, Deadline deadline) override;
  std::vector<Bytes> exchange(int tag, const std::vector<Outgoing>& outgoing,
                              const std::vector<int>& sources, Deadline deadline) override;
  void exchange_into(int tag, const std::vector<Outgoing>& outgoing,
                     const std::vector<Incoming>& incoming, Deadline deadline) override;
  // Messages the fault has dropped or cut so far.
  uint64_t faulted() const { return faulted_; }

 private:
  // The outgoing messages as the broken link delivers them (dropped ones left out).
  std::vector<Outgoing> through_link(const std::vector<Outgoing>& outgoing);
  LinkFault fault_;
  std::mutex mu_;
  uint64_t passed_ = 0;
  std::atomic<uint64_t> faulted_{0};
};

}  // namespace meshrt::comm
