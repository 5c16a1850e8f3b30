#include "session.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "meshrt/common/timeouts.hpp"
#include "meshrt/binary/binary_io.hpp"
#include "meshrt/comm/channel.hpp"
#include "meshrt/comm/local.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/compiler/verify.hpp"
#include "meshrt/mesh/placement.hpp"
#include "meshrt/report/memory_json.hpp"

namespace meshrt::runtime::detail {

namespace {

using std::chrono::seconds;

// Jobs in flight at most; channel ids (seq modulo kMaxChannel) are never reused by two of them.
constexpr size_t kMaxJobsInFlight = 64;

uint32_t channel_of(uint64_t seq) {
  return static_cast<uint32_t>(seq % comm::Channel::kMaxChannel) + 1;
}

bool finished(const Job& job) {
  return job.finished.wait_for(seconds(0)) == std::future_status::ready;
}

MeshEntry make_entry(const ClusterDesc& cluster, comm::Communicator& comm,
                     std::vector<ChipSlot> base, const MeshShape& box, const MeshShape& shape) {
  MeshEntry e;
  e.base = std::move(base);
  e.box = box;
  std::vector<DeviceId> physical;
  for (const auto& s : e.base) physical.push_back(s.physical);
  std::vector<uint32_t> order = meshrt::reshape_order(cluster, box, physical, shape);
  std::vector<ChipSlot> slots;
  for (uint32_t i : order) slots.push_back(e.base[i]);
  e.view = std::make_shared<MeshContext>(cluster, shape, comm, std::move(slots));
  return e;
}


std::string combine(const std::vector<wire::Response>& failures) {
  std::string combined;
  for (const auto& f : failures) {
    if (combined.find(f.message) != std::string::npos) continue;
    combined += (combined.empty() ? "" : "; ") + fmt::format("rank {}: {}", f.rank, f.message);
  }
  return combined;
}

}  // namespace

Session& Session::get() {
  static Session session;
  return session;
}

comm::Communicator& Session::comm() {
  if (!comm_) {
    own_ = comm::make_single_process();
    comm_ = own_.get();
  }
  return *comm_;
}

void Session::set_comm(comm::Communicator* comm) {
  if (comm != nullptr && comm == comm_) return;  // the same world: keep what is open
  drain();
  meshes.clear();
  binaries.clear();
  last_runs.clear();
  broken_.clear();
  workers_down_ = false;
  comm_ = comm;
  if (comm) own_.reset();
}

MeshEntry& Session::mesh(MeshHandle handle) {
  auto it = meshes.find(handle);
  if (it == meshes.end()) {
    raise(ErrorCode::kNotFound,
          fmt::format("mesh device {} is not open (closed or released?)", handle.value));
  }
  return it->second;
}

std::shared_ptr<const binary::Binary> Session::binary(BinaryHandle handle) {
  auto it = binaries.find(handle);
  if (it == binaries.end())
    raise(ErrorCode::kNotFound, fmt::format("binary {} is not loaded", handle.value));
  return it->second;
}

bool Job::overlaps(const Job& other) const {
  if (exclusive || other.exclusive) return true;
  auto a = chips.begin(), b = other.chips.begin();
  while (a != chips.end() && b != other.chips.end()) {
    if (*a < *b) {
      ++a;
    } else if (*b < *a) {
      ++b;
    } else {
      return true;
    }
  }
  return false;
}

std::vector<uint8_t> Session::execute(const wire::Command& c) {
  comm::Communicator& world = comm();
  switch (c.kind) {
    case wire::Kind::kLoadBinary: {
      binary::LoadOptions lo;
      lo.ignore_version = c.ignore_version;
      binaries[BinaryHandle{c.handle}] =
          std::make_shared<const binary::Binary>(compiler::load_verified(c.bytes, c.name, lo));
      break;
    }
    case wire::Kind::kReleaseBinary:
      binaries.erase(BinaryHandle{c.handle});
      break;
    case wire::Kind::kOpenMesh: {
      ClusterDesc cluster = cluster_from_json_text(c.cluster_json, "cluster of the opened mesh");
      cluster.chip.l1_small_bytes = c.l1_small_size;
      cluster.chip.trace_region_bytes = c.trace_region_size;
      // The chips (a box of the cluster) and the shape the mesh has over them.
      MeshBox box = meshrt::box_of(cluster, c.device_ids);
      if (box.offset.row + box.shape.rows > cluster.mesh.rows ||
          box.offset.col + box.shape.cols > cluster.mesh.cols) {
        raise(ErrorCode::kIncompatible,
              fmt::format("a {} mesh at offset ({},{}) does not fit cluster '{}' ({})",
                          box.shape.to_string(), box.offset.row, box.offset.col, cluster.name,
                          cluster.mesh.to_string()));
      }
      MeshContext root(cluster, box.shape, world, box.offset);
      MeshEntry e = make_entry(cluster, world, root.slots(), box.shape, c.shape);
      e.l1_small_size = c.l1_small_size;
      e.trace_region_size = c.trace_region_size;
      meshes[MeshHandle{c.handle}] = std::move(e);
      break;
    }
    case wire::Kind::kCloseMesh: {
      std::vector<MeshHandle> doomed{MeshHandle{c.handle}};
      for (size_t i = 0; i < doomed.size(); ++i) {
        for (const auto& [h, e] : meshes)
          if (e.parent == doomed[i]) doomed.push_back(h);
      }
      for (MeshHandle h : doomed) {
        meshes.erase(h);
        last_runs.erase(h);
      }
      break;
    }
    case wire::Kind::kReshapeMesh: {
      MeshEntry& m = mesh(MeshHandle{c.handle});
      MeshEntry e = make_entry(m.view->cluster(), world, m.base, m.box, c.shape);
      m.view = e.view;
      break;
    }
    case wire::Kind::kCreateSubMesh: {
      MeshEntry& parent = mesh(MeshHandle{c.target});
      const MeshShape& ps = parent.view->shape();
      if (c.shape.rows == 0 || c.shape.cols == 0 || c.offset.row + c.shape.rows > ps.rows ||
          c.offset.col + c.shape.cols > ps.cols) {
        raise(ErrorCode::kInvalidArgument,
              fmt::format("sub-mesh {} at offset ({},{}) does not fit its {} parent mesh",
                          c.shape.to_string(), c.offset.row, c.offset.col, ps.to_string()));
      }
      std::vector<ChipSlot> slots;
      for (uint32_t d = 0; d < c.shape.volume(); ++d) {
        MeshCoordinate sc = c.shape.coord_of(DeviceId{d});
        slots.push_back(
            parent.view
                ->slots()[ps.device_at({sc.row + c.offset.row, sc.col + c.offset.col}).value]);
      }
      MeshEntry e = make_entry(parent.view->cluster(), world, slots, c.shape, c.shape);
      e.parent = MeshHandle{c.target};
      e.l1_small_size = parent.l1_small_size;
      e.trace_region_size = parent.trace_region_size;
      meshes[MeshHandle{c.handle}] = std::move(e);
      break;
    }
    case wire::Kind::kSubmit:
      raise(ErrorCode::kInternal, "a Submit runs as a job, not as a command");
    case wire::Kind::kMemoryView: {
      MeshContext& m = *mesh(MeshHandle{c.handle}).view;
      nlohmann::json views = nlohmann::json::array();
      for (size_t l = 0; l < m.local_devices().size(); ++l) {
        device::MemoryView v = m.device(l).memory_view();
        v.device = m.local_devices()[l];  // the device's id in this mesh
        views.push_back(report::memory_view_to_json(v));
      }
      std::string text = views.dump();
      return {text.begin(), text.end()};
    }
    case wire::Kind::kShutdown:
      break;
  }
  return {};
}

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
  for (int w = 1; w < world.size(); ++w) {
    std::vector<uint32_t> devices;
    const std::vector<uint32_t>* only = nullptr;
    if (command.kind == wire::Kind::kSubmit && !command.full_inputs) {
      const MeshContext& m = *mesh(MeshHandle{command.handle}).view;
      for (uint32_t d = 0; d < m.shape().volume(); ++d)
        if (m.owner(DeviceId{d}) == w) devices.push_back(d);
      only = &devices;
    }
    std::vector<uint8_t> bytes = wire::encode(command, only);
    try {
      world.send(w, kTagControl, bytes,
                 comm::Deadline::after(Timeouts::get().data(bytes.size())));
    } catch (const Error& e) {
      std::string why = fmt::format("rank 0: sending command '{}' to rank {}: {}",
                                    wire::kind_name(command.kind), w, e.what());
      mark_broken(why);
      raise(e.code(), why, e.site().rank >= 0 ? e.site() : ErrorSite{w, world.host(w), "", -1});
    }
  }
}

