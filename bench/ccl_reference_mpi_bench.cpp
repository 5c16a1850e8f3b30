// The MPI reference for the collectives benchmark (bench/ccl_vs_mpi.py): a hand-written MPI
// program doing what one op of `ttrt perf` does, on the same ranks, with the same bytes.
//   ccl_reference_mpi_bench OP BYTES LOOPS
//     OP: all_gather | reduce_scatter | all_reduce | scatter | gather | alltoall (BYTES / N to
//     every rank: the MoE dispatch case), BYTES per rank (f32);
//     prints "OP BYTES median_seconds" (rank 0) over LOOPS timed loops after one warm-up.
//   ccl_reference_mpi_bench program BYTES LOOPS
//     the 3-op program per loop: MPI_Scatter of BYTES from rank 0, MPI_Allgather of the pieces,
//     MPI_Gather of every rank's full copy to rank 0 (fresh buffers each loop, as a program's
//     outputs are).
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int g_rank = 0, g_size = 1;

double run_op(const std::string& op, size_t bytes) {
  const int n = static_cast<int>(bytes / sizeof(float));
  std::vector<float> in(static_cast<size_t>(n), 1.0f);
  std::vector<float> out;
  MPI_Barrier(MPI_COMM_WORLD);
  const double t0 = MPI_Wtime();
  if (op == "all_gather") {
    out.resize(static_cast<size_t>(n) * g_size);
    MPI_Allgather(in.data(), n, MPI_FLOAT, out.data(), n, MPI_FLOAT, MPI_COMM_WORLD);
  } else if (op == "reduce_scatter") {
    out.resize(static_cast<size_t>(n / g_size));
    MPI_Reduce_scatter_block(in.data(), out.data(), n / g_size, MPI_FLOAT, MPI_SUM,
                             MPI_COMM_WORLD);
  } else if (op == "all_reduce") {
    out.resize(static_cast<size_t>(n));
    MPI_Allreduce(in.data(), out.data(), n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  } else if (op == "scatter") {
    std::vector<float> full(g_rank == 0 ? static_cast<size_t>(n) * g_size : 0, 1.0f);
    out.resize(static_cast<size_t>(n));
    MPI_Scatter(full.data(), n, MPI_FLOAT, out.data(), n, MPI_FLOAT, 0, MPI_COMM_WORLD);
  } else if (op == "gather") {
    out.resize(g_rank == 0 ? static_cast<size_t>(n) * g_size : 0);
    MPI_Gather(in.data(), n, MPI_FLOAT, out.data(), n, MPI_FLOAT, 0, MPI_COMM_WORLD);
  } else if (op == "alltoall") {
    out.resize(static_cast<size_t>(n));
    MPI_Alltoall(in.data(), n / g_size, MPI_FLOAT, out.data(), n / g_size, MPI_FLOAT,
                 MPI_COMM_WORLD);
  } else if (op == "program") {
    const int piece = n / g_size;
    std::vector<float> mine(static_cast<size_t>(piece));
    MPI_Scatter(in.data(), piece, MPI_FLOAT, mine.data(), piece, MPI_FLOAT, 0, MPI_COMM_WORLD);
    std::vector<float> full(static_cast<size_t>(n));
    MPI_Allgather(mine.data(), piece, MPI_FLOAT, full.data(), piece, MPI_FLOAT, MPI_COMM_WORLD);
    out.resize(g_rank == 0 ? static_cast<size_t>(n) * g_size : 0);
    MPI_Gather(full.data(), n, MPI_FLOAT, out.data(), n, MPI_FLOAT, 0, MPI_COMM_WORLD);
  } else {
    if (g_rank == 0) std::fprintf(stderr, "unknown op '%s'\n", op.c_str());
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  double t = MPI_Wtime() - t0;
  // The op ends when its slowest rank is done.
  MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  if (argc != 4) {
    if (g_rank == 0) std::fprintf(stderr, "usage: %s OP BYTES LOOPS\n", argv[0]);
    MPI_Finalize();
    return 2;
  }
  const std::string op = argv[1];
  const size_t bytes = std::strtoull(argv[2], nullptr, 10);
  const int loops = std::max(1, std::atoi(argv[3]));
  run_op(op, bytes);  // warm-up
  std::vector<double> times;
  for (int i = 0; i < loops; ++i) times.push_back(run_op(op, bytes));
  std::sort(times.begin(), times.end());
  if (g_rank == 0) std::printf("%s %zu %.6f\n", op.c_str(), bytes, times[times.size() / 2]);
  MPI_Finalize();
  return 0;
}
