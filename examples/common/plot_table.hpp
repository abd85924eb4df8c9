// examples/common/plot_table.hpp — the columns of a plot (reproduce.hpp's write_plot), collected
// row by row or column by column: plot_table t({"x", "y1", "y2"}); t.add_row({x, y1, y2});
// t.add_column("y3", values); t.write(opt, "name", spec). t[c] is column c. linespoints(title,
// xlabel, ylabel, axes) is the spec of the usual curve plot (lines with points, optional log axes).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "reproduce.hpp"

namespace nnt_examples {

class plot_table {
 public:
  explicit plot_table(std::vector<std::string> header)
      : header_(std::move(header)), columns_(header_.size()) {}

  /// Appends one value to every column (first column x, then one per curve).
  void add_row(const std::vector<double>& row) {
    if (row.size() != columns_.size()) throw std::invalid_argument("plot_table: row size");
    for (std::size_t c = 0; c < row.size(); ++c) columns_[c].push_back(row[c]);
  }

  /// Appends a whole column (a curve) with its legend.
  void add_column(std::string name, std::vector<double> values) {
    header_.push_back(std::move(name));
    columns_.push_back(std::move(values));
  }

  const std::vector<double>& operator[](std::size_t c) const { return columns_.at(c); }

  /// DIR/name.csv and DIR/name.plot, as write_plot.
  void write(const options& o, const std::string& name, const plot_spec& spec) const {
    write_plot(o, name, header_, columns_, spec);
  }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<double>> columns_;
};

enum class axes { linear, log_y, log_log };

/// Curves drawn as lines with points, on linear, log-y or log–log axes.
inline plot_spec linespoints(std::string title, std::string xlabel, std::string ylabel,
                             axes a = axes::linear) {
  return {.title = std::move(title),
          .xlabel = std::move(xlabel),
          .ylabel = std::move(ylabel),
          .logx = a == axes::log_log,
          .logy = a != axes::linear,
          .extra = "set style data linespoints\n"};
}

}  // namespace nnt_examples
