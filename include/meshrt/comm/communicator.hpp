// The Communicator: how ranks talk. Two implementations: comm/local (ranks are threads of one
// process, for tests) and comm/mpi (real MPI ranks; the only code that includes <mpi.h>).
//
// Every blocking call takes a Deadline and throws Error(kTimeout) naming this rank, the call and
// the peer when it passes: Debian's OpenMPI has no ULFM, so a dead peer is only ever noticed by
// a deadline. Errors carry the rank and the call. Threads: the point-to-point calls (send, recv,
// exchange, exchange_into, allgather) of both implementations may be made from several threads
// at once, each on its own tags (see channel.hpp); broadcast and barrier belong to one thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "meshrt/common/error.hpp"

namespace meshrt::comm {

using Clock = std::chrono::steady_clock;

struct Deadline {
  Clock::time_point at;
  static Deadline after(std::chrono::milliseconds d) { return Deadline{Clock::now() + d}; }
  static Deadline never() { return Deadline{Clock::time_point::max()}; }
  bool expired() const { return Clock::now() >= at; }
};

using Bytes = std::vector<uint8_t>;

struct Outgoing {
  int dst = 0;
  std::span<const uint8_t> bytes;  // must stay valid until the call returns
};

// A receive whose size the caller knows: the message lands straight in `into`.
struct Incoming {
  int src = 0;
  std::span<uint8_t> into;  // must stay valid until the call returns
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "mpi" or "local".
  virtual std::string kind() const = 0;
  // The lowest rank that holds chips: 0, except in a world a controller started
  // (spawn_mpi_workers): there rank 0 only drives and the workers 1..size-1 hold the chips.
  virtual int first_host_rank() const { return 0; }
  // The host name a rank runs on, for messages ("" when not known).
  virtual std::string host(int rank) const {
    (void)rank;
    return "";
  }

  // MPI_Send / MPI_Recv equivalents (matched by source and tag; any message size).
  virtual void send(int dst, int tag, std::span<const uint8_t> bytes, Deadline deadline) = 0;
  virtual Bytes recv(int src, int tag, Deadline deadline) = 0;

  // Sparse all-to-all: posts every send in `outgoing`, receives exactly one message with `tag`
  // from each rank in `sources`, and returns them in the order of `sources`. Like a batch of
  // MPI_Isend/MPI_Irecv completed by MPI_Waitall, with a deadline.
  virtual std::vector<Bytes> exchange(int tag, const std::vector<Outgoing>& outgoing,
                                      const std::vector<int>& sources, Deadline deadline) = 0;

  // exchange() for receivers that know the sizes: the message from incoming[i].src lands in
  // incoming[i].into, which must have exactly the message's size (Error(kInvalidArgument)
  // otherwise). MPI posts the receives on the caller's buffers (no copy, like MPI_Allgather into
  // a result buffer); the default implementation calls exchange() and copies.
  virtual void exchange_into(int tag, const std::vector<Outgoing>& outgoing,
                             const std::vector<Incoming>& incoming, Deadline deadline);

  // MPI_Bcast of a byte buffer of any size: non-roots get the root's bytes.
  virtual void broadcast(Bytes& bytes, int root, Deadline deadline) = 0;
  // MPI_Allgatherv of byte buffers: result[r] is rank r's `mine`.
  virtual std::vector<Bytes> allgather(std::span<const uint8_t> mine, Deadline deadline) = 0;
  virtual void barrier(Deadline deadline) = 0;

  // Ends the whole job after an unrecoverable failure (MPI_Abort); local: no-op.
  virtual void abort_job(int exit_code) = 0;
};

// The tags of the communicator's own collectives, so that a user's stray message never matches
// them; users pick other tags (the runtime's are in src/runtime/message_tags.hpp).
enum Tag : int {
  kTagBroadcast = 4,
  kTagAllgather = 5,
  kTagBarrier = 6,
};

inline void Communicator::exchange_into(int tag, const std::vector<Outgoing>& outgoing,
                                        const std::vector<Incoming>& incoming, Deadline deadline) {
  std::vector<int> sources;
  sources.reserve(incoming.size());
  for (const Incoming& in : incoming) sources.push_back(in.src);
  std::vector<Bytes> got = exchange(tag, outgoing, sources, deadline);
  for (size_t i = 0; i < incoming.size(); ++i) {
    if (got[i].size() != incoming[i].into.size()) {
      raise(ErrorCode::kInvalidArgument, "rank " + std::to_string(rank()) + ": message from rank " +
                                             std::to_string(incoming[i].src) + " (tag " +
                                             std::to_string(tag) + ") is " +
                                             std::to_string(got[i].size()) + " bytes, expected " +
                                             std::to_string(incoming[i].into.size()));
    }
    std::copy(got[i].begin(), got[i].end(), incoming[i].into.begin());
  }
}

}  // namespace meshrt::comm
