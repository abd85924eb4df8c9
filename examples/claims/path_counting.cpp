// COURSE.md N7: the log-normal law of input–output derivatives of deep ReLU nets (C_w = 2, C_b = 0,
// no biases, n₀ inputs, L hidden layers of width n, one output). Path counting, exactly: with
// Gaussian weights each hidden layer multiplies (n₀/n_l)‖∂a^{(l)}/∂x_p‖² by an independent
// (2/n_l)χ²_{K_l}, K_l ~ Binomial(n_l, ½) the units it keeps, so log Y = Σ_l log((2/n_l)χ²_{K_l})
// (Y = (n₀/n_L)‖∂a^{(L)}/∂x_p‖², E Y = 1): mean −β/2, variance β to leading order, β = 5Σ 1/n_l.
// Errata: the pre-activations z^{(L)} (COURSE's wording) miss the last mask, (n₀/2n_L)‖∂z^{(L)}‖²
// = (χ²_{n_L}/n_L)·Π_{l<L}: log-var β − 3/n_L; an output entry (∂z_i/∂x_p)²/(2/n₀) = χ²₁·Y:
// log-var β + π²/2. SE: one network is one unit (its n₀ directions share masks and weights).
#include <nnt/mlp/mlp.hpp>

#include <array>
#include <numbers>

#include "common/reproduce.hpp"
#include "common/special_functions.hpp"
#include "common/stats.hpp"

using namespace nnt_examples;

