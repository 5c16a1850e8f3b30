// The controller/worker wire encoding: every command kind survives encode/decode with every
// field, a Submit carries only the shards a worker needs, and bytes that are not a command are
// refused with a clear error instead of being executed.
#include <gtest/gtest.h>

#include <variant>

#include "common/expect_error.hpp"
#include "common/sample_commands.hpp"
#include "meshrt/mesh/cluster.hpp"

namespace wire = meshrt::runtime::wire;
using meshrt::ErrorCode;

namespace {

std::vector<wire::Command> samples() {
  return meshrt::testing::sample_commands(
      {1, 2, 3, 4, 5}, meshrt::cluster_to_json_text(meshrt::builtin_cluster("t3k")));
}

void expect_same_value(const meshrt::runtime::TensorValue& a,
                       const meshrt::runtime::TensorValue& b) {
  EXPECT_EQ(a.host == nullptr, b.host == nullptr);
  if (a.host && b.host) EXPECT_TRUE(*a.host == *b.host);
  ASSERT_EQ(a.shards.size(), b.shards.size());
  for (const auto& [d, t] : a.shards) {
    ASSERT_TRUE(b.shards.count(d)) << "device " << d;
    EXPECT_TRUE(*t == *b.shards.at(d)) << "device " << d;
  }
}

// Field by field: a field that encode or decode dropped comes back as its default, which the
// samples never use.
void expect_same(const wire::Body& sent, const wire::Body& got) {
  ASSERT_EQ(sent.index(), got.index());
  std::visit(
      [&](const auto& s) {
        using T = std::decay_t<decltype(s)>;
        const T& g = std::get<T>(got);
        if constexpr (std::is_same_v<T, wire::LoadBinary>) {
          EXPECT_EQ(s.binary, g.binary);
          EXPECT_EQ(s.name, g.name);
          EXPECT_EQ(s.bytes, g.bytes);
          EXPECT_EQ(s.ignore_version, g.ignore_version);
        } else if constexpr (std::is_same_v<T, wire::OpenMesh>) {
          EXPECT_EQ(s.mesh, g.mesh);
          EXPECT_EQ(s.cluster_json, g.cluster_json);
          EXPECT_EQ(s.device_ids, g.device_ids);
          EXPECT_EQ(s.shape, g.shape);
          EXPECT_EQ(s.l1_small_size, g.l1_small_size);
          EXPECT_EQ(s.trace_region_size, g.trace_region_size);
        } else if constexpr (std::is_same_v<T, wire::ReshapeMesh>) {
          EXPECT_EQ(s.mesh, g.mesh);
          EXPECT_EQ(s.shape, g.shape);
        } else if constexpr (std::is_same_v<T, wire::CreateSubMesh>) {
          EXPECT_EQ(s.mesh, g.mesh);
          EXPECT_EQ(s.parent, g.parent);
          EXPECT_EQ(s.shape, g.shape);
          EXPECT_EQ(s.offset, g.offset);
        } else if constexpr (std::is_same_v<T, wire::Submit>) {
          EXPECT_EQ(s.mesh, g.mesh);
          EXPECT_EQ(s.binary, g.binary);
          EXPECT_EQ(s.program_index, g.program_index);
          EXPECT_EQ(s.exec.seed, g.exec.seed);
          EXPECT_EQ(s.exec.init, g.exec.init);
          EXPECT_EQ(s.exec.ones_density, g.exec.ones_density);
          EXPECT_EQ(s.exec.check_golden, g.exec.check_golden);
          EXPECT_EQ(s.exec.check_op_goldens, g.exec.check_op_goldens);
          EXPECT_EQ(s.exec.golden.pcc, g.exec.golden.pcc);
          EXPECT_EQ(s.exec.golden.atol, g.exec.golden.atol);
          EXPECT_EQ(s.exec.golden.rtol, g.exec.golden.rtol);
          EXPECT_EQ(s.exec.golden.atol_allclose, g.exec.golden.atol_allclose);
          EXPECT_EQ(s.exec.golden.rtol_allclose, g.exec.golden.rtol_allclose);
          EXPECT_EQ(s.exec.collect_memory, g.exec.collect_memory);
          EXPECT_EQ(s.exec.golden_diff_topk, g.exec.golden_diff_topk);
          EXPECT_EQ(s.exec.fabric, g.exec.fabric);
          EXPECT_EQ(s.faults.wrong_result_at, g.faults.wrong_result_at);
          EXPECT_EQ(s.faults.leak_at, g.faults.leak_at);
          EXPECT_EQ(s.hooks, g.hooks);
          EXPECT_EQ(s.has_inputs, g.has_inputs);
          ASSERT_EQ(s.inputs.size(), g.inputs.size());
          for (size_t i = 0; i < s.inputs.size(); ++i) expect_same_value(s.inputs[i], g.inputs[i]);
        } else if constexpr (!std::is_same_v<T, wire::Shutdown>) {
          // ReleaseBinary, CloseMesh, MemoryView: the handle is all they carry.
          if constexpr (std::is_same_v<T, wire::ReleaseBinary>)
            EXPECT_EQ(s.binary, g.binary);
          else
            EXPECT_EQ(s.mesh, g.mesh);
        }
      },
      sent);
}

TEST(Wire, EveryCommandKindRoundTrips) {
  const auto commands = samples();
  ASSERT_EQ(commands.size(), std::variant_size_v<wire::Body>);
  for (const wire::Command& c : commands) {
    SCOPED_TRACE(std::string(wire::kind_name(c.kind())));
    wire::Command back = wire::decode_command(wire::encode(c, nullptr));
    EXPECT_EQ(back.seq, c.seq);
    EXPECT_EQ(back.kind(), c.kind());
    expect_same(c.body, back.body);
  }
}

// A worker gets only its own chips' shards of a Submit's inputs, and never rank 0's host
// tensors.
TEST(Wire, SubmitCarriesOnlyTheWorkersShards) {
  wire::Command c = samples().at(static_cast<size_t>(wire::Kind::kSubmit));
  auto& run = std::get<wire::Submit>(c.body);
  run.inputs[0].host = run.inputs[0].shards.at(meshrt::DeviceId{1});
  run.inputs[0].shards[meshrt::DeviceId{6}] = run.inputs[0].shards.at(meshrt::DeviceId{1});
  const std::vector<meshrt::DeviceId> mine{meshrt::DeviceId{6}}, none{meshrt::DeviceId{0}};
  auto got = std::get<wire::Submit>(wire::decode_command(wire::encode(c, &mine)).body);
  ASSERT_EQ(got.inputs.size(), 1u);
  EXPECT_EQ(got.inputs[0].host, nullptr);
  ASSERT_EQ(got.inputs[0].shards.size(), 1u);
  EXPECT_TRUE(got.inputs[0].shards.count(meshrt::DeviceId{6}));
  got = std::get<wire::Submit>(wire::decode_command(wire::encode(c, &none)).body);
  EXPECT_TRUE(got.inputs[0].shards.empty());
  got = std::get<wire::Submit>(wire::decode_command(wire::encode(c, nullptr)).body);
  ASSERT_NE(got.inputs[0].host, nullptr);
  EXPECT_EQ(got.inputs[0].shards.size(), 2u);
}

TEST(Wire, ResponsesAndValuesRoundTrip) {
  wire::Response r{9, 3, false, ErrorCode::kOutOfMemory, "rank 3: out of dram", {7, 8}};
  wire::Response back = wire::decode_response(wire::encode(r), 3);
  EXPECT_EQ(back.seq, 9u);
  EXPECT_EQ(back.rank, 3);
  EXPECT_FALSE(back.ok);
  EXPECT_EQ(back.code, ErrorCode::kOutOfMemory);
  EXPECT_EQ(back.message, r.message);
  EXPECT_EQ(back.payload, r.payload);
  const auto commands = samples();
  meshrt::runtime::TensorValue v =
      std::get<wire::Submit>(commands.at(static_cast<size_t>(wire::Kind::kSubmit)).body).inputs[0];
  v.host = std::make_shared<meshrt::HostTensor>(
      meshrt::HostTensor::from_doubles({3}, meshrt::DataType::kInt32, {-1, 0, 5}));
  expect_same_value(v, wire::decode_value(wire::encode_value(v), 1));
}

// Bytes from a confused or hostile peer: an error that names rank 0 (or the peer), never a
// command executed on garbage.
TEST(Wire, BytesThatAreNotACommandAreRefused) {
  const std::vector<uint8_t> bytes = wire::encode(samples().at(2), nullptr);
  std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(bytes.size() / 2));
  meshrt::testing::expect_error([&] { wire::decode_command(cut); }, ErrorCode::kRankFailed,
                                {"malformed command", "rank 0"});
  meshrt::testing::expect_error([&] { wire::decode_command(std::vector<uint8_t>{}); },
                                ErrorCode::kRankFailed, "malformed command");
  meshrt::testing::expect_error([&] { wire::decode_response(cut, 4); }, ErrorCode::kRankFailed,
                                {"malformed response", "rank 4"});
}

}  // namespace
