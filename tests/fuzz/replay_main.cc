// Stands in for libFuzzer's main in the g++ builds (release and sanitizer): runs
// LLVMFuzzerTestOneInput once on every file named on the command line, or in the directories
// named, so that ctest replays each target's seed corpus, regression inputs included, without
// clang. A broken check aborts, which fails the test. Fuzzing itself needs clang and libFuzzer
// (run_fuzzers.sh).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// Runs one input from a heap block of exactly its size, as libFuzzer does, so that the
// sanitizer build catches a read past its end.
void Replay(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::vector<uint8_t> exact(bytes.begin(), bytes.end());  // allocates exactly its size
  LLVMFuzzerTestOneInput(exact.data(), exact.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    if (!std::filesystem::is_directory(arg)) {
      inputs.push_back(arg);
      continue;
    }
    for (const auto& entry : std::filesystem::directory_iterator(arg)) {
      if (entry.is_regular_file()) inputs.push_back(entry.path());
    }
  }
  std::sort(inputs.begin(), inputs.end());
  for (const auto& input : inputs) Replay(input);
  std::printf("replayed %zu inputs\n", inputs.size());
  return inputs.empty() ? 1 : 0;  // nothing to replay: a wrong path, not a pass
}