namespace {

struct estimate {
  double value, se;
};
struct unit_moments {  // per network: the means over its n₀ directions p of l and l²
  std::vector<double> m1, m2;
  void add(const Eigen::ArrayXd& l) { m1.push_back(l.mean()), m2.push_back(l.square().mean()); }
  estimate variance() const {  // delta method: a network's influence on mean(l²) − mean(l)²
    std::vector<double> u;
    for (std::size_t i = 0; i < m1.size(); ++i) u.push_back(m2[i] - 2 * m1[i] * mean(m1));
    return {mean(m2) - mean(m1) * mean(m1), standard_error(u)};
  }
};
// {post, pre, entry}: logs of the normalised squared derivatives, all directions p
std::array<unit_moments, 3> run(nnt::Index n0, nnt::Index L, nnt::Index n, int nets,
                                std::uint64_t seed) {
  std::vector<nnt::Index> widths(L + 2, n);
  widths.front() = n0, widths.back() = 1;
  nnt::mlp<double> net(widths, nnt::activation::relu(),
                       {2.0, 0.0, nnt::parameterization::standard, false});
  const Eigen::MatrixXd x = Eigen::MatrixXd::Ones(n0, 1);  // the law does not depend on x
  std::array<unit_moments, 3> r;
  nnt::mlp_workspace<double> ws;
  for (int s = 0; s < nets; ++s) {
    net.initialize(nnt::stream_seed(seed, std::uint64_t(s)));
    net.forward(x, ws);
    auto masked = [&](const Eigen::MatrixXd& d, nnt::Index l) {  // rows of units that are off: 0
      return (d.array().colwise() * (ws.z[l].array() > 0).cast<double>().col(0)).matrix();
    };
    Eigen::MatrixXd pre = net.weight(0), post;  // ∂z^{(l)}/∂x, n_l × n₀, by the chain rule
    for (nnt::Index l = 1; l < L; ++l) pre = net.weight(l) * masked(pre, l - 1);
    post = masked(pre, L - 1);
    const Eigen::MatrixXd g = net.weight(L) * post;
    r[1].add((pre.colwise().squaredNorm().array() * double(n0) / (2.0 * double(n))).log());
    r[0].add((post.colwise().squaredNorm().array() * double(n0) / double(n)).log());
    r[2].add((g.row(0).array().square() * double(n0) / 2).log());
  }
  return r;
}

// slope of v = a·x through the origin xv/xx, SE √(Σ x² SE²)/Σ x²; that of the exact values xe/xx
struct origin_fit {
  double xv = 0, xx = 0, xxse = 0, xe = 0;
  void add(double x, estimate v, double exact) {
    xv += x * v.value, xx += x * x, xxse += x * x * v.se * v.se, xe += x * exact;
  }
};
// exact {mean, variance} of one layer's log((2/n)χ²_K), K ~ Binomial(n, ½) (K = 0: p = 2^{-n})
std::pair<double, double> layer_log_moments(nnt::Index n) {
  double m1 = 0, m2 = 0, v = 0, p = std::pow(0.5, double(n));
  for (nnt::Index k = 1; k <= n; ++k) {
    p *= double(n - k + 1) / double(k);
    const double e = std::log(4.0 / double(n)) + digamma(double(k) / 2);  // E log χ²_k + ln(2/n)
    m1 += p * e, m2 += p * e * e, v += p * trigamma(double(k) / 2);
  }
  return {m1, v + m2 - m1 * m1};
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = parse_options(argc, argv, "path counting in deep ReLU nets (N7)");
  Eigen::setNbThreads(1);  // small products per network: OpenMP threads would only spin-wait
  nnt_examples::claims claims("path_counting");
  const nnt::Index n0 = 16;
  const int nets = opt.full ? 4000 : 600;
  const double half_pi2 = std::numbers::pi * std::numbers::pi / 2;  // Var log χ²₁ = ψ′(½)
  origin_fit post, pre;                    // at n = 128: against β and β − 3/n_L
  double entry_excess = 0, entry_var = 0;  // Σ over configurations of Var log entry − Var log Y
  for (std::uint64_t seed = 1; nnt::Index n : {32, 64, 128}) {
    const auto [layer_mean, layer_var] = layer_log_moments(n);
    for (nnt::Index L : {2, 4, 8}) {
      const auto [mpost, mpre, mentry] = run(n0, L, n, nets, opt.seed_for(seed++));
      const double beta = 5.0 * double(L) / double(n), ex_post = double(L) * layer_var,
                   ex_pre = trigamma(double(n) / 2) + double(L - 1) * layer_var;
      const auto vpost = mpost.variance(), vpre = mpre.variance(), ventry = mentry.variance();
      entry_excess += ventry.value - ex_post, entry_var += ventry.se * ventry.se;
      if (n == 128) post.add(beta, vpost, ex_post), pre.add(beta - 3.0 / double(n), vpre, ex_pre);
      if (n == 128 && L == 2)
        claims.erratum("N7-pre-activation", "(n0/(2n_L))|dz^(L)/dx_p|^2 ~ exp(N(-beta/2, beta))",
                       "log-var beta - 3/n_L = " + format_number(beta - 3.0 / double(n)),
                       "L = 2, n = 128: log-var " + format_number(vpre.value) + " (SE " +
                           format_number(vpre.se) + ") vs beta = 0.078125");
      if (n != 64 || L != 4) continue;  // 4 SE + the exact O(L/n²) shift of E log Y from −β/2
      claims.check("N7-E[log Y]=-beta/2-L=4,n=64", -beta / 2, mean(mpost.m1), tol::abs,
                   4 * standard_error(mpost.m1) + std::abs(double(L) * layer_mean + beta / 2));
      claims.erratum("N7-entry", "(dz_i/dx_p)^2/(2/n0) ~ exp(N(-beta/2, beta)), log-var 0.3125",
                     "chi2_1 x Y: log-var " + format_number(ex_post + half_pi2),
                     "log-var " + format_number(ventry.value));
    }
  }
  // tolerance 4 SE plus the exact O(1/n) shift of the slope from 1 (path-counting law)
  for (const auto& [id, f] : {std::pair{"post-activation-logvar-vs-beta", post},
                              {"pre-activation-logvar-vs-(beta-3/n_L)", pre}})
    claims.check(std::string("N7-lognormal-") + id + "-slope-n=128", 1.0, f.xv / f.xx, tol::abs,
                 4 * std::sqrt(f.xxse) / f.xx + std::abs(f.xe / f.xx - 1));
  claims.check("N7-erratum-single-entry-logvar-minus-VarlogY-is-pi^2/2-(mean-of-9;4-SE)", half_pi2,
               entry_excess / 9, tol::abs, 4 * std::sqrt(entry_var) / 9);
  return claims.exit_code();
}
