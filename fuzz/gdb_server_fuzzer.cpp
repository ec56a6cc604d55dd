// Fuzz target for serve/: arbitrary bytes as a client's stream to `krdb serve` — framing,
// acks, escapes, checksums — and every request they carry handled by the server over a real
// dump (the frame-pointer kit's built-in panic, threads built once). Every reply must fit a
// packet; nothing may throw, crash or grow without bound.
// Data: KRDB_FUZZ_DATA_FP (default build/tests/data/kernel-fp) holds vmlinux and the dump.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "krdb/kernel/cpus.h"
#include "krdb/kernel/threads.h"
#include "krdb/serve/gdb_server.h"
#include "krdb/serve/packet.h"

namespace {

using namespace krdb;

struct Kit {
  std::unique_ptr<KernelProgram> program;
  std::unique_ptr<serve::GdbServer> server;
};

Kit& kit() {
  static Kit k = [] {
    Kit k;
    const char* env = std::getenv("KRDB_FUZZ_DATA_FP");
    std::string dir = env ? env : "build/tests/data/kernel-fp";
    auto p = KernelProgram::open_dump(dir + "/vmlinux", dir + "/builtin-kaslr.d31.kdump");
    if (!p) { fprintf(stderr, "gdb_server_fuzzer: %s (set KRDB_FUZZ_DATA_FP)\n", p.error().describe().c_str()); abort(); }
    k.program = std::move(*p);
    auto records = dump_records(*k.program->dump());
    KernelCpus cpus = read_cpus(*k.program, records, false);
    KernelUnwinder unwinder(*k.program);
    serve::ServeTarget target;
    target.vmlinux_path = dir + "/vmlinux";
    target.stop_description = "fuzz";
    k.server = std::make_unique<serve::GdbServer>(*k.program->dump(), build_threads(*k.program, cpus, unwinder), target);
    return k;
  }();
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Kit& k = kit();
  k.server->reset_connection();
  serve::PacketReader reader;
  // Fed in two pieces, as a socket may deliver it.
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  reader.feed(bytes.substr(0, size / 2));
  for (int round = 0; round < 2; ++round) {
    while (auto item = reader.next()) {
      if (item->kind != serve::PacketItem::Kind::Packet) continue;
      std::string reply = k.server->handle(item->payload);
      if (reply.size() > serve::kMaxPacketBytes) abort();
      if (serve::frame_packet(reply).size() > 2 * serve::kMaxPacketBytes + 4) abort();
    }
    if (reader.pending() > serve::kMaxPacketBytes + 8) abort();
    reader.feed(bytes.substr(size / 2));
  }
  return 0;
}
