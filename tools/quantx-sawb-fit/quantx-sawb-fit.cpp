//===- quantx-sawb-fit.cpp - SAWB clipping coefficients -------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
//   quantx-sawb-fit [--bits-min N] [--bits-max N] [--grid narrow|midrise]
//                   [--format table|cpp]
//
// Derives the coefficients of the SAWB weight clipping rule (Choi et al.
// 2018, "Bridging the Accuracy Gap for 2-bit Quantized Neural Networks")
//
//   alpha* = c1 * sqrt(E[w^2]) - c2 * E[|w|]
//
// the way the paper does: for each of six zero-mean symmetric densities
// (Gaussian, uniform, Laplace, logistic, triangular, von Mises) find the
// clipping value alpha* that minimizes E[(Q_alpha(w) - w)^2], then fit c1, c2
// by least squares over the densities, once per bit width b.
//
// Grids (the positive half; the negative half mirrors it):
//   narrow   quantx's symmetric weights: s = alpha / qmax, qmax = 2^(b-1) - 1,
//            Q(w) = s * clamp(round(w / s), -qmax, qmax); b = 2 is
//            {-alpha, 0, alpha}.
//   midrise  the paper's grid: 2^b levels without zero, s = 2 alpha /
//            (2^b - 1), levels at odd multiples of s / 2 up to alpha; b = 2 is
//            {-alpha, -alpha/3, alpha/3, alpha}.
// Either way level k is c_k * alpha with fixed c_k, and w goes to the nearest
// level (ties have measure zero, so round-half-even needs no special case).
//
// Scale invariance: alpha*, sqrt(E[w^2]) and E[|w|] all scale with the
// density, so each density is used at its natural unit scale and the results
// are divided by sigma = sqrt(E[w^2]). The fit is therefore the straight line
// alpha*/sigma ~= c1 - c2 * (E[|w|]/sigma) through six points, i.e. least
// squares with every density at unit RMS.
//
// Quadrature: by symmetry only [0, U] is integrated, U being the end of the
// support or where the density drops below 1e-300. The range is cut at every
// decision threshold, so each piece maps to one level and its integrand is
// smooth, and each piece is covered by Gauss-Legendre panels (16 nodes; 4 for
// panels too narrow to need more) at most 1/4 of the natural scale wide. Past
// the first few panels of a piece the panels grow geometrically, which only
// the unbounded clipping piece ever reaches: it keeps the tails out to U cheap
// while the region that matters stays finely resolved. Mass and moments use
// the same rule, so the densities need not be normalized (the von Mises
// normalizer I0(kappa) comes out of the quadrature too).
//
// Minimization: MSE(alpha) is scanned on a log-spaced grid, since it can have
// several local minima; golden-section search then narrows the bracket around
// the best grid point. The MSE is flat at its minimum, so that only pins
// alpha* to about sqrt(machine epsilon). The final digits come from the root
// of the derivative, found by bisection next to the golden-section result:
// moving a threshold adds nothing to the derivative because the two levels
// beside it are equally far from it, so
//   dMSE/dalpha = 4 * sum_k c_k * int_{bin k} (c_k alpha - w) p(w) dw / mass,
// which is smooth and well conditioned. The root is kept only if its MSE is no
// worse than the golden-section point's, up to rounding (the fine check).
//
// No sampling is involved and the node tables are constants, so the output is
// bit-reproducible for a given binary; across C libraries the last digits may
// move with exp() and cos().
//
//===----------------------------------------------------------------------===//

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

/// One node of a symmetric Gauss-Legendre rule on [-1, 1]; the rule also
/// uses -x with the same weight.
struct Node {
  double x, w;
};

constexpr Node gauss16[] = {
    {0.0950125098376374401853, 0.189450610455068496285},
    {0.281603550779258913230, 0.182603415044923588867},
    {0.458016777657227386342, 0.169156519395002538189},
    {0.617876244402643748447, 0.149595988816576732082},
    {0.755404408355003033895, 0.124628971255533872052},
    {0.865631202387831743880, 0.0951585116824927848099},
    {0.944575023073232576078, 0.0622535239386478928628},
    {0.989400934991649932596, 0.0271524594117540948518},
};

constexpr Node gauss4[] = {
    {0.339981043584856264803, 0.652145154862546142627},
    {0.861136311594052575224, 0.347854845137453857373},
};

