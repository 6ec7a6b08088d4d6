"""A local HTTP server standing in for an SMS-brandname provider or Zalo ZNS in tests: it records each request and
checks it against what the provider's documentation gives (path, headers, the JSON fields), then answers as the
provider would. No real provider is reached from the tests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SMS_FIELDS = {
    "ApiKey",
    "SecretKey",
    "Brandname",
    "Phone",
    "Content",
    "SmsType",
    "IsUnicode",
    "Sandbox",
    "RequestId",
    "campaignid",
}
ZNS_FIELDS = {"phone", "template_id", "template_data", "tracking_id"}


class Provider:
    def __init__(self, kind: str, answers: list[dict[str, Any]] | None = None) -> None:
        self.kind, self.requests, self.problems = kind, [], []
        self.answers = answers or []
        self.seen: set[str] = set()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                provider.check(self.path, dict(self.headers), body)
                answer = provider.answer(body)
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        path = "/MainService.svc/json/SendMultipleMessage_V4_post_json/" if kind == "sms" else "/message/template"
        self.url = f"http://127.0.0.1:{self.server.server_port}{path}"

    def check(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> None:
        self.requests.append(body)
        if not headers.get("Content-Type", "").startswith("application/json"):
            self.problems.append("Content-Type")
        if self.kind == "sms":
            if path != "/MainService.svc/json/SendMultipleMessage_V4_post_json/" or not (
                SMS_FIELDS <= set(body) <= SMS_FIELDS | {"CallbackUrl"}
            ):
                self.problems.append(f"sms request {path} {sorted(body)}")
            if body.get("SmsType") != "2" or body.get("IsUnicode") not in ("0", "1"):
                self.problems.append("sms type")
        else:
            if (
                path != "/message/template"
                or set(body) != ZNS_FIELDS
                or "access_token" not in {k.lower() for k in headers}
            ):
                self.problems.append(f"zns request {path} {sorted(body)}")
            if not str(body.get("phone", "")).startswith("84"):
                self.problems.append("zns phone")

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.answers:
            return self.answers.pop(0)
        if self.kind == "sms":
            duplicate = body["RequestId"] in self.seen
            self.seen.add(body["RequestId"])
            if duplicate:
                return {"CodeResult": "124", "CountRegenerate": 0, "ErrorMessage": "Request exist 1"}
            return {"CodeResult": "100", "CountRegenerate": 0, "SMSID": f"id-{len(self.requests)}"}
        return {"error": 0, "message": "Success", "data": {"msg_id": f"z-{len(self.requests)}", "sent_time": "1"}}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
