// nnt/hdf5/gram_file.hpp — kernel Grams on disk, for a Gram that fits on disk but not in memory
// (target nnt::hdf5, Debian libhdf5-dev): write_kernel_gram_hdf5 streams K(A, B) or Θ(A, B) to a
// 2-D dataset in row strips of the tile pass (memory O(threads·block·N)), row-major as h5py reads
// it: f[name][i, j] = K(a_i, b_j); hdf5_gram_operator reads a square one back as a linear operator
// for kernel_ridge_pcg / rp_cholesky; read_gram_hdf5 loads a whole dataset. HDF5 failures after
// the arguments were checked (a full disk) throw nnt::hdf5_error.
#pragma once

#include "../core/error.hpp"
#include "../core/status.hpp"
#include "../core/types.hpp"
#include "../kernels/kernel_operator.hpp"
#include "../kernels/layer.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace nnt {

/// Thrown when an HDF5 call fails on arguments nnt had accepted (disk full, file changed
/// underneath): the message names the call and the file.
class hdf5_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Options of write_kernel_gram_hdf5().
struct hdf5_gram_options {
  bool ntk = true;    ///< write Θ (true) or the NNGP K (false)
  Index block = 256;  ///< rows per strip (and per chunk), 1…65536
  int threads = 0;    ///< OpenMP threads computing strips; 0 = OpenMP's default
};

/// What write_kernel_gram_hdf5() wrote.
template <class S = double>
struct hdf5_gram_write_result {
  Index rows = 0;  ///< M (the dataset's first dimension)
  Index cols = 0;  ///< N
  /// ok; overflow when some diagonal variance left the range of S (nothing was written).
  nnt::status status = status::ok;
};

