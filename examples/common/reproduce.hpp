// examples/common/reproduce.hpp — the reproduce format shared by every example (DESIGN.md).
//
//   CLAIM <example>/<id> | expected <v> | measured <v> | tol <abs|rel> <t> | PASS|FAIL
//   REPORT <example>/<name> | value <v> | note <text>
//   ERRATUM <example>/<id> | printed <text> | correct <text> | measured <text>
// Options every example takes: --out DIR (CSV and plot specs go only there), --full, --seed N
// (statistical claims must hold for every seed, not only the example's own), --help.
// A plot is a CSV (first column x, one column per curve, header row = legend) plus a small
// .plot file of gnuplot settings; scripts/plot turns the pair into a PNG.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nnt_examples {

struct options {
  std::filesystem::path out = "results";
  bool full = false;
  std::uint64_t seed = 0;  ///< --seed N: 0 runs the example's own seeds, N ≥ 1 another set

  /// The seed to use where the example's own choice is `fixed`: `fixed` itself by default, a
  /// splitmix64 mix of (seed, fixed) under --seed N, so a sweep over N re-runs every random draw.
  std::uint64_t seed_for(std::uint64_t fixed) const {
    if (seed == 0) return fixed;
    std::uint64_t z = fixed + seed * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

/// Parses --out DIR, --full, --help; exits with a usage message on anything else.
inline options parse_options(int argc, char** argv, std::string_view summary) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--full") {
      o.full = true;
    } else if (a == "--out" && i + 1 < argc) {
      o.out = argv[++i];
    } else if (a == "--seed" && i + 1 < argc) {
      const std::string v = argv[++i];
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos) {
        std::cerr << argv[0] << ": --seed expects a non-negative integer, got '" << v << "'\n";
        std::exit(2);
      }
      o.seed = std::stoull(v);
    } else if (a == "--help" || a == "-h") {
      std::cout << argv[0] << ": " << summary << "\n"
                << "options: --out DIR (default results/) --full (bigger sweeps) --seed N (another "
                   "set of\n"
                << "random draws; 0 = the example's own)\n";
      std::exit(0);
    } else {
      std::cerr << argv[0] << ": unknown option " << a << " (see --help)\n";
      std::exit(2);
    }
  }
  std::filesystem::create_directories(o.out);
  return o;
}

inline std::string format_number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", v);
  return buffer;
}

/// max/min for aggregating measurements into a claim: NaN if any argument is NaN. std::max(a, b)
/// returns a when b is NaN, which would silently drop a failed measurement from "the worst case".
inline double nan_max(std::initializer_list<double> values) {
  double m = -std::numeric_limits<double>::infinity();
  for (double v : values) {
    if (std::isnan(v)) return v;
    m = v > m ? v : m;
  }
  return m;
}
inline double nan_max(double a, double b) { return nan_max({a, b}); }
inline double nan_min(std::initializer_list<double> values) {
  double m = std::numeric_limits<double>::infinity();
  for (double v : values) {
    if (std::isnan(v)) return v;
    m = v < m ? v : m;
  }
  return m;
}
inline double nan_min(double a, double b) { return nan_min({a, b}); }

enum class tol { abs, rel };

class claims {
 public:
  explicit claims(std::string example) : example_(std::move(example)) {}

  /// |measured − expected| ≤ t (abs) or ≤ t·|expected| (rel). NaN never passes.
  bool check(std::string_view id, double expected, double measured, tol kind, double t) {
    const double error = std::abs(measured - expected);
    const bool pass = kind == tol::abs ? error <= t : error <= t * std::abs(expected);
    return emit(id, format_number(expected), format_number(measured),
                std::string(kind == tol::abs ? "abs " : "rel ") + format_number(t), pass);
  }

  /// measured ≤ bound (e.g. a maximum error over a grid against 0 with an absolute tolerance).
  bool check_at_most(std::string_view id, double bound, double measured) {
    return emit(id, "<= " + format_number(bound), format_number(measured), "none",
                measured <= bound);
  }

