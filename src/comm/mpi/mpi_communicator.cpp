// MpiCommunicator: the Communicator over a duplicate of MPI_COMM_WORLD. Point-to-point calls,
// exchange and allgather are TransferBatches; broadcast and barrier are nonblocking
// collectives (MPI_Ibcast, MPI_Ibarrier) polled until the deadline. Every MPI call is made
// holding one mutex (MPI_THREAD_SERIALIZED), released between polls, so that several threads
// can wait on point-to-point transfers at once (channels, meshrt/comm/channel.hpp).
#include <fmt/format.h>

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <mutex>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "meshrt/comm/mpi.hpp"
#include "mpi_internal.hpp"

namespace meshrt::comm {

namespace {

using mpi_detail::Abandoned;
using mpi_detail::check;
using mpi_detail::Poller;
using mpi_detail::TransferBatch;

class MpiCommunicator final : public Communicator {
 public:
  // `link`: the intercommunicator to a controller or to spawned workers that `comm` was
  // merged from (MPI_COMM_NULL for a duplicate of MPI_COMM_WORLD); disconnected last.
  MpiCommunicator(MPI_Comm comm, int rank, int size, size_t max_piece, MPI_Comm link,
                  int first_host_rank)
      : comm_(comm),
        rank_(rank),
        size_(size),
        max_piece_(max_piece),
        link_(link),
        first_host_rank_(first_host_rank) {
    if (size_ > 1) {
      const bool controller = first_host_rank_ == 1 && rank_ == 0;
      liveness_ =
          std::make_unique<mpi_detail::Liveness>(comm_, rank_, size_, mpi_, !controller);
    }
  }

  ~MpiCommunicator() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized) return;
    liveness_.reset();
    std::lock_guard<std::mutex> lock(mpi_);
    for (Abandoned& a : abandoned_) {
      if (a.request != MPI_REQUEST_NULL) MPI_Request_free(&a.request);
    }
    MPI_Comm_free(&comm_);
    if (link_ != MPI_COMM_NULL) MPI_Comm_disconnect(&link_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string kind() const override { return "mpi"; }
  int first_host_rank() const override { return first_host_rank_; }
  std::string host(int rank) const override {
    return liveness_ && rank >= 0 && rank < size_ ? liveness_->host(rank) : "";
  }

  void send(int dst, int tag, std::span<const uint8_t> bytes, Deadline deadline) override {
    check_peer(dst, "send");
    TransferBatch batch = new_batch();
    batch.send(dst, tag, bytes);
    batch.wait(deadline);
  }

  Bytes recv(int src, int tag, Deadline deadline) override {
    check_peer(src, "recv");
    Bytes out;
    TransferBatch batch = new_batch();
    batch.recv_any_size(src, tag, &out);
    batch.wait(deadline);
    return out;
  }

  std::vector<Bytes> exchange(int tag, const std::vector<Outgoing>& outgoing,
                              const std::vector<int>& sources, Deadline deadline) override {
    for (const Outgoing& o : outgoing) check_peer(o.dst, "exchange (send)");
    for (int src : sources) check_peer(src, "exchange (recv)");
    std::vector<Bytes> in(sources.size());
    TransferBatch batch = new_batch();
    for (size_t i = 0; i < sources.size(); ++i) batch.recv_any_size(sources[i], tag, &in[i]);
    for (const Outgoing& o : outgoing) batch.send(o.dst, tag, o.bytes);
    batch.wait(deadline);
    return in;
  }

  void exchange_into(int tag, const std::vector<Outgoing>& outgoing,
                     const std::vector<Incoming>& incoming, Deadline deadline) override {
    for (const Outgoing& o : outgoing) check_peer(o.dst, "exchange_into (send)");
    for (const Incoming& i : incoming) check_peer(i.src, "exchange_into (recv)");
    TransferBatch batch = new_batch();
    for (const Incoming& i : incoming) batch.recv_into(i.src, tag, i.into);
    for (const Outgoing& o : outgoing) batch.send(o.dst, tag, o.bytes);
    batch.wait(deadline);
  }

  void broadcast(Bytes& bytes, int root, Deadline deadline) override {
    if (root < 0 || root >= size_) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("rank {}: broadcast with invalid root rank {} (world size {})", rank_, root,
                        size_));
    }
    if (size_ == 1) return;
    Poller poller(deadline, liveness_.get());
    // The size first, so that non-roots can allocate; then the bytes in int-sized pieces.
    uint64_t length = rank_ == root ? bytes.size() : 0;
    std::vector<MPI_Request> reqs(1, MPI_REQUEST_NULL);
    {
      std::lock_guard<std::mutex> lock(mpi_);
      check(MPI_Ibcast(&length, 1, MPI_UINT64_T, root, comm_, &reqs[0]), rank_,
            fmt::format("MPI_Ibcast from root {} (size)", root));
    }
    wait_collective(reqs, poller, deadline, fmt::format("MPI_Bcast from root {}", root));
    if (rank_ != root) bytes.resize(length);
    reqs.clear();
    for (size_t offset = 0; offset < length; offset += max_piece_) {
      size_t n = std::min<size_t>(max_piece_, length - offset);
      MPI_Request req = MPI_REQUEST_NULL;
      std::lock_guard<std::mutex> lock(mpi_);
      check(MPI_Ibcast(bytes.data() + offset, static_cast<int>(n), MPI_BYTE, root, comm_, &req),
            rank_, fmt::format("MPI_Ibcast from root {} ({} bytes)", root, n));
      reqs.push_back(req);
    }
    wait_collective(reqs, poller, deadline, fmt::format("MPI_Bcast from root {}", root));
  }

