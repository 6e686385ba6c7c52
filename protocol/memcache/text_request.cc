#include "protocol/memcache/text_request.h"

namespace memkv::protocol {

std::string_view TextCommandName(TextCommand command) {
  switch (command) {
    case TextCommand::kGet:
      return "get";
    case TextCommand::kGets:
      return "gets";
    case TextCommand::kGat:
      return "gat";
    case TextCommand::kGats:
      return "gats";
    case TextCommand::kSet:
      return "set";
    case TextCommand::kAdd:
      return "add";
    case TextCommand::kReplace:
      return "replace";
    case TextCommand::kAppend:
      return "append";
    case TextCommand::kPrepend:
      return "prepend";
    case TextCommand::kCas:
      return "cas";
    case TextCommand::kTouch:
      return "touch";
    case TextCommand::kDelete:
      return "delete";
    case TextCommand::kIncr:
      return "incr";
    case TextCommand::kDecr:
      return "decr";
    case TextCommand::kFlushAll:
      return "flush_all";
    case TextCommand::kVersion:
      return "version";
    case TextCommand::kVerbosity:
      return "verbosity";
    case TextCommand::kStats:
      return "stats";
    case TextCommand::kQuit:
      return "quit";
    case TextCommand::kShutdown:
      return "shutdown";
    case TextCommand::kSlabs:
      return "slabs";
    case TextCommand::kLruCrawler:
      return "lru_crawler";
    case TextCommand::kCacheMemlimit:
      return "cache_memlimit";
  }
  return "unknown";
}

}  // namespace memkv::protocol
