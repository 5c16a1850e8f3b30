#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "mpi_internal.hpp"

namespace meshrt::comm::mpi_detail {

namespace {

// Spin first, as MPI_Wait does: a 1 MiB shared-memory transfer takes ~80 us, and yielding
// earlier hands the core to other processes on a loaded machine.
constexpr auto kSpinFor = std::chrono::milliseconds(2);
constexpr auto kYieldFor = std::chrono::milliseconds(20);
constexpr auto kSleepBetweenPolls = std::chrono::microseconds(20);

int as_count(size_t n) { return static_cast<int>(n); }  // pieces are <= max_piece <= INT_MAX

}  // namespace

std::string error_string(int rc) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) return fmt::format("MPI error {}", rc);
  return std::string(text, static_cast<size_t>(len));
}

void check(int rc, int rank, std::string_view call) {
  if (rc != MPI_SUCCESS) {
    raise(ErrorCode::kRankFailed, fmt::format("rank {}: {}: {}", rank, call, error_string(rc)),
          ErrorSite{rank, "", std::string(call), -1});
  }
}

std::string budget_text(Clock::time_point from, Deadline deadline) {
  if (deadline.at == Clock::time_point::max()) return "never";
  double s = std::chrono::duration<double>(deadline.at - from).count();
  return fmt::format("{:g}s", std::max(0.0, std::round(s * 1000.0) / 1000.0));
}

Poller::Poller(Deadline deadline, const Liveness* liveness)
    : deadline_(deadline), started_(Clock::now()), liveness_(liveness) {}

bool Poller::pause() {
  if (liveness_) {
    if (peers_.empty()) liveness_->check();
    for (int p : peers_) liveness_->check(p);
  }
  auto now = Clock::now();
  if (now >= deadline_.at) return false;
  auto waited = now - started_;
  if (waited < kSpinFor) return true;
  if (waited < kYieldFor) {
    std::this_thread::yield();
  } else {
    std::this_thread::sleep_for(kSleepBetweenPolls);
  }
  return true;
}

TransferBatch::TransferBatch(MPI_Comm comm, int rank, size_t max_piece,
                             std::vector<Abandoned>& abandoned, std::mutex& mpi,
                             const Liveness* liveness)
    : comm_(comm),
      rank_(rank),
      max_piece_(max_piece),
      abandoned_(abandoned),
      mpi_(mpi),
      liveness_(liveness) {}

TransferBatch::~TransferBatch() {
  std::lock_guard<std::mutex> lock(mpi_);
  abandon();
}

void TransferBatch::send(int dst, int tag, std::span<const uint8_t> bytes) {
  std::lock_guard<std::mutex> lock(mpi_);
  Transfer t{Kind::kSend, dst, tag, {}, {}, nullptr, MPI_REQUEST_NULL, false, -1, false};
  size_t offset = 0;
  // Pieces of exactly max_piece_ bytes, then one shorter piece that ends the buffer.
  while (true) {
    size_t n = std::min(max_piece_, bytes.size() - offset);
    MPI_Request req = MPI_REQUEST_NULL;
    check(MPI_Isend(bytes.data() + offset, as_count(n), MPI_BYTE, dst, tag, comm_, &req), rank_,
          fmt::format("MPI_Isend to rank {} (tag {}, {} bytes)", dst, tag, n));
    t.pieces.push_back(req);
    offset += n;
    if (n < max_piece_) break;
  }
  transfers_.push_back(std::move(t));
}

void TransferBatch::recv_into(int src, int tag, std::span<uint8_t> into) {
  std::lock_guard<std::mutex> lock(mpi_);
  Transfer t{Kind::kRecvInto, src, tag, {}, {}, nullptr, MPI_REQUEST_NULL, false, -1, false};
  size_t offset = 0;
  while (true) {
    size_t n = std::min(max_piece_, into.size() - offset);
    MPI_Request req = MPI_REQUEST_NULL;
    check(MPI_Irecv(into.data() + offset, as_count(n), MPI_BYTE, src, tag, comm_, &req), rank_,
          fmt::format("MPI_Irecv from rank {} (tag {}, {} bytes)", src, tag, n));
    t.pieces.push_back(req);
    t.piece_sizes.push_back(n);
    offset += n;
    if (n < max_piece_) break;
  }
  transfers_.push_back(std::move(t));
}

void TransferBatch::recv_any_size(int src, int tag, Bytes* out) {
  Transfer t{Kind::kRecvAnySize, src, tag, {}, {}, out, MPI_REQUEST_NULL, false, -1, false};
  out->clear();
  // A second receive from the same (src, tag) must not probe pieces of the first one.
  for (size_t i = transfers_.size(); i-- > 0;) {
    const Transfer& earlier = transfers_[i];
    if (earlier.kind == Kind::kRecvAnySize && earlier.peer == src && earlier.tag == tag) {
      t.waits_for = static_cast<int>(i);
      break;
    }
  }
  transfers_.push_back(std::move(t));
}

