// Compiled once so that its precompiled header (Eigen, AutoDiff, Catch2) can be reused by every
// test module.
