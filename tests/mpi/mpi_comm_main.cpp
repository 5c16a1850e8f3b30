// The communicator suite under a real mpirun (-np 2, -np 4). Every rank runs every test in the
// same order; the verdict is agreed across ranks: each rank's pass/fail is allgathered, every
// rank exits non-zero if any failed, and only rank 0 prints the summary. Other ranks print their
// own failures, tagged with their rank.
#include <cstdio>
#include <memory>

#include "comm/comm_suite.hpp"
#include "meshrt/comm/mpi.hpp"

namespace meshrt::comm {
namespace {

Communicator* g_world = nullptr;    // MpiOptions defaults
Communicator* g_chunked = nullptr;  // 1 MiB pieces: buffers > 1 MiB are chunked

Communicator& world() { return *g_world; }
Communicator& chunked() { return *g_chunked; }

TEST(MpiComm, KindAndSize) {
  EXPECT_EQ(world().kind(), "mpi");
  EXPECT_GE(world().size(), 2);
  EXPECT_TRUE(launched_by_mpirun());
}
TEST(MpiComm, SendRecv) { suite::check_send_recv(world()); }
TEST(MpiComm, ExchangeSmall) { suite::check_exchange_small(world()); }
TEST(MpiComm, Exchange8MiB) { suite::check_exchange_8mib(world()); }
TEST(MpiComm, ExchangeEmpty) { suite::check_exchange_empty(world()); }
TEST(MpiComm, ExchangeSparse) { suite::check_exchange_sparse(world()); }
TEST(MpiComm, ExchangeRepeatedSource) { suite::check_exchange_repeated_source(world()); }
TEST(MpiComm, ExchangeInto) { suite::check_exchange_into(world(), 1000); }
TEST(MpiComm, Broadcast) { suite::check_broadcast(world(), 1 << 20); }
TEST(MpiComm, Allgather) { suite::check_allgather(world(), 5000); }
TEST(MpiComm, Barrier) { suite::check_barrier(world()); }
TEST(MpiComm, Timeout) { suite::check_timeout(world()); }
TEST(MpiComm, InvalidPeer) { suite::check_invalid_peer(world()); }
TEST(MpiComm, ChannelsConcurrent) { suite::check_channels_concurrent(world()); }
TEST(MpiCommChunked, ChannelsConcurrent) { suite::check_channels_concurrent(chunked()); }

// Chunking: 8 MiB is exactly 8 pieces plus an empty one; 8 MiB + odd bytes ends short.
TEST(MpiCommChunked, Exchange8MiB) { suite::check_exchange_8mib(chunked()); }
TEST(MpiCommChunked, ExchangeExactMultiple) {
  Communicator& c = chunked();
  const int next = (c.rank() + 1) % c.size(), prev = (c.rank() + c.size() - 1) % c.size();
  Bytes mine = suite::pattern(c.rank(), next, size_t{3} << 20);
  auto got = c.exchange(40, {{next, mine}}, {prev}, suite::generous());
  EXPECT_EQ(got.at(0), suite::pattern(prev, c.rank(), size_t{3} << 20));
}
TEST(MpiCommChunked, ExchangeInto) { suite::check_exchange_into(chunked(), (size_t{2} << 20) + 1); }
TEST(MpiCommChunked, Broadcast) { suite::check_broadcast(chunked(), (size_t{5} << 20) + 3); }
TEST(MpiCommChunked, SendRecv) {
  Communicator& c = chunked();
  if (c.rank() == 0) c.send(1, 41, suite::pattern(0, 1, size_t{4} << 20), suite::generous());
  if (c.rank() == 1) {
    EXPECT_EQ(c.recv(0, 41, suite::generous()), suite::pattern(0, 1, size_t{4} << 20));
  }
}

TEST(MpiOptionsTest, RejectsZeroPieceSize) {
  suite::expect_error(ErrorCode::kInvalidArgument, "max_message_bytes",
                      [] { make_mpi_world(MpiOptions{0}); });
}

// Prints the failures of a rank other than 0, tagged with the rank.
class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: %s\n", rank_,
                 result.file_name() ? result.file_name() : "?", result.line_number(),
                 result.summary());
  }

 private:
  int rank_;
};

}  // namespace
}  // namespace meshrt::comm

int main(int argc, char** argv) {
  using namespace meshrt::comm;
  ::testing::InitGoogleTest(&argc, argv);
  int status = 0;
  {
    auto world = make_mpi_world();
    auto chunked = make_mpi_world(MpiOptions{size_t{1} << 20});
    g_world = world.get();
    g_chunked = chunked.get();
    const int rank = world->rank();
    if (rank != 0) {
      auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
      delete listeners.Release(listeners.default_result_printer());
      listeners.Append(new RankFailurePrinter(rank));
    }
    const uint8_t failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
    std::vector<Bytes> verdicts = world->allgather({&failed, 1}, suite::generous());
    std::string failed_ranks;
    for (size_t r = 0; r < verdicts.size(); ++r) {
      if (verdicts[r].size() != 1 || verdicts[r][0] != 0) {
        failed_ranks += (failed_ranks.empty() ? "" : ",") + std::to_string(r);
      }
    }
    status = failed_ranks.empty() ? 0 : 1;
    if (rank == 0) {
      std::printf("[mpi verdict] %d ranks: %s%s\n", world->size(),
                  status == 0 ? "all passed" : "FAILED on ranks ", failed_ranks.c_str());
    }
  }
  finalize_mpi();
  return status;
}
