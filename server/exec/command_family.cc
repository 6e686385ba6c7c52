#include "server/exec/command_family.h"

#include <string_view>

#include "absl/strings/match.h"

namespace memkv::server {

using protocol::MetaCommand;
using protocol::TextCommand;

CommandFamily FamilyOf(const protocol::TextRequest& request) {
  switch (request.command) {
    case TextCommand::kGet:
    case TextCommand::kGets:
    case TextCommand::kGat:
    case TextCommand::kGats:
      return CommandFamily::k_get;
    case TextCommand::kSet:
    case TextCommand::kAdd:
    case TextCommand::kReplace:
    case TextCommand::kAppend:
    case TextCommand::kPrepend:
    case TextCommand::kCas:
      return CommandFamily::k_set;
    case TextCommand::kDelete:
      return CommandFamily::k_delete;
    case TextCommand::kIncr:
    case TextCommand::kDecr:
      return CommandFamily::k_incr_decr;
    case TextCommand::kTouch:
      return CommandFamily::k_touch;
    case TextCommand::kFlushAll:
      return CommandFamily::k_flush;
    default:
      return CommandFamily::k_text_other;
  }
}

CommandFamily FamilyOf(const protocol::MetaRequest& request) {
  switch (request.command) {
    case MetaCommand::kGet:
      return CommandFamily::k_mg;
    case MetaCommand::kSet:
      return CommandFamily::k_ms;
    case MetaCommand::kDelete:
      return CommandFamily::k_md;
    case MetaCommand::kArithmetic:
      return CommandFamily::k_ma;
    default:
      return CommandFamily::k_meta_other;
  }
}

CommandFamily FamilyOf(const protocol::BinaryRequest& request) {
  switch (request.command) {
    case protocol::binary::kGet:
    case protocol::binary::kGetK:
    case protocol::binary::kGat:
    case protocol::binary::kGatK:
      return CommandFamily::k_binary_get;
    case protocol::binary::kSet:
    case protocol::binary::kAdd:
    case protocol::binary::kReplace:
    case protocol::binary::kAppend:
    case protocol::binary::kPrepend:
      return CommandFamily::k_binary_set;
    default:
      return CommandFamily::k_binary_other;
  }
}

CommandFamily FamilyOf(const protocol::RespRequest& request) {
  if (request.args.empty()) return CommandFamily::k_resp_other;
  std::string_view name = request.args[0];
  auto is = [name](std::string_view candidate) {
    return absl::EqualsIgnoreCase(absl::string_view(name.data(), name.size()),
                                  absl::string_view(candidate.data(), candidate.size()));
  };
  for (std::string_view read : {"get", "mget", "getex", "getdel", "getrange", "strlen", "exists"}) {
    if (is(read)) return CommandFamily::k_resp_get;
  }
  for (std::string_view write :
       {"set", "mset", "setex", "psetex", "setnx", "msetnx", "getset", "append", "setrange"}) {
    if (is(write)) return CommandFamily::k_resp_set;
  }
  if (is("del") || is("unlink")) return CommandFamily::k_resp_del;
  for (std::string_view arithmetic : {"incr", "decr", "incrby", "decrby", "incrbyfloat"}) {
    if (is(arithmetic)) return CommandFamily::k_resp_incr_decr;
  }
  for (std::string_view expiry :
       {"expire", "pexpire", "expireat", "pexpireat", "persist", "ttl", "pttl", "touch"}) {
    if (is(expiry)) return CommandFamily::k_resp_expire;
  }
  return CommandFamily::k_resp_other;
}

}  // namespace memkv::server
