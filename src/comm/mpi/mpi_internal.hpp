// Private helpers of comm/mpi: MPI error reporting, deadline polling and batches of
// nonblocking transfers. Included only by src/comm/mpi/*.cpp (the only code with <mpi.h>).
#pragma once

#include <mpi.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "meshrt/comm/communicator.hpp"
#include "meshrt/common/error.hpp"

namespace meshrt::comm::mpi_detail {

// "MPI_ERR_TRUNCATE: message truncated"-style text for an MPI return code.
std::string error_string(int rc);

// Throws Error(kRankFailed) "rank R: CALL: <MPI error string>" when rc is not MPI_SUCCESS.
void check(int rc, int rank, std::string_view call);

// Seconds between `from` and `deadline` for messages ("2s", "0.25s", "never").
std::string budget_text(Clock::time_point from, Deadline deadline);

// Liveness: heartbeats between rank 0 and every other rank, on a communicator of their own,
// from a thread of each process (holding `mpi` for each MPI call, like every other call). A
// peer not heard from for Timeouts::peer_silence is lost: every wait then throws
// Error(kRankFailed) naming it and its host, and a process in which no wait has seen the loss
// within Timeouts::lost_peer_grace (busy computing, say) ends itself (_exit) so that mpirun ends
// the job; once a wait has thrown, what follows is the caller's (a Python script may go on). A rank that leaves normally says goodbye, so that its silence is not a loss.
class Liveness {
 public:
  // `end_process`: whether a lost peer ends this process after the grace (not for a controller,
  // whose user gets the error instead).
  Liveness(MPI_Comm comm, int rank, int size, std::mutex& mpi, bool end_process);
  ~Liveness();  // says goodbye and stops
  Liveness(const Liveness&) = delete;
  Liveness& operator=(const Liveness&) = delete;

  // Throws Error(kRankFailed) when `peer` (any peer: -1) is lost.
  void check(int peer = -1) const;
  // Stops the thread without a goodbye (before MPI_Finalize, for a communicator that is being
  // left behind). Idempotent.
  void stop();
  // Stops every Liveness of this process (finalize_mpi calls it).
  static void stop_all();
  // The host a rank runs on (its gethostname()), for messages and ErrorSite.
  const std::string& host(int rank) const { return hosts_[static_cast<size_t>(rank)]; }

 private:
  struct Peer {
    int rank = 0;
    uint8_t in = 0;
    uint8_t out = 1;
    MPI_Request recv = MPI_REQUEST_NULL;
    MPI_Request send = MPI_REQUEST_NULL;
    Clock::time_point heard;
    bool gone = false;  // said goodbye
  };
  void run();
  void beat(Peer& p, Clock::time_point now);     // holds mpi_
  void beat_in(Peer& p, Clock::time_point now);  // the receiving half

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_;
  std::mutex& mpi_;
  bool end_process_;
  std::vector<std::string> hosts_;
  std::vector<Peer> peers_;
  std::atomic<int> lost_{-1};  // the first peer lost
  mutable std::atomic<bool> observed_{false};  // a wait has thrown for a lost peer
  // Per rank: how long it had been silent when it was declared lost (0: not lost).
  std::unique_ptr<std::atomic<double>[]> silent_for_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Paces a polling loop: spins for the first microseconds (lowest latency), then yields the
// core, then sleeps a few microseconds between polls. Not thread-safe (one per wait). With a
// Liveness, each pause first checks that no peer is lost.
class Poller {
 public:
  explicit Poller(Deadline deadline, const Liveness* liveness = nullptr);
  // Only these peers' loss stops the wait (none given: any peer's).
  void watch(int peer) { peers_.push_back(peer); }
  // Call after a poll that found nothing to do; false once the deadline has passed.
  bool pause();
  Clock::time_point started() const { return started_; }

 private:
  Deadline deadline_;
  Clock::time_point started_;
  const Liveness* liveness_;
  std::vector<int> peers_;
};

// Leftovers of a timed-out call: requests that could not be cancelled and the buffers they
// write into, kept alive until they complete or the communicator goes away.
struct Abandoned {
  MPI_Request request = MPI_REQUEST_NULL;
  Bytes buffer;
};

// One batch of point-to-point transfers completed together (exchange, send, recv, allgather).
// Byte buffers longer than `max_piece` travel as pieces of exactly max_piece bytes followed by
// one shorter (possibly empty) piece, so each MPI count fits an int.
// A batch is used by one thread; batches of several threads may run at once: every MPI call
// is made holding `mpi` (MPI_THREAD_SERIALIZED), which is released between polls, and so is
// `abandoned`.
class TransferBatch {
 public:
  TransferBatch(MPI_Comm comm, int rank, size_t max_piece, std::vector<Abandoned>& abandoned,
                std::mutex& mpi, const Liveness* liveness);
  ~TransferBatch();
  TransferBatch(const TransferBatch&) = delete;
  TransferBatch& operator=(const TransferBatch&) = delete;

  // Each posts its MPI operations at once (receives of unknown size start with MPI_Improbe).
  void send(int dst, int tag, std::span<const uint8_t> bytes);
  void recv_into(int src, int tag, std::span<uint8_t> into);
  void recv_any_size(int src, int tag, Bytes* out);  // *out must outlive wait()

  // Polls every transfer until all are complete; Error(kTimeout) names the first unfinished
  // one, Error(kInvalidArgument) a message whose size differs from recv_into's buffer.
  void wait(Deadline deadline);

 private:
  enum class Kind { kSend, kRecvInto, kRecvAnySize };
  struct Transfer {
    Kind kind;
    int peer;
    int tag;
    std::vector<MPI_Request> pieces;           // kSend / kRecvInto: one request per piece
    std::vector<size_t> piece_sizes;           // kRecvInto: expected count of each piece
    Bytes* out = nullptr;                      // kRecvAnySize
    MPI_Request in_flight = MPI_REQUEST_NULL;  // kRecvAnySize: the piece being received
    bool last_piece_full = false;              // kRecvAnySize: more pieces follow
    int waits_for = -1;  // kRecvAnySize: earlier transfer on the same (src, tag)
    bool done = false;
  };

  bool progress(Transfer& t);  // true when t is complete
  void abandon();
  [[noreturn]] void raise_timeout(const Transfer& t, Clock::time_point started,
                                  Deadline deadline) const;

  MPI_Comm comm_;
  int rank_;
  size_t max_piece_;
  std::vector<Abandoned>& abandoned_;
  std::mutex& mpi_;
  const Liveness* liveness_;
  std::vector<Transfer> transfers_;
};

}  // namespace meshrt::comm::mpi_detail
