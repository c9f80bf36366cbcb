// byoipctl: the command-line client for byoipd's /v1 API. Exit codes are
// listed with the kExit constants in client.h and in `byoipctl --help`.
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  byoipctl::Invocation invocation;
  invocation.out = &std::cout;
  invocation.err = &std::cerr;
  int code = byoipctl::run_byoipctl(args, invocation);
  std::cout.flush();
  return code;
}
