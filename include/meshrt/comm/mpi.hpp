// The MPI communicator: one rank per process, started by mpirun (or tt-run). comm/mpi is the
// only code in meshrt that includes <mpi.h>.
//
// Ownership and threads: make_mpi_world() returns a communicator that owns a duplicate of
// MPI_COMM_WORLD (freed on destruction). MPI is initialised with MPI_THREAD_SERIALIZED and the
// communicator makes every MPI call holding its own mutex, so point-to-point calls (send, recv,
// exchange, exchange_into, allgather) may be made from several threads at once on different
// tags (channels, meshrt/comm/channel.hpp); broadcast and barrier are collectives of the whole
// communicator and stay with one thread.
//
// Blocking: every call is built from nonblocking MPI operations polled until the caller's
// Deadline; a missed deadline throws Error(kTimeout) naming this rank, the MPI call and the
// peer. After a timeout the peer is presumed dead: the communicator may still be used for
// calls that do not involve that peer, and abort_job() ends the job.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "meshrt/comm/communicator.hpp"

namespace meshrt::comm {

struct MpiOptions {
  // Largest single MPI message; longer byte buffers travel as several messages (pieces of
  // exactly this size followed by one shorter piece). Must be in [1, INT_MAX]. Tests lower it
  // to exercise the chunking of > 2 GiB buffers with small buffers.
  size_t max_message_bytes = size_t{1} << 30;
  // Process-wide glibc malloc tuning, applied by the first make_mpi_world() that asks for it:
  // large blocks come from the heap and freed memory is kept (mallopt M_MMAP_MAX=0,
  // M_TRIM_THRESHOLD=1 GiB), so that the Bytes returned by exchange()/recv() reuse memory whose
  // pages are already mapped. Without it every 64 MiB receive maps fresh pages, which costs more
  // than the transfer itself on some VMs (measured: 0.5 s per 64 MiB). No-op off glibc.
  bool keep_freed_memory = true;
};

// Initialises MPI once per process (MPI_Init_thread, idempotent), duplicates MPI_COMM_WORLD
// (or, in a process spawn_mpi_workers started, joins its controller's world) and sets
// MPI_ERRORS_RETURN on the communicator. Throws Error(kInternal) when MPI cannot start
// or provides less than MPI_THREAD_SERIALIZED, Error(kInvalidArgument) for bad options.
std::unique_ptr<Communicator> make_mpi_world(const MpiOptions& options = {});

// Controller mode: this process (not started by mpirun) starts `workers.size()` MPI processes
// with MPI_Comm_spawn_multiple, worker i running `command workers[i]...` (on hosts[i % n] when
// hosts are given, with `hostfile` when set), and returns the world of it and them: this
// process is rank 0 and holds no chips (first_host_rank() == 1), worker i is rank i + 1. A
// worker's make_mpi_world() joins that world. MPI's own settings (OMPI_MCA_* and the like) are
// read from the environment when MPI starts, the first time either function runs. Throws
// Error(kInternal) naming the command when a worker cannot be started. Destroying the
// communicator disconnects from the workers (after they have left serve()).
struct SpawnOptions {
  std::string command;
  std::vector<std::vector<std::string>> workers;  // each worker's arguments
  std::vector<std::string> hosts;
  std::string hostfile;
};
std::unique_ptr<Communicator> spawn_mpi_workers(const SpawnOptions& spawn,
                                                const MpiOptions& options = {});

// True when this process was started by mpirun (OMPI_COMM_WORLD_SIZE or PMIX_RANK is set).
bool launched_by_mpirun();

// MPI_Finalize if MPI was initialised and is not yet finalised; call once at exit from main,
// after every communicator is destroyed. Idempotent.
void finalize_mpi();

}  // namespace meshrt::comm