  std::vector<Bytes> allgather(std::span<const uint8_t> mine, Deadline deadline) override {
    std::vector<Bytes> all(static_cast<size_t>(size_));
    TransferBatch batch = new_batch();
    for (int r = 0; r < size_; ++r) {
      if (r != rank_) batch.recv_any_size(r, kTagAllgather, &all[static_cast<size_t>(r)]);
    }
    for (int r = 0; r < size_; ++r) {
      if (r != rank_) batch.send(r, kTagAllgather, mine);
    }
    all[static_cast<size_t>(rank_)].assign(mine.begin(), mine.end());
    batch.wait(deadline);
    return all;
  }

  void barrier(Deadline deadline) override {
    Poller poller(deadline, liveness_.get());
    std::vector<MPI_Request> reqs(1, MPI_REQUEST_NULL);
    {
      std::lock_guard<std::mutex> lock(mpi_);
      check(MPI_Ibarrier(comm_, &reqs[0]), rank_, "MPI_Ibarrier");
    }
    wait_collective(reqs, poller, deadline, "MPI_Barrier");
  }

  void abort_job(int exit_code) override { MPI_Abort(comm_, exit_code); }  // no lock: ends all

 private:
  TransferBatch new_batch() {
    reap_abandoned();
    return TransferBatch(comm_, rank_, max_piece_, abandoned_, mpi_, liveness_.get());
  }

  void reap_abandoned() {
    std::lock_guard<std::mutex> lock(mpi_);
    for (size_t i = 0; i < abandoned_.size();) {
      int flag = 0;
      MPI_Test(&abandoned_[i].request, &flag, MPI_STATUS_IGNORE);
      if (flag) {
        abandoned_.erase(abandoned_.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
  }

  void wait_collective(std::vector<MPI_Request>& reqs, Poller& poller, Deadline deadline,
                       const std::string& call) {
    while (true) {
      int flag = 0;
      {
        std::lock_guard<std::mutex> lock(mpi_);
        check(MPI_Testall(static_cast<int>(reqs.size()), reqs.data(), &flag, MPI_STATUSES_IGNORE),
              rank_, call);
      }
      if (flag) return;
      if (!poller.pause()) {
        // A started collective cannot be cancelled; the job is expected to end (abort_job).
        std::lock_guard<std::mutex> lock(mpi_);
        for (MPI_Request& r : reqs) {
          if (r != MPI_REQUEST_NULL) MPI_Request_free(&r);
        }
        raise(ErrorCode::kTimeout,
              fmt::format("rank {}: {} did not complete within {}", rank_, call,
                          mpi_detail::budget_text(poller.started(), deadline)));
      }
    }
  }

  void check_peer(int peer, const char* call) const {
    if (peer < 0 || peer >= size_ || peer == rank_) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("rank {}: {} with invalid peer rank {} (world size {})", rank_, call, peer,
                        size_));
    }
  }

  MPI_Comm comm_;
  int rank_;
  int size_;
  size_t max_piece_;
  std::mutex mpi_;  // held for every MPI call on comm_ and for abandoned_
  std::vector<Abandoned> abandoned_;
  MPI_Comm link_;
  int first_host_rank_;
  std::unique_ptr<mpi_detail::Liveness> liveness_;  // after mpi_: stopped before it goes
};

}  // namespace

bool launched_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr;
}

namespace {

// MPI_Init_thread once per process, after checking the options.
void start_mpi(const MpiOptions& options) {
  if (options.max_message_bytes == 0 || options.max_message_bytes > size_t{INT_MAX}) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("MpiOptions.max_message_bytes must be in [1, {}], got {}", INT_MAX,
                      options.max_message_bytes));
  }
#ifdef __GLIBC__
  static bool malloc_tuned = false;
  if (options.keep_freed_memory && !malloc_tuned) {
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    malloc_tuned = true;
  }
