// PortDialect: what a listening port says about the dialect of the connections it accepts. Its
// own header so that the front ends, which only pass it along, need not see the parsers.
//
// Threads: a plain value; any thread.
#ifndef MEMKV_SERVER_CONN_PORT_DIALECT_H_
#define MEMKV_SERVER_CONN_PORT_DIALECT_H_

namespace memkv::server {

enum class PortDialect {
  kAuto,      // memcached port: RESP if the first byte is '*', else memcached text and meta
  kRespOnly,  // --resp-port: RESP, inline commands allowed
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_CONN_PORT_DIALECT_H_