/// Widest panel, in units of the density's natural scale.
constexpr double panelWidth = 0.25;
/// Panels narrower than this are integrated with 4 nodes: the integrand is a
/// quadratic times a density that is nearly constant across them.
constexpr double narrowPanel = panelWidth / 16;
/// Panels of one piece that keep panelWidth before they start to grow.
constexpr unsigned fixedPanels = 8;
constexpr double panelGrowth = 1.25;

/// M_PI is not standard C++.
constexpr double pi = 3.14159265358979323846;

/// The von Mises concentration. At kappa = 1 the density at +-pi is still
/// e^-2 (14%) of its peak, so it is a bell cut off hard at the ends of its
/// support, a shape none of the other five has; a large kappa would repeat
/// the Gaussian and a small one the uniform. c1 and c2 are nearly collinear
/// over six points and move by a few percent with kappa.
constexpr double vonMisesKappa = 1.0;

/// Log-spaced scan of MSE(alpha) from scanLow * sigma to the scan limit.
constexpr unsigned scanPoints = 240;
constexpr double scanLow = 0.02;
/// Scan limit for unbounded densities, in units of sigma; the optimum stays
/// below about 20 sigma up to 16 bits.
constexpr double scanHighUnbounded = 40.0;
/// Scan limit for bounded densities, as a multiple of the support end.
constexpr double scanHighBounded = 1.5;
/// Golden-section search stops at this relative bracket width.
constexpr double goldenTolerance = 1e-7;
/// How much worse (relatively) the slope root's MSE may be than the
/// golden-section point's. At 16 bits w - Q(w) is 2^-16 of w, so rounding in
/// the MSE alone reaches about 1e-12; a root in the wrong basin would cost
/// far more.
constexpr double fineCheckTolerance = 1e-9;

/// Densities at their natural scale; none needs to be normalized.
double gaussianDensity(double x) { return std::exp(-0.5 * x * x); }
double uniformDensity(double) { return 1.0; }
double laplaceDensity(double x) { return std::exp(-std::fabs(x)); }
double logisticDensity(double x) {
  // In terms of exp(-|x|) so that it cannot overflow.
  double e = std::exp(-std::fabs(x));
  return e / ((1.0 + e) * (1.0 + e));
}
double triangularDensity(double x) { return 1.0 - std::fabs(x); }
double vonMisesDensity(double x) {
  return std::exp(vonMisesKappa * (std::cos(x) - 1.0));
}

struct Distribution {
  const char *name;
  double (*density)(double);
  /// End of the support, or where the density falls below 1e-300.
  double upper;
  bool bounded;
};

std::vector<Distribution> makeDistributions() {
  // -ln(1e-300): exp(-x) and the logistic fall below 1e-300 past it.
  const double tailExponent = 300.0 * std::log(10.0);
  return {
      {"Gaussian", gaussianDensity, std::sqrt(2.0 * tailExponent), false},
      {"Uniform", uniformDensity, 1.0, true},
      {"Laplace", laplaceDensity, tailExponent, false},
      {"Logistic", logisticDensity, tailExponent, false},
      {"Triangular", triangularDensity, 1.0, true},
      {"von Mises", vonMisesDensity, pi, true},
  };
}

/// Calls fn(w, weight * p(w)) for every quadrature node in [lo, hi].
template <typename Fn>
void forEachNode(const Distribution &dist, double lo, double hi, Fn fn) {
  double x = lo;
  double width = panelWidth;
  unsigned panel = 0;
  while (x < hi) {
    double end = std::fmin(x + width, hi);
    double half = 0.5 * (end - x), mid = 0.5 * (x + end);
    const Node *nodes = gauss16;
    size_t numNodes = sizeof(gauss16) / sizeof(Node);
    if (end - x < narrowPanel) {
      nodes = gauss4;
      numNodes = sizeof(gauss4) / sizeof(Node);
    }
    for (size_t i = 0; i < numNodes; ++i) {
      double dx = half * nodes[i].x, w = half * nodes[i].w;
      fn(mid - dx, w * dist.density(mid - dx));
      fn(mid + dx, w * dist.density(mid + dx));
    }
    x = end;
    if (++panel >= fixedPanels)
      width *= panelGrowth;
  }
}

struct Moments {
  /// Integrals over [0, upper] of p, |w| p and w^2 p.
  double mass, absMoment, squareMoment;
  double sigma() const { return std::sqrt(squareMoment / mass); }
  double meanAbs() const { return absMoment / mass; }
};

Moments computeMoments(const Distribution &dist) {
  Moments m = {0.0, 0.0, 0.0};
  forEachNode(dist, 0.0, dist.upper, [&](double w, double p) {
    m.mass += p;
    m.absMoment += p * w;
    m.squareMoment += p * w * w;
  });
  return m;
}

