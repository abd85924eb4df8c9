// examples/common/reference_derivatives.hpp — derivatives computed independently of nnt, to check
// closed forms and nnt's backprop/R-operator derivatives against:
//   autodiff_hessian(f, x): value, gradient and Hessian of a scalar function of a few variables by
//     nested forward-mode AutoDiff (Eigen's AutoDiffScalar of AutoDiffScalar), e.g.
//     autodiff_hessian([](const auto& v) { return v(0) * v(0) - v(1) * v(1); }, x).hessian;
//   autodiff_derivatives(f, x): f′(x) and f″(x) of a function of one variable, the same way;
//   central_differences(f, x, h): central first and second differences in long double (errors
//     h²|f‴|/6 + ε|f|/h and h²|f⁗|/12 + 4ε|f|/h², ε the long-double epsilon).
#pragma once

#include <Eigen/Core>
#include <unsupported/Eigen/AutoDiff>

#include <utility>

namespace nnt_examples {

using first_order_ad = Eigen::AutoDiffScalar<Eigen::VectorXd>;
using second_order_ad = Eigen::AutoDiffScalar<Eigen::Matrix<first_order_ad, Eigen::Dynamic, 1>>;

struct value_gradient_hessian {
  double value;
  Eigen::VectorXd gradient;
  Eigen::MatrixXd hessian;
};

/// f's value, gradient and Hessian at x. Derivatives AutoDiff leaves empty (f constant in a
/// variable, e.g. on the flat side of a ReLU) are returned as zeros.
template <class F>
value_gradient_hessian autodiff_hessian(const F& f, const Eigen::VectorXd& x) {
  const Eigen::Index n = x.size();
  Eigen::Matrix<second_order_ad, Eigen::Dynamic, 1> v(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    v(i) = second_order_ad(first_order_ad(x(i), n, i),
                           Eigen::Matrix<first_order_ad, Eigen::Dynamic, 1>(n));
    for (Eigen::Index j = 0; j < n; ++j)
      v(i).derivatives()(j) = first_order_ad(i == j ? 1.0 : 0.0, Eigen::VectorXd::Zero(n));
  }
  const second_order_ad r = f(v);
  value_gradient_hessian out{r.value().value(), Eigen::VectorXd::Zero(n),
                             Eigen::MatrixXd::Zero(n, n)};
  for (Eigen::Index i = 0; i < r.derivatives().size(); ++i) {
    out.gradient(i) = r.derivatives()(i).value();
    if (r.derivatives()(i).derivatives().size() == n)
      out.hessian.row(i) = r.derivatives()(i).derivatives().transpose();
  }
  return out;
}

/// {f′(x), f″(x)} of a function of one variable (f receives one second_order_ad).
template <class F>
std::pair<double, double> autodiff_derivatives(const F& f, double x) {
  const auto d =
      autodiff_hessian([&](const auto& v) { return f(v(0)); }, Eigen::VectorXd::Constant(1, x));
  return {d.gradient(0), d.hessian(0, 0)};
}

/// {(f(x+h) − f(x−h))/2h, (f(x+h) − 2f(x) + f(x−h))/h²}, both rounded to double.
template <class F>
std::pair<double, double> central_differences(const F& f, long double x, long double h) {
  const long double up = f(x + h), mid = f(x), down = f(x - h);
  return {double((up - down) / (2 * h)), double((up - 2 * mid + down) / (h * h))};
}

}  // namespace nnt_examples
