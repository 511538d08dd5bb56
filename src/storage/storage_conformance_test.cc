// Runs the backend conformance suite over every backend of this layer.
#include "storage/backend_conformance_testlib.h"

namespace tidemark {
namespace {

INSTANTIATE_TEST_SUITE_P(Storage, BackendConformanceTest,
                         ::testing::Values(LocalBackendFactory(), MemBackendFactory(),
                                           FaultyOverMemBackendFactory()),
                         BackendFactoryName);

}  // namespace
}  // namespace tidemark
