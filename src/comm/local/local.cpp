#include "meshrt/comm/local.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <tuple>

#include "meshrt/common/error.hpp"

namespace meshrt::comm {

namespace {

// Messages in flight, keyed by (src, dst, tag), delivered in order.
struct Mailboxes {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::tuple<int, int, int>, std::deque<Bytes>> queues;
};

class LocalCommunicator final : public Communicator {
 public:
  LocalCommunicator(std::shared_ptr<Mailboxes> boxes, int rank, int size)
      : boxes_(std::move(boxes)), rank_(rank), size_(size) {}

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string kind() const override { return "local"; }

  void send(int dst, int tag, std::span<const uint8_t> bytes, Deadline) override {
    check_peer(dst, "send");
    {
      std::lock_guard<std::mutex> lock(boxes_->mu);
      boxes_->queues[{rank_, dst, tag}].emplace_back(bytes.begin(), bytes.end());
    }
    boxes_->cv.notify_all();
  }

  Bytes recv(int src, int tag, Deadline deadline) override {
    check_peer(src, "recv");
    std::unique_lock<std::mutex> lock(boxes_->mu);
    auto& q = boxes_->queues[{src, rank_, tag}];
    if (!boxes_->cv.wait_until(lock, deadline.at, [&] { return !q.empty(); })) {
      raise(ErrorCode::kTimeout,
            fmt::format("rank {}: recv from rank {} (tag {}) timed out", rank_, src, tag));
    }
    Bytes out = std::move(q.front());
    q.pop_front();
    return out;
  }

  std::vector<Bytes> exchange(int tag, const std::vector<Outgoing>& outgoing,
                              const std::vector<int>& sources, Deadline deadline) override {
    for (const auto& o : outgoing) send(o.dst, tag, o.bytes, deadline);
    std::vector<Bytes> in;
    for (int src : sources) in.push_back(recv(src, tag, deadline));
    return in;
  }

  void broadcast(Bytes& bytes, int root, Deadline deadline) override {
    if (rank_ == root) {
      for (int r = 0; r < size_; ++r)
        if (r != root) send(r, kTagBroadcast, bytes, deadline);
    } else {
      bytes = recv(root, kTagBroadcast, deadline);
    }
  }

  std::vector<Bytes> allgather(std::span<const uint8_t> mine, Deadline deadline) override {
    std::vector<Outgoing> out;
    std::vector<int> sources;
    for (int r = 0; r < size_; ++r) {
      if (r == rank_) continue;
      out.push_back({r, mine});
      sources.push_back(r);
    }
    std::vector<Bytes> got = exchange(kTagAllgather, out, sources, deadline);
    std::vector<Bytes> all(static_cast<size_t>(size_));
    for (size_t i = 0; i < sources.size(); ++i) all[static_cast<size_t>(sources[i])] = got[i];
    all[static_cast<size_t>(rank_)] = Bytes(mine.begin(), mine.end());
    return all;
  }

  void barrier(Deadline deadline) override { allgather({}, deadline); }
  void abort_job(int) override {}

 private:
  void check_peer(int peer, const char* call) const {
    if (peer < 0 || peer >= size_ || peer == rank_) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("rank {}: {} with invalid peer rank {} (world size {})", rank_, call, peer,
                        size_));
    }
  }

  std::shared_ptr<Mailboxes> boxes_;
  int rank_;
  int size_;
};

}  // namespace

std::vector<std::unique_ptr<Communicator>> make_local_world(int size) {
  auto boxes = std::make_shared<Mailboxes>();
  std::vector<std::unique_ptr<Communicator>> world;
  for (int r = 0; r < size; ++r) world.push_back(std::make_unique<LocalCommunicator>(boxes, r, size));
  return world;
}

std::unique_ptr<Communicator> make_single_process() { return std::move(make_local_world(1)[0]); }

}  // namespace meshrt::comm