enum class GridKind { Narrow, Midrise };

/// The non-negative levels of a grid as multiples of alpha, ascending.
std::vector<double> gridLevels(GridKind kind, unsigned bits) {
  std::vector<double> levels;
  if (kind == GridKind::Narrow) {
    unsigned qmax = (1u << (bits - 1)) - 1;
    for (unsigned k = 0; k <= qmax; ++k)
      levels.push_back(double(k) / double(qmax));
  } else {
    unsigned perSide = 1u << (bits - 1);
    double denom = double((1u << bits) - 1);
    for (unsigned k = 0; k < perSide; ++k)
      levels.push_back(double(2 * k + 1) / denom);
  }
  return levels;
}

struct Evaluation {
  double mse;
  double slope; // dMSE/dalpha
};

/// The quantization error of one density on one grid, as a function of
/// alpha.
class ClippingProblem {
public:
  ClippingProblem(const Distribution &dist, const Moments &moments,
                  const std::vector<double> &levels)
      : dist(dist), moments(moments), levels(levels) {}

  Evaluation evaluate(double alpha) const {
    double squareSum = 0.0, slopeSum = 0.0;
    double lo = 0.0;
    for (size_t k = 0; k < levels.size() && lo < dist.upper; ++k) {
      double hi = k + 1 < levels.size()
                      ? 0.5 * (levels[k] + levels[k + 1]) * alpha
                      : dist.upper;
      hi = std::fmin(hi, dist.upper);
      double level = levels[k] * alpha;
      double binSlope = 0.0;
      forEachNode(dist, lo, hi, [&](double w, double p) {
        double err = level - w;
        squareSum += p * err * err;
        binSlope += p * err;
      });
      slopeSum += levels[k] * binSlope;
      lo = hi;
    }
    // The factor 2 is the negative half.
    return {2.0 * squareSum / moments.mass, 4.0 * slopeSum / moments.mass};
  }

  double mse(double alpha) const { return evaluate(alpha).mse; }
  double slope(double alpha) const { return evaluate(alpha).slope; }

private:
  const Distribution &dist;
  const Moments &moments;
  const std::vector<double> &levels;
};

struct Optimum {
  double alpha;
  bool ok;
};

/// Bisects dMSE/dalpha to full precision in [lo, hi]; false if the slope
/// does not change sign there.
bool findSlopeRoot(const ClippingProblem &problem, double lo, double hi,
                   double &root) {
  if (problem.slope(lo) > 0.0 || problem.slope(hi) < 0.0)
    return false;
  for (unsigned iter = 0; iter < 200; ++iter) {
    double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi)
      break;
    if (problem.slope(mid) < 0.0)
      lo = mid;
    else
      hi = mid;
  }
  root = 0.5 * (lo + hi);
  return true;
}

Optimum optimalAlpha(const ClippingProblem &problem, const Distribution &dist,
                     double sigma) {
  double scanLo = scanLow * sigma;
  double scanHi =
      dist.bounded ? scanHighBounded * dist.upper : scanHighUnbounded * sigma;
  std::vector<double> xs(scanPoints);
  size_t best = 0;
  double bestMse = INFINITY;
  for (unsigned i = 0; i < scanPoints; ++i) {
    xs[i] = scanLo * std::pow(scanHi / scanLo, double(i) / (scanPoints - 1));
    double value = problem.mse(xs[i]);
    if (value < bestMse) {
      bestMse = value;
      best = i;
    }
  }
  // A minimum on the edge of the scan means the range was wrong.
  if (best == 0 || best + 1 == scanPoints)
    return {xs[best], false};

  const double invPhi = 0.5 * (std::sqrt(5.0) - 1.0);
  double a = xs[best - 1], b = xs[best + 1];
  double c = b - invPhi * (b - a), d = a + invPhi * (b - a);
  double fc = problem.mse(c), fd = problem.mse(d);
  while (b - a > goldenTolerance * (a + b)) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - invPhi * (b - a);
      fc = problem.mse(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + invPhi * (b - a);
      fd = problem.mse(d);
    }
  }
  double golden = fc < fd ? c : d;
  double goldenMse = std::fmin(fc, fd);

  // MSE rounding can leave the true minimum just outside the final golden
  // bracket, so bisect in a slightly wider one first, then the scan bracket.
  double root;
  bool found = findSlopeRoot(problem, std::fmax(xs[best - 1], golden * 0.99999),
                             std::fmin(xs[best + 1], golden * 1.00001), root) ||
               findSlopeRoot(problem, xs[best - 1], xs[best + 1], root);
  if (found && problem.mse(root) <= goldenMse * (1.0 + fineCheckTolerance))
    return {root, true};
  std::fprintf(stderr,
               "quantx-sawb-fit: warning: %s: slope root rejected, keeping "
               "the golden-section minimum\n",
               dist.name);
  return {golden, true};
}

