"""The API's contract: the OpenAPI document is committed; any change to it must be deliberate.
Regenerate with `PHOCAP_UPDATE_SNAPSHOTS=1 ./run test tests/api`."""

import json
import os
from pathlib import Path

import pytest
from django.test import Client

SNAPSHOT = Path(__file__).parent / "openapi.snapshot.json"
pytestmark = pytest.mark.django_db


def test_openapi_document_matches_the_committed_snapshot():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    current = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("PHOCAP_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert current == SNAPSHOT.read_text(encoding="utf-8"), "API changed: review, then update the snapshot"


def test_docs_page_uses_no_cdn():
    page = Client().get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_errors_are_problem_documents(login):
    client = login("quanly")
    bad = client.post(
        "/api/v1/programmes/bac-kan-2023/assignments",
        data=json.dumps({"commune_code": "abc"}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad["Content-Type"] == "application/problem+json"
    body = bad.json()
    assert body["code"] == "validation_failed"
    assert body["status"] == 422
    assert body["errors"]
    conflict = client.post(
        "/api/v1/programmes/bac-kan-2023/assignments",
        data=json.dumps({"commune_code": "01870", "organisation_key": "bk-so-tttt", "role": "department"}),
        content_type="application/json",
    )
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "conflict"
    assert "đã có sở, ngành phụ trách" in conflict.json()["title"]


def test_manager_creates_an_organisation_and_assignment_through_the_api(login):
    client = login("quanly")
    created = client.post(
        "/api/v1/programmes/bac-kan-2023/organisations",
        data=json.dumps({"key": "fpt-bac-kan", "name": "FPT Telecom Bắc Kạn", "kind": "enterprise"}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assignment = client.post(
        "/api/v1/programmes/bac-kan-2023/assignments",
        data=json.dumps(
            {
                "commune_code": "01870",
                "organisation_key": "fpt-bac-kan",
                "role": "enterprise",
                "decision_number": "45/QĐ-UBND",
                "decision_date": "2023-09-01",
            }
        ),
        content_type="application/json",
    )
    assert assignment.status_code == 201, assignment.content
    commune = client.get("/api/v1/programmes/bac-kan-2023/communes/01870").json()
    assert "fpt-bac-kan" in [e["key"] for e in commune["enterprises"]]
    ended = client.post(f"/api/v1/programmes/bac-kan-2023/assignments/{assignment.json()['id']}/end")
    assert ended.status_code == 200
    assert ended.json()["ended_at"]


def test_list_endpoints_do_not_query_per_row(login, django_assert_max_num_queries):
    client = login("admin")
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/programmes/bac-kan-2023/communes").json()) == 8
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/programmes/bac-kan-2023/assignments").json()["count"] >= 16
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/geo/units", {"level": "commune", "limit": 200}).json()["count"] >= 200
