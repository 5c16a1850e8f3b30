#include "result_exchange.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

#include "meshrt/common/timeouts.hpp"
#include "meshrt/binary/inputs.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/report/memory_json.hpp"
#include "shard_exchange.hpp"

namespace meshrt::runtime {

namespace {
using nlohmann::json;

json metrics_json(const report::GoldenMetrics& m) {
  return {{"expected_pcc", m.expected_pcc}, {"actual_pcc", m.actual_pcc}, {"atol", m.atol},
          {"rtol", m.rtol}, {"allclose", m.allclose}, {"max", m.max},
          {"mean_absolute_error", m.mean_absolute_error},
          {"root_mean_square_error", m.root_mean_square_error},
          {"cosine_similarity", m.cosine_similarity}, {"passed", m.passed},
          {"message", m.message}};
}

report::GoldenMetrics metrics_from(const json& j) {
  report::GoldenMetrics m;
  m.expected_pcc = j.at("expected_pcc");
  m.actual_pcc = j.at("actual_pcc");
  m.atol = j.at("atol");
  m.rtol = j.at("rtol");
  m.allclose = j.at("allclose");
  m.max = j.at("max");
  m.mean_absolute_error = j.at("mean_absolute_error");
  m.root_mean_square_error = j.at("root_mean_square_error");
  m.cosine_similarity = j.at("cosine_similarity");
  m.passed = j.at("passed");
  m.message = j.at("message");
  return m;
}

json summary_json(const ProgramResult& r) {
  json goldens = json::array();
  for (const auto& g : r.goldens) {
    goldens.push_back({{"loc", g.loc}, {"device", g.device_id}, {"m", metrics_json(g.metrics)}});
  }
  json memory = json::array();
  for (const auto& m : r.memory) {
    json views = json::array();
    for (const auto& v : m.views) views.push_back(report::memory_view_to_json(v));
    memory.push_back({{"loc", m.loc}, {"debug", m.debug_str}, {"views", views}});
  }
  return {{"goldens", goldens}, {"memory", memory}, {"leaked", r.leaked_buffers},
          {"unavailable", r.goldens_unavailable}, {"perf", report::rows_to_words(r.perf)}};
}

void merge(const json& j, ProgramResult& r) {
  for (const auto& g : j.at("goldens")) {
    r.goldens.push_back({g.at("loc"), g.at("device"), metrics_from(g.at("m"))});
  }
  const auto& memory = j.at("memory");
  for (size_t i = 0; i < memory.size() && i < r.memory.size(); ++i) {
    for (const auto& v : memory[i].at("views")) {
      r.memory[i].views.push_back(report::memory_view_from_json(v.get<std::string>()));
    }
  }
  r.leaked_buffers += j.at("leaked").get<uint64_t>();
  r.goldens_unavailable += j.at("unavailable").get<uint64_t>();
  if (j.contains("perf")) {
    std::vector<report::OpPerfRow> rows =
        report::rows_from_words(j.at("perf").get<std::vector<uint64_t>>());
    r.perf.insert(r.perf.end(), rows.begin(), rows.end());
  }
}
}  // namespace

void gather_results_to_controller(MeshContext& mesh, const binary::Program& program,
                                  ProgramResult& result) {
  if (mesh.num_ranks() == 1) return;
  // Input and output shards: rank 0 needs every device's shard of every device-resident value.
  auto gather = [&](std::vector<TensorValue>& values, const std::vector<uint32_t>& ids) {
    for (size_t i = 0; i < values.size() && i < ids.size(); ++i) {
      const binary::TensorDesc& desc = program.values[ids[i]];
      bool on_device = values[i].on_device || !values[i].shards.empty();
      if (!on_device) continue;
      std::vector<std::set<DeviceId>> needs(static_cast<size_t>(mesh.num_ranks()));
      for (uint32_t d = 0; d < mesh.shape().volume(); ++d) needs[0].insert(DeviceId{d});
      ShardMap got = exchange_shards(mesh, values[i].shards, needs, binary::input_shape(desc),
                                     desc.dtype);
      if (mesh.is_controller()) values[i].shards = std::move(got);
    }
  };
  gather(result.inputs, program.inputs);
  gather(result.outputs, program.outputs);
  std::string mine = mesh.is_controller() ? std::string() : summary_json(result).dump();
  auto deadline = comm::Deadline::after(Timeouts::get().control);  // small summaries
  std::vector<comm::Bytes> all = mesh.comm().allgather(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(mine.data()), mine.size()),
      deadline);
  if (!mesh.is_controller()) return;
  try {
    for (int r = 1; r < mesh.num_ranks(); ++r) {
      const auto& bytes = all[static_cast<size_t>(r)];
      merge(json::parse(bytes.begin(), bytes.end()), result);
    }
  } catch (const json::exception& e) {
    raise(ErrorCode::kRankFailed, std::string("malformed results from a worker rank: ") + e.what());
  }
  std::stable_sort(result.perf.begin(), result.perf.end(),
                   [](const report::OpPerfRow& a, const report::OpPerfRow& b) {
                     return a.global_call_count != b.global_call_count
                                ? a.global_call_count < b.global_call_count
                                : a.device_id < b.device_id;
                   });
}

}  // namespace meshrt::runtime