struct FitRow {
  unsigned bits;
  double c1, c2, maxRelResidual;
  std::vector<double> alphaOverSigma;
};

struct Options {
  unsigned bitsMin = 2, bitsMax = 8;
  GridKind grid = GridKind::Narrow;
  bool cppFormat = false;
};

const char *gridName(GridKind kind) {
  return kind == GridKind::Narrow ? "narrow" : "midrise";
}

void printHelp() {
  std::printf(
      "USAGE: quantx-sawb-fit [options]\n"
      "\n"
      "Fits the SAWB weight clipping rule\n"
      "  alpha* = c1 * sqrt(E[w^2]) - c2 * E[|w|]\n"
      "to the MSE-optimal clipping value of six symmetric densities (Gaussian,"
      "\nuniform, Laplace, logistic, triangular, von Mises with kappa = %g), "
      "per\nbit width, by deterministic quadrature.\n"
      "\n"
      "OPTIONS:\n"
      "  --bits-min N           Smallest bit width, 2..16 (default 2)\n"
      "  --bits-max N           Largest bit width, 2..16 (default 8)\n"
      "  --grid narrow|midrise  narrow (default): zero plus 2^(b-1)-1 levels "
      "per\n"
      "                         side, step alpha/(2^(b-1)-1), as quantx "
      "quantizes\n"
      "                         symmetric weights; midrise: 2^b levels "
      "without\n"
      "                         zero, step 2*alpha/(2^b-1), the SAWB paper's "
      "grid\n"
      "  --format table|cpp     table (default): Markdown table with the fit's"
      "\n"
      "                         largest relative residual and alpha*/sigma "
      "per\n"
      "                         density; cpp: {b, c1, c2}, initializer lines\n"
      "  --help                 Print this help\n"
      "\n"
      "Exit status: 0 on success, 1 if an optimum could not be found, 2 on "
      "bad\noptions.\n",
      vonMisesKappa);
}

int usageError(const char *message, const char *arg) {
  std::fprintf(stderr, "quantx-sawb-fit: error: %s", message);
  if (arg)
    std::fprintf(stderr, " '%s'", arg);
  std::fprintf(stderr, "\nquantx-sawb-fit: see --help\n");
  return 2;
}

/// Parses a bit width in 2..16; only plain decimal digits are accepted.
bool parseBits(const char *text, unsigned &bits) {
  size_t len = std::strlen(text);
  if (len == 0 || len > 2)
    return false;
  for (size_t i = 0; i < len; ++i)
    if (text[i] < '0' || text[i] > '9')
      return false;
  unsigned value = unsigned(std::atoi(text));
  if (value < 2 || value > 16)
    return false;
  bits = value;
  return true;
}

