#include "meshrt/common/timeouts.hpp"

#include <cmath>
#include <cstdlib>

namespace meshrt {

namespace {

double env_seconds(const char* name, double fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  double s = std::strtod(v, &end);
  return (end && *end == '\0' && std::isfinite(s) && s > 0) ? s : fallback;
}

Timeouts::ms seconds(double s) { return Timeouts::ms(static_cast<long long>(s * 1000.0)); }

Timeouts load() {
  Timeouts t;
  const double scale = env_seconds("TTRT_TIMEOUT_SCALE", 1.0);
  auto scaled = [&](Timeouts::ms& m) { m = seconds(static_cast<double>(m.count()) / 1000.0 * scale); };
  for (Timeouts::ms* m : {&t.peer_silence, &t.lost_peer_grace, &t.control, &t.answer,
                          &t.data_base, &t.file_broadcast}) {
    scaled(*m);
  }
  t.data_bytes_per_second /= scale;
  t.peer_silence = seconds(env_seconds("TTRT_PEER_SILENCE_S", t.peer_silence.count() / 1000.0));
  t.worker_idle = seconds(env_seconds("TTRT_WORKER_IDLE_TIMEOUT", t.worker_idle.count() / 1000.0));
  t.hook = seconds(env_seconds("TTRT_HOOK_TIMEOUT", t.hook.count() / 1000.0));
  return t;
}

}  // namespace

Timeouts::ms Timeouts::data(size_t bytes) const {
  return data_base + seconds(static_cast<double>(bytes) / data_bytes_per_second);
}

const Timeouts& Timeouts::get() {
  static const Timeouts t = load();
  return t;
}

}  // namespace meshrt
