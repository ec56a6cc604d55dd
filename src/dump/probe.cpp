#include "probe.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "kdump_util.h"

namespace krdb::dump_detail {

namespace {

constexpr size_t kMaxChildMessage = 4096;

// In the child: returns a status byte + message to write back. Never frees the context (see
// probe.h); _exit() reclaims everything.
std::string probe(int fd) {
  // Reopen through /proc so the child's reads do not move the parent's file offset.
  int own = ::open(fmt::format("/proc/self/fd/{}", fd).c_str(), O_RDONLY | O_CLOEXEC);
  kdump_ctx_t* ctx = kdump_new();
  if (own < 0 || !ctx) return std::string(1, char(KDUMP_ERR_SYSTEM)) + "cannot set up the probe";
  kdump_set_number_attr(ctx, KDUMP_ATTR_FILE_MMAP_POLICY, KDUMP_MMAP_NEVER);
  kdump_status s = kdump_open_fd(ctx, own);
  if (s != KDUMP_OK) return std::string(1, char(s)) + "not a crash dump libkdumpfile can read: " + last_error(ctx, s);
  s = kdump_set_string_attr(ctx, KDUMP_ATTR_OSTYPE, "linux");
  if (s != KDUMP_OK) return std::string(1, char(s)) + "cannot set up Linux address translation: " + last_error(ctx, s);
  return std::string(1, char(KDUMP_OK));
}

// libkdumpfile sizes some allocations from header fields: bound the child's address space to
// what it has now plus kMaxChildGrowth, so a forged size fails (and the file is refused) instead
// of the child taking the machine's memory.
constexpr uint64_t kMaxChildGrowth = 4ull << 30;

void limit_address_space() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  bool ok = f && std::fscanf(f, "%lu", &pages) == 1;
  if (f) std::fclose(f);
  if (!ok) return;
  uint64_t limit = uint64_t(pages) * uint64_t(sysconf(_SC_PAGESIZE)) + kMaxChildGrowth;
  struct rlimit r {limit, limit};
  setrlimit(RLIMIT_AS, &r);
}

[[noreturn]] void run_child(int fd, int out) {
  // A fault in libkdumpfile must kill this child quietly, not run a sanitizer's or libFuzzer's
  // crash handler inherited from the parent.
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) signal(sig, SIG_DFL);
  limit_address_space();
  std::string verdict = probe(fd);
  ssize_t ignored = write(out, verdict.data(), std::min(verdict.size(), kMaxChildMessage));
  (void)ignored;
  _exit(0);
}

std::string read_all(int in) {
  std::string text;
  char buf[512];
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || text.size() >= kMaxChildMessage) return text;
    text.append(buf, size_t(n));
  }
}

}  // namespace

Expected<void> probe_in_child(int fd, const std::string& path) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0)
    return Error(ErrorKind::Io, fmt::format("cannot create a pipe: {}", std::strerror(errno)), path);
  pid_t child = fork();
  if (child < 0) {
    close(pipefd[0]);
    close(pipefd[1]);
    return Error(ErrorKind::Io, fmt::format("cannot fork to probe the dump: {}", std::strerror(errno)), path);
  }
  if (child == 0) run_child(fd, pipefd[1]);
  close(pipefd[1]);
  std::string verdict = read_all(pipefd[0]);
  close(pipefd[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status))
    return Error(ErrorKind::BadData,
                 fmt::format("libkdumpfile crashed (signal {}) reading this file: it is malformed", WTERMSIG(status)), path);
  if (verdict.empty()) return Error(ErrorKind::BadData, "libkdumpfile gave no verdict on this file", path);
  auto s = kdump_status(static_cast<unsigned char>(verdict[0]));
  if (s == KDUMP_OK) return {};
  return Error(error_kind(s), verdict.substr(1), path);
}

}  // namespace krdb::dump_detail
