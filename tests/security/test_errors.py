"""Errors are answers, never crashes: every 4xx/5xx under /api/ is a problem document (500 and Django's own 404 and
405 included), page sizes are capped and numbers bounded (422, never a database overflow), pages fail in
Vietnamese, and the OpenAPI document has one key per response and one shape per schema name."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from phocap.accounts.services import api_token_create
from phocap.core.actors import SYSTEM

pytestmark = pytest.mark.django_db
BIG = "18446744073709551615"
CODE = "bac-kan-2023"


def _problem(answer, status):
    assert answer.status_code == status, answer.content[:300]
    assert answer["Content-Type"].startswith("application/problem+json"), answer["Content-Type"]
    body = answer.json()
    assert body["status"] == status
    assert body["code"]
    assert body["title"]
    return body


@pytest.fixture
def api(user):
    _, token = api_token_create(actor=SYSTEM, user=user("quanly"), name="t")
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize(
    "query",
    [f"limit={BIG}", "limit=1000000", "limit=0", "limit=-1", f"offset={BIG}", "offset=-5", "limit=abc"],
)
def test_page_sizes_and_offsets_are_bounded(query, api):
    _problem(Client().get(f"/api/v1/public/{CODE}/donations?{query}"), 422)
    _problem(api.get(f"/api/v1/programmes/{CODE}/residents?{query}"), 422)


def test_a_page_of_500_is_the_most_one_asks_for(api):
    assert api.get(f"/api/v1/programmes/{CODE}/residents?limit=500").status_code == 200


def test_ids_out_of_every_integer_range_are_not_found(api):
    _problem(api.get(f"/api/v1/programmes/{CODE}/jobs/{BIG}"), 404)
    _problem(api.get(f"/api/v1/programmes/{CODE}/allocation/rounds/{BIG}"), 404)


def test_djangos_own_answers_under_the_api_are_problems(api):
    _problem(api.get("/api/v1/no-such-thing"), 404)
    _problem(api.delete(f"/api/v1/public/{CODE}/donations"), 405)
    _problem(api.post(f"/api/v1/programmes/{CODE}/donations/cash", "{not json", content_type="application/json"), 400)


def test_an_unhandled_error_is_a_problem_document_not_a_traceback(api, monkeypatch):
    from phocap.programmes import selectors

    def broken(**_):
        raise RuntimeError("boom: secret detail")

    monkeypatch.setattr(selectors, "programme_get", broken)
    client = Client(raise_request_exception=False, headers={"Authorization": api.defaults["HTTP_AUTHORIZATION"]})
    answer = client.get(f"/api/v1/programmes/{CODE}")
    body = _problem(answer, 500)
    assert "boom" not in json.dumps(body)
    assert "Traceback" not in answer.content.decode()


@pytest.mark.parametrize(("path", "status", "words"), [("/khong-co/", 404, "Không tìm thấy trang")])
def test_pages_fail_in_vietnamese(path, status, words, settings):
    settings.DEBUG = False
    answer = Client().get(path)
    assert answer.status_code == status
    assert words in answer.content.decode()


def test_a_server_error_page_is_vietnamese(settings):
    from django.test import RequestFactory

    from phocap.core.errorpages import server_error

    settings.DEBUG = False
    answer = server_error(RequestFactory().get("/p/bac-kan-2023/"))
    assert answer.status_code == 500
    assert "Lỗi máy chủ" in answer.content.decode()


def test_the_openapi_document_has_one_key_per_response_and_one_shape_per_name():
    raw = Client().get("/api/v1/openapi.json").content

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), [k for k in keys if keys.count(k) > 1]
        return dict(pairs)

    document = json.loads(raw, object_pairs_hook=no_duplicates)
    from ninja import Schema

    defined: dict[str, list[str]] = {}
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("phocap.") and cls.__name__ in document["components"]["schemas"]:
            defined.setdefault(cls.__name__, []).append(cls.__module__)
    assert {n: m for n, m in defined.items() if len(set(m)) > 1} == {}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU"


def test_what_schemathesis_found_is_answered_not_crashed(api):
    """Each of these was a 500 in the first schemathesis run over the demo (see .ci/api-fuzz)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    _problem(Client().get("/api/v1/geo/units?parent_id=-73893910160430214414336"), 422)
    _problem(Client().get(f"/api/v1/geo/units?parent_id={BIG}"), 422)
    cleared = api.patch(
        f"/api/v1/programmes/{CODE}/organisations/vnpt-bac-kan",
        {"contact_name": "", "contact_email": None},
        content_type="application/json",
    )
    assert cleared.status_code == 200, cleared.content
    from phocap.programmes.models import Organisation

    assert Organisation.objects.get(key="vnpt-bac-kan").contact_email == ""
    tiny = api.patch(
        f"/api/v1/programmes/{CODE}/communes/01951", {"target_percent": 0.001}, content_type="application/json"
    )
    _problem(tiny, 422)
    for path in ("residents/import?commune=01870", "statements"):
        sent = api.post(f"/api/v1/programmes/{CODE}/{path}", {"file": SimpleUploadedFile("file.png", PNG)})
        assert "không phải bảng tính" in _problem(sent, 422)["title"]


def test_the_demo_server_runs_with_debug_off(monkeypatch):
    """What visitors of the demo see are the pages of production: no debug page listing the URLconf."""
    import argparse

    from phocap.config import cli

    served = {}
    monkeypatch.setattr(cli, "cmd_init", lambda args: 0)
    monkeypatch.setattr(cli, "_gunicorn", lambda bind, workers, env=None: served.update(env or {}) or 0)

    class Worker:  # the demo's background worker, not started here
        def send_signal(self, signal):
            pass

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(cli.subprocess, "Popen", lambda *a, **k: Worker())
    assert cli.cmd_demo(argparse.Namespace(no_serve=False, port=8999)) == 0
    assert served["PHOCAP_DEBUG"] == "0"