namespace detail {

// One HDF5 identifier, closed with `close` when it goes out of scope.
class h5_id {
 public:
  using closer = herr_t (*)(hid_t);
  h5_id(hid_t id, closer close) : id_(id), close_(close) {}
  h5_id(const h5_id&) = delete;
  h5_id& operator=(const h5_id&) = delete;
  ~h5_id() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  closer close_;
};

// HDF5 prints its error stack on every failed call unless told not to; nnt reports instead.
class h5_quiet {
 public:
  h5_quiet() {
    H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  h5_quiet(const h5_quiet&) = delete;
  h5_quiet& operator=(const h5_quiet&) = delete;
  ~h5_quiet() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

template <class S>
hid_t h5_type() {
  static_assert(std::is_same_v<S, double> || std::is_same_v<S, float>,
                "nnt/hdf5 stores float or double");
  return std::is_same_v<S, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT;
}

inline void h5_check(herr_t rc, const char* call, const std::string& path) {
  if (rc < 0) throw hdf5_error(std::string(call) + " failed on '" + path + "'");
}

// Rows [r0, r0 + rows) of a row-major rows × cols dataset from/to `buffer`, which holds them as a
// cols × rows column-major matrix (the same bytes).
template <class S>
void h5_strip(hid_t dataset, Index r0, Index rows, Index cols, S* buffer, bool write,
              const std::string& path) {
  const h5_id file_space(H5Dget_space(dataset), H5Sclose);
  const hsize_t start[2] = {hsize_t(r0), 0}, count[2] = {hsize_t(rows), hsize_t(cols)};
  h5_check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
           "H5Sselect_hyperslab", path);
  const h5_id memory_space(H5Screate_simple(2, count, nullptr), H5Sclose);
  h5_check(write ? H5Dwrite(dataset, h5_type<S>(), memory_space.get(), file_space.get(),
                            H5P_DEFAULT, buffer)
                 : H5Dread(dataset, h5_type<S>(), memory_space.get(), file_space.get(), H5P_DEFAULT,
                           buffer),
           write ? "H5Dwrite" : "H5Dread", path);
}

inline hid_t h5_open_read_only(const std::string& path) {
  const h5_quiet quiet;  // a missing file is reported by nnt
  return H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
}
inline hid_t h5_open_dataset(hid_t file, const std::string& name) {
  const h5_quiet quiet;
  return file >= 0 && H5Lexists(file, name.c_str(), H5P_DEFAULT) > 0
             ? H5Dopen2(file, name.c_str(), H5P_DEFAULT)
             : -1;
}

// An open 2-D dataset of a file opened read-only, with its shape.
struct h5_dataset_reader {
  std::string path;
  h5_id file, dataset;
  Index rows = 0, cols = 0;
  h5_dataset_reader(const std::string& p, const std::string& name)
      : path(p),
        file(h5_open_read_only(p), H5Fclose),
        dataset(h5_open_dataset(file.get(), name), H5Dclose) {
    if (!file.valid())
      throw_invalid_argument("path", "an HDF5 file that can be opened for reading", "'" + p + "'");
    if (!dataset.valid())
      throw_invalid_argument("dataset", "a dataset of '" + p + "'", "'" + name + "'");
    const h5_id space(H5Dget_space(dataset.get()), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank != 2)
      throw_invalid_argument("dataset", "a 2-D dataset", std::to_string(rank) + " dimensions");
    hsize_t dims[2] = {0, 0};
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    rows = Index(dims[0]);
    cols = Index(dims[1]);
    const h5_id type(H5Dget_type(dataset.get()), H5Tclose);
    if (H5Tget_class(type.get()) != H5T_FLOAT)
      throw_invalid_argument("dataset", "floating-point values", "another type");
  }
};

}  // namespace detail

namespace detail {

// square: B is A, and the diagonal entries come from the diagonal pass.
template <class S>
hdf5_gram_write_result<S> write_gram_hdf5(const std::string& path, const std::string& dataset,
                                          const kernel_network& net, const Matrix<S>& a,
                                          const Matrix<S>& b, bool square,
                                          const hdf5_gram_options& options) {
  const kernel_operator_options o{
      .ntk = options.ntk, .block = options.block, .threads = options.threads};
  require_operator_inputs<S>(square ? "X" : "A", const_matrix_ref<S>(a), o);
  if (!square) require_operator_inputs<S>("B", const_matrix_ref<S>(b), o);
  require_rows("B", a.rows(), b.rows());
  if (dataset.empty()) throw_invalid_argument("dataset", "a non-empty name", "''");
  const kernel_operand<S> rows_of(net, const_matrix_ref<S>(a), o);
  const kernel_operand<S> cols_of(net, const_matrix_ref<S>(b), o);
  hdf5_gram_write_result<S> r{a.cols(), b.cols()};
  if (rows_of.table.overflow_step >= 0 || cols_of.table.overflow_step >= 0) {
    r.status = status::overflow;
    return r;
  }
  const h5_quiet quiet;
  // An existing HDF5 file gets the new dataset; anything else at `path` is left untouched.
  const h5_id file(
      [&] {
        const hid_t existing = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        return existing >= 0 ? existing
                             : H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
      }(),
      H5Fclose);
  if (!file.valid())
    throw_invalid_argument("path", "an HDF5 file that can be opened or created for writing",
                           "'" + path + "'");
  if (H5Lexists(file.get(), dataset.c_str(), H5P_DEFAULT) > 0)
    throw_invalid_argument("dataset", "a name not yet in '" + path + "'", "'" + dataset + "'");
  const Index m = a.cols(), n = b.cols(), rows_per_strip = std::min(options.block, m);
  const int team = gram_threads(options.threads);
  // The strips' buffers before anything touches the file.
  require_allocation(
      "strips",
      checked_product("threads·block·N", checked_product("threads·block", team, rows_per_strip), n),
      sizeof(S));
  std::vector<Matrix<S>> batch(std::size_t(team), Matrix<S>(rows_per_strip, n));
  Matrix<S> transposed(n, rows_per_strip);
  const hsize_t dims[2] = {hsize_t(m), hsize_t(n)};
  // HDF5 chunks must stay below 4 GiB: rows per chunk capped, and columns split if one row is more.
  const hsize_t max_chunk = (hsize_t(1) << 32) / sizeof(S) - 1;
  const hsize_t chunk_cols = std::min<hsize_t>(hsize_t(n), max_chunk);
  const hsize_t chunk[2] = {
      std::max<hsize_t>(1, std::min<hsize_t>(hsize_t(rows_per_strip), max_chunk / chunk_cols)),
      chunk_cols};
  const h5_id space(H5Screate_simple(2, dims, nullptr), H5Sclose);
  const h5_id create(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  h5_check(H5Pset_chunk(create.get(), 2, chunk), "H5Pset_chunk", path);
  const h5_id data(H5Dcreate2(file.get(), dataset.c_str(), h5_type<S>(), space.get(), H5P_DEFAULT,
                              create.get(), H5P_DEFAULT),
                   H5Dclose);
  if (!data.valid())
    throw hdf5_error("H5Dcreate2 failed for dataset '" + dataset + "' of '" + path +
                     "' (a group in the name that does not exist?)");
  // A failure from here on removes the half-written dataset: none is left looking like a Gram.
  try {
    {  // attribute kernel = "ntk" | "nngp", a NUL-terminated string
      const std::string kind = options.ntk ? "ntk" : "nngp";
      const h5_id type(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(type.get(), kind.size() + 1);
      const h5_id scalar(H5Screate(H5S_SCALAR), H5Sclose);
      const h5_id attr(
          H5Acreate2(data.get(), "kernel", type.get(), scalar.get(), H5P_DEFAULT, H5P_DEFAULT),
          H5Aclose);
      h5_check(H5Awrite(attr.get(), type.get(), kind.c_str()), "H5Awrite", path);
    }
    // Strips in batches of `team`: computed in parallel, written in order by this thread (serial
    // HDF5 is not thread-safe).
    const Index strips = (m + rows_per_strip - 1) / rows_per_strip;
    const segment_context<S> ctx{&rows_of.net,   &rows_of.rules, &rows_of.table,
                                 &cols_of.table, a.rows(),       options.ntk};
    const Vector<S> diagonal = rows_of.final_diagonal(options.ntk);
    const const_matrix_ref<S> ar(rows_of.X), br(cols_of.X);
    for (Index first = 0; first < strips; first += team) {
      const Index count = std::min<Index>(team, strips - first);
      tile_region<S>(options.threads, options.block, [&](auto& w, Matrix<S>& T, auto& error) {
        shared_tasks(count, error, [&](Index k) {
          const Index r0 = (first + k) * rows_per_strip, rn = std::min(rows_per_strip, m - r0);
          Matrix<S>& strip = batch[std::size_t(k)];
          kernel_strip<S>(ctx, w, ar, br, r0, rn, options.block, T, strip.topRows(rn));
          if (square)
            for (Index i = 0; i < rn; ++i) strip(i, r0 + i) = diagonal(r0 + i);
        });
      });
      for (Index k = 0; k < count; ++k) {
        const Index r0 = (first + k) * rows_per_strip, rn = std::min(rows_per_strip, m - r0);
        transposed.leftCols(rn) = batch[std::size_t(k)].topRows(rn).transpose();
        h5_strip<S>(data.get(), r0, rn, n, transposed.data(), true, path);
      }
    }
    h5_check(H5Fflush(file.get(), H5F_SCOPE_LOCAL), "H5Fflush", path);
  } catch (...) {
    const h5_quiet quiet_delete;
    H5Ldelete(file.get(), dataset.c_str(), H5P_DEFAULT);
    throw;
  }
  return r;
}

}  // namespace detail

/// Writes K(A, B) (or Θ, per options.ntk) of net, M × N for A d × M and B d × N, to the dataset
/// `dataset` of the HDF5 file `path` (created if missing; a dataset of that name must not exist),
/// as float or double per S: row strips of options.block rows, computed by threads side by side
/// and written as they are done, chunked by strips, with the attribute kernel = "ntk" | "nngp". Throws nnt::invalid_argument for bad inputs, an existing dataset or
/// a path that is not an HDF5 file and cannot be created; nnt::hdf5_error if a write fails.
template <class S = double, class DA, class DB>
hdf5_gram_write_result<S> write_kernel_gram_hdf5(const std::string& path,
                                                 const std::string& dataset,
                                                 const kernel_network& net,
                                                 const Eigen::MatrixBase<DA>& A,
                                                 const Eigen::MatrixBase<DB>& B,
                                                 const hdf5_gram_options& options = {}) {
  return detail::write_gram_hdf5<S>(path, dataset, net, A.template cast<S>(), B.template cast<S>(),
                                    false, options);
}

/// K(X, X) or Θ(X, X) (N × N) of net to `dataset` of `path`; the diagonal comes from the diagonal
/// pass (bitwise kernel_gram's).
template <class S = double, class DX>
hdf5_gram_write_result<S> write_kernel_gram_hdf5(const std::string& path,
                                                 const std::string& dataset,
                                                 const kernel_network& net,
                                                 const Eigen::MatrixBase<DX>& X,
                                                 const hdf5_gram_options& options = {}) {
  const Matrix<S> x = X.template cast<S>();
  return detail::write_gram_hdf5<S>(path, dataset, net, x, x, true, options);
}

/// The whole dataset `dataset` of `path` (rows × cols as h5py shows it) in memory, converted to S.
template <class S = double>
Matrix<S> read_gram_hdf5(const std::string& path, const std::string& dataset) {
  const detail::h5_dataset_reader in(path, dataset);
  // Read row-major, then transposed into the result: two copies at the peak.
  require_allocation("dataset", checked_product("2·rows·cols", 2 * in.rows, in.cols), sizeof(S));
  Matrix<S> transposed(in.cols, in.rows);
  if (in.rows > 0 && in.cols > 0)
    detail::h5_strip<S>(in.dataset.get(), 0, in.rows, in.cols, transposed.data(), false, path);
  return transposed.transpose();
}

/// A square Gram stored by write_kernel_gram_hdf5 (or any N × N float/double dataset, read as
/// symmetric) as a linear operator: each product reads the file once, `block` rows at a time.
/// A kernel_matrix_operator, so kernel_ridge_pcg, rp_cholesky and top_eigenpairs take it. It keeps
/// its file open (read-only) while it lives; HDF5 then refuses to open that file for writing in
/// the same process.
template <class S = double>
class hdf5_gram_operator {
 public:
  using Scalar = S;  ///< element type of the products (the file's values are converted)
  /// apply() takes N × r blocks.
  static constexpr bool block_products = true;

  /// Opens `dataset` of `path` read-only; reads its diagonal. Throws nnt::invalid_argument for a
  /// missing file or dataset, a dataset that is not square and 2-D or not floating point, or
  /// block outside 1…65536.
  hdf5_gram_operator(const std::string& path, const std::string& dataset, Index block = 256)
      : in_(std::make_shared<detail::h5_dataset_reader>(path, dataset)), block_(block) {
    require_in_range<Index, Index>("block", block, 1, 65536);
    if (in_->rows != in_->cols)
      throw_invalid_argument("dataset", "a square dataset",
                             std::to_string(in_->rows) + " × " + std::to_string(in_->cols));
    require_at_least<Index>("dataset rows", in_->rows, 1);
    const Index n = in_->rows;
    diagonal_.resize(n);
    const detail::h5_id file_space(H5Dget_space(in_->dataset.get()), H5Sclose);
    std::vector<hsize_t> points(std::size_t(2 * n));
    for (Index i = 0; i < n; ++i)
      points[std::size_t(2 * i)] = points[std::size_t(2 * i + 1)] = hsize_t(i);
    detail::h5_check(
        H5Sselect_elements(file_space.get(), H5S_SELECT_SET, std::size_t(n), points.data()),
        "H5Sselect_elements", path);
    const hsize_t count = hsize_t(n);
    const detail::h5_id memory_space(H5Screate_simple(1, &count, nullptr), H5Sclose);
    detail::h5_check(H5Dread(in_->dataset.get(), detail::h5_type<S>(), memory_space.get(),
                             file_space.get(), H5P_DEFAULT, diagonal_.data()),
                     "H5Dread", path);
  }

  /// N.
  Index rows() const { return in_->rows; }
  /// N (square).
  Index cols() const { return in_->cols; }
  /// diverged when the stored diagonal has a non-finite entry (products are then not trusted).
  nnt::status status() const { return diagonal_.allFinite() ? status::ok : status::diverged; }
  /// The stored diagonal, length N.
  const Vector<S>& diagonal() const { return diagonal_; }
  /// Σ K(i, i).
  S trace() const { return diagonal_.sum(); }

  /// out = K V for V (N × r) or a vector; one read of the file, `block` rows at a time.
  template <class DV, class DO>
  void apply(const Eigen::MatrixBase<DV>& V, DO&& out) const {
    const const_matrix_ref<S> v(V.derived());
    matrix_ref<S> o(out);
    detail::require_product_shapes<S>(rows(), cols(), v, o);
    const Index n = rows(), b = std::min(block_, n);
    Matrix<S> strip_t(n, b);  // rows [r0, r0 + rn) of K, as columns
    for (Index r0 = 0; r0 < n; r0 += b) {
      const Index rn = std::min(b, n - r0);
      detail::h5_strip<S>(in_->dataset.get(), r0, rn, n, strip_t.data(), false, in_->path);
      o.middleRows(r0, rn).noalias() = strip_t.leftCols(rn).transpose() * v;
    }
  }
  /// K V as a new N × r matrix.
  template <class DV>
  Matrix<S> multiply(const Eigen::MatrixBase<DV>& V) const {
    Matrix<S> out(rows(), V.cols());
    apply(const_matrix_ref<S>(V.derived()), out);
    return out;
  }
  /// The columns K(:, c) for c in `columns` (N × |columns|), read as rows (K is symmetric).
  Matrix<S> columns(std::span<const Index> columns) const {
    for (std::size_t c = 0; c < columns.size(); ++c)
      require_in_range<Index, Index>("columns[" + std::to_string(c) + "]", columns[c], 0,
                                     rows() - 1);
    Matrix<S> out(rows(), Index(columns.size()));
    for (std::size_t c = 0; c < columns.size(); ++c)
      detail::h5_strip<S>(in_->dataset.get(), columns[c], 1, rows(), out.col(Index(c)).data(),
                          false, in_->path);
    return out;
  }

 private:
  std::shared_ptr<detail::h5_dataset_reader> in_;  // shared: copies of the operator share the file
  Index block_;
  Vector<S> diagonal_;
};

}  // namespace nnt
