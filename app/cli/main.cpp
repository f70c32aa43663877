// strata-cli: placeholder entry point until the verbs land.
#include <cstdio>
int main() {
  std::puts("strata-cli: no verbs yet");
  return 2;
}
