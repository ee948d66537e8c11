"""The language server's latency from `didChange` to the diagnostics of that version, with the debounce
set to 0 (so the figure is the analysis and the protocol, not the pause the server waits for typing to
stop). Talks JSON-RPC to `ce-lint server` over stdio, as an editor does; prints one line of JSON with the
median and spread, and the libcst parse of the same text measured in the same run (the floor).

    python benchmarks/lsp_latency.py FILE [--rounds 9]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


class Client:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "ce_lint", "server"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.ids = 0

    def send(self, method: str, params: dict, request: bool = False) -> None:
        message: dict = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.ids += 1
            message["id"] = self.ids
        body = json.dumps(message).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self) -> dict:
        assert self.process.stdout is not None
        length = 0
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit("the server exited")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.process.stdout.read(length))

    def wait_for(self, method: str, version: int | None = None) -> dict:
        while True:
            message = self.receive()
            if message.get("method") == method and (version is None or message["params"].get("version") == version):
                return message
            if "id" in message and "method" in message:  # a request from the server (configuration...): answer it
                self.reply(message)

    def reply(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": None}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def close(self) -> None:
        self.send("shutdown", {}, request=True)
        self.send("exit", {})
        self.process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    path = Path(args.file).resolve()
    text = path.read_text(encoding="utf-8")
    uri = path.as_uri()
    client = Client()
    client.send("initialize", {"processId": None, "rootUri": None, "capabilities": {},
                               "initializationOptions": {"ce-lint": {"debounce-ms": 0, "isolated": True}}}, True)
    while "result" not in client.receive():
        pass
    client.send("initialized", {})
    client.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                          "text": text}})
    first = client.wait_for("textDocument/publishDiagnostics", 1)
    times = []
    for version in range(2, args.rounds + 2):
        edited = text + f"\n# edit {version}\n"  # a new text each time: nothing is reused
        start = time.perf_counter()
        client.send("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": [{"text": edited}]})
        client.wait_for("textDocument/publishDiagnostics", version)
        times.append(time.perf_counter() - start)
    client.close()
    import libcst  # here: the server, not this client, should pay for it

    parses = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        libcst.parse_module(text)
        parses.append(time.perf_counter() - start)
    print(json.dumps({"file": str(path), "lines": text.count("\n"), "diagnostics": len(first["params"]["diagnostics"]),
                      "median_ms": round(1000 * statistics.median(times)), "min_ms": round(1000 * min(times)),
                      "max_ms": round(1000 * max(times)), "parse_ms": round(1000 * statistics.median(parses))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
