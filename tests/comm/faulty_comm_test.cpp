// FaultyCommunicator: a link that breaks after N messages. A dropped message makes the
// receiver's deadline pass with an error naming both ranks (never a hang); a cut one is
// refused for its size; messages to other peers and before the fault arrive untouched.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/expect_error.hpp"
#include "meshrt/comm/forwarding.hpp"
#include "meshrt/comm/local.hpp"

namespace meshrt::comm {
namespace {

constexpr int kTag = 77;

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

TEST(FaultyComm, ADroppedMessageEndsTheReceiveAtItsDeadline) {
  auto world = make_local_world(2);
  FaultyCommunicator link(*world[0], {LinkFault::Kind::kDrop, 1, 1});
  for (const char* m : {"first", "second", "third"}) {
    link.send(1, kTag, bytes_of(m), Deadline::after(std::chrono::seconds(5)));
  }
  EXPECT_EQ(link.faulted(), 2u);
  EXPECT_EQ(world[1]->recv(0, kTag, Deadline::after(std::chrono::seconds(5))), bytes_of("first"));
  const auto start = Clock::now();
  meshrt::testing::expect_error(
      [&] { world[1]->recv(0, kTag, Deadline::after(std::chrono::milliseconds(200))); },
      ErrorCode::kTimeout, {"rank 1", "rank 0", "timed out"});
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
}

TEST(FaultyComm, ACutMessageIsRefusedForItsSize) {
  auto world = make_local_world(2);
  FaultyCommunicator link(*world[0], {LinkFault::Kind::kTruncate, -1, 0});
  std::vector<uint8_t> payload(8, 0xab), got(8);
  std::thread sender([&] {
    link.exchange_into(kTag, {{1, payload}}, {}, Deadline::after(std::chrono::seconds(5)));
  });
  meshrt::testing::expect_error(
      [&] {
        world[1]->exchange_into(kTag, {}, {{0, got}}, Deadline::after(std::chrono::seconds(5)));
      },
      ErrorCode::kInvalidArgument, {"rank 1", "rank 0", "4 bytes, expected 8"});
  sender.join();
  EXPECT_EQ(link.faulted(), 1u);
}

// Only the named peer's link breaks: rank 2 loses its message, rank 1 gets its own.
TEST(FaultyComm, OnlyTheBrokenLinkLosesMessages) {
  auto world = make_local_world(3);
  FaultyCommunicator link(*world[0], {LinkFault::Kind::kDrop, 2, 0});
  const auto a = bytes_of("to one"), b = bytes_of("to two");
  link.exchange(kTag, {{1, a}, {2, b}}, {}, Deadline::after(std::chrono::seconds(5)));
  EXPECT_EQ(world[1]->recv(0, kTag, Deadline::after(std::chrono::seconds(5))), a);
  EXPECT_THROW(world[2]->recv(0, kTag, Deadline::after(std::chrono::milliseconds(100))), Error);
  EXPECT_EQ(link.faulted(), 1u);
}

}  // namespace
}  // namespace meshrt::comm
