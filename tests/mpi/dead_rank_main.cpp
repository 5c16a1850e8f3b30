// A rank dies mid-protocol. Usage: dead_rank exit|hang (under mpirun -np 2).
//   exit: rank 1 _exit()s without MPI_Finalize after one round trip;
//   hang: rank 1 stops answering (sleeps) after one round trip.
// Rank 0 then waits 2 s for an answer that never comes: it must get Error(kTimeout) naming
// rank 1 within the deadline, print it, and end the job with abort_job (mpirun exits non-zero).
// In `exit` mode mpirun may end the job first, which is also a pass for the CTest wrapper.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "meshrt/comm/mpi.hpp"

constexpr int kTagPing = 1;

int main(int argc, char** argv) {
  using namespace meshrt::comm;
  using namespace std::chrono;
  const bool hang = argc > 1 && std::strcmp(argv[1], "hang") == 0;
  auto world = make_mpi_world();
  const Deadline generous = Deadline::after(seconds(30));
  Bytes ping{1, 2, 3};
  if (world->rank() == 1) {
    world->send(0, kTagPing, world->recv(0, kTagPing, generous), generous);
    if (hang) std::this_thread::sleep_for(seconds(600));
    _exit(0);
  }
  if (world->rank() != 0) {
    std::this_thread::sleep_for(seconds(600));
    return 0;
  }
  world->send(1, kTagPing, ping, generous);
  if (world->recv(1, kTagPing, generous) != ping) {
    std::fprintf(stderr, "dead_rank: bad echo from rank 1\n");
    world->abort_job(5);
  }
  auto start = steady_clock::now();
  try {
    world->recv(1, kTagPing, Deadline::after(seconds(2)));
    std::fprintf(stderr, "dead_rank: FAILED, recv from a dead rank returned\n");
    world->abort_job(4);
  } catch (const meshrt::Error& e) {
    double took = duration<double>(steady_clock::now() - start).count();
    bool on_time = took >= 1.9 && took < 4.0;
    std::fprintf(stderr, "dead_rank: %s after %.2fs [%s]: %s\n",
                 std::string(meshrt::to_string(e.code())).c_str(), took,
                 on_time ? "on time" : "LATE", e.what());
    world->abort_job(on_time && e.code() == meshrt::ErrorCode::kTimeout ? 3 : 6);
  }
  return 0;
}
