// The runtime's shard transport between two in-process ranks of a 2x4 mesh (rank 0 holds
// devices 0-3, rank 1 devices 4-7). exchange_shards: each rank gets the shards it needs, its
// own by pointer, the others' crossing once per receiving rank. deliver_rows (the transport of
// mixture-of-experts routing): rows land where they are sent, a row bound for several devices
// of one rank crosses to that rank once, and a row for a place the receiver does not hold is
// refused with a clear error.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "meshrt/comm/forwarding.hpp"
#include "meshrt/comm/local.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/mesh/cluster.hpp"
#include "meshrt/runtime/mesh_context.hpp"
#include "runtime/shard_exchange.hpp"

namespace meshrt::runtime {
namespace {

// Counts the bytes exchange() sends, passing everything on.
class CountingComm final : public comm::ForwardingCommunicator {
 public:
  using ForwardingCommunicator::ForwardingCommunicator;
  std::vector<comm::Bytes> exchange(int tag, const std::vector<comm::Outgoing>& outgoing,
                                    const std::vector<int>& sources, comm::Deadline d) override {
    for (const auto& o : outgoing) sent += o.bytes.size();
    return base_.exchange(tag, outgoing, sources, d);
  }
  void exchange_into(int tag, const std::vector<comm::Outgoing>& outgoing,
                     const std::vector<comm::Incoming>& incoming, comm::Deadline d) override {
    for (const auto& o : outgoing) sent += o.bytes.size();
    base_.exchange_into(tag, outgoing, incoming, d);
  }
  size_t sent = 0;
};

constexpr int64_t kRows = 4, kWidth = 1024;  // rows of 4 KiB

struct RankState {
  std::vector<HostTensor> shards;  // per local device
  std::vector<std::map<DeviceId, HostTensor*>> out{1};
  size_t sent = 0;
  std::string error;
};

// Runs `body(mesh, state)` on both ranks at once.
template <class Body>
std::vector<RankState> on_two_ranks(Body body) {
  auto world = comm::make_local_world(2);
  std::vector<RankState> states(2);
  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      CountingComm counting(*world[static_cast<size_t>(r)]);
      MeshContext mesh(builtin_cluster("t3k"), MeshShape{2, 4}, counting);
      RankState& s = states[static_cast<size_t>(r)];
      s.shards.reserve(mesh.local_devices().size());
      for (DeviceId d : mesh.local_devices()) {
        s.shards.emplace_back(Shape{kRows, kWidth}, DataType::kFloat32);
        s.out[0][d] = &s.shards.back();
      }
      try {
        body(mesh, s);
      } catch (const Error& e) {
        s.error = e.what();
      }
      s.sent = counting.sent;
    });
  }
  for (auto& t : threads) t.join();
  return states;
}

// Shard d holds the value d everywhere. Rank 0 needs devices 1, 5 and 6, rank 1 needs 0, 1 and
// 4: rank 0 sends shards 0 and 1 (device 1 once, though both ranks read it), rank 1 sends 5
// and 6; nothing else crosses.
TEST(ShardExchange, EachShardCrossesOncePerReceivingRank) {
  std::vector<std::map<DeviceId, std::shared_ptr<const HostTensor>>> got(2);
  std::vector<ShardMap> mine(2);
  auto states = on_two_ranks([&](MeshContext& mesh, RankState& s) {
    ShardMap local;
    for (size_t l = 0; l < mesh.local_devices().size(); ++l) {
      const DeviceId d = mesh.local_devices()[l];
      for (int64_t i = 0; i < s.shards[l].volume(); ++i) s.shards[l].set(i, d.value);
      local[d] = std::make_shared<const HostTensor>(s.shards[l]);
    }
    std::vector<std::set<DeviceId>> needs{{DeviceId{1}, DeviceId{5}, DeviceId{6}},
                                          {DeviceId{0}, DeviceId{1}, DeviceId{4}}};
    got[static_cast<size_t>(mesh.rank())] =
        exchange_shards(mesh, local, needs, Shape{kRows, kWidth}, DataType::kFloat32);
    mine[static_cast<size_t>(mesh.rank())] = local;
  });
  const size_t shard_bytes = static_cast<size_t>(kRows * kWidth) * sizeof(float);
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(states[static_cast<size_t>(r)].error, "") << "rank " << r;
    EXPECT_EQ(states[static_cast<size_t>(r)].sent, 2 * shard_bytes) << "rank " << r;
  }
  const std::vector<std::vector<uint32_t>> want{{1, 5, 6}, {0, 1, 4}};
  for (size_t r = 0; r < 2; ++r) {
    ASSERT_EQ(got[r].size(), 3u) << "rank " << r;
    for (uint32_t d : want[r]) {
      const auto& t = got[r].at(DeviceId{d});
      ASSERT_NE(t, nullptr);
      EXPECT_EQ(t->at(0), d);
      EXPECT_EQ(t->at(t->volume() - 1), d);
      const bool own = (d < 4) == (r == 0);
      if (own) {
        EXPECT_EQ(t, mine[r].at(DeviceId{d})) << "an own shard is passed by pointer";
      }
    }
  }
}

