// Every time limit of meshrt in one place: how often ranks tell each other they are alive, how
// long a silent peer is given before it is declared lost, and how long each kind of wait may
// take (data movement scaled by its bytes). The runtime, the CLI and tt-run read them from
// Timeouts::get(); TTRT_PEER_SILENCE_S and TTRT_TIMEOUT_SCALE override them (slow builds, such
// as the sanitizers', scale everything up).
#pragma once

#include <chrono>
#include <cstddef>

namespace meshrt {

struct Timeouts {
  using ms = std::chrono::milliseconds;
  // Liveness: every rank sends rank 0 (and rank 0 every rank) a heartbeat this often; a peer
  // not heard from for peer_silence is lost (stopped, killed, or its host unreachable). A rank
  // that has not ended within lost_peer_grace after that ends itself.
  ms heartbeat_every{250};
  ms peer_silence{3000};
  ms lost_peer_grace{2000};
  // Small control messages: a command to a worker, its answer's send, a shutdown.
  ms control{30000};
  // Waiting for the workers' answers to a command they run (a whole program, its goldens):
  // long, because a lost worker is found by the heartbeat, not by this.
  ms answer{600000};
  // Data movement (shards, results): base plus bytes at the slowest link assumed. A receiver
  // that does not know the size waits data_base: a rank whose sender failed (rank 0 refusing an
  // op, say) then answers with that error instead of waiting for the answer limit.
  ms data_base{20000};
  double data_bytes_per_second = 50e6;
  ms data(size_t bytes) const;
  // A file rank 0 broadcasts (a binary) to receivers that do not know its size.
  ms file_broadcast{60000};
  // A worker with no command for this long leaves (TTRT_WORKER_IDLE_TIMEOUT overrides), and a
  // debugger hook waits this long for its user (TTRT_HOOK_TIMEOUT).
  ms worker_idle{3600000};
  ms hook{3600000};
  // Open MPI's daemons across hosts: TCP keepalive (seconds) so that a host whose link is down
  // is noticed by mpirun within keepalive_time + keepalive_interval * keepalive_probes.
  int keepalive_time_s = 2;
  int keepalive_interval_s = 1;
  int keepalive_probes = 3;

  // The defaults with the environment's overrides, read once.
  static const Timeouts& get();
};

}  // namespace meshrt