/// Returns -1 to continue, otherwise the exit code.
int parseOptions(int argc, char **argv, Options &options) {
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    if (!std::strcmp(arg, "--help") || !std::strcmp(arg, "-h")) {
      printHelp();
      return 0;
    }
    // Accept both "--name value" and "--name=value".
    static const char *const valued[] = {"--bits-min", "--bits-max", "--grid",
                                         "--format"};
    const char *name = nullptr, *value = nullptr;
    for (const char *candidate : valued) {
      size_t len = std::strlen(candidate);
      if (!std::strcmp(arg, candidate)) {
        name = candidate;
        if (i + 1 >= argc)
          return usageError("missing value for", arg);
        value = argv[++i];
      } else if (!std::strncmp(arg, candidate, len) && arg[len] == '=') {
        name = candidate;
        value = arg + len + 1;
      }
    }
    if (!name)
      return usageError("unknown argument", arg);

    if (!std::strcmp(name, "--bits-min") || !std::strcmp(name, "--bits-max")) {
      unsigned bits;
      if (!parseBits(value, bits))
        return usageError("bit width must be an integer in 2..16, got", value);
      if (!std::strcmp(name, "--bits-min"))
        options.bitsMin = bits;
      else
        options.bitsMax = bits;
    } else if (!std::strcmp(name, "--grid")) {
      if (!std::strcmp(value, "narrow"))
        options.grid = GridKind::Narrow;
      else if (!std::strcmp(value, "midrise"))
        options.grid = GridKind::Midrise;
      else
        return usageError("--grid must be narrow or midrise, got", value);
    } else {
      if (!std::strcmp(value, "table"))
        options.cppFormat = false;
      else if (!std::strcmp(value, "cpp"))
        options.cppFormat = true;
      else
        return usageError("--format must be table or cpp, got", value);
    }
  }
  if (options.bitsMin > options.bitsMax)
    return usageError("--bits-min is larger than --bits-max", nullptr);
  return -1;
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  int exitCode = parseOptions(argc, argv, options);
  if (exitCode >= 0)
    return exitCode;

  std::vector<Distribution> dists = makeDistributions();
  std::vector<Moments> moments;
  for (const Distribution &dist : dists)
    moments.push_back(computeMoments(dist));

  std::vector<FitRow> rows;
  for (unsigned bits = options.bitsMin; bits <= options.bitsMax; ++bits) {
    std::vector<double> levels = gridLevels(options.grid, bits);
    FitRow row;
    row.bits = bits;
    std::vector<double> ratios;
    for (size_t d = 0; d < dists.size(); ++d) {
      double sigma = moments[d].sigma();
      ClippingProblem problem(dists[d], moments[d], levels);
      Optimum opt = optimalAlpha(problem, dists[d], sigma);
      if (!opt.ok) {
        std::fprintf(stderr,
                     "quantx-sawb-fit: error: %s, %u bits: the MSE minimum "
                     "is at the edge of the scanned range\n",
                     dists[d].name, bits);
        return 1;
      }
      row.alphaOverSigma.push_back(opt.alpha / sigma);
      ratios.push_back(moments[d].meanAbs() / sigma);
    }

    // Least squares for alpha/sigma = c1 - c2 * r, in centered form.
    double n = double(ratios.size()), meanR = 0.0, meanA = 0.0;
    for (size_t d = 0; d < ratios.size(); ++d) {
      meanR += ratios[d] / n;
      meanA += row.alphaOverSigma[d] / n;
    }
    double sxx = 0.0, sxy = 0.0;
    for (size_t d = 0; d < ratios.size(); ++d) {
      sxx += (ratios[d] - meanR) * (ratios[d] - meanR);
      sxy += (ratios[d] - meanR) * (row.alphaOverSigma[d] - meanA);
    }
    row.c2 = -sxy / sxx;
    row.c1 = meanA + row.c2 * meanR;
    row.maxRelResidual = 0.0;
    for (size_t d = 0; d < ratios.size(); ++d) {
      double fitted = row.c1 - row.c2 * ratios[d];
      double rel =
          std::fabs(fitted - row.alphaOverSigma[d]) / row.alphaOverSigma[d];
      row.maxRelResidual = std::fmax(row.maxRelResidual, rel);
    }
    rows.push_back(row);
  }

  if (options.cppFormat) {
    std::printf("// {bits, c1, c2}: alpha* = c1 * sqrt(E[w^2]) - c2 * E[|w|], "
                "%s grid\n",
                gridName(options.grid));
    for (const FitRow &row : rows)
      std::printf("{%u, %.17g, %.17g},\n", row.bits, row.c1, row.c2);
  } else {
    std::printf("SAWB clipping coefficients, %s grid: alpha* ~= c1 * "
                "sqrt(E[w^2]) - c2 * E[|w|].\nThe last columns are the "
                "MSE-optimal alpha*/sigma per density; E[|w|]/sigma is",
                gridName(options.grid));
    for (size_t d = 0; d < dists.size(); ++d)
      std::printf("%s %s %.5f", d ? "," : "", dists[d].name,
                  moments[d].meanAbs() / moments[d].sigma());
    std::printf(" (von Mises kappa = %g).\n\n| b | c1 | c2 | max rel. "
                "residual |",
                vonMisesKappa);
    for (const Distribution &dist : dists)
      std::printf(" %s |", dist.name);
    std::printf("\n|--:|--:|--:|--:|");
    for (size_t d = 0; d < dists.size(); ++d)
      std::printf("--:|");
    std::printf("\n");
    for (const FitRow &row : rows) {
      std::printf("| %u | %.4f | %.4f | %.3f%% |", row.bits, row.c1, row.c2,
                  100.0 * row.maxRelResidual);
      for (double value : row.alphaOverSigma)
        std::printf(" %.4f |", value);
      std::printf("\n");
    }
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "quantx-sawb-fit: error: cannot write output\n");
    return 1;
  }
  return 0;
}
