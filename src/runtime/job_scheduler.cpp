// Program runs as jobs: each on its own thread and channel, after every earlier job that
// shares a chip with it (see session.hpp).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "meshrt/comm/channel.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/common/timeouts.hpp"
#include "session.hpp"

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

}  // namespace

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

std::shared_ptr<Job> Session::submit(wire::Submit run) {
  check_in_step();
  mesh(MeshHandle{run.mesh});  // both exist on every rank while ranks are in step
  binary(BinaryHandle{run.binary});
  std::erase_if(jobs_, [](const auto& j) { return finished(*j); });
  while (jobs_.size() >= kMaxJobsInFlight) {
    jobs_.front()->finished.wait();
    jobs_.erase(jobs_.begin());
  }
  const MeshHandle mesh_handle{run.mesh};
  const wire::Command command{++seq_, std::move(run)};
  send_to_workers(command);
  std::shared_ptr<Job> job = start_job(command.seq, std::get<wire::Submit>(command.body));
  last_runs[mesh_handle] = job;
  return job;
}

void Session::start_worker_job(const wire::Command& command) {
  try {
    start_job(command.seq, std::get<wire::Submit>(command.body));
  } catch (const Error& e) {
    // Rank 0 waits for this answer on the job's channel.
    comm::Channel channel(comm(), channel_of(command.seq));
    wire::Response r{command.seq, comm().rank(), false, e.code(), e.what(), {}};
    try {
      channel.send(0, kTagResponse, wire::encode(r),
                   comm::Deadline::after(Timeouts::get().control));
    } catch (const Error& lost) {
      spdlog::error("worker rank {} cannot answer rank 0 for run {}: {}", comm().rank(),
                    command.seq, lost.what());
    }
  }
}

std::shared_ptr<Job> Session::start_job(uint64_t seq, const wire::Submit& c) {
  std::erase_if(jobs_, [](const auto& j) { return finished(*j); });
  const MeshEntry& m = mesh(MeshHandle{c.mesh});
  std::shared_ptr<const binary::Binary> bin = binary(BinaryHandle{c.binary});
  auto job = std::make_shared<Job>();
  job->seq = seq;
  job->exclusive = c.hooks;
  job->binary = bin;
  MeshHandle root{c.mesh};
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
      std::async(std::launch::async, [this, job, seq, c, bin, view = m.view, earlier]() mutable {
        auto waits = std::move(earlier);
        auto self = std::move(job);
        auto command = std::move(c);
        auto program = std::move(bin);
        auto mesh_view = std::move(view);
        for (const auto& e : waits) e.wait();
        waits.clear();
        run_job(*self, seq, command, program, *mesh_view);
      }).share();
  jobs_.push_back(job);
  return job;
}

void Session::run_job(Job& job, uint64_t seq, const wire::Submit& c,
                      std::shared_ptr<const binary::Binary> bin, const MeshContext& view) {
  comm::Communicator& world = comm();
  comm::Channel channel(world, channel_of(seq));
  const auto start = std::chrono::steady_clock::now();
  ProgramResult result;
  std::optional<Error> local;
  try {
    MeshContext mesh(view.cluster(), view.shape(), channel, view.slots());
    ExecOptions options = c.exec;
    PostOpCallback post_op;
    const bool controller = world.rank() == 0;
    if (c.hooks) attach_hooks(mesh, c.binary, bin, c.program_index, options, post_op);
    if (c.hooks && controller) program_hook(true, c.binary, bin, c.program_index);
    result = run_program(mesh, *bin, c.program_index, options, post_op,
                         c.has_inputs ? &c.inputs : nullptr, c.faults);
    if (c.hooks && controller) program_hook(false, c.binary, bin, c.program_index);
  } catch (const Error& e) {
    local = e;
  } catch (const std::exception& e) {
    local = Error(ErrorCode::kInternal, e.what());
  }
  result.host_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (world.rank() != 0) {
    wire::Response r{seq,
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
      spdlog::error("worker rank {} cannot answer rank 0 for run {}: {}", world.rank(), seq,
                    e.what());
    }
    return;
  }
  try {
    answers(channel, seq, wire::Kind::kSubmit, local ? &*local : nullptr, {});
    job.result = std::move(result);
  } catch (...) {
    job.error = std::current_exception();
  }
}

void Session::drain() {
  for (const auto& j : jobs_) j->finished.wait();
  jobs_.clear();
}

}  // namespace meshrt::runtime::detail
