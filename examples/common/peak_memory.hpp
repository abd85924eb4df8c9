// examples/common/peak_memory.hpp — the process's peak resident set (Linux /proc/self/status
// VmHWM) and its reset (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0), so that an example can
// state how much memory one computation needed: reset, run, read the peak minus the resident set
// before. Where /proc is missing the sizes are NaN, never a made-up number.
#pragma once

#include <fstream>
#include <limits>
#include <string>

namespace nnt_examples {

/// The value of `field` (VmHWM = peak, VmRSS = current) in bytes; NaN if it cannot be read.
inline double resident_bytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string key;
  double kib = 0;
  while (status >> key) {
    if (key == field + ":") {
      if (status >> kib) return kib * 1024.0;
      break;
    }
    status.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::numeric_limits<double>::quiet_NaN();
}

/// Resets VmHWM to the current resident set; false where the kernel does not allow it.
inline bool reset_peak_resident() {
  std::ofstream clear("/proc/self/clear_refs");
  return static_cast<bool>(clear << "5") && static_cast<bool>(clear.flush());
}

/// Peak bytes above the resident set at construction: memory_probe p; work(); p.peak_growth().
/// Where the peak cannot be reset it may predate the probe, and the growth is then an upper bound
/// (exact when nothing before the probe used more memory than is resident at its start).
class memory_probe {
 public:
  memory_probe() : reset_(reset_peak_resident()), start_(resident_bytes("VmRSS")) {}
  double peak_growth() const { return resident_bytes("VmHWM") - start_; }
  /// False when the peak could not be reset, so that peak_growth() is an upper bound only.
  bool exact() const { return reset_; }

 private:
  bool reset_;
  double start_;
};

}  // namespace nnt_examples