#endif
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) return;
  int provided = MPI_THREAD_SINGLE;
  int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
  if (rc != MPI_SUCCESS) {
    raise(ErrorCode::kInternal, fmt::format("MPI_Init_thread(MPI_THREAD_SERIALIZED): {}",
                                            mpi_detail::error_string(rc)));
  }
  if (provided < MPI_THREAD_SERIALIZED) {
    raise(ErrorCode::kInternal,
          fmt::format("MPI_Init_thread provided thread level {}, meshrt needs at least "
                      "MPI_THREAD_SERIALIZED",
                      provided));
  }
}

std::unique_ptr<Communicator> wrap(MPI_Comm comm, const MpiOptions& options, MPI_Comm link,
                                   int first_host_rank) {
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  return std::make_unique<MpiCommunicator>(comm, rank, size, options.max_message_bytes, link,
                                           first_host_rank);
}

// The world of a controller and its workers, from the intercommunicator between them: the
// controller's side first (rank 0).
MPI_Comm merge(MPI_Comm link, bool controller) {
  MPI_Comm world = MPI_COMM_NULL;
  int rc = MPI_Intercomm_merge(link, controller ? 0 : 1, &world);
  if (rc != MPI_SUCCESS) {
    raise(ErrorCode::kInternal,
          fmt::format("MPI_Intercomm_merge: {}", mpi_detail::error_string(rc)));
  }
  return world;
}

// A rank dies with the process that started it (mpirun, or mpirun's daemon on this host), so
// that a host whose daemon is gone keeps nothing of the job running.
void die_with_launcher() {
  const pid_t launcher = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != launcher) _exit(1);  // it was already gone
}

}  // namespace

std::unique_ptr<Communicator> make_mpi_world(const MpiOptions& options) {
  if (launched_by_mpirun()) die_with_launcher();
  start_mpi(options);
  MPI_Comm parent = MPI_COMM_NULL;
  MPI_Comm_get_parent(&parent);
  if (parent != MPI_COMM_NULL) return wrap(merge(parent, false), options, parent, 1);
  int world_rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  MPI_Comm comm = MPI_COMM_NULL;
  int rc = MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  if (rc != MPI_SUCCESS) {
    raise(ErrorCode::kInternal, fmt::format("rank {}: MPI_Comm_dup(MPI_COMM_WORLD): {}", world_rank,
                                            mpi_detail::error_string(rc)));
  }
  return wrap(comm, options, MPI_COMM_NULL, 0);
}

std::unique_ptr<Communicator> spawn_mpi_workers(const SpawnOptions& spawn,
                                                const MpiOptions& options) {
  const int n = static_cast<int>(spawn.workers.size());
  if (n < 1 || spawn.command.empty()) {
    raise(ErrorCode::kInvalidArgument, "spawn_mpi_workers: needs a command and at least 1 worker");
  }
  start_mpi(options);
  int world_size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  if (world_size != 1) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("cannot start workers from a process that is one of {} MPI ranks (run the "
                      "controller without mpirun)",
                      world_size));
  }
  std::vector<std::vector<char*>> argv(n);
  std::vector<char*> commands(n, const_cast<char*>(spawn.command.c_str()));
  std::vector<int> maxprocs(n, 1);
  std::vector<MPI_Info> infos(n, MPI_INFO_NULL);
  for (int i = 0; i < n; ++i) {
    for (const std::string& a : spawn.workers[i]) argv[i].push_back(const_cast<char*>(a.c_str()));
    argv[i].push_back(nullptr);
    if (!spawn.hosts.empty() || !spawn.hostfile.empty()) {
      MPI_Info_create(&infos[i]);
      if (!spawn.hosts.empty()) {
        MPI_Info_set(infos[i], "host", spawn.hosts[i % spawn.hosts.size()].c_str());
      }
      if (!spawn.hostfile.empty()) MPI_Info_set(infos[i], "hostfile", spawn.hostfile.c_str());
    }
  }
  std::vector<char**> argvs(n);
  for (int i = 0; i < n; ++i) argvs[i] = argv[i].data();
  std::vector<int> errors(n, MPI_SUCCESS);
  MPI_Comm link = MPI_COMM_NULL;
  MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
  int rc = MPI_Comm_spawn_multiple(n, commands.data(), argvs.data(), maxprocs.data(),
                                   infos.data(), 0, MPI_COMM_SELF, &link, errors.data());
  for (MPI_Info& info : infos) {
    if (info != MPI_INFO_NULL) MPI_Info_free(&info);
  }
  for (int i = 0; i < n && rc == MPI_SUCCESS; ++i) {
    if (errors[i] != MPI_SUCCESS) rc = errors[i];
  }
  if (rc != MPI_SUCCESS) {
    raise(ErrorCode::kInternal, fmt::format("MPI_Comm_spawn of {} worker(s) running {}: {}", n,
                                            spawn.command, mpi_detail::error_string(rc)));
  }
  return wrap(merge(link, true), options, link, 1);
}

void finalize_mpi() {
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) {
    mpi_detail::Liveness::stop_all();  // of communicators left behind (a lost controller's)
    MPI_Finalize();
  }
}

}  // namespace meshrt::comm
