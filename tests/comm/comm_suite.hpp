// The communicator conformance suite: each check_* function is called collectively, once by
// every rank of one world, and asserts with gtest macros. tests/comm runs it over
// make_local_world (ranks are threads); tests/mpi runs it under mpirun -np 2 and -np 4.
// Deadlines are generous so that oversubscribed CI machines pass; the timeout check uses its own.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "meshrt/comm/channel.hpp"
#include "meshrt/comm/communicator.hpp"
#include "meshrt/common/error.hpp"

namespace meshrt::comm::suite {

inline Deadline generous() { return Deadline::after(std::chrono::seconds(60)); }

// Bytes that say who sent them to whom: a message that lands in the wrong place fails.
inline Bytes pattern(int src, int dst, size_t size) {
  Bytes b(size);
  uint32_t x = static_cast<uint32_t>(src * 7919 + dst * 104729 + static_cast<int>(size));
  for (size_t i = 0; i < size; ++i) {
    x = x * 1664525u + 1013904223u;
    b[i] = static_cast<uint8_t>(x >> 24);
  }
  return b;
}

// Size of the message from src to dst in the all-to-all checks: all different.
inline size_t message_size(int src, int dst, size_t base) {
  return base + static_cast<size_t>(src) * 13 + static_cast<size_t>(dst) * 5;
}

inline void expect_error(ErrorCode code, const std::string& needle, auto&& fn) {
  try {
    fn();
    ADD_FAILURE() << "expected Error(" << to_string(code) << ") containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "'" << e.what() << "' does not contain '" << needle << "'";
  }
}

// Point-to-point around the ring (rank 0 starts, so blocking sends cannot deadlock), an empty
// message, and two small messages received in the opposite order of their tags.
inline void check_send_recv(Communicator& comm) {
  const int n = comm.size(), r = comm.rank();
  const int next = (r + 1) % n, prev = (r + n - 1) % n;
  const size_t big = 300 * 1024 + 17;
  if (r == 0) {
    comm.send(next, 21, pattern(r, next, big), generous());
    EXPECT_EQ(comm.recv(prev, 21, generous()), pattern(prev, r, big));
  } else {
    EXPECT_EQ(comm.recv(prev, 21, generous()), pattern(prev, r, big));
    comm.send(next, 21, pattern(r, next, big), generous());
  }
  // Small (eager) messages: sends complete without a matching receive.
  comm.send(next, 22, {}, generous());
  comm.send(next, 23, pattern(r, next, 16), generous());
  comm.send(next, 24, pattern(r, next, 3), generous());
  EXPECT_EQ(comm.recv(prev, 24, generous()), pattern(prev, r, 3));
  EXPECT_EQ(comm.recv(prev, 23, generous()), pattern(prev, r, 16));
  EXPECT_TRUE(comm.recv(prev, 22, generous()).empty());
  comm.barrier(generous());
}

// Every rank sends a different message to every other rank; sources listed in reverse order.
inline void check_exchange_all_to_all(Communicator& comm, size_t base) {
  const int n = comm.size(), r = comm.rank();
  std::vector<Bytes> mine;
  std::vector<Outgoing> out;
  std::vector<int> sources;
  for (int d = 0; d < n; ++d) {
    if (d != r) mine.push_back(pattern(r, d, message_size(r, d, base)));
  }
  size_t k = 0;
  for (int d = 0; d < n; ++d) {
    if (d != r) out.push_back({d, mine[k++]});
  }
  for (int s = n - 1; s >= 0; --s) {
    if (s != r) sources.push_back(s);
  }
  std::vector<Bytes> got = comm.exchange(31, out, sources, generous());
  ASSERT_EQ(got.size(), sources.size());
  for (size_t i = 0; i < sources.size(); ++i) {
    EXPECT_EQ(got[i], pattern(sources[i], r, message_size(sources[i], r, base)))
        << "message from rank " << sources[i] << " to rank " << r;
  }
}

inline void check_exchange_small(Communicator& comm) { check_exchange_all_to_all(comm, 100); }
inline void check_exchange_8mib(Communicator& comm) {
  check_exchange_all_to_all(comm, size_t{8} << 20);
}

// Empty messages both ways.
inline void check_exchange_empty(Communicator& comm) {
  const int n = comm.size(), r = comm.rank();
  std::vector<Outgoing> out;
  std::vector<int> sources;
  for (int d = 0; d < n; ++d) {
    if (d != r) {
      out.push_back({d, {}});
      sources.push_back(d);
    }
  }
  std::vector<Bytes> got = comm.exchange(32, out, sources, generous());
  ASSERT_EQ(got.size(), sources.size());
  for (const Bytes& b : got) EXPECT_TRUE(b.empty());
}

// Sparse: even ranks send to the next rank only; odd ranks only receive; a rank may post
// nothing at all (size 1 worlds excepted).
inline void check_exchange_sparse(Communicator& comm) {
  const int n = comm.size(), r = comm.rank();
  Bytes payload = pattern(r, r + 1, 4096 + static_cast<size_t>(r));
  std::vector<Outgoing> out;
  std::vector<int> sources;
  if (r % 2 == 0 && r + 1 < n) out.push_back({r + 1, payload});
  if (r % 2 == 1) sources.push_back(r - 1);
  std::vector<Bytes> got = comm.exchange(33, out, sources, generous());
  ASSERT_EQ(got.size(), sources.size());
  if (r % 2 == 1) {
    EXPECT_EQ(got[0], pattern(r - 1, r, 4096 + static_cast<size_t>(r - 1)));
  }
}

// Two messages from the same source with the same tag arrive in send order.
inline void check_exchange_repeated_source(Communicator& comm) {
  const int n = comm.size(), r = comm.rank();
  const int next = (r + 1) % n, prev = (r + n - 1) % n;
  Bytes first = pattern(r, next, 70000), second = pattern(r, next, 50);
  std::vector<Bytes> got =
      comm.exchange(34, {{next, first}, {next, second}}, {prev, prev}, generous());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], pattern(prev, r, 70000));
  EXPECT_EQ(got[1], pattern(prev, r, 50));
}

