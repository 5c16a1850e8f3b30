// (a) Cross-rank shard exchange (the executor's all_gather path, runtime/shard_exchange) vs a
// raw MPI_Allgather of the same bytes, 4 KiB / 1 MiB / 64 MiB per rank. Run under
// `mpirun -np 2`: a 1x2 mesh, one chip per rank, every rank needs both chips' shards.
//
// Both are timed in the same job, alternating rounds; each round is the slowest rank's time
// (MPI_Allreduce MAX) and the figure is the median round. Ratio = MPI time / our time
// (>= 1: we are as fast as MPI_Allgather).
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "meshrt/comm/mpi.hpp"
#include "meshrt/runtime/mesh_context.hpp"
#include "shard_exchange.hpp"

namespace {

constexpr int kTagExchange = 2;  // a user tag, clear of the communicator's own

using namespace meshrt;
using Clock = std::chrono::steady_clock;

double slowest(double seconds) {
  double out = 0;
  MPI_Allreduce(&seconds, &out, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  int code = 0;
  {
    auto comm = comm::make_mpi_world();
    const int me = comm->rank();
    if (comm->size() != 2) {
      if (me == 0) std::fprintf(stderr, "run me with mpirun -np 2\n");
      return 2;
    }
    runtime::MeshContext mesh(builtin_cluster("n300"), MeshShape{1, 2}, *comm);
    if (me == 0) {
      std::printf("(a) shard exchange vs MPI_Allgather, 2 ranks, one 1x2 mesh chip each\n");
      std::printf("%12s %14s %14s %8s %8s %18s %16s\n", "bytes/rank", "ours [us]", "MPI [us]",
                  "ratio", "goal", "exchange_into [us]", "Isend/Irecv [us]");
    }
    for (size_t bytes : {size_t{4} << 10, size_t{1} << 20, size_t{64} << 20}) {
      const int64_t elems = static_cast<int64_t>(bytes / 4);
      auto mine = std::make_shared<HostTensor>(Shape{elems}, DataType::kFloat32);
      std::memset(mine->data(), me + 1, bytes);
      runtime::ShardMap local{{DeviceId{static_cast<uint32_t>(me)}, mine}};
      std::vector<std::set<DeviceId>> needs(2, std::set<DeviceId>{DeviceId{0}, DeviceId{1}});
      std::vector<uint8_t> send(bytes, static_cast<uint8_t>(me + 1)), recv(2 * bytes);
      const int reps = bytes >= (size_t{64} << 20) ? 2 : (bytes >= (size_t{1} << 20) ? 20 : 500);
      const int rounds = 15;
      std::vector<double> ours, mpi, raw, p2p;
      bool ok = true;
      for (int round = -1; round < rounds; ++round) {  // round -1 warms up both
        MPI_Barrier(MPI_COMM_WORLD);
        auto t0 = Clock::now();
        for (int i = 0; i < reps; ++i) {
          runtime::ShardMap got =
              runtime::exchange_shards(mesh, local, needs, Shape{elems}, DataType::kFloat32);
          if (i == 0 && round == -1) {
            const int other = 1 - me;
            ok = got.size() == 2 &&
                 std::to_integer<int>(got.at(DeviceId{static_cast<uint32_t>(other)})->data()[0]) == other + 1;
          }
        }
        double t_ours = slowest(std::chrono::duration<double>(Clock::now() - t0).count() / reps);
        MPI_Barrier(MPI_COMM_WORLD);
        t0 = Clock::now();
        for (int i = 0; i < reps; ++i) {
          MPI_Allgather(send.data(), static_cast<int>(bytes), MPI_BYTE, recv.data(),
                        static_cast<int>(bytes), MPI_BYTE, MPI_COMM_WORLD);
        }
        double t_mpi = slowest(std::chrono::duration<double>(Clock::now() - t0).count() / reps);
        // Diagnostic: the communicator's zero-copy exchange into one reused buffer.
        MPI_Barrier(MPI_COMM_WORLD);
        t0 = Clock::now();
        for (int i = 0; i < reps; ++i) {
          const int other = 1 - me;
          comm->exchange_into(kTagExchange, {{other, {send.data(), bytes}}},
                              {{other, {recv.data(), bytes}}},
                              comm::Deadline::after(std::chrono::seconds(30)));
        }
        double t_raw = slowest(std::chrono::duration<double>(Clock::now() - t0).count() / reps);
        // Diagnostic: the same point-to-point pattern in plain MPI (Isend/Irecv + Waitall).
        MPI_Barrier(MPI_COMM_WORLD);
        t0 = Clock::now();
        for (int i = 0; i < reps; ++i) {
          MPI_Request reqs[2];
          MPI_Irecv(recv.data(), static_cast<int>(bytes), MPI_BYTE, 1 - me, 9, MPI_COMM_WORLD,
                    &reqs[0]);
          MPI_Isend(send.data(), static_cast<int>(bytes), MPI_BYTE, 1 - me, 9, MPI_COMM_WORLD,
                    &reqs[1]);
          MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
        }
        double t_p2p = slowest(std::chrono::duration<double>(Clock::now() - t0).count() / reps);
        if (round >= 0) {
          ours.push_back(t_ours);
          mpi.push_back(t_mpi);
          raw.push_back(t_raw);
          p2p.push_back(t_p2p);
        }
      }
      if (!ok) code = 1;
      const double o = median(ours), m = median(mpi);
      if (me == 0) {
        std::printf("%12zu %14.2f %14.2f %8.2f %8s %18.2f %16.2f%s\n", bytes, o * 1e6, m * 1e6,
                    m / o, bytes >= (size_t{1} << 20) ? ">= 0.9" : "-", median(raw) * 1e6,
                    median(p2p) * 1e6, ok ? "" : "  WRONG DATA");
      }
    }
  }
  comm::finalize_mpi();
  return code;
}
