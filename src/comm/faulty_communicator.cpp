#include "meshrt/comm/forwarding.hpp"

namespace meshrt::comm {

std::vector<Outgoing> FaultyCommunicator::through_link(const std::vector<Outgoing>& outgoing) {
  std::vector<Outgoing> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const Outgoing& o : outgoing) {
    if (fault_.peer >= 0 && o.dst != fault_.peer) {
      out.push_back(o);
    } else if (passed_ < fault_.after) {
      ++passed_;
      out.push_back(o);
    } else {
      ++faulted_;
      if (fault_.kind == LinkFault::Kind::kTruncate) {
        out.push_back({o.dst, o.bytes.first(o.bytes.size() / 2)});
      }
    }
  }
  return out;
}

void FaultyCommunicator::send(int dst, int tag, std::span<const uint8_t> bytes, Deadline deadline) {
  for (const Outgoing& o : through_link({{dst, bytes}})) base_.send(o.dst, tag, o.bytes, deadline);
}

std::vector<Bytes> FaultyCommunicator::exchange(int tag, const std::vector<Outgoing>& outgoing,
                                                const std::vector<int>& sources,
                                                Deadline deadline) {
  return base_.exchange(tag, through_link(outgoing), sources, deadline);
}

void FaultyCommunicator::exchange_into(int tag, const std::vector<Outgoing>& outgoing,
                                       const std::vector<Incoming>& incoming, Deadline deadline) {
  base_.exchange_into(tag, through_link(outgoing), incoming, deadline);
}

}  // namespace meshrt::comm
