// COMMAND, COMMAND COUNT / DOCS / INFO / LIST: what clients learn about memkv's commands.
// redis-cli 7 reads COMMAND DOCS when it starts, for its help and argument hints; the entries are
// redis-server 7.0.15's own bytes (resp_command_docs.cc, and resp_command_docs_resp3.cc for a
// connection that said HELLO 3), limited to the commands memkv has.
#include <array>

#include "protocol/resp/resp_reply_encoder.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

// The entries in the connection's protocol.
absl::Span<const CommandDoc> Docs(const Call& call) {
  return call.resp() == protocol::RespVersion::kResp3 ? CommandDocsResp3() : CommandDocs();
}

const CommandDoc* FindDoc(const Call& call, std::string_view name) {
  const CommandSpec* spec = FindCommand(CommandTable(), name);
  if (spec == nullptr) return nullptr;
  for (const CommandDoc& doc : Docs(call)) {
    if (doc.name == spec->name) return &doc;
  }
  return nullptr;
}

void CommandCount(Call& call) {
  protocol::AppendInteger(static_cast<int64_t>(CommandDocs().size()), call.out);
}

void CommandList(Call& call) {
  // Redis's FILTERBY options are not supported: a filter is a syntax error, as an unknown one is.
  if (call.args.size() > 2) {
    protocol::AppendError(kSyntaxError, call.out);
    return;
  }
  protocol::AppendArrayHeader(CommandDocs().size(), call.out);
  for (const CommandDoc& doc : CommandDocs()) protocol::AppendBulk(doc.name, call.out);
}

void AppendAllInfo(const Call& call) {
  protocol::AppendArrayHeader(Docs(call).size(), call.out);
  for (const CommandDoc& doc : Docs(call)) call.out->append(doc.info);
}

void CommandInfo(Call& call) {
  if (call.args.size() == 2) {  // no names: every command, as plain COMMAND
    AppendAllInfo(call);
    return;
  }
  protocol::AppendArrayHeader(call.args.size() - 2, call.out);
  for (size_t i = 2; i < call.args.size(); ++i) {
    const CommandDoc* doc = FindDoc(call, call.args[i]);
    if (doc == nullptr) {
      protocol::AppendNull(call.resp(), call.out);
    } else {
      call.out->append(doc->info);
    }
  }
}

void CommandDocsCommand(Call& call) {
  // A map of name -> docs; names memkv does not have are left out, as Redis does.
  std::string body;
  size_t count = 0;
  auto add = [&body, &count](const CommandDoc& doc) {
    protocol::AppendBulk(doc.name, &body);
    body.append(doc.docs);
    ++count;
  };
  if (call.args.size() == 2) {
    for (const CommandDoc& doc : Docs(call)) add(doc);
  } else {
    for (size_t i = 2; i < call.args.size(); ++i) {
      if (const CommandDoc* doc = FindDoc(call, call.args[i])) add(*doc);
    }
  }
  protocol::AppendMapHeader(count, call.resp(), call.out);
  call.out->append(body);
}

constexpr std::array kCommandSubcommands = {
    CommandSpec{"command|count", 2, CommandCount},
    CommandSpec{"command|docs", -2, CommandDocsCommand},
    CommandSpec{"command|getkeys", -4, CommandGetKeys},
    CommandSpec{"command|info", -2, CommandInfo},
    CommandSpec{"command|list", -2, CommandList},
};

}  // namespace

absl::Span<const CommandSpec> CommandSubcommands() { return kCommandSubcommands; }

void CommandCommand(Call& call) {
  if (call.args.size() == 1) {
    if (!AuthenticatedOrReply(call.session, call.out)) {
      call.rejected = true;
      return;
    }
    AppendAllInfo(call);
    return;
  }
  DispatchSubcommand(call, kCommandSubcommands);
}

}  // namespace memkv::server::resp
