// The conformance suite every Backend must pass (backend.h states the
// contract). A backend's test instantiates it with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(S3, BackendConformanceTest,
//                            ::testing::Values(BackendFactory{"S3", MakeS3}),
//                            BackendFactoryName);
//
// Pass BackendFactoryName as the name generator: besides naming the tests
// after the factory, it makes the linker keep the object file that holds the
// tests (they live in tm_storage_testlib, a static library).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "storage/backend.h"

namespace tidemark {

struct BackendFactory {
  std::string name;  // [A-Za-z0-9_]+; becomes part of the test names
  // Returns a fresh, empty backend that cleans up after itself (e.g. removes
  // its temporary folder) when destroyed. Called once per test.
  std::function<std::unique_ptr<Backend>()> make;
};

// How gtest prints a factory (its name, not its bytes).
inline void PrintTo(const BackendFactory& f, std::ostream* os) { *os << f.name; }

// Name generator for INSTANTIATE_TEST_SUITE_P: the factory's name.
std::string BackendFactoryName(const ::testing::TestParamInfo<BackendFactory>& info);

// Factories for this layer's backends, also handy for tests of other layers
// that want to run against each backend.
BackendFactory LocalBackendFactory();          // LocalBackend in a fresh temporary folder
BackendFactory MemBackendFactory();            // MemBackend
BackendFactory FaultyOverMemBackendFactory();  // FaultyBackend (no faults) over MemBackend

class BackendConformanceTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Backend& backend() { return *backend_; }

  // Puts `data` as h (kCreateExclusive) and expects OK.
  void MustPut(const FileHandle& h, const std::string& data);
  // Returns the whole file h, expecting OK.
  std::string MustGet(const FileHandle& h);
  // Returns the sorted names List(kind) reports; fails the test if List fails.
  std::vector<std::string> ListNames(FileKind kind);

 private:
  std::unique_ptr<Backend> backend_;
};

}  // namespace tidemark