std::vector<std::vector<uint8_t>> Session::answers(comm::Communicator& from,
                                                   const wire::Command& command, const Error* local,
                                                   std::vector<uint8_t> mine) {
  const int n = from.size();
  if (local && n == 1) throw *local;
  std::vector<wire::Response> failures;
  // The error names the first failing rank (and its host) as fields too.
  auto site = [&] {
    if (local && local->site().rank >= 0) return local->site();
    const int r = failures[0].rank;
    return ErrorSite{r, from.host(r), std::string(wire::kind_name(command.kind)), -1};
  };
  auto fail = [&](ErrorCode code) {
    std::string why = combine(failures);
    mark_broken(why);
    raise(code, why, site());
  };
  if (local) {
    failures.push_back({command.seq, 0, false, local->code(), local->what(), {}});
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
      failures.push_back({command.seq,
                          0,
                          false,
                          e.code(),
                          fmt::format("no answer from rank {} to command '{}': {}", w,
                                      wire::kind_name(command.kind), e.what()),
                          {}});
      fail(e.code());
    }
    if (r.seq != command.seq) {
      failures.push_back(
          {command.seq,
           w,
           false,
           ErrorCode::kRankFailed,
           fmt::format("answered command {} while {} was expected", r.seq, command.seq),
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

std::vector<std::vector<uint8_t>> Session::run_everywhere(wire::Command command) {
  drain();
  check_in_step();
  command.seq = ++seq_;
  send_to_workers(command);
  std::vector<uint8_t> mine;
  std::optional<Error> local;
  try {
    mine = execute(command);
  } catch (const Error& e) {
    local = e;
  }
  return answers(comm(), command, local ? &*local : nullptr, std::move(mine));
}

std::shared_ptr<Job> Session::submit(wire::Command command) {
  check_in_step();
  mesh(MeshHandle{command.handle});  // both exist on every rank while ranks are in step
  binary(BinaryHandle{command.target});
  std::erase_if(jobs_, [](const auto& j) { return finished(*j); });
  while (jobs_.size() >= kMaxJobsInFlight) {
    jobs_.front()->finished.wait();
    jobs_.erase(jobs_.begin());
  }
  command.seq = ++seq_;
  send_to_workers(command);
  std::shared_ptr<Job> job = start_job(command);
  last_runs[MeshHandle{command.handle}] = job;
  return job;
}

void Session::start_worker_job(const wire::Command& command) {
  try {
    start_job(command);
  } catch (const Error& e) {
    // Rank 0 waits for this answer on the job's channel.
    comm::Channel channel(comm(), channel_of(command.seq));
    wire::Response r{command.seq, comm().rank(), false, e.code(), e.what(), {}};
    try {
      channel.send(0, kTagResponse, wire::encode(r), comm::Deadline::after(Timeouts::get().control));
    } catch (const Error& lost) {
      spdlog::error("worker rank {} cannot answer rank 0 for run {}: {}", comm().rank(),
                    command.seq, lost.what());
    }
  }
}

std::shared_ptr<Job> Session::start_job(const wire::Command& c) {
  std::erase_if(jobs_, [](const auto& j) { return finished(*j); });
  const MeshEntry& m = mesh(MeshHandle{c.handle});
  std::shared_ptr<const binary::Binary> bin = binary(BinaryHandle{c.target});
  auto job = std::make_shared<Job>();
  job->seq = c.seq;
  job->exclusive = c.hooks;
  job->binary = bin;
  MeshHandle root{c.handle};
  while (mesh(root).parent.value != 0) root = mesh(root).parent;
  for (const ChipSlot& slot : m.view->slots()) job->chips.emplace_back(root, slot.physical.value);
  std::sort(job->chips.begin(), job->chips.end());
  std::vector<std::shared_future<void>> earlier;
  for (const auto& j : jobs_) {
    if (j->overlaps(*job)) earlier.push_back(j->finished);
  }
  // The future's shared state keeps this callable as long as the future lives, and the job
  // holds that future: the callable moves what it captured into locals, so a finished job keeps
  // only its result and no job keeps the jobs it waited for alive.
  job->finished =
      std::async(std::launch::async, [this, job, c, bin, view = m.view, earlier]() mutable {
        auto waits = std::move(earlier);
        auto self = std::move(job);
        auto command = std::move(c);
        auto program = std::move(bin);
        auto mesh_view = std::move(view);
        for (const auto& e : waits) e.wait();
        waits.clear();
        run_job(*self, command, program, *mesh_view);
      }).share();
  jobs_.push_back(job);
  return job;
}

void Session::run_job(Job& job, const wire::Command& c, std::shared_ptr<const binary::Binary> bin,
                      const MeshContext& view) {
  comm::Communicator& world = comm();
  comm::Channel channel(world, channel_of(c.seq));
  const auto start = std::chrono::steady_clock::now();
  ProgramResult result;
  std::optional<Error> local;
  try {
    MeshContext mesh(view.cluster(), view.shape(), channel, view.slots());
    ExecOptions options = c.exec;
    PostOpCallback post_op;
    const bool controller = world.rank() == 0;
    if (c.hooks) attach_hooks(mesh, c.target, bin, c.program_index, options, post_op);
    if (c.hooks && controller) program_hook(true, c.target, bin, c.program_index);
    result = run_program(mesh, *bin, c.program_index, options, post_op,
                         c.has_inputs ? &c.inputs : nullptr);
    if (c.hooks && controller) program_hook(false, c.target, bin, c.program_index);
  } catch (const Error& e) {
    local = e;
  } catch (const std::exception& e) {
    local = Error(ErrorCode::kInternal, e.what());
  }
  result.host_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (world.rank() != 0) {
    wire::Response r{c.seq,
                     world.rank(),
                     !local,
                     local ? local->code() : ErrorCode::kInternal,
                     local ? local->what() : "",
                     {}};
    try {
      const std::vector<uint8_t> answer = wire::encode(r);
      channel.send(0, kTagResponse, answer,
                   comm::Deadline::after(Timeouts::get().data(answer.size())));
    } catch (const Error& e) {
      spdlog::error("worker rank {} cannot answer rank 0 for run {}: {}", world.rank(), c.seq,
                    e.what());
    }
    return;
  }
  try {
    answers(channel, c, local ? &*local : nullptr, {});
    job.result = std::move(result);
  } catch (...) {
    job.error = std::current_exception();
  }
}

void Session::drain() {
  for (const auto& j : jobs_) j->finished.wait();
  jobs_.clear();
}

std::vector<int> Session::shutdown_workers() {
  drain();
  comm::Communicator& world = comm();
  std::vector<int> lost;
  if (world.size() == 1 || world.rank() != 0 || workers_down_) return lost;
  workers_down_ = true;
  wire::Command c;
  c.kind = wire::Kind::kShutdown;
  c.seq = ++seq_;
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
