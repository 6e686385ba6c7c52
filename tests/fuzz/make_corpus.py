#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets: tests/fuzz/corpus/<target>/<name>.

Each seed is a request stream followed by the tail that says how it arrives (fuzz_input.h): the
plan bytes (reads of plan[i] + 1 bytes, cycled) and the control byte (plan length in the low four
bits, option 1 = 0x40, option 2 = 0x80). The seeds cover every command of each dialect, pipelines,
errors and some binary junk; the fuzzer grows its own corpus from them (in the build directory,
never here). Rerun after changing a seed: the directories are rewritten whole.

Usage: tests/fuzz/make_corpus.py
"""

import random
import shutil
from pathlib import Path

OPTION1 = 0x40  # text, meta, RESP parsers: small limits
OPTION2 = 0x80  # RESP parser: inline allowed; pipeline: the --resp-port

# How a seed's stream arrives, cycled over the seeds: whole, one byte at a time, 3/7/13 bytes.
PLANS = [b"", b"\x00", b"\x02\x06\x0c"]


def resp(*args):
    """A RESP multibulk request."""
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def junk(seed, size):
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(size))


TEXT = {
    "get": b"get k\r\n",
    "get_multi": b"get a b c d e f g h i j k l m n o p q r\r\n",
    "gets": b"gets k1 k2\r\n",
    "gat": b"gat 100 k\r\n",
    "gats": b"gats 0 k1 k2\r\n",
    "bget": b"bget k\r\n",
    "set": b"set k 5 100 5\r\nhello\r\n",
    "set_noreply": b"set k 0 0 1 noreply\r\nx\r\n",
    "set_bare_newline": b"set k 0 0 2\nab\r\nget k\n",
    "add": b"add k 0 0 3\r\nabc\r\n",
    "replace": b"replace k 0 0 3\r\nxyz\r\n",
    "append": b"append k 0 0 2\r\n++\r\n",
    "prepend": b"prepend k 0 0 2\r\n--\r\n",
    "cas": b"gets k\r\ncas k 0 0 1 1\r\nz\r\n",
    "touch": b"touch k 10\r\ntouch k -1 noreply\r\n",
    "delete": b"delete k\r\ndelete k 0\r\ndelete k 0 noreply\r\n",
    "incr_decr": b"set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\nincr n 18446744073709551615\r\n",
    "flush_all": b"flush_all\r\nflush_all 10\r\nflush_all 0 noreply\r\n",
    "version": b"version\r\n",
    "verbosity": b"verbosity 1\r\nverbosity 0 noreply\r\n",
    "stats": b"stats\r\n",
    "stats_settings": b"stats settings\r\nstats items\r\n",
    "quit": b"get k\r\nquit\r\nget k\r\n",
    "shutdown": b"shutdown graceful\r\n",
    "gat_without_key": b"gat 10\r\ngats 0\r\n",
    "pipeline": b"set a 0 0 1\r\n1\r\nget a\r\nincr a 1\r\ngets a\r\ndelete a\r\nget a\r\n",
    "error_unknown": b"bogus\r\nget k\r\n",
    "error_negative_length": b"set k 0 0 -1\r\nget k\r\n",
    "error_bad_chunk": b"set k 0 0 3\r\nabcd\r\nget k\r\n",
    "error_bad_exptime": b"touch k abc\r\ngat x k\r\nflush_all x\r\n",
    "error_bad_delta": b"incr k -1\r\ndecr k x noreply\r\n",
    "error_key_too_long": b"get " + b"k" * 251 + b"\r\nset " + b"k" * 251 + b" 0 0 1\r\nx\r\n",
    "error_http": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    "too_large": b"set big 0 0 400\r\n" + b"v" * 400 + b"\r\nget big\r\n",
    "long_line": b"x" * 200 + b"\r\n",
    "long_get": b"get " + b"k " * 150 + b"\r\n",
    "long_get_after_spaces": b" " * 100 + b"gets " + b"k " * 1100 + b"\r\n",
    "long_line_of_spaces": b" " * 3000 + b"get k\r\n",
    "nul_in_line": b"get k\x00junk\r\n",
    "empty_lines": b"\r\n\n \r\n",
    "junk": junk(1, 200),
}

META = {
    "mn": b"mn\r\n",
    "mg_flags": b"mg k v f t c s k h l O123 q u\r\n",
    "mg_base64": b"mg Zm9v b v\r\n",
    "mg_vivify": b"mg k N30 R10 T60 v c\r\n",
    "ms": b"ms k 5 T10 F3 c\r\nhello\r\n",
    "ms_modes": b"ms k 1 MS\r\na\r\nms k 1 ME\r\nb\r\nms k 1 MA\r\nc\r\n"
                b"ms k 1 MP\r\nd\r\nms k 1 MR\r\ne\r\n",
    "ms_invalidate": b"ms k 2 I C1 E99\r\nxx\r\n",
    "ms_base64": b"ms Zm9v 3 b\r\nbar\r\nmg Zm9v b k v\r\n",
    "md": b"md k\r\nmd k q\r\nmd k I T30\r\nmd k C5\r\n",
    "ma": b"ma n\r\nma n MD D5 N0 J10 v\r\nma n M+ D18446744073709551615 v t c\r\n",
    "me": b"me k\r\nme Zm9v b\r\n",
    "pipeline": b"ms a 1\r\n1\r\nmg a v\r\nma a\r\nmg a v c\r\nmd a q\r\nmg a v\r\nmn\r\n",
    "mixed_with_text": b"set k 0 0 1\r\nx\r\nmg k v\r\nget k\r\nmn\r\n",
    "error_duplicate": b"mg k v v\r\n",
    "error_invalid_flag": b"mg k !\r\nmd k Z\r\n",
    "error_opaque": b"mg k O" + b"9" * 40 + b"\r\n",
    "error_mode": b"ms k 1 MX\r\na\r\nma k MZ\r\n",
    "error_bad_chunk": b"ms k 2\r\nabc\r\nmn\r\n",
    "error_too_many_flags": b"mg k " + b" ".join(b"O%d" % i for i in range(19)) + b"\r\n",
    "error_bad_token": b"mg k Tabc\r\nms k 1 Fx\r\na\r\nma k Dq\r\nma k Jq\r\n",
    "error_no_key": b"mg\r\nms k\r\nme\r\n",
    "error_bad_base64": b"mg @@@@ b\r\n",
    "too_large": b"ms big 400 T0\r\n" + b"v" * 400 + b"\r\nmg big v\r\n",
    "long_line": b"mg " + b"k" * 200 + b"\r\n",
    "junk": junk(2, 200),
}

RESP = {
    "ping": resp("PING"),
    "set_get": resp("SET", "k", "v") + resp("GET", "k"),
    "set_options": resp("SET", "k", "v", "EX", "10", "NX", "GET") +
                   resp("SET", "k", "w", "PX", "100", "XX", "KEEPTTL"),
    "set_variants": resp("SETNX", "k", "v") + resp("SETEX", "k", "10", "v") +
                    resp("PSETEX", "k", "100", "v") + resp("GETSET", "k", "w"),
    "getdel_getex": resp("GETDEL", "k") + resp("GETEX", "k", "PERSIST") +
                    resp("GETEX", "k", "EXAT", "2000000000"),
    "mget_mset": resp("MSET", "a", "1", "b", "2") + resp("MGET", "a", "b", "c") +
                 resp("MSETNX", "a", "1", "z", "9"),
    "incr": resp("INCR", "n") + resp("DECR", "n") + resp("INCRBY", "n", "9223372036854775807") +
            resp("DECRBY", "n", "-5"),
    "append_strlen": resp("APPEND", "k", "abc") + resp("STRLEN", "k"),
    "keys": resp("DEL", "a", "b") + resp("UNLINK", "k") + resp("EXISTS", "a", "a") +
            resp("TYPE", "k") + resp("DBSIZE"),
    "expire": resp("SET", "k", "v") + resp("EXPIRE", "k", "10") + resp("PEXPIRE", "k", "100") +
              resp("EXPIREAT", "k", "2000000000") + resp("PEXPIREAT", "k", "2000000000000") +
              resp("TTL", "k") + resp("PTTL", "k") + resp("EXPIRETIME", "k") +
              resp("PEXPIRETIME", "k") + resp("PERSIST", "k"),
    "flush_select": resp("FLUSHALL") + resp("FLUSHDB", "ASYNC") + resp("SELECT", "0"),
    "echo_quit": resp("ECHO", "hi") + resp("QUIT") + resp("PING"),
    "hello_client": resp("HELLO", "2") + resp("CLIENT", "SETNAME", "me") +
                    resp("CLIENT", "GETNAME") + resp("CLIENT", "ID"),
    "config_info": resp("CONFIG", "GET", "maxmemory") + resp("INFO") + resp("INFO", "keyspace"),
    "command": resp("COMMAND", "COUNT") + resp("COMMAND", "DOCS", "get") +
               resp("COMMAND", "INFO", "set"),
    "unknown_and_arity": resp("NOSUCH", "x") + resp("GET") + resp("get", "k", "extra"),
    "empty_and_null": b"*0\r\n*-1\r\n" + resp("PING"),
    "binary_value": resp("SET", b"k\x00", b"\r\n\x00\xff") + resp("GET", b"k\x00"),
    "error_bulk_length": b"*1\r\n$-1\r\n",
    "error_multibulk_length": b"*abc\r\n",
    "error_expected_dollar": b"*1\r\nX4\r\n",
    "error_missing_crlf": b"*1\r\n$4\r\nPINGXX",
    # Redis skips the byte after a header's CR and the two after a bulk's data unread.
    "lax_crlf": b"*1\rX$4\rYPINGab" + b"*1\r\n$4\r\nPING\r\n",
    # A NUL hides a header's CR: the line waits.
    "nul_header": b"*\x00\r\n" + b"*1\r\n$\x00\r\n",
    "huge_count": b"*2147483647\r\n$1\r\na\r\n",
    # Over the small limits' 50-byte kept bulk: skipped, the request refused, the next one run.
    "skip_too_large": resp("SET", "k", "v" * 80) + resp("SET", "k", "v" * 60, "EX", "10") +
                      resp("PING"),
    "error_after_good": resp("PING") + b"*1\r\n$04\r\nPING\r\n",
    "big_bulk": resp("SET", "k", "v" * 300),
    "many_args": resp("DEL", *["k%d" % i for i in range(20)]),
    "junk": junk(3, 200),
}

# Inline commands: the RESP parser with option 2, and the pipeline on the --resp-port.
RESP_INLINE = {
    "inline_ping": b"PING\r\n",
    "inline_quotes": b"SET k \"a b\\x41\\n\"\r\nGET k\r\nECHO 'it\\'s'\r\n",
    "inline_unbalanced": b"ECHO \"abc\r\n",
    "inline_mixed": b"PING\r\n" + resp("GET", "k") + b"  \t \r\nDBSIZE\n",
    "inline_nul": b"ECHO a\x00b\r\n",
}

# The pipeline's engine takes items of up to 8 KiB: larger stores are answered from their header
# and their values swallowed as they arrive, in every dialect.
def binary(opcode, key=b"", extras=b"", value=b"", body=None, cas=0, magic=0x80):
    """A memcached binary-protocol request packet; `body` overrides the true body length."""
    length = len(key) + len(extras) + len(value) if body is None else body
    return (bytes([magic, opcode]) + len(key).to_bytes(2, "big") + bytes([len(extras), 0, 0, 0])
            + length.to_bytes(4, "big") + b"\x01\x02\x03\x04" + cas.to_bytes(8, "big")
            + extras + key + value)


BINARY = {
    "get": binary(0x00, b"k"),
    "getkq_noop": binary(0x0D, b"a") + binary(0x0D, b"b") + binary(0x0A),
    "set": binary(0x01, b"k", b"\x00\x00\x00\x05\x00\x00\x00\x10", b"value", cas=7),
    "setq_append": binary(0x11, b"k", bytes(8), b"v") + binary(0x19, b"k", value=b"tail"),
    "incr": binary(0x05, b"n", bytes(7) + b"\x01" + bytes(8) + b"\xff\xff\xff\xff"),
    "touch_gat": binary(0x1C, b"k", bytes(4)) + binary(0x23, b"k", b"\x00\x00\x00\x10"),
    "flush_stat": binary(0x08, extras=bytes(4)) + binary(0x10, b"settings") + binary(0x0B),
    "sasl": binary(0x20) + binary(0x21, b"PLAIN", value=b"\x00alice\x00secret"),
    "too_large": binary(0x01, b"big", bytes(8), b"v" * 400) + binary(0x0A),
    "unknown": binary(0x30, b"ab", value=b"cd") + binary(0x0A),
    "bad_lengths": binary(0x00, b"abc", body=1),
    "long_key": binary(0x00, b"k" * 251),
    "bad_magic": binary(0x0A) + binary(0x0A, magic=0x81),
    "junk": b"\x80" + junk(16, 100),
}

PIPELINE = {
    "swallow_text": b"set big 0 0 9000\r\n" + b"v" * 100,
    "swallow_text_noreply": b"set big 0 0 8200 noreply\r\n" + b"v" * 300 + b"\r\nget big\r\n",
    "swallow_meta": b"ms big 9000 q\r\n" + b"v" * 50,
    "swallow_refused_meta": b"ms k 30 Z\r\n" + b"v" * 32 + b"mn\r\n",
    "resp_too_large": resp("SET", "big", "v" * 8300) + resp("GET", "big"),
    "resp_too_large_middle": resp("SET", "big", "v" * 8300, "EX", "10") + resp("PING"),
    "stored_and_spliced": b"set mid 0 0 5000\r\n" + b"m" * 5000 + b"\r\nget mid\r\n",
    # The warm-up's most recent 5000-byte items, hot0 to hot7: multi-key replies over the
    # target's 8 KiB output limit pause and resume, their values spliced.
    "multiget_pause": b"get hot0 hot1 hot2 hot3 hot4\r\ngets hot5 nothere hot6 hot7\r\n",
    "gat_pause": b"gat 100 hot0 hot1 hot2 hot3\r\nget hot0\r\n",
    "resp_mget_pause": resp("MGET", "hot0", "hot1", "nothere", "hot2", "hot3") + resp("PING"),
}

# What the fuzzers found, each with the exact tail that found it: (stream, plan, options). See
# docs/reliability.md; each bug also has a test beside its code.
RESP_REGRESSIONS = {
    # A CR or LF where a '$' or '*' belongs was echoed into the error line.
    "regression_cr_in_error": (b"*1\r\n\r\n", b"", 0),
    "regression_lf_first_byte": (b"\nPING\r\n", b"", 0),
    # A line over the limit was read when whole and refused when cut.
    "regression_long_inline_line": (b"ECHO " + b"x" * 100 + b"\r\n", b"\x0a", OPTION1 | OPTION2),
    "regression_long_header_line": (b"*1\r\n$" + b"1" * 100 + b"\r\n", b"\x0a", OPTION1),
    # Options 1 and 2: an unauthenticated client, over its count and bulk limits.
    "unauthenticated_count": (resp(*["k"] * 7), b"", OPTION1 | OPTION2),
    "unauthenticated_bulk": (resp("SET", "k", "v" * 60) + resp("ECHO", "v" * 101), b"\x02",
                             OPTION1 | OPTION2),
}
PIPELINE_REGRESSIONS = {
    "regression_resp_cr_in_error": (b"*1\r\n\r\n", b"", 0),
    # A binary STAT in pieces: its rusage packets differ between runs, as text `stats` lines do.
    "regression_binary_stat_rusage": (binary(0x10) + binary(0x0A, magic=0x81), b"\x02\x06\x0c", 0),
    # A meta command word after 2,604 spaces, on a line too long for either parser: whole, the
    # line went to the meta parser; cut before the word, to the text parser.
    "regression_meta_word_past_line_limit": (b" " * 2604 + b"ms" + b" " * 394 + b"get k\r\n",
                                             b"\x00", 0),
}

# Seeds with option 1 (small parser limits), where a limit is the point.
SMALL_LIMITS = {"too_large", "long_line", "long_get", "error_key_too_long", "big_bulk",
                "many_args", "skip_too_large"}


def write(directory, seeds, options=0, start=0):
    for i, (name, stream) in enumerate(sorted(seeds.items()), start):
        plan = PLANS[i % len(PLANS)]
        control = len(plan) | options | (OPTION1 if name in SMALL_LIMITS else 0)
        (directory / name).write_bytes(stream + plan + bytes([control]))


def write_exact(directory, seeds):
    for name, (stream, plan, options) in seeds.items():
        (directory / name).write_bytes(stream + plan + bytes([len(plan) | options]))


def main():
    root = Path(__file__).resolve().parent / "corpus"
    targets = {
        "text_request_parser_fuzzer": [(TEXT, 0)],
        "meta_request_parser_fuzzer": [(META, 0)],
        "binary_request_parser_fuzzer": [(BINARY, 0)],
        "resp_request_parser_fuzzer": [(RESP, 0), (RESP_INLINE, OPTION2)],
        # The pipeline has no small limits: option 1 is unused there, option 2 is the RESP port.
        "request_pipeline_fuzzer": [
            ({"text_" + k: v for k, v in TEXT.items()}, 0),
            ({"meta_" + k: v for k, v in META.items()}, 0),
            ({"resp_" + k: v for k, v in RESP.items()}, 0),
            ({"resp_" + k: v for k, v in RESP_INLINE.items()}, OPTION2),
            (PIPELINE, 0),
            ({"binary_" + k: v for k, v in BINARY.items()}, 0),
        ],
    }
    regressions = {
        "resp_request_parser_fuzzer": RESP_REGRESSIONS,
        "request_pipeline_fuzzer": PIPELINE_REGRESSIONS,
    }
    for target, groups in targets.items():
        directory = root / target
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        start = 0
        for seeds, options in groups:
            write(directory, seeds, options, start)
            start += len(seeds)
        write_exact(directory, regressions.get(target, {}))


if __name__ == "__main__":
    main()