  /// A claim whose outcome is not a single number (a rank, a sign pattern, an inequality).
  bool check_that(std::string_view id, std::string expected, std::string measured, bool pass) {
    return emit(id, std::move(expected), std::move(measured), "exact", pass);
  }

  void report(std::string_view name, double value, std::string_view note) {
    std::cout << "REPORT " << example_ << "/" << name << " | value " << format_number(value)
              << " | note " << note << std::endl;
  }

  void erratum(std::string_view id, std::string_view printed, std::string_view correct,
               std::string_view measured) {
    std::cout << "ERRATUM " << example_ << "/" << id << " | printed " << printed << " | correct "
              << correct << " | measured " << measured << std::endl;
  }

  int failures() const { return failures_; }
  /// The example's exit code: 1 if any claim failed.
  int exit_code() const { return failures_ == 0 ? 0 : 1; }

 private:
  bool emit(std::string_view id, std::string expected, std::string measured, std::string t,
            bool pass) {
    if (!pass) ++failures_;
    std::cout << "CLAIM " << example_ << "/" << id << " | expected " << expected << " | measured "
              << measured << " | tol " << t << " | " << (pass ? "PASS" : "FAIL") << std::endl;
    return pass;
  }

  std::string example_;
  int failures_ = 0;
};

/// Least-squares slope of log y against log x (rates and orders from log–log plots).
inline double loglog_slope(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = double(x.size());
  double mx = 0, my = 0, sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += std::log(x[i]) / n;
    my += std::log(y[i]) / n;
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (std::log(x[i]) - mx) * (std::log(y[i]) - my);
    sxx += (std::log(x[i]) - mx) * (std::log(x[i]) - mx);
  }
  return sxy / sxx;
}

struct plot_spec {
  std::string title{}, xlabel{}, ylabel{};
  bool logx = false, logy = false;
  std::string extra{};  ///< further gnuplot commands, one per line
};

/// Writes DIR/name.csv (header + columns of equal length) and DIR/name.plot (gnuplot settings).
inline void write_plot(const options& o, const std::string& name,
                       const std::vector<std::string>& header,
                       const std::vector<std::vector<double>>& columns, const plot_spec& spec) {
  std::ofstream csv(o.out / (name + ".csv"));
  for (std::size_t c = 0; c < header.size(); ++c) csv << (c ? "," : "") << header[c];
  csv << "\n";
  const std::size_t rows = columns.empty() ? 0 : columns.front().size();
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < columns.size(); ++c)
      csv << (c ? "," : "") << format_number(columns[c][r]);
    csv << "\n";
  }
  std::ofstream plot(o.out / (name + ".plot"));
  plot << "set title '" << spec.title << "'\nset xlabel '" << spec.xlabel << "'\nset ylabel '"
       << spec.ylabel << "'\n";
  if (spec.logx) plot << "set logscale x\n";
  if (spec.logy) plot << "set logscale y\n";
  plot << spec.extra;
}

/// Writes a heat map: DIR/name.csv with columns (x, y, value) for every grid cell and a .plot
/// drawing it `with image`; `extra` adds gnuplot commands before the plot line.
inline void write_heat_map(const options& o, const std::string& name, const plot_spec& spec,
                           const std::vector<double>& x, const std::vector<double>& y,
                           const std::vector<std::vector<double>>& value_yx,
                           const std::string& value_label) {
  std::vector<double> cx, cy, cv;
  for (std::size_t j = 0; j < y.size(); ++j)
    for (std::size_t i = 0; i < x.size(); ++i) {
      cx.push_back(x[i]);
      cy.push_back(y[j]);
      cv.push_back(value_yx[j][i]);
    }
  plot_spec s = spec;
  s.extra += "set cblabel '" + value_label + "'\nset palette rgbformulae 33,13,10\nplot '" + name +
             ".csv' skip 1 using 1:2:3 with image notitle\n";
  write_plot(o, name, {spec.xlabel, spec.ylabel, value_label}, {cx, cy, cv}, s);
}

}  // namespace nnt_examples
