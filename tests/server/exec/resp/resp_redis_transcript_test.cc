// The RESP executor against redis-server 7.0.15, reply by reply: each transcript below was run
// against a real redis-server (fresh keyspace per transcript) and its replies recorded byte for
// byte; memkv, on its own engine, must answer every step the same. Transcripts use only replies
// that do not depend on the clock or the connection id; the clock-dependent behaviour and what
// memkv does on purpose differently (one database, RESP2 only, no list/set/hash types) are in
// resp_executor_test.cc.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/resp/resp_request.h"
#include "server/exec/command_stats.h"
#include "server/exec/exec_context.h"
#include "server/exec/resp/resp_executor.h"
#include "storage/clock.h"
#include "storage/engine.h"

namespace memkv::server {
namespace {

using namespace std::string_literals;  // "a\0b"s: arguments and replies with NUL bytes

struct Step {
  std::vector<std::string> args;
  std::string reply;  // what redis-server 7.0.15 answered
};

struct Transcript {
  std::string name;
  std::vector<Step> steps;
};

// Recorded from redis-server 7.0.15 (--save '' --appendonly no), one connection per transcript,
// after FLUSHALL.
const std::vector<Transcript>& Transcripts() {
  static const auto* transcripts = new std::vector<Transcript>{
      {"PingEcho",
       {
           {{"PING"}, "+PONG\r\n"},
           {{"ping", "hello"}, "$5\r\nhello\r\n"},
           {{"PING", "a", "b"}, "-ERR wrong number of arguments for 'ping' command\r\n"},
           {{"ECHO", "x y"}, "$3\r\nx y\r\n"},
           {{"ECHO"}, "-ERR wrong number of arguments for 'echo' command\r\n"},
           {{"echo", ""}, "$0\r\n\r\n"},
       }},
      {"GetSet",
       {
           {{"GET", "k"}, "$-1\r\n"},
           {{"SET", "k", "v"}, "+OK\r\n"},
           {{"GET", "k"}, "$1\r\nv\r\n"},
           {{"SET", "k", "v2", "XX"}, "+OK\r\n"},
           {{"GET", "k"}, "$2\r\nv2\r\n"},
           {{"SET", "k", "v3", "NX"}, "$-1\r\n"},
           {{"SET", "n", "1", "XX"}, "$-1\r\n"},
           {{"GET", "n"}, "$-1\r\n"},
           {{"SET", "n", "1", "nx"}, "+OK\r\n"},
           {{"SET", "k", "v4", "GET"}, "$2\r\nv2\r\n"},
           {{"SET", "m", "x", "GET"}, "$-1\r\n"},
           {{"SET", "k", "v5", "NX", "GET"}, "$2\r\nv4\r\n"},
           {{"SET", "z", "z1", "XX", "GET"}, "$-1\r\n"},
           {{"EXISTS", "z"}, ":0\r\n"},
           {{"SET", "k"}, "-ERR wrong number of arguments for 'set' command\r\n"},
           {{"GET"}, "-ERR wrong number of arguments for 'get' command\r\n"},
           {{"GET", "a", "b"}, "-ERR wrong number of arguments for 'get' command\r\n"},
           {{"SET", "k", "v", "EX"}, "-ERR syntax error\r\n"},
           {{"SET", "k", "v", "EX", "0"}, "-ERR invalid expire time in 'set' command\r\n"},
           {{"SET", "k", "v", "EX", "-1"}, "-ERR invalid expire time in 'set' command\r\n"},
           {{"SET", "k", "v", "EX", "abc"}, "-ERR value is not an integer or out of range\r\n"},
           {{"SET", "k", "v", "PX", "1.5"}, "-ERR value is not an integer or out of range\r\n"},
           {{"SET", "k", "v", "EX", "10", "PX", "100"}, "-ERR syntax error\r\n"},
           {{"SET", "k", "v", "EX", "10", "EX", "20"}, "+OK\r\n"},
           {{"TTL", "k"}, ":20\r\n"},
           {{"SET", "k", "v", "NX", "XX"}, "-ERR syntax error\r\n"},
           {{"SET", "k", "v", "XX", "NX"}, "-ERR syntax error\r\n"},
           {{"SET", "k", "v", "KEEPTTL", "EX", "10"}, "-ERR syntax error\r\n"},
           {{"SET", "k", "v", "EX", "10", "KEEPTTL"}, "-ERR syntax error\r\n"},
           {{"SET", "k", "v", "EX", "9223372036854775"},
            "-ERR invalid expire time in 'set' command\r\n"},
           {{"SET", "k", "v", "EX", "9223372036854775807"},
            "-ERR invalid expire time in 'set' command\r\n"},
           {{"SET", "k", "v", "PX", "9223372036854775807"},
            "-ERR invalid expire time in 'set' command\r\n"},
           {{"SET", "k", "v", "EXAT", "0"}, "-ERR invalid expire time in 'set' command\r\n"},
           {{"SET", "k", "v", "FOO"}, "-ERR syntax error\r\n"},
           {{"SET", "k", "v", "PERSIST"}, "-ERR syntax error\r\n"},
           {{"SET", "k", "v", "nX\000junk"s}, "$-1\r\n"},
           {{"SET", "k", "v", "EX", "100"}, "+OK\r\n"},
           {{"SET", "k", "v2", "KEEPTTL"}, "+OK\r\n"},
           {{"TTL", "k"}, ":100\r\n"},
           {{"SET", "k", "v3"}, "+OK\r\n"},
           {{"TTL", "k"}, ":-1\r\n"},
           {{"SET", "b", "a\r\nb\000c"s}, "+OK\r\n"},
           {{"GET", "b"}, "$6\r\na\r\nb\000c\r\n"s},
           {{"STRLEN", "b"}, ":6\r\n"},
       }},
      {"SetVariants",
       {
           {{"SETNX", "k", "v"}, ":1\r\n"},
           {{"SETNX", "k", "w"}, ":0\r\n"},
           {{"GET", "k"}, "$1\r\nv\r\n"},
           {{"SETNX", "k"}, "-ERR wrong number of arguments for 'setnx' command\r\n"},
           {{"SETEX", "k", "100", "v"}, "+OK\r\n"},
           {{"TTL", "k"}, ":100\r\n"},
           {{"SETEX", "k", "0", "v"}, "-ERR invalid expire time in 'setex' command\r\n"},
           {{"SETEX", "k", "-5", "v"}, "-ERR invalid expire time in 'setex' command\r\n"},
           {{"SETEX", "k", "abc", "v"}, "-ERR value is not an integer or out of range\r\n"},
           {{"SETEX", "k", "10"}, "-ERR wrong number of arguments for 'setex' command\r\n"},
           {{"PSETEX", "p", "100000", "v"}, "+OK\r\n"},
           {{"PTTL", "p"}, ":100000\r\n"},
           {{"PSETEX", "p", "0", "v"}, "-ERR invalid expire time in 'psetex' command\r\n"},
           {{"GETSET", "k", "new"}, "$1\r\nv\r\n"},
           {{"TTL", "k"}, ":-1\r\n"},
           {{"GETSET", "nokey", "x"}, "$-1\r\n"},
           {{"GET", "nokey"}, "$1\r\nx\r\n"},
           {{"GETSET", "k"}, "-ERR wrong number of arguments for 'getset' command\r\n"},
           {{"GETDEL", "k"}, "$3\r\nnew\r\n"},
           {{"GETDEL", "k"}, "$-1\r\n"},
           {{"EXISTS", "k"}, ":0\r\n"},
           {{"GETDEL"}, "-ERR wrong number of arguments for 'getdel' command\r\n"},
       }},
      {"GetEx",
       {
           {{"GETEX", "k"}, "$-1\r\n"},
           {{"GETEX", "k", "EX", "0"}, "$-1\r\n"},
           {{"GETEX", "k", "EX", "abc"}, "$-1\r\n"},
           {{"SET", "k", "v"}, "+OK\r\n"},
           {{"GETEX", "k"}, "$1\r\nv\r\n"},
           {{"GETEX", "k", "EX", "100"}, "$1\r\nv\r\n"},
           {{"TTL", "k"}, ":100\r\n"},
           {{"GETEX", "k", "PERSIST"}, "$1\r\nv\r\n"},
           {{"TTL", "k"}, ":-1\r\n"},
           {{"GETEX", "k", "PX", "5000"}, "$1\r\nv\r\n"},
           {{"PTTL", "k"}, ":5000\r\n"},
           {{"GETEX", "k", "EX", "0"}, "-ERR invalid expire time in 'getex' command\r\n"},
           {{"GETEX", "k", "EX", "abc"}, "-ERR value is not an integer or out of range\r\n"},
           {{"GETEX", "k", "PERSIST", "EX", "10"}, "-ERR syntax error\r\n"},
           {{"GETEX", "k", "EX", "10", "PERSIST"}, "-ERR syntax error\r\n"},
           {{"GETEX", "k", "FOO"}, "-ERR syntax error\r\n"},
           {{"GETEX", "k", "NX"}, "-ERR syntax error\r\n"},
           {{"GETEX", "k", "KEEPTTL"}, "-ERR syntax error\r\n"},
           {{"GETEX", "k", "EX"}, "-ERR syntax error\r\n"},
           {{"GETEX", "k", "EXAT", "1"}, "$1\r\nv\r\n"},
           {{"EXISTS", "k"}, ":0\r\n"},
           {{"GETEX"}, "-ERR wrong number of arguments for 'getex' command\r\n"},
       }},
      {"MultiKey",
       {
           {{"MSET", "a", "1", "b", "2"}, "+OK\r\n"},
           {{"MGET", "a", "b", "c"}, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"},
           {{"MSET", "a"}, "-ERR wrong number of arguments for 'mset' command\r\n"},
           {{"MSET", "a", "1", "b"}, "-ERR wrong number of arguments for 'mset' command\r\n"},
           {{"MSETNX", "a", "x", "c", "3"}, ":0\r\n"},
           {{"GET", "c"}, "$-1\r\n"},
           {{"MSETNX", "c", "3", "d", "4"}, ":1\r\n"},
           {{"MGET", "c", "d"}, "*2\r\n$1\r\n3\r\n$1\r\n4\r\n"},
           {{"MSETNX", "a"}, "-ERR wrong number of arguments for 'msetnx' command\r\n"},
           {{"MSETNX", "e", "5", "f"}, "-ERR wrong number of arguments for 'msetnx' command\r\n"},
           {{"MGET"}, "-ERR wrong number of arguments for 'mget' command\r\n"},
           {{"DEL", "a", "b", "zz", "a"}, ":2\r\n"},
           {{"EXISTS", "a", "c", "c", "zz"}, ":2\r\n"},
           {{"UNLINK", "c", "d"}, ":2\r\n"},
           {{"DEL"}, "-ERR wrong number of arguments for 'del' command\r\n"},
           {{"EXISTS"}, "-ERR wrong number of arguments for 'exists' command\r\n"},
           {{"UNLINK"}, "-ERR wrong number of arguments for 'unlink' command\r\n"},
           {{"MSET", "k", "1", "k", "2"}, "+OK\r\n"},
           {{"GET", "k"}, "$1\r\n2\r\n"},
       }},
      {"Counters",
       {
           {{"INCR", "n"}, ":1\r\n"},
           {{"INCR", "n"}, ":2\r\n"},
           {{"DECR", "n"}, ":1\r\n"},
           {{"DECR", "m"}, ":-1\r\n"},
           {{"INCRBY", "n", "10"}, ":11\r\n"},
           {{"DECRBY", "n", "3"}, ":8\r\n"},
           {{"INCRBY", "n", "-20"}, ":-12\r\n"},
           {{"INCRBY", "n", "abc"}, "-ERR value is not an integer or out of range\r\n"},
           {{"INCRBY", "n", "1.5"}, "-ERR value is not an integer or out of range\r\n"},
           {{"INCRBY", "n", ""}, "-ERR value is not an integer or out of range\r\n"},
           {{"DECRBY", "n", "-9223372036854775808"}, "-ERR decrement would overflow\r\n"},
           {{"SET", "n", "9223372036854775806"}, "+OK\r\n"},
           {{"INCR", "n"}, ":9223372036854775807\r\n"},
           {{"INCR", "n"}, "-ERR increment or decrement would overflow\r\n"},
           {{"GET", "n"}, "$19\r\n9223372036854775807\r\n"},
           {{"SET", "n", "-9223372036854775807"}, "+OK\r\n"},
           {{"DECR", "n"}, ":-9223372036854775808\r\n"},
           {{"DECR", "n"}, "-ERR increment or decrement would overflow\r\n"},
           {{"DECRBY", "n", "1"}, "-ERR increment or decrement would overflow\r\n"},
           {{"INCRBY", "n", "9223372036854775807"}, ":-1\r\n"},
           {{"SET", "s", "abc"}, "+OK\r\n"},
           {{"INCR", "s"}, "-ERR value is not an integer or out of range\r\n"},
           {{"SET", "s", "01"}, "+OK\r\n"},
           {{"INCR", "s"}, "-ERR value is not an integer or out of range\r\n"},
           {{"SET", "s", " 1"}, "+OK\r\n"},
           {{"INCR", "s"}, "-ERR value is not an integer or out of range\r\n"},
           {{"SET", "s", "1 "}, "+OK\r\n"},
           {{"INCR", "s"}, "-ERR value is not an integer or out of range\r\n"},
           {{"SET", "s", "+1"}, "+OK\r\n"},
           {{"INCR", "s"}, "-ERR value is not an integer or out of range\r\n"},
           {{"SET", "s", "-0"}, "+OK\r\n"},
           {{"INCR", "s"}, "-ERR value is not an integer or out of range\r\n"},
           {{"SET", "s", "0"}, "+OK\r\n"},
           {{"INCR", "s"}, ":1\r\n"},
           {{"SET", "s", "99999999999999999999"}, "+OK\r\n"},
           {{"INCR", "s"}, "-ERR value is not an integer or out of range\r\n"},
           {{"SET", "t", "10", "EX", "100"}, "+OK\r\n"},
           {{"INCR", "t"}, ":11\r\n"},
           {{"TTL", "t"}, ":100\r\n"},
           {{"INCR"}, "-ERR wrong number of arguments for 'incr' command\r\n"},
           {{"INCRBY", "n"}, "-ERR wrong number of arguments for 'incrby' command\r\n"},
           {{"DECRBY", "n", "1", "2"}, "-ERR wrong number of arguments for 'decrby' command\r\n"},
       }},
      {"AppendStrlen",
       {
           {{"APPEND", "k", "abc"}, ":3\r\n"},
           {{"APPEND", "k", "def"}, ":6\r\n"},
           {{"GET", "k"}, "$6\r\nabcdef\r\n"},
           {{"STRLEN", "k"}, ":6\r\n"},
           {{"STRLEN", "nokey"}, ":0\r\n"},
           {{"APPEND", "k", ""}, ":6\r\n"},
           {{"SET", "t", "x", "EX", "100"}, "+OK\r\n"},
           {{"APPEND", "t", "y"}, ":2\r\n"},
           {{"TTL", "t"}, ":100\r\n"},
           {{"APPEND", "k"}, "-ERR wrong number of arguments for 'append' command\r\n"},
           {{"STRLEN"}, "-ERR wrong number of arguments for 'strlen' command\r\n"},
       }},
      {"Expire",
       {
           {{"EXPIRE", "k", "10"}, ":0\r\n"},
           {{"SET", "k", "v"}, "+OK\r\n"},
           {{"TTL", "k"}, ":-1\r\n"},
           {{"PTTL", "k"}, ":-1\r\n"},
           {{"EXPIRETIME", "k"}, ":-1\r\n"},
           {{"PEXPIRETIME", "k"}, ":-1\r\n"},
           {{"TTL", "nokey"}, ":-2\r\n"},
           {{"PTTL", "nokey"}, ":-2\r\n"},
           {{"EXPIRETIME", "nokey"}, ":-2\r\n"},
           {{"EXPIRE", "k", "100"}, ":1\r\n"},
           {{"TTL", "k"}, ":100\r\n"},
           {{"EXPIRE", "k", "50", "NX"}, ":0\r\n"},
           {{"EXPIRE", "k", "50", "XX"}, ":1\r\n"},
           {{"TTL", "k"}, ":50\r\n"},
           {{"EXPIRE", "k", "40", "GT"}, ":0\r\n"},
           {{"EXPIRE", "k", "60", "GT"}, ":1\r\n"},
           {{"TTL", "k"}, ":60\r\n"},
           {{"EXPIRE", "k", "70", "LT"}, ":0\r\n"},
           {{"EXPIRE", "k", "30", "LT"}, ":1\r\n"},
           {{"TTL", "k"}, ":30\r\n"},
           {{"PERSIST", "k"}, ":1\r\n"},
           {{"PERSIST", "k"}, ":0\r\n"},
           {{"TTL", "k"}, ":-1\r\n"},
           {{"EXPIRE", "k", "10", "XX"}, ":0\r\n"},
           {{"EXPIRE", "k", "10", "GT"}, ":0\r\n"},
           {{"EXPIRE", "k", "10", "LT"}, ":1\r\n"},
           {{"TTL", "k"}, ":10\r\n"},
           {{"PERSIST", "k"}, ":1\r\n"},
           {{"EXPIRE", "k", "10", "NX"}, ":1\r\n"},
           {{"TTL", "k"}, ":10\r\n"},
           {{"EXPIRE", "k", "10", "FOO"}, "-ERR Unsupported option FOO\r\n"},
           {{"EXPIRE", "k", "10", "NX", "XX"},
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"},
           {{"EXPIRE", "k", "10", "GT", "LT"},
            "-ERR GT and LT options at the same time are not compatible\r\n"},
           {{"EXPIRE", "k", "10", "nx", "gt"},
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"},
           {{"EXPIRE", "k", "abc"}, "-ERR value is not an integer or out of range\r\n"},
           {{"EXPIRE", "k", "10.5"}, "-ERR value is not an integer or out of range\r\n"},
           {{"EXPIRE", "k", "9223372036854775807"},
            "-ERR invalid expire time in 'expire' command\r\n"},
           {{"PEXPIRE", "k", "9223372036854775807"},
            "-ERR invalid expire time in 'pexpire' command\r\n"},
           {{"EXPIRE", "k", "-9223372036854775808"},
            "-ERR invalid expire time in 'expire' command\r\n"},
           {{"PEXPIRE", "k", "100000"}, ":1\r\n"},
           {{"PTTL", "k"}, ":100000\r\n"},
           {{"PEXPIREAT", "k", "99999999999999"}, ":1\r\n"},
           {{"PEXPIRETIME", "k"}, ":99999999999999\r\n"},
           {{"EXPIRETIME", "k"}, ":100000000000\r\n"},
           {{"EXPIREAT", "k", "99999999999"}, ":1\r\n"},
           {{"EXPIRETIME", "k"}, ":99999999999\r\n"},
           {{"PERSIST", "nokey"}, ":0\r\n"},
           {{"EXPIRE", "k", "0"}, ":1\r\n"},
           {{"EXISTS", "k"}, ":0\r\n"},
           {{"SET", "k", "v"}, "+OK\r\n"},
           {{"EXPIRE", "k", "-5"}, ":1\r\n"},
           {{"EXISTS", "k"}, ":0\r\n"},
           {{"SET", "k", "v"}, "+OK\r\n"},
           {{"PEXPIREAT", "k", "1"}, ":1\r\n"},
           {{"GET", "k"}, "$-1\r\n"},
           {{"SET", "k", "v"}, "+OK\r\n"},
           {{"EXPIREAT", "k", "0", "NX"}, ":1\r\n"},
           {{"EXISTS", "k"}, ":0\r\n"},
           {{"EXPIRE", "k"}, "-ERR wrong number of arguments for 'expire' command\r\n"},
           {{"TTL"}, "-ERR wrong number of arguments for 'ttl' command\r\n"},
           {{"PERSIST"}, "-ERR wrong number of arguments for 'persist' command\r\n"},
           {{"EXPIREAT", "k", "1", "2", "3"}, "-ERR Unsupported option 2\r\n"},
       }},
      {"TypeDbsizeFlush",
       {
           {{"TYPE", "k"}, "+none\r\n"},
           {{"SET", "k", "v"}, "+OK\r\n"},
           {{"TYPE", "k"}, "+string\r\n"},
           {{"DBSIZE"}, ":1\r\n"},
           {{"SET", "j", "v"}, "+OK\r\n"},
           {{"DBSIZE"}, ":2\r\n"},
           {{"DBSIZE", "x"}, "-ERR wrong number of arguments for 'dbsize' command\r\n"},
           {{"FLUSHALL", "FOO"}, "-ERR syntax error\r\n"},
           {{"FLUSHALL", "SYNC", "X"}, "-ERR syntax error\r\n"},
           {{"FLUSHDB", "async"}, "+OK\r\n"},
           {{"DBSIZE"}, ":0\r\n"},
           {{"SET", "k", "v"}, "+OK\r\n"},
           {{"FLUSHALL"}, "+OK\r\n"},
           {{"DBSIZE"}, ":0\r\n"},
           {{"FLUSHALL", "sync"}, "+OK\r\n"},
           {{"FLUSHDB"}, "+OK\r\n"},
           {{"TYPE"}, "-ERR wrong number of arguments for 'type' command\r\n"},
       }},
      {"Select",
       {
           {{"SELECT", "0"}, "+OK\r\n"},
           {{"SELECT", "-1"}, "-ERR DB index is out of range\r\n"},
           {{"SELECT", "abc"}, "-ERR value is not an integer or out of range\r\n"},
           {{"SELECT", "99999999999"},
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"},
           {{"SELECT"}, "-ERR wrong number of arguments for 'select' command\r\n"},
           {{"SELECT", "0", "1"}, "-ERR wrong number of arguments for 'select' command\r\n"},
       }},
      {"Unknown",
       {
           {{"FOO"}, "-ERR unknown command 'FOO', with args beginning with: \r\n"},
           {{"FOO", "a", "b", "c"},
            "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' 'c' \r\n"},
           {{"foo", "a\r\nb"}, "-ERR unknown command 'foo', with args beginning with: 'a  b' \r\n"},
           {{"FOO",
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
            "-ERR unknown command 'FOO', with args beginning with: "
            "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' \r\n"},
           {{"FOO",
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
             "xxxxxxxxxxxxxxx",
             "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
             "yyyyyyyyyyyyyyy",
             "z"},
            "-ERR unknown command 'FOO', with args beginning with: "
            "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxx' 'yyyyyyyyyyyyyyyyyyyyyyyyy' \r\n"},
           {{"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
             "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
             "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"},
            "-ERR unknown command "
            "'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', with args beginning with: \r\n"},
           {{"FOO", "a\000b"s, "c"},
            "-ERR unknown command 'FOO', with args beginning with: 'a' 'c' \r\n"},
           {{"GET\000X"s, "k"}, "-ERR unknown command 'GET', with args beginning with: 'k' \r\n"},
       }},
      {"Client",
       {
           {{"CLIENT"}, "-ERR wrong number of arguments for 'client' command\r\n"},
           {{"CLIENT", "FOO"}, "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n"},
           {{"client", "foo", "bar"}, "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n"},
           {{"CLIENT", "GETNAME"}, "$-1\r\n"},
           {{"CLIENT", "SETNAME", "my-name"}, "+OK\r\n"},
           {{"CLIENT", "GETNAME"}, "$7\r\nmy-name\r\n"},
           {{"CLIENT", "SETNAME", "a b"},
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
           {{"CLIENT", "SETNAME", "a\nb"},
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
           {{"CLIENT", "SETNAME", "\351"},
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
           {{"CLIENT", "GETNAME"}, "$7\r\nmy-name\r\n"},
           {{"CLIENT", "SETNAME", ""}, "+OK\r\n"},
           {{"CLIENT", "GETNAME"}, "$-1\r\n"},
           {{"CLIENT", "SETNAME"},
            "-ERR wrong number of arguments for 'client|setname' command\r\n"},
           {{"CLIENT", "GETNAME", "x"},
            "-ERR wrong number of arguments for 'client|getname' command\r\n"},
           {{"CLIENT", "ID", "x"}, "-ERR wrong number of arguments for 'client|id' command\r\n"},
       }},
      {"Config",
       {
           {{"CONFIG"}, "-ERR wrong number of arguments for 'config' command\r\n"},
           {{"CONFIG", "FOO"}, "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n"},
           {{"CONFIG", "GET"}, "-ERR wrong number of arguments for 'config|get' command\r\n"},
           {{"CONFIG", "GET", "save"}, "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
           {{"CONFIG", "GET", "appendonly"}, "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"},
           {{"CONFIG", "GET", "SAVE"}, "*2\r\n$4\r\nSAVE\r\n$0\r\n\r\n"},
           {{"CONFIG", "GET", "sav*"}, "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
           {{"CONFIG", "GET", "nosuch"}, "*0\r\n"},
           {{"CONFIG", "GET", "timeout"}, "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"},
       }},
      {"Hello",
       {
           {{"HELLO", "4"}, "-NOPROTO unsupported protocol version\r\n"},
           {{"HELLO", "1"}, "-NOPROTO unsupported protocol version\r\n"},
           {{"HELLO", "abc"}, "-ERR Protocol version is not an integer or out of range\r\n"},
           {{"HELLO", "2", "FOO"}, "-ERR Syntax error in HELLO option 'FOO'\r\n"},
           {{"HELLO", "2", "AUTH", "bob", "x"},
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
           {{"HELLO", "2", "AUTH", "x"}, "-ERR Syntax error in HELLO option 'AUTH'\r\n"},
           {{"HELLO", "2", "SETNAME", "a b"},
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
       }},
      {"Command",
       {
           {{"COMMAND", "FOO"}, "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n"},
           {{"COMMAND", "COUNT", "x"},
            "-ERR wrong number of arguments for 'command|count' command\r\n"},
           {{"COMMAND", "DOCS", "nosuch"}, "*0\r\n"},
           {{"COMMAND", "INFO", "nosuch"}, "*1\r\n$-1\r\n"},
           {{"COMMAND", "DOCS", "nosuch", "other"}, "*0\r\n"},
       }},
      {"Quit",
       {
           {{"QUIT"}, "+OK\r\n"},
       }},
  };
  return *transcripts;
}

void PrintTo(const Transcript& transcript, std::ostream* os) { *os << transcript.name; }

class RespRedisTranscriptTest : public ::testing::TestWithParam<Transcript> {};

TEST_P(RespRedisTranscriptTest, RepliesAsRedisDoes) {
  storage::FakeClock clock;
  storage::EngineOptions options;
  options.start_background_reclaimer = false;
  absl::StatusOr<std::unique_ptr<storage::Engine>> engine =
      storage::Engine::Create(options, &clock);
  ASSERT_TRUE(engine.ok()) << engine.status();
  CommandStats stats;
  ExecContext context{engine->get(), &stats, nullptr};
  RespSession session;
  for (const Step& step : GetParam().steps) {
    protocol::RespRequest request;
    for (const std::string& arg : step.args) request.args.push_back(arg);
    std::string out;
    ExecuteResp(request, context, session, &out);
    std::string shown = step.args.empty() ? "" : step.args[0];
    for (size_t i = 1; i < step.args.size() && i < 4; ++i) shown += " " + step.args[i];
    EXPECT_EQ(out, step.reply) << "after: " << shown;
  }
}

INSTANTIATE_TEST_SUITE_P(Redis7, RespRedisTranscriptTest, ::testing::ValuesIn(Transcripts()),
                         [](const ::testing::TestParamInfo<Transcript>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace memkv::server
