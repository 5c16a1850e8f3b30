// Liveness (mpi_internal.hpp): heartbeats between rank 0 and the other ranks.
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <set>

#include "meshrt/common/timeouts.hpp"
#include "mpi_internal.hpp"

namespace meshrt::comm::mpi_detail {

namespace {

constexpr int kTagBeat = 1;
constexpr uint8_t kAlive = 1;
constexpr uint8_t kGoodbye = 2;
const uint8_t kGoodbyeByte = kGoodbye;
constexpr size_t kHostNameBytes = 64;

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
std::set<Liveness*>& registry() {
  static std::set<Liveness*> r;
  return r;
}

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

Liveness::Liveness(MPI_Comm comm, int rank, int size, std::mutex& mpi, bool end_process)
    : rank_(rank),
      mpi_(mpi),
      end_process_(end_process),
      silent_for_(std::make_unique<std::atomic<double>[]>(static_cast<size_t>(size))) {
  for (int r = 0; r < size; ++r) silent_for_[static_cast<size_t>(r)] = 0;
  std::lock_guard<std::mutex> lock(mpi_);
  mpi_detail::check(MPI_Comm_dup(comm, &comm_), rank_, "MPI_Comm_dup (heartbeats)");
  MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
  std::array<char, kHostNameBytes> mine{};
  gethostname(mine.data(), mine.size() - 1);
  std::vector<char> all(kHostNameBytes * static_cast<size_t>(size));
  mpi_detail::check(MPI_Allgather(mine.data(), kHostNameBytes, MPI_CHAR, all.data(), kHostNameBytes, MPI_CHAR,
                      comm_),
        rank_, "MPI_Allgather (host names)");
  for (int r = 0; r < size; ++r) {
    const char* name = all.data() + kHostNameBytes * static_cast<size_t>(r);
    hosts_.emplace_back(name, strnlen(name, kHostNameBytes));
  }
  const auto now = Clock::now();
  for (int r = 0; r < size; ++r) {
    if (r == rank_ || (rank_ != 0 && r != 0)) continue;  // a star around rank 0
    Peer p;
    p.rank = r;
    p.heard = now;
    peers_.push_back(p);
  }
  {
    std::lock_guard<std::mutex> reg(registry_mutex());
    registry().insert(this);
  }
  thread_ = std::thread([this] { run(); });
}

Liveness::~Liveness() {
  {
    std::lock_guard<std::mutex> reg(registry_mutex());
    registry().erase(this);
  }
  const bool was_running = thread_.joinable();
  stop();
  if (!was_running) return;
  std::lock_guard<std::mutex> lock(mpi_);
  // Goodbye to every peer still here (short: a dead peer's send is just freed).
  std::vector<MPI_Request> byes;
  for (Peer& p : peers_) {
    if (p.gone || silent_for_[static_cast<size_t>(p.rank)] > 0) continue;
    MPI_Request r = MPI_REQUEST_NULL;
    if (MPI_Isend(&kGoodbyeByte, 1, MPI_BYTE, p.rank, kTagBeat, comm_, &r) == MPI_SUCCESS) {
      byes.push_back(r);
    }
  }
  // Rank 0 (a controller lives on and makes new communicators) waits for the goodbye of every
  // peer still alive: a peer's heartbeats all come before its goodbye, so none is left in flight
  // to land on a later communicator that reuses this one's context. The others just go.
  const auto until = Clock::now() + Timeouts::get().peer_silence;
  while (Clock::now() < until) {
    int done = 0;
    if (!byes.empty()) MPI_Testall(static_cast<int>(byes.size()), byes.data(), &done, MPI_STATUSES_IGNORE);
    bool waiting = false;
    if (rank_ == 0) {
      for (Peer& p : peers_) {
        beat_in(p, Clock::now());
        waiting = waiting || (!p.gone && silent_for_[static_cast<size_t>(p.rank)] == 0);
      }
    }
    if ((byes.empty() || done) && !waiting) break;
  }
  for (Peer& p : peers_) {
    if (p.recv != MPI_REQUEST_NULL) {
      MPI_Cancel(&p.recv);
      MPI_Request_free(&p.recv);
    }
    if (p.send != MPI_REQUEST_NULL) MPI_Request_free(&p.send);
  }
  MPI_Comm_free(&comm_);
}

void Liveness::stop() {
  stop_ = true;
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void Liveness::stop_all() {
  std::lock_guard<std::mutex> reg(registry_mutex());
  for (Liveness* l : registry()) l->stop();
}

void Liveness::check(int peer) const {
  const int lost = peer < 0 ? lost_.load() : peer;
  if (lost < 0) return;
  const double silent = silent_for_[static_cast<size_t>(lost)].load();
  if (silent == 0) return;
  const std::string& host = hosts_[static_cast<size_t>(lost)];
  observed_ = true;
  raise(ErrorCode::kRankFailed,
        fmt::format("rank {}: rank {} on host {} stopped answering: nothing heard from it for "
                    "{:.1f} s (stopped, killed, or its host unreachable)",
                    rank_, lost, host, silent),
        ErrorSite{lost, host, "heartbeat", -1});
}

void Liveness::beat_in(Peer& p, Clock::time_point now) {
  int flag = 0;
  // Every heartbeat that arrived, then one receive posted for the next.
  while (!p.gone) {
    if (p.recv == MPI_REQUEST_NULL) {
      if (MPI_Irecv(&p.in, 1, MPI_BYTE, p.rank, kTagBeat, comm_, &p.recv) != MPI_SUCCESS) break;
    }
    flag = 0;
    if (MPI_Test(&p.recv, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS || !flag) break;
    p.heard = now;
    if (p.in == kGoodbye) p.gone = true;
  }
}

void Liveness::beat(Peer& p, Clock::time_point now) {
  beat_in(p, now);
  int flag = 0;
  if (p.send != MPI_REQUEST_NULL) {
    flag = 0;
    MPI_Test(&p.send, &flag, MPI_STATUS_IGNORE);
  }
  if (p.send == MPI_REQUEST_NULL && !p.gone) {
    MPI_Isend(&p.out, 1, MPI_BYTE, p.rank, kTagBeat, comm_, &p.send);
  }
}

void Liveness::run() {
  const Timeouts& t = Timeouts::get();
  Clock::time_point lost_at{};
  while (!stop_) {
    const auto now = Clock::now();
    {
      std::lock_guard<std::mutex> lock(mpi_);
      for (Peer& p : peers_) beat(p, now);
    }
    for (const Peer& p : peers_) {
      auto& silent = silent_for_[static_cast<size_t>(p.rank)];
      if (!p.gone && silent == 0 && now - p.heard > t.peer_silence) {
        silent = std::max(1e-3, seconds_between(p.heard, now));
        if (lost_ < 0) {
          lost_at = now;
          lost_ = p.rank;
        }
      }
    }
    if (lost_ >= 0 && end_process_ && !observed_ && now - lost_at > t.lost_peer_grace) {
      // No wait has seen the loss: the main thread is busy and will not. Ending this process
      // ends the job (mpirun stops the others).
      try {
        check();
      } catch (const Error& e) {
        std::fprintf(stderr, "error: %s; ending the job\n", e.what());
      }
      std::fflush(stdout);
      std::fflush(stderr);
      _exit(1);
    }
    for (auto slept = Timeouts::ms(0); slept < t.heartbeat_every && !stop_;
         slept += Timeouts::ms(25)) {
      std::this_thread::sleep_for(Timeouts::ms(25));
    }
  }
}

}  // namespace meshrt::comm::mpi_detail