bool TransferBatch::progress(Transfer& t) {
  if (t.done) return true;
  if (t.kind == Kind::kSend) {
    int flag = 0;
    check(
        MPI_Testall(static_cast<int>(t.pieces.size()), t.pieces.data(), &flag, MPI_STATUSES_IGNORE),
        rank_, fmt::format("MPI_Isend to rank {} (tag {})", t.peer, t.tag));
    return t.done = flag != 0;
  }
  if (t.kind == Kind::kRecvInto) {
    std::vector<MPI_Status> statuses(t.pieces.size());
    int flag = 0;
    int rc =
        MPI_Testall(static_cast<int>(t.pieces.size()), t.pieces.data(), &flag, statuses.data());
    if (rc != MPI_SUCCESS) {
      int cls = MPI_SUCCESS;
      for (const MPI_Status& s : statuses) {
        if (s.MPI_ERROR != MPI_SUCCESS && s.MPI_ERROR != MPI_ERR_PENDING) {
          MPI_Error_class(s.MPI_ERROR, &cls);
        }
      }
      if (rc == MPI_ERR_TRUNCATE || cls == MPI_ERR_TRUNCATE) {
        size_t expected = 0;
        for (size_t s : t.piece_sizes) expected += s;
        raise(ErrorCode::kInvalidArgument,
              fmt::format("rank {}: message from rank {} (tag {}) is larger than the {} bytes "
                          "expected",
                          rank_, t.peer, t.tag, expected));
      }
      check(rc, rank_, fmt::format("MPI_Irecv from rank {} (tag {})", t.peer, t.tag));
    }
    if (!flag) return false;
    for (size_t i = 0; i < statuses.size(); ++i) {
      int count = 0;
      MPI_Get_count(&statuses[i], MPI_BYTE, &count);
      if (static_cast<size_t>(count) != t.piece_sizes[i]) {
        size_t expected = 0;
        for (size_t s : t.piece_sizes) expected += s;
        raise(ErrorCode::kInvalidArgument,
              fmt::format("rank {}: message from rank {} (tag {}) is shorter than the {} bytes "
                          "expected (piece {} has {} bytes, expected {})",
                          rank_, t.peer, t.tag, expected, i, count, t.piece_sizes[i]));
      }
    }
    return t.done = true;
  }
  // kRecvAnySize: probe a piece, receive it straight into *out, repeat while pieces are full.
  if (t.waits_for >= 0 && !transfers_[static_cast<size_t>(t.waits_for)].done) return false;
  while (true) {
    if (t.in_flight == MPI_REQUEST_NULL) {
      int flag = 0;
      MPI_Message message = MPI_MESSAGE_NULL;
      MPI_Status status;
      check(MPI_Improbe(t.peer, t.tag, comm_, &flag, &message, &status), rank_,
            fmt::format("MPI_Improbe from rank {} (tag {})", t.peer, t.tag));
      if (!flag) return false;
      int count = 0;
      check(MPI_Get_count(&status, MPI_BYTE, &count), rank_, "MPI_Get_count");
      size_t offset = t.out->size();
      // Value-initialising the bytes is the only extra pass; the data lands in place.
      t.out->resize(offset + static_cast<size_t>(count));
      t.last_piece_full = static_cast<size_t>(count) == max_piece_;
      check(MPI_Imrecv(t.out->data() + offset, count, MPI_BYTE, &message, &t.in_flight), rank_,
            fmt::format("MPI_Imrecv from rank {} (tag {}, {} bytes)", t.peer, t.tag, count));
    }
    int flag = 0;
    check(MPI_Test(&t.in_flight, &flag, MPI_STATUS_IGNORE), rank_,
          fmt::format("MPI_Mrecv from rank {} (tag {})", t.peer, t.tag));
    if (!flag) return false;
    if (!t.last_piece_full) return t.done = true;
  }
}

void TransferBatch::wait(Deadline deadline) {
  Poller poller(deadline, liveness_);
  for (const Transfer& t : transfers_) poller.watch(t.peer);
  while (true) {
    bool all_done = true;
    {
      std::lock_guard<std::mutex> lock(mpi_);
      for (Transfer& t : transfers_) all_done = progress(t) && all_done;
    }
    if (all_done) return;
    if (!poller.pause()) {
      for (const Transfer& t : transfers_) {
        if (!t.done) raise_timeout(t, poller.started(), deadline);
      }
    }
  }
}

void TransferBatch::raise_timeout(const Transfer& t, Clock::time_point started,
                                  Deadline deadline) const {
  const char* call = t.kind == Kind::kSend ? "MPI_Send to" : "MPI_Recv from";
  size_t pending = 0;
  for (const Transfer& other : transfers_) pending += other.done ? 0 : 1;
  std::string others =
      pending > 1 ? fmt::format(" ({} of {} transfers unfinished)", pending, transfers_.size())
                  : "";
  std::string host = liveness_ ? liveness_->host(t.peer) : "";
  raise(ErrorCode::kTimeout,
        fmt::format("rank {}: {} rank {} (tag {}){} did not complete within {}{}", rank_, call,
                    t.peer, t.tag, host.empty() ? "" : " on host " + host,
                    budget_text(started, deadline), others),
        ErrorSite{t.peer, host, call, -1});
}

void TransferBatch::abandon() {
  for (Transfer& t : transfers_) {
    if (t.done) continue;
    for (MPI_Request& req : t.pieces) {
      if (req == MPI_REQUEST_NULL) continue;
      MPI_Cancel(&req);  // unmatched receives are cancelled; sends usually are not
      MPI_Request_free(&req);
    }
    if (t.in_flight != MPI_REQUEST_NULL) {
      // A matched receive cannot be cancelled: keep its buffer alive until it lands.
      abandoned_.push_back(Abandoned{t.in_flight, std::move(*t.out)});
      t.in_flight = MPI_REQUEST_NULL;
    }
  }
}

}  // namespace meshrt::comm::mpi_detail