TEST(RowDelivery, OneCrossingPerReceivingRank) {
  std::vector<float> row(kWidth);
  for (int64_t i = 0; i < kWidth; ++i) row[static_cast<size_t>(i)] = static_cast<float>(i) + 0.5f;
  auto states = on_two_ranks([&](MeshContext& mesh, RankState& s) {
    std::vector<RowParcel> parcels;
    if (mesh.rank() == 0) {
      // To device 1 (this rank) and devices 4, 5 and 6 (rank 1), at different rows.
      parcels.push_back({reinterpret_cast<const uint8_t*>(row.data()),
                         kWidth * sizeof(float),
                         {{0, 1, 2}, {0, 4, 0}, {0, 5, 1}, {0, 6, 3}}});
    }
    deliver_rows(mesh, parcels, {1 - mesh.rank()}, s.out);
  });
  ASSERT_EQ(states[0].error, "");
  ASSERT_EQ(states[1].error, "");
  const size_t row_bytes = kWidth * sizeof(float);
  // One copy of the row crosses to rank 1 (plus headers), though three of its devices get it.
  EXPECT_GE(states[0].sent, row_bytes);
  EXPECT_LT(states[0].sent, row_bytes + 128);
  EXPECT_LT(states[1].sent, 64u);  // rank 1 had nothing to send: an empty message
  auto row_of = [&](const HostTensor& t, int64_t r) {
    return std::memcmp(reinterpret_cast<const float*>(t.data()) + r * kWidth, row.data(),
                       row_bytes) == 0;
  };
  // Rank 0's devices are 0-3 (device 1 = shard 1), rank 1's 4-7 (device 4 = shard 0).
  EXPECT_TRUE(row_of(states[0].shards[1], 2));
  EXPECT_TRUE(row_of(states[1].shards[0], 0));
  EXPECT_TRUE(row_of(states[1].shards[1], 1));
  EXPECT_TRUE(row_of(states[1].shards[2], 3));
  // Nothing else was written.
  int64_t nonzero = 0;
  for (const auto& st : states)
    for (const HostTensor& t : st.shards)
      for (int64_t i = 0; i < t.volume(); ++i) nonzero += t.at(i) != 0.0;
  EXPECT_EQ(nonzero, 4 * kWidth);
}

TEST(RowDelivery, RowForAPlaceTheReceiverLacksIsRefused) {
  std::vector<float> row(kWidth, 1.0f);
  auto states = on_two_ranks([&](MeshContext& mesh, RankState& s) {
    std::vector<RowParcel> parcels;
    if (mesh.rank() == 0)
      parcels.push_back({reinterpret_cast<const uint8_t*>(row.data()),
                         kWidth * sizeof(float),
                         {{0, 5, kRows}}});  // one row past the end of device 5's shard
    deliver_rows(mesh, parcels, {1 - mesh.rank()}, s.out);
  });
  EXPECT_EQ(states[0].error, "");
  EXPECT_NE(states[1].error.find("rank 0 sent a row of 4096 bytes for row 4 of result 0 on "
                                 "device 5, which this rank does not hold"),
            std::string::npos)
      << states[1].error;
}

TEST(RowDelivery, LocalRowOutOfRangeIsRefused) {
  std::vector<float> row(kWidth, 1.0f);
  auto states = on_two_ranks([&](MeshContext& mesh, RankState& s) {
    std::vector<RowParcel> parcels;
    if (mesh.rank() == 0)
      parcels.push_back(
          {reinterpret_cast<const uint8_t*>(row.data()), kWidth * sizeof(float), {{0, 2, -1}}});
    deliver_rows(mesh, parcels, {}, s.out);  // local only: the peer waits for nothing
  });
  EXPECT_NE(states[0].error.find("row -1 of result 0 on device 2"), std::string::npos)
      << states[0].error;
}

}  // namespace
}  // namespace meshrt::runtime
