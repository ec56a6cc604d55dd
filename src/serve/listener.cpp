#include "krdb/serve/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "krdb/serve/packet.h"

namespace krdb::serve {

namespace {

constexpr int kPollMs = 200;  // how often a wait looks at `stop`

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(size_t(n));
  }
  return true;
}

}  // namespace

Listener::~Listener() {
  if (fd >= 0) ::close(fd);
}

Expected<std::unique_ptr<Listener>> listen_on(const std::string& host, uint16_t port) {
  auto l = std::make_unique<Listener>();
  l->host = host;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    return Error(ErrorKind::Usage, "not an IPv4 address: " + host, "--listen");
  l->fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l->fd < 0) return Error(ErrorKind::Io, std::string("socket: ") + strerror(errno));
  int one = 1;
  setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(l->fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return Error(ErrorKind::Io, fmt::format("cannot listen on {}:{}: {}", host, port, strerror(errno)), "--listen");
  if (::listen(l->fd, 4) != 0) return Error(ErrorKind::Io, std::string("listen: ") + strerror(errno));
  socklen_t len = sizeof addr;
  getsockname(l->fd, reinterpret_cast<sockaddr*>(&addr), &len);
  l->port = ntohs(addr.sin_port);
  return l;
}

void serve_connection(int fd, GdbServer& server, const std::atomic<bool>& stop) {
  server.reset_connection();
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  PacketReader reader;
  char buf[8192];
  while (!stop && !server.close_requested()) {
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, kPollMs);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return;
    if (ready == 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away
    reader.feed(std::string_view(buf, size_t(n)));
    while (auto item = reader.next()) {
      using Kind = PacketItem::Kind;
      std::string out;
      switch (item->kind) {
        case Kind::Ack: case Kind::Nack: continue;  // replies are not resent: they fit one write
        case Kind::Interrupt: out = frame_packet(server.handle("?")); break;
        case Kind::BadChecksum: out = "-"; break;
        case Kind::Oversized: out = (server.no_ack() ? "" : "+") + frame_packet("E02"); break;
        case Kind::Packet: {
          bool acking = !server.no_ack();
          std::string reply = server.handle(item->payload);
          out = (acking ? "+" : "") + frame_packet(reply);
          break;
        }
      }
      if (!send_all(fd, out)) return;
      if (server.close_requested()) break;
    }
  }
}

void serve_forever(Listener& l, GdbServer& server, const std::atomic<bool>& stop,
                   const std::function<void(const std::string&)>& log) {
  while (!stop) {
    pollfd p{l.fd, POLLIN, 0};
    int ready = ::poll(&p, 1, kPollMs);
    if (ready <= 0) continue;
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    int fd = ::accept4(l.fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
    if (fd < 0) continue;
    char ip[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
    log(fmt::format("connection from {}:{}", ip, ntohs(peer.sin_port)));
    serve_connection(fd, server, stop);
    ::close(fd);
    log("connection closed; waiting for the next one (Ctrl-C to stop)");
  }
}

}  // namespace krdb::serve
