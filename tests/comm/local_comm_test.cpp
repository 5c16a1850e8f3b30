// The communicator suite over in-process worlds: ranks are threads of make_local_world(N).
#include <exception>
#include <functional>
#include <thread>

#include "comm/comm_suite.hpp"
#include "meshrt/comm/local.hpp"

namespace meshrt::comm {
namespace {

// Runs check(rank's communicator) on one thread per rank; an exception fails the test.
void run_ranks(int size, const std::function<void(Communicator&)>& check) {
  auto world = make_local_world(size);
  std::vector<std::thread> threads;
  std::vector<std::string> errors(static_cast<size_t>(size));
  for (int r = 0; r < size; ++r) {
    threads.emplace_back([&, r] {
      try {
        check(*world[static_cast<size_t>(r)]);
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(r)] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int r = 0; r < size; ++r) {
    EXPECT_EQ(errors[static_cast<size_t>(r)], "") << "rank " << r << " threw";
  }
}

class LocalComm : public ::testing::TestWithParam<int> {};

TEST_P(LocalComm, SendRecv) { run_ranks(GetParam(), suite::check_send_recv); }
TEST_P(LocalComm, ExchangeSmall) { run_ranks(GetParam(), suite::check_exchange_small); }
TEST_P(LocalComm, Exchange8MiB) { run_ranks(GetParam(), suite::check_exchange_8mib); }
TEST_P(LocalComm, ExchangeEmpty) { run_ranks(GetParam(), suite::check_exchange_empty); }
TEST_P(LocalComm, ExchangeSparse) { run_ranks(GetParam(), suite::check_exchange_sparse); }
TEST_P(LocalComm, ExchangeRepeatedSource) {
  run_ranks(GetParam(), suite::check_exchange_repeated_source);
}
TEST_P(LocalComm, ExchangeInto) {
  run_ranks(GetParam(), [](Communicator& c) { suite::check_exchange_into(c, 1000); });
}
TEST_P(LocalComm, Broadcast) {
  run_ranks(GetParam(), [](Communicator& c) { suite::check_broadcast(c, 1 << 20); });
}
TEST_P(LocalComm, Allgather) {
  run_ranks(GetParam(), [](Communicator& c) { suite::check_allgather(c, 5000); });
}
TEST_P(LocalComm, Barrier) { run_ranks(GetParam(), suite::check_barrier); }
TEST_P(LocalComm, Timeout) { run_ranks(GetParam(), suite::check_timeout); }
TEST_P(LocalComm, InvalidPeer) { run_ranks(GetParam(), suite::check_invalid_peer); }
TEST_P(LocalComm, ChannelsConcurrent) { run_ranks(GetParam(), suite::check_channels_concurrent); }

INSTANTIATE_TEST_SUITE_P(Ranks, LocalComm, ::testing::Values(2, 4),
                         [](const auto& info) { return "np" + std::to_string(info.param); });

// The suite must be able to fail: a rank that receives the wrong bytes is caught.
TEST(LocalCommSuite, DetectsCorruptedMessage) {
  auto world = make_local_world(2);
  Bytes wrong = suite::pattern(0, 1, 64);
  wrong[10] ^= 1;
  world[0]->send(1, 5, wrong, suite::generous());
  EXPECT_NE(world[1]->recv(0, 5, suite::generous()), suite::pattern(0, 1, 64));
}

}  // namespace
}  // namespace meshrt::comm