// exchange_into: every message lands in the caller's buffer; a wrong size is an error.
inline void check_exchange_into(Communicator& comm, size_t base) {
  const int n = comm.size(), r = comm.rank();
  std::vector<Bytes> mine, theirs;
  std::vector<Outgoing> out;
  std::vector<Incoming> in;
  for (int d = 0; d < n; ++d) {
    if (d == r) continue;
    mine.push_back(pattern(r, d, message_size(r, d, base)));
    theirs.emplace_back(message_size(d, r, base), uint8_t{0xEE});
  }
  size_t k = 0;
  for (int d = 0; d < n; ++d) {
    if (d == r) continue;
    out.push_back({d, mine[k]});
    in.push_back({d, theirs[k]});
    ++k;
  }
  comm.exchange_into(35, out, in, generous());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(theirs[i], pattern(in[i].src, r, message_size(in[i].src, r, base)));
  }
  // Rank 1 expects 8 bytes from rank 0, which sends 10 (too long) then 6 (too short).
  if (r == 0) {
    Bytes ten = pattern(0, 1, 10), six = pattern(0, 1, 6);
    comm.exchange_into(36, {{1, ten}}, {}, generous());
    comm.exchange_into(37, {{1, six}}, {}, generous());
  } else if (r == 1) {
    Bytes eight(8);
    expect_error(ErrorCode::kInvalidArgument, "from rank 0 (tag 36)", [&] {
      comm.exchange_into(36, {}, {{0, eight}}, generous());
    });
    expect_error(ErrorCode::kInvalidArgument, "from rank 0 (tag 37)", [&] {
      comm.exchange_into(37, {}, {{0, eight}}, generous());
    });
  }
  comm.barrier(generous());
}

inline void check_broadcast(Communicator& comm, size_t size) {
  const int n = comm.size(), r = comm.rank();
  for (int root : {0, n - 1}) {
    Bytes bytes = r == root ? pattern(root, -1, size) : Bytes(5, uint8_t{0xAB});
    comm.broadcast(bytes, root, generous());
    EXPECT_EQ(bytes, pattern(root, -1, size)) << "root " << root;
  }
  Bytes empty = r == 0 ? Bytes{} : Bytes(9, uint8_t{1});
  comm.broadcast(empty, 0, generous());
  EXPECT_TRUE(empty.empty());
}

inline void check_allgather(Communicator& comm, size_t base) {
  const int n = comm.size(), r = comm.rank();
  // Rank 0 contributes nothing; the others different sizes.
  Bytes mine = r == 0 ? Bytes{} : pattern(r, -2, base + static_cast<size_t>(r) * 3);
  std::vector<Bytes> all = comm.allgather(mine, generous());
  ASSERT_EQ(all.size(), static_cast<size_t>(n));
  for (int s = 0; s < n; ++s) {
    Bytes want = s == 0 ? Bytes{} : pattern(s, -2, base + static_cast<size_t>(s) * 3);
    EXPECT_EQ(all[static_cast<size_t>(s)], want) << "contribution of rank " << s;
  }
}

// Rank 0 arrives 150 ms late: nobody may leave the barrier before it arrives.
// No rank leaves a barrier before the last rank has entered it: rank 0 enters late and sends
// the moment it did (steady_clock is one monotonic clock for every process of a host, and the
// suite's worlds are on one host); every rank must have left after that moment.
inline void check_barrier(Communicator& comm) {
  using namespace std::chrono;
  comm.barrier(generous());
  int64_t entered_ns = 0;
  if (comm.rank() == 0) {
    std::this_thread::sleep_for(milliseconds(150));
    entered_ns = duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
  }
  comm.barrier(generous());
  const int64_t left_ns =
      duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
  Bytes b(sizeof entered_ns);
  std::memcpy(b.data(), &entered_ns, sizeof entered_ns);
  comm.broadcast(b, 0, generous());
  std::memcpy(&entered_ns, b.data(), sizeof entered_ns);
  EXPECT_GE(left_ns, entered_ns) << "rank " << comm.rank() << " left the barrier "
                                 << (entered_ns - left_ns) / 1000 << " us before rank 0 entered";
}

