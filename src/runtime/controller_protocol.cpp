// Rank 0's side of the controller/worker protocol: sending a command to every worker,
// collecting their answers into one outcome, and noticing when the workers fall out of step.
#include <fmt/format.h>

#include <optional>

#include "meshrt/common/error.hpp"
#include "meshrt/common/timeouts.hpp"
#include "session.hpp"

namespace meshrt::runtime::detail {

namespace {

std::string combine(const std::vector<wire::Response>& failures) {
  std::string combined;
  for (const auto& f : failures) {
    if (combined.find(f.message) != std::string::npos) continue;
    combined += (combined.empty() ? "" : "; ") + fmt::format("rank {}: {}", f.rank, f.message);
  }
  return combined;
}

}  // namespace

void Session::check_in_step() {
  const int n = comm().size();
  if (n == 1) return;
  std::lock_guard<std::mutex> lock(broken_mu_);
  if (!broken_.empty()) {
    raise(ErrorCode::kRankFailed,
          "the workers are out of step after an earlier failure (" + broken_ + ")");
  }
  if (workers_down_) raise(ErrorCode::kRankFailed, "the workers were shut down");
}

void Session::mark_broken(const std::string& why) {
  std::lock_guard<std::mutex> lock(broken_mu_);
  if (broken_.empty()) broken_ = why;
}

void Session::send_to_workers(const wire::Command& command) {
  comm::Communicator& world = comm();
  const auto* run = std::get_if<wire::Submit>(&command.body);
  for (int w = 1; w < world.size(); ++w) {
    std::vector<DeviceId> devices;
    const std::vector<DeviceId>* only = nullptr;
    if (run && !run->full_inputs) {
      const MeshContext& m = *mesh(MeshHandle{run->mesh}).view;
      for (uint32_t d = 0; d < m.shape().volume(); ++d)
        if (m.owner(DeviceId{d}) == w) devices.push_back(DeviceId{d});
      only = &devices;
    }
    std::vector<uint8_t> bytes = wire::encode(command, only);
    try {
      world.send(w, kTagControl, bytes, comm::Deadline::after(Timeouts::get().data(bytes.size())));
    } catch (const Error& e) {
      std::string why = fmt::format("rank 0: sending command '{}' to rank {}: {}",
                                    wire::kind_name(command.kind()), w, e.what());
      mark_broken(why);
      raise(e.code(), why, e.site().rank >= 0 ? e.site() : ErrorSite{w, world.host(w), "", -1});
    }
  }
}

std::vector<std::vector<uint8_t>> Session::answers(comm::Communicator& from, uint64_t seq,
                                                   wire::Kind kind, const Error* local,
                                                   std::vector<uint8_t> mine) {
  const int n = from.size();
  if (local && n == 1) throw *local;
  std::vector<wire::Response> failures;
  // The error names the first failing rank (and its host) as fields too.
  auto site = [&] {
    if (local && local->site().rank >= 0) return local->site();
    const int r = failures[0].rank;
    return ErrorSite{r, from.host(r), std::string(wire::kind_name(kind)), -1};
  };
  auto fail = [&](ErrorCode code) {
    std::string why = combine(failures);
    mark_broken(why);
    raise(code, why, site());
  };
  if (local) {
    failures.push_back({seq, 0, false, local->code(), local->what(), {}});
    // A worker is gone or out of step: waiting for its answer would only wait longer.
    if (local->code() == ErrorCode::kTimeout || local->code() == ErrorCode::kRankFailed) {
      fail(local->code());
    }
  }
  std::vector<std::vector<uint8_t>> payloads(static_cast<size_t>(n));
  payloads[0] = std::move(mine);
  const auto wait = Timeouts::get().answer;  // a lost worker is found sooner, by its silence
  for (int w = 1; w < n; ++w) {
    wire::Response r;
    try {
      r = wire::decode_response(from.recv(w, kTagResponse, comm::Deadline::after(wait)), w);
    } catch (const Error& e) {
      failures.push_back({seq,
                          0,
                          false,
                          e.code(),
                          fmt::format("no answer from rank {} to command '{}': {}", w,
                                      wire::kind_name(kind), e.what()),
                          {}});
      fail(e.code());
    }
    if (r.seq != seq) {
      failures.push_back({seq,
                          w,
                          false,
                          ErrorCode::kRankFailed,
                          fmt::format("answered command {} while {} was expected", r.seq, seq),
                          {}});
      fail(ErrorCode::kRankFailed);
    }
    if (!r.ok) {
      failures.push_back(std::move(r));
    } else {
      payloads[static_cast<size_t>(w)] = std::move(r.payload);
    }
  }
  if (!failures.empty()) {
    bool disagreed = static_cast<int>(failures.size()) != n;
    ErrorCode code = disagreed ? ErrorCode::kRankFailed : failures[0].code;
    if (failures[0].code == ErrorCode::kTimeout) code = ErrorCode::kTimeout;
    std::string why = combine(failures);
    if (disagreed) mark_broken(why);
    raise(code, why, site());
  }
  return payloads;
}

std::vector<std::vector<uint8_t>> Session::run_everywhere(wire::Body body) {
  drain();
  check_in_step();
  const wire::Command command{++seq_, std::move(body)};
  send_to_workers(command);
  std::vector<uint8_t> mine;
  std::optional<Error> local;
  try {
    mine = execute(command);
  } catch (const Error& e) {
    local = e;
  }
  return answers(comm(), command.seq, command.kind(), local ? &*local : nullptr, std::move(mine));
}

std::vector<int> Session::shutdown_workers() {
  drain();
  comm::Communicator& world = comm();
  std::vector<int> lost;
  if (world.size() == 1 || world.rank() != 0 || workers_down_) return lost;
  workers_down_ = true;
  const wire::Command c{++seq_, wire::Shutdown{}};
  std::vector<uint8_t> bytes = wire::encode(c, nullptr);
  for (int w = 1; w < world.size(); ++w) {
    try {
      world.send(w, kTagControl, bytes, comm::Deadline::after(Timeouts::get().control));
      world.recv(w, kTagResponse, comm::Deadline::after(Timeouts::get().control));
    } catch (const Error&) {
      lost.push_back(w);  // the worker is gone already; nothing is left to tell it
    }
  }
  return lost;
}

}  // namespace meshrt::runtime::detail
