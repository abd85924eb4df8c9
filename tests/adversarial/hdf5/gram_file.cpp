// Hostile input to nnt/hdf5/ (built into test_hdf5: it needs HDF5). Files are made in the test's
// working directory; nothing is written anywhere else, and a file that is not HDF5 is not touched.
#include <nnt/hdf5/gram_file.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "adversarial/adversarial.hpp"
#include "support/kernel_fixtures.hpp"

using nnt::Index;
using nnt::Matrix;
using nnt_adversarial::NaN;

TEST_CASE("adversarial: write_kernel_gram_hdf5, read_gram_hdf5, hdf5_gram_operator",
          "[adversarial][hdf5]") {
  const auto net = nnt_test::relu_kernel_net();
  const Matrix<double> X = nnt_test::gaussian_matrix(3, 6, 1);
  const std::string path = "adversarial_hdf5.h5";
  std::filesystem::remove(path);
  Matrix<double> bad = X;
  bad(0, 2) = NaN;
  NNT_REFUSES(nnt::write_kernel_gram_hdf5(path, "K", net, bad), "X");
  NNT_REFUSES(nnt::write_kernel_gram_hdf5(path, "K", net, X, bad), "B");
  NNT_REFUSES(nnt::write_kernel_gram_hdf5(path, "K", net, X, Matrix<double>::Ones(4, 2)), "B");
  NNT_REFUSES(nnt::write_kernel_gram_hdf5(path, "K", net, X, {.block = 0}), "block");
  NNT_REFUSES(nnt::write_kernel_gram_hdf5(path, "", net, X), "dataset");
  NNT_REFUSES(nnt::write_kernel_gram_hdf5("no_such_directory/x.h5", "K", net, X), "path");
  CHECK_FALSE(std::filesystem::exists("no_such_directory"));
  // Not an HDF5 file: refused, and left as it was.
  { std::ofstream("adversarial_not_hdf5.txt") << "a user's notes\n"; }
  NNT_REFUSES(nnt::write_kernel_gram_hdf5("adversarial_not_hdf5.txt", "K", net, X), "path");
  std::stringstream kept;
  kept << std::ifstream("adversarial_not_hdf5.txt").rdbuf();
  CHECK(kept.str() == "a user's notes\n");
  // An existing dataset is not overwritten.
  REQUIRE(nnt::write_kernel_gram_hdf5(path, "K", net, X).status == nnt::status::ok);
  NNT_REFUSES(nnt::write_kernel_gram_hdf5(path, "K", net, X), "dataset");
  REQUIRE(nnt::write_kernel_gram_hdf5(path, "cross", net, X, X.leftCols(4)).status ==
          nnt::status::ok);
  NNT_REFUSES(nnt::read_gram_hdf5("adversarial_missing.h5", "K"), "path");
  NNT_REFUSES(nnt::read_gram_hdf5(path, "missing"), "dataset");
  NNT_REFUSES(nnt::hdf5_gram_operator<double>("adversarial_missing.h5", "K"), "path");
  NNT_REFUSES(nnt::hdf5_gram_operator<double>(path, "missing"), "dataset");
  NNT_REFUSES(nnt::hdf5_gram_operator<double>(path, "cross"), "dataset");  // 6 × 4
  NNT_REFUSES(nnt::hdf5_gram_operator<double>(path, "K", 0), "block");
  const nnt::hdf5_gram_operator<double> K(path, "K");
  NNT_REFUSES(K.multiply(Matrix<double>::Ones(5, 1)), "V");
  Matrix<double> out(6, 2);
  NNT_REFUSES(K.apply(Matrix<double>::Constant(6, 2, NaN), out), "V");
  Matrix<double> wrong(6, 3);
  NNT_REFUSES(K.apply(Matrix<double>::Ones(6, 2), wrong), "out");
  NNT_REFUSES(K.columns(std::vector<Index>{6}), "columns[0]");
  NNT_REFUSES(K.columns(std::vector<Index>{-1}), "columns[0]");
  CHECK(K.rows() == 6);
  CHECK(K.cols() == 6);
  CHECK(K.status() == nnt::status::ok);
  CHECK(K.diagonal().size() == 6);
  CHECK(K.trace() > 0);
  CHECK(nnt::read_gram_hdf5(path, "cross").cols() == 4);
}
