"""Where a message goes, by `PHOCAP_NOTIFY_BACKEND`: `console` (development: printed), `file:DIR` (one JSON file per
message, named by its key), or `live` — each channel to its provider:

* SMS — an SMS-brandname provider's published HTTP API (eSMS's `SendMultipleMessage_V4_post_json`: ApiKey,
  SecretKey, Brandname, SmsType 2 "customer care", IsUnicode 0, and our key as RequestId, so a retry the provider
  already saw is answered 124 "duplicate" and counted as sent, not sent again);
* Zalo ZNS — a template message to a phone number (`POST …/message/template` with the `access_token` header,
  the template id per template, the parameters, and our key as `tracking_id`);
* e-mail — Django's mailer (`MAILERS`).

Keys and tokens come from the environment (`config.env`) and are never logged or stored with a message: an error
kept on a message is the provider's code and words only."""

from __future__ import annotations

import dataclasses
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

from phocap.notifications.models import Message

TIMEOUT_SECONDS = 15


@dataclasses.dataclass(frozen=True)
class Sent:
    provider_id: str = ""
    delivered: bool = False  # the transport itself confirms delivery (a file written, the console)


class SendFailed(Exception):
    """`permanent`: sending again cannot help (a number without Zalo, a template the provider does not know)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.permanent = reason[:300], permanent


class Backend(Protocol):
    def send(self, message: Message) -> Sent: ...


def _document(message: Message) -> dict[str, Any]:
    return {
        "key": message.key,
        "channel": message.channel,
        "to": message.recipient,
        "template": message.template,
        "params": message.params,
        "text": message.text,
        "encoding": message.encoding,
        "segments": message.segments,
    }


class Console:
    def send(self, message: Message) -> Sent:
        sys.stderr.write(json.dumps(_document(message), ensure_ascii=False) + "\n")  # as Django's console mailer
        return Sent(delivered=True)


class Files:
    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def send(self, message: Message) -> Sent:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-_" else "_" for c in message.key) + ".json"
        target = self.directory / name
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(_document(message), ensure_ascii=False, indent=1), encoding="utf-8")
        temporary.replace(target)  # whole or not at all
        return Sent(provider_id=name, delivered=True)


def _post(url: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - the provider's https URL from the settings
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise SendFailed(f"HTTP {exc.code}", permanent=400 <= exc.code < 500 and exc.code != 429) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SendFailed(f"không kết nối được nhà cung cấp: {type(exc).__name__}") from None
    except ValueError:
        raise SendFailed("nhà cung cấp trả lời không phải JSON") from None
    return answer if isinstance(answer, dict) else {}


class BrandnameSms:
    OK, DUPLICATE = "100", "124"
    PERMANENT = {"104", "118", "119", "131", "146", "177"}  # brandname, number, template refused

    def send(self, message: Message) -> Sent:
        config: dict[str, Any] = settings.PHOCAP_SMS
        body = {
            "ApiKey": config["api_key"],
            "SecretKey": config["secret_key"],
            "Brandname": config["brandname"],
            "Phone": message.recipient,
            "Content": message.text,
            "SmsType": "2",
            "IsUnicode": "0" if message.encoding == "GSM-7" else "1",
            "Sandbox": "1" if config.get("sandbox") else "0",
            "RequestId": message.key,
            "campaignid": message.template,
        }
        if config.get("callback_url"):  # the operator's delivery report comes back there (sms_delivery_report)
            body["CallbackUrl"] = config["callback_url"]
        answer = _post(config["url"], body, {})
        code = str(answer.get("CodeResult", ""))
        if code in (self.OK, self.DUPLICATE):
            return Sent(provider_id=str(answer.get("SMSID", "")))
        words = str(answer.get("ErrorMessage", ""))[:200]
        raise SendFailed(f"SMS {code or '?'}: {words}", permanent=code in self.PERMANENT)


class ZaloZns:
    PERMANENT = {-108, -118, -119, -124, -131, -139}  # number invalid, no Zalo account, template refused, token

    def send(self, message: Message) -> Sent:
        config: dict[str, Any] = settings.PHOCAP_ZALO
        template_id = config["templates"].get(message.template, "")
        if not template_id:
            raise SendFailed(f"Zalo: chưa đăng ký mẫu {message.template}", permanent=True)
        body = {
            "phone": "84" + message.recipient[1:],
            "template_id": template_id,
            "template_data": {k: str(v) for k, v in message.params.items()},
            "tracking_id": message.key,
        }
        answer = _post(config["url"], body, {"access_token": config["access_token"]})
        error = answer.get("error")
        if error == 0:
            return Sent(provider_id=str((answer.get("data") or {}).get("msg_id", "")))
        code = error if isinstance(error, int) else 0
        raise SendFailed(f"Zalo {error}: {str(answer.get('message', ''))[:200]}", permanent=code in self.PERMANENT)


class Email:
    def send(self, message: Message) -> Sent:
        from django.core.mail import EmailMessage

        mail = EmailMessage(
            subject=str(message.params.get("subject", "Chương trình hỗ trợ điện thoại thông minh")),
            body=message.text,
            to=[message.recipient],
            headers={"Message-ID": f"<{message.key.replace(':', '.')}@phocap>"},
        )
        try:
            mail.send()
        except (OSError, ValueError) as exc:
            raise SendFailed(f"thư điện tử: {type(exc).__name__}") from None
        return Sent()


def backend_for(channel: str) -> Backend:
    """The transport of a channel under the configured backend."""
    name = settings.PHOCAP_NOTIFY_BACKEND
    if name == "console":
        return Console()
    if name.startswith("file:"):
        return Files(name.removeprefix("file:"))
    live: dict[str, type[Backend]] = {"sms": BrandnameSms, "zalo": ZaloZns, "email": Email}
    return live[channel]()
