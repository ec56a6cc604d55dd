// The socket side of `krdb serve`: listen on an address (loopback unless told otherwise), serve
// one connection at a time, one after another, until asked to stop (SIGINT/SIGTERM in the CLI).
// Contract: a connection's malformed, oversized or bad-checksum packets get `-` or an error
// reply and the connection goes on; a client that vanishes ends only its connection. Waits are
// bounded (poll with a short timeout) so that stop() is honoured within a fraction of a second.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "krdb/base/error.h"
#include "krdb/serve/gdb_server.h"

namespace krdb::serve {

struct Listener {
  int fd = -1;
  std::string host;
  uint16_t port = 0;  // the port bound (the one asked for, or the one the kernel chose for 0)
  ~Listener();
};

// Binds and listens on HOST:PORT (port 0: any free port).
Expected<std::unique_ptr<Listener>> listen_on(const std::string& host, uint16_t port);
// Serves connections until `stop` becomes true. `log` receives one line per event.
void serve_forever(Listener& listener, GdbServer& server, const std::atomic<bool>& stop,
                   const std::function<void(const std::string&)>& log);
// Serves one accepted connection to its end (the client closes, `k`/`D`, or stop).
void serve_connection(int fd, GdbServer& server, const std::atomic<bool>& stop);

}  // namespace krdb::serve
