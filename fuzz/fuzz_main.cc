// libFuzzer entry point, built once per target: CMakeLists.txt compiles this
// file with -DTIDEMARK_FUZZ_TARGET=Fuzz_<name> into fuzz_<name>.
#include <cstddef>
#include <cstdint>

#include "targets.h"

#ifndef TIDEMARK_FUZZ_TARGET
#error "define TIDEMARK_FUZZ_TARGET as one of the Fuzz_<name> functions of targets.h"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return TIDEMARK_FUZZ_TARGET(data, size);
}