// Every rank waits for a message nobody sends: kTimeout naming both ranks, on time.
inline void check_timeout(Communicator& comm) {
  using namespace std::chrono;
  const int n = comm.size(), r = comm.rank();
  const int peer = (r + 1) % n;
  auto start = steady_clock::now();
  expect_error(ErrorCode::kTimeout, "rank " + std::to_string(r) + ": ",
               [&] { comm.recv(peer, 77, Deadline::after(milliseconds(300))); });
  auto took = steady_clock::now() - start;
  EXPECT_GE(took, milliseconds(290));
  EXPECT_LT(took, milliseconds(2300));
  expect_error(ErrorCode::kTimeout, "rank " + std::to_string(peer) + " (tag 78)",
               [&] { comm.exchange(78, {}, {peer}, Deadline::after(milliseconds(100))); });
  comm.barrier(generous());
}

// Peers outside [0, size) or equal to this rank are rejected before anything is sent.
inline void check_invalid_peer(Communicator& comm) {
  const int n = comm.size(), r = comm.rank();
  Bytes b(4);
  const auto code = ErrorCode::kInvalidArgument;
  expect_error(code, "invalid peer rank -1", [&] { comm.send(-1, 1, b, generous()); });
  expect_error(code, "invalid peer rank " + std::to_string(n),
               [&] { comm.send(n, 1, b, generous()); });
  expect_error(code, "invalid peer rank " + std::to_string(r),
               [&] { comm.send(r, 1, b, generous()); });
  expect_error(code, "invalid peer rank " + std::to_string(n),
               [&] { comm.recv(n, 1, generous()); });
  expect_error(code, "invalid peer rank -3", [&] { comm.exchange(1, {{-3, b}}, {}, generous()); });
  expect_error(code, "invalid peer rank " + std::to_string(n + 5),
               [&] { comm.exchange(1, {}, {n + 5}, generous()); });
  expect_error(code, "invalid", [&] { comm.broadcast(b, n, generous()); });
  comm.barrier(generous());
}

// Channels: several threads per rank, each on its own channel of `comm`, run the same
// conversation at the same time (exchange in a ring, broadcast from a channel-dependent root,
// allgather, barrier) with bytes that name the channel: a message delivered to the wrong
// channel fails. Then a tag outside a channel's range and channel id 0 are rejected.
inline void check_channels_concurrent(Communicator& comm) {
  const int n = comm.size(), r = comm.rank();
  constexpr uint32_t kChannels = 4;
  constexpr int kTagRing = 2;  // a user tag, clear of the communicator's own
  std::vector<std::string> errors(kChannels);
  std::vector<std::thread> threads;
  for (uint32_t c = 1; c <= kChannels; ++c) {
    threads.emplace_back([&, c] {
      try {
        Channel ch(comm, c == kChannels ? Channel::kMaxChannel : c);
        const int next = (r + 1) % n, prev = (r + n - 1) % n;
        const int salt = static_cast<int>(c) * 1000;
        for (int round = 0; round < 20; ++round) {
          Bytes mine = pattern(r + salt, next, 4000 + c * 17 + round);
          auto got = ch.exchange(kTagRing, {{next, mine}}, {prev}, generous());
          if (got.at(0) != pattern(prev + salt, r, 4000 + c * 17 + round)) {
            throw Error(ErrorCode::kInternal, "exchange crossed channels");
          }
        }
        const int root = static_cast<int>(c) % n;
        Bytes b = r == root ? pattern(root + salt, -1, 70000) : Bytes{};
        ch.broadcast(b, root, generous());
        if (b != pattern(root + salt, -1, 70000)) {
          throw Error(ErrorCode::kInternal, "broadcast crossed channels");
        }
        auto all = ch.allgather(pattern(r + salt, -2, 100 + c), generous());
        for (int s = 0; s < n; ++s) {
          if (all.at(static_cast<size_t>(s)) != pattern(s + salt, -2, 100 + c)) {
            throw Error(ErrorCode::kInternal, "allgather crossed channels");
          }
        }
        ch.barrier(generous());
      } catch (const std::exception& e) {
        errors[c - 1] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (uint32_t c = 0; c < kChannels; ++c) {
    EXPECT_EQ(errors[c], "") << "rank " << r << " channel " << c + 1;
  }
  Channel ch(comm, 7);
  expect_error(ErrorCode::kInvalidArgument, "tag 32 is out of a channel's range",
               [&] { ch.send((r + 1) % n, Channel::kTagsPerChannel, Bytes(1), generous()); });
  expect_error(ErrorCode::kInvalidArgument, "channel id 0", [&] { Channel bad(comm, 0); });
  comm.barrier(generous());
}

}  // namespace meshrt::comm::suite
