// Unit tests of protected mode's decision (server/conn/protected_mode.h): which peer addresses
// are local, that nothing is denied while protected mode is off, the lines' bytes, and the
// decision on real loopback sockets (127.0.0.2 standing in for a remote host).
#include "server/conn/protected_mode.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/loop/socket_util.h"

namespace memkv::server {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

sockaddr_in V4(const char* address) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(40000);
  EXPECT_EQ(inet_pton(AF_INET, address, &a.sin_addr), 1) << address;
  return a;
}

sockaddr_in6 V6(const char* address) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(40000);
  EXPECT_EQ(inet_pton(AF_INET6, address, &a.sin6_addr), 1) << address;
  return a;
}

template <typename Address>
bool Denies(bool active, const Address& a) {
  return ProtectedModeDenies(active, reinterpret_cast<const sockaddr*>(&a), sizeof(a));
}

TEST(ProtectedModeTest, OnlyExactly127001AndColonColon1AreLocal) {
  EXPECT_FALSE(Denies(true, V4("127.0.0.1")));
  EXPECT_FALSE(Denies(true, V6("::1")));
  EXPECT_FALSE(Denies(true, V6("::ffff:127.0.0.1"))) << "127.0.0.1 through an IPv6 socket";
  // Redis 7 compares the address string: the rest of the loopback network is not local.
  for (const char* other : {"127.0.0.2", "127.1.2.3", "10.0.0.1", "192.168.1.20", "0.0.0.0",
                            "255.255.255.255", "128.0.0.1"}) {
    EXPECT_TRUE(Denies(true, V4(other))) << other;
  }
  for (const char* other : {"::", "::2", "fe80::1", "2001:db8::1", "::ffff:127.0.0.2",
                            "::ffff:10.0.0.1", "::127.0.0.1"}) {
    EXPECT_TRUE(Denies(true, V6(other))) << other;
  }
}

TEST(ProtectedModeTest, OffDeniesNobody) {
  EXPECT_FALSE(Denies(false, V4("10.0.0.1")));
  EXPECT_FALSE(Denies(false, V6("2001:db8::1")));
  EXPECT_FALSE(ProtectedModeDenies(false, nullptr, 0));
}

TEST(ProtectedModeTest, TruncatedOrNonIpAddressesAreNotLocal) {
  sockaddr_in local = V4("127.0.0.1");
  EXPECT_TRUE(ProtectedModeDenies(true, reinterpret_cast<const sockaddr*>(&local), 4));
  EXPECT_TRUE(ProtectedModeDenies(true, nullptr, 0));
  sockaddr_in6 local6 = V6("::1");
  EXPECT_TRUE(
      ProtectedModeDenies(true, reinterpret_cast<const sockaddr*>(&local6), sizeof(sockaddr_in)));
  sockaddr unknown{};
  unknown.sa_family = AF_UNIX;
  EXPECT_TRUE(ProtectedModeDenies(true, &unknown, sizeof(unknown)));
}

TEST(ProtectedModeTest, RespLineIsRedis7sAndMemcacheLineExplains) {
  EXPECT_THAT(std::string(kRespProtectedModeDenied),
              StartsWith("-DENIED Redis is running in protected mode because"));
  EXPECT_THAT(std::string(kRespProtectedModeDenied), HasSubstr("4) Setup a an authentication"));
  EXPECT_THAT(std::string(kRespProtectedModeDenied),
              EndsWith("accepting connections from the outside.\r\n"));
  // One line: a client reads it as one reply.
  EXPECT_EQ(kRespProtectedModeDenied.find("\r\n"), kRespProtectedModeDenied.size() - 2);
  const std::string memcache(kMemcacheProtectedModeDenied);
  EXPECT_THAT(memcache, StartsWith("SERVER_ERROR "));
  EXPECT_EQ(memcache.find("\r\n"), memcache.size() - 2);
  for (const char* part :
       {"protected mode", "--auth-file", "127.0.0.1", "::1", "--protected-mode no"}) {
    EXPECT_THAT(memcache, HasSubstr(part));
  }
}

// A connected pair over loopback: the accepted end's peer is `client_address`.
struct Pair {
  UniqueFd listener, client, accepted;
};

Pair Connect(const char* client_address) {
  Pair p;
  p.listener = UniqueFd(socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in server = V4("127.0.0.1");
  server.sin_port = 0;
  EXPECT_EQ(bind(p.listener.get(), reinterpret_cast<sockaddr*>(&server), sizeof(server)), 0);
  EXPECT_EQ(listen(p.listener.get(), 1), 0);
  socklen_t length = sizeof(server);
  EXPECT_EQ(getsockname(p.listener.get(), reinterpret_cast<sockaddr*>(&server), &length), 0);
  p.client = UniqueFd(socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in source = V4(client_address);
  source.sin_port = 0;
  EXPECT_EQ(bind(p.client.get(), reinterpret_cast<sockaddr*>(&source), sizeof(source)), 0);
  EXPECT_EQ(connect(p.client.get(), reinterpret_cast<sockaddr*>(&server), sizeof(server)), 0);
  p.accepted = UniqueFd(accept(p.listener.get(), nullptr, nullptr));
  EXPECT_GE(p.accepted.get(), 0);
  return p;
}

TEST(ProtectedModeTest, DecidesFromTheAcceptedSocketsPeer) {
  Pair local = Connect("127.0.0.1");
  EXPECT_FALSE(ProtectedModeDeniesSocket(true, local.accepted.get()));
  Pair remote = Connect("127.0.0.2");  // on the loopback interface, but not 127.0.0.1
  EXPECT_TRUE(ProtectedModeDeniesSocket(true, remote.accepted.get()));
  EXPECT_FALSE(ProtectedModeDeniesSocket(false, remote.accepted.get()));
  // A socket with no peer (not connected): denied, as Redis denies what it cannot check.
  UniqueFd unconnected(socket(AF_INET, SOCK_STREAM, 0));
  EXPECT_TRUE(ProtectedModeDeniesSocket(true, unconnected.get()));
}

}  // namespace
}  // namespace memkv::server
