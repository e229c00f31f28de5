"""The JSON API on concerns: listing and reading them, photos, status changes (as the web form makes them, with
the version for conflicts), notes; each exactly once per client UUID; scope."""

import io
import threading
import uuid

import pytest
import sqlalchemy as sa
from PIL import Image

from tests.test_api import bearer, make_token, visit_body
from tracker.extensions import db
from tracker.models import Attachment, Category, Concern, ConcernEvent, Visit


def new_uuid() -> str:
    return str(uuid.uuid4())


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def photo_form(client_uuid: str | None = None, **fields) -> dict:
    data = {"photo": (io.BytesIO(jpeg_bytes()), "anh.jpg", "image/jpeg"), **fields}
    if client_uuid is not None:
        data["client_uuid"] = client_uuid
    return data


@pytest.fixture
def tokens(app, world):
    return {
        "official": bearer(make_token(app, world.official_bl)),
        "colleague": bearer(make_token(app, world.colleague_bl)),
        "supervisor": bearer(make_token(app, world.supervisor_bl)),
        "other": bearer(make_token(app, world.official_qt)),
        "province": bearer(make_token(app, world.supervisor_province)),
    }


@pytest.fixture
def mine(app, world, factory):
    """An open concern of Hua Chăn assigned to the Búng Lao official."""
    concern_id = factory.concern(world.hua_chan, world.official_bl, title="Đường vào bản bị sạt lở", category="water")
    with app.app_context():  # (an UPDATE of its own, so that the version stays 1)
        db.session.execute(sa.update(Concern).where(Concern.id == concern_id).values(assignee_id=world.official_bl))
        db.session.commit()
    return concern_id


@pytest.fixture
def theirs(factory, world):
    return factory.concern(world.hua_sa_a, world.official_qt, title="Trường học dột")


def version_of(app, concern_id: int) -> int:
    with app.app_context():
        return db.session.get(Concern, concern_id).version


def events(app, concern_id: int) -> list[tuple[str, str | None]]:
    with app.app_context():
        return [(e.kind, e.new_value) for e in db.session.get(Concern, concern_id).events]


# --- Listing and reading ------------------------------------------------------------------------------------


def test_list_my_scope_with_filters(client, app, world, tokens, mine, theirs, factory):
    other_village = factory.concern(world.hua_na, world.colleague_bl, title="Thiếu nước sạch")
    listed = client.get("/api/v1/concerns", headers=tokens["official"]).get_json()
    assert {c["id"] for c in listed["concerns"]} == {mine, other_village}  # not Quài Tở's
    assert listed["total"] == 2 and listed["page"] == 1 and listed["per_page"] == 50 and listed["pages"] == 1
    assigned = client.get("/api/v1/concerns?assignee=me&open=1&per_page=200", headers=tokens["official"]).get_json()
    assert [c["id"] for c in assigned["concerns"]] == [mine]
    summary = assigned["concerns"][0]
    assert summary["assignee_id"] == world.official_bl and summary["assignee_name"] == "Lò Văn Minh"
    assert summary["url"] == f"/concerns/{mine}" and summary["status"] == "new" and summary["is_overdue"] is False
    assert "resident_name" not in summary
    by_village = client.get(f"/api/v1/concerns?village_id={world.hua_na}", headers=tokens["official"]).get_json()
    assert [c["id"] for c in by_village["concerns"]] == [other_village]
    assert client.get("/api/v1/concerns?status=resolved", headers=tokens["official"]).get_json()["total"] == 0
    paged = client.get("/api/v1/concerns?per_page=1&page=2", headers=tokens["official"]).get_json()
    assert len(paged["concerns"]) == 1 and paged["pages"] == 2
    everywhere = client.get("/api/v1/concerns", headers=tokens["province"]).get_json()
    assert everywhere["total"] == 3


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("status=lost", 422, "status"),
        ("assignee=someone", 422, "assignee"),
        ("open=yes", 422, "open"),
        ("per_page=201", 422, "per_page"),
        ("page=0", 422, "page"),
        ("page=abc", 400, "page"),
        ("village_id=-4", 400, "village_id"),
        ("village_id=99999999999999", 422, "village_id"),
    ],
)
def test_bad_list_query_names_the_parameter(client, world, tokens, query, status, field):
    response = client.get(f"/api/v1/concerns?{query}", headers=tokens["official"])
    assert response.status_code == status
    assert field in response.get_json()["error"]["fields"]


def test_read_a_concern_with_its_timeline(client, app, world, tokens, mine):
    with app.app_context():
        concern = db.session.get(Concern, mine)
        concern.resident_name = "Lò Thị Xuân"
        db.session.commit()
    response = client.get(f"/api/v1/concerns/{mine}", headers=tokens["official"])
    assert response.status_code == 200
    concern = response.get_json()["concern"]
    assert concern["title"] == "Đường vào bản bị sạt lở"
    assert concern["resident_name"] == "Lò Thị Xuân"
    assert concern["version"] == version_of(app, mine)
    assert [e["kind"] for e in concern["events"]] == ["created"]
    assert concern["events"][0]["author_name"] == "Lò Văn Minh"
    assert concern["allowed_transitions"] == ["in_progress", "referred", "resolved", "duplicate"]  # not rejected
    supervisor_view = client.get(f"/api/v1/concerns/{mine}", headers=tokens["supervisor"]).get_json()["concern"]
    assert "rejected" in supervisor_view["allowed_transitions"]
    colleague_view = client.get(f"/api/v1/concerns/{mine}", headers=tokens["colleague"]).get_json()["concern"]
    assert colleague_view["allowed_transitions"] == []


def test_another_communes_concern_is_404(client, world, tokens, theirs):
    for method, path, kwargs in [
        ("GET", f"/api/v1/concerns/{theirs}", {}),
        (
            "POST",
            f"/api/v1/concerns/{theirs}/status",
            {"json": {"client_uuid": new_uuid(), "version": 1, "status": "in_progress"}},
        ),
        ("POST", f"/api/v1/concerns/{theirs}/notes", {"json": {"client_uuid": new_uuid(), "text": "Xem"}}),
        ("POST", f"/api/v1/concerns/{theirs}/photos", {"data": photo_form(new_uuid())}),
    ]:
        response = client.open(path, method=method, headers=tokens["official"], **kwargs)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"
        assert "Trường học" not in response.get_data(as_text=True)


# --- Status changes ---------------------------------------------------------------------------------------


def change(client, headers, concern_id, **body):
    body.setdefault("client_uuid", new_uuid())
    return client.post(f"/api/v1/concerns/{concern_id}/status", json=body, headers=headers)


def test_status_change_as_on_the_web_form(client, app, world, tokens, mine):
    response = change(client, tokens["official"], mine, version=version_of(app, mine), status="in_progress")
    assert response.status_code == 200
    data = response.get_json()
    assert data["created"] is True
    assert data["concern"]["status"] == "in_progress" and data["concern"]["version"] == 2
    assert events(app, mine) == [("created", "new"), ("status", "in_progress")]
    resolved = change(
        client, tokens["official"], mine, version=2, status="resolved", resolution_note="Đã san lấp đường"
    ).get_json()["concern"]
    assert resolved["status"] == "resolved" and resolved["resolution_note"] == "Đã san lấp đường"
    assert resolved["resolved_at"].endswith("Z")


def test_same_client_uuid_again_changes_nothing(client, app, world, tokens, mine):
    body = {"client_uuid": new_uuid(), "version": 1, "status": "in_progress", "note": "Đang làm"}
    first = client.post(f"/api/v1/concerns/{mine}/status", json=body, headers=tokens["official"])
    assert first.status_code == 200 and first.get_json()["created"] is True
    # Someone moves it on meanwhile; the retry of the first change (its version now stale) changes nothing.
    change(client, tokens["supervisor"], mine, version=2, status="referred", referral={"to": "Phòng Kinh tế"})
    again = client.post(f"/api/v1/concerns/{mine}/status", json=body, headers=tokens["official"])
    assert again.status_code == 200
    assert again.get_json()["created"] is False
    assert again.get_json()["concern"]["status"] == "referred"
    assert events(app, mine) == [("created", "new"), ("status", "in_progress"), ("status", "referred")]


def test_stale_version_is_409_with_the_current_concern(client, app, world, tokens, mine):
    change(client, tokens["supervisor"], mine, version=1, status="in_progress")
    response = change(client, tokens["official"], mine, version=1, status="resolved", note="Xong")
    assert response.status_code == 409
    data = response.get_json()
    assert data["error"]["code"] == "conflict"
    assert data["current"]["status"] == "in_progress" and data["current"]["version"] == 2
    assert data["current"]["events"][-1]["author_name"] == "Tòng Văn Hải"
    assert events(app, mine) == [("created", "new"), ("status", "in_progress")]


def test_two_copies_of_one_change_at_once_apply_it_once(app, world, tokens, mine):
    body = {"client_uuid": new_uuid(), "version": 1, "status": "in_progress"}
    barrier = threading.Barrier(2)
    answers = []

    def send():
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/concerns/{mine}/status", json=body, headers=tokens["official"])
        answers.append((response.status_code, response.get_json()["created"]))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [(200, False), (200, True)], answers
    assert events(app, mine) == [("created", "new"), ("status", "in_progress")]
    assert version_of(app, mine) == 2


def test_rights_and_rules_of_the_workflow(client, app, world, tokens, mine):
    # A colleague it is not assigned to may not move it; an official may not reject.
    response = change(client, tokens["colleague"], mine, version=1, status="in_progress")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert change(client, tokens["official"], mine, version=1, status="rejected", note="x").status_code == 403
    # Resolving needs a note; rejecting a reason; referring says to whom; duplicate names the other concern.
    cases = [
        (tokens["official"], {"status": "resolved"}, "note"),
        (tokens["supervisor"], {"status": "rejected"}, "note"),
        (tokens["official"], {"status": "referred"}, "referral.to"),
        (tokens["official"], {"status": "referred", "referral": {"to": "  "}}, "referral.to"),
        (tokens["official"], {"status": "duplicate", "duplicate_of": "ZZZZZZZZ"}, "duplicate_of"),
        (tokens["official"], {"status": "new"}, "status"),
        (
            tokens["official"],
            {"status": "referred", "referral": {"to": "Huyện", "date": "2026-11-10", "due_date": "2026-11-01"}},
            "referral.due_date",
        ),
    ]
    for headers, body, field in cases:
        response = change(client, headers, mine, version=1, **body)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["error"]["fields"], (body, response.get_json())
    assert events(app, mine) == [("created", "new")]


def test_rejection_reason_and_referral_are_kept(client, app, world, tokens, mine, factory):
    referral = {"to": "Phòng Nông nghiệp", "number": "125/UBND-VP", "date": "2026-11-02", "due_date": "2026-11-20"}
    concern = change(client, tokens["official"], mine, version=1, status="referred", referral=referral).get_json()[
        "concern"
    ]
    assert concern["referral"] == referral
    other = factory.concern(world.hua_na, world.official_bl)
    rejected = change(
        client, tokens["supervisor"], other, version=1, status="rejected", rejection_reason="Ngoài thẩm quyền"
    )
    assert rejected.get_json()["concern"]["rejection_reason"] == "Ngoài thẩm quyền"


def test_duplicate_of_a_concern_in_scope(client, app, world, tokens, mine, theirs, factory):
    with app.app_context():
        their_code = db.session.get(Concern, theirs).reference_code
        first = factory.concern(world.hua_chan, world.official_bl, title="Mất điện")
        first_code = db.session.get(Concern, first).reference_code
    refused = change(client, tokens["official"], mine, version=1, status="duplicate", duplicate_of=their_code)
    assert refused.status_code == 422  # another commune's concern is not found
    done = change(client, tokens["official"], mine, version=1, status="duplicate", duplicate_of=first_code.lower())
    assert done.status_code == 200 and done.get_json()["concern"]["duplicate_of_id"] == first


def test_evidence_rule_as_on_the_web(client, app, world, tokens, mine):
    with app.app_context():
        db.session.scalar(sa.select(Category).where(Category.code == "water")).requires_evidence = True
        db.session.commit()
    refused = change(client, tokens["official"], mine, version=1, status="resolved", note="Đã kéo điện")
    assert refused.status_code == 422
    assert "status" in refused.get_json()["error"]["fields"]
    # A photo that is not marked as evidence does not count; one marked as evidence does.
    client.post(f"/api/v1/concerns/{mine}/photos", data=photo_form(new_uuid()), headers=tokens["official"])
    assert change(client, tokens["official"], mine, version=1, status="resolved", note="x").status_code == 422
    response = client.post(
        f"/api/v1/concerns/{mine}/photos", data=photo_form(new_uuid(), is_evidence="1"), headers=tokens["official"]
    )
    assert response.status_code == 201 and response.get_json()["photo"]["is_evidence"] is True
    version = version_of(app, mine)
    done = change(client, tokens["official"], mine, version=version, status="resolved", note="Đã kéo điện")
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["concern"]["has_evidence"] is True


@pytest.fixture
def powerless(app, world, factory):
    """An open electricity concern (resolving needs evidence) assigned to the Búng Lao official, version 1."""
    concern_id = factory.concern(world.hua_chan, world.official_bl, title="Cuối bản chưa có điện")
    with app.app_context():
        db.session.execute(sa.update(Concern).where(Concern.id == concern_id).values(assignee_id=world.official_bl))
        db.session.commit()
    return concern_id


def test_resolving_as_a_phone_sends_it_evidence_first_then_the_change(client, app, world, tokens, powerless):
    """The outbox's order: the evidence photo (sent again after a lost answer), then the status change with
    the version the official saw before the photo was sent: the photo does not change that version."""
    path = f"/api/v1/concerns/{powerless}/photos"
    photo_uuid = new_uuid()
    first = client.post(path, data=photo_form(photo_uuid, is_evidence="1"), headers=tokens["official"])
    assert first.status_code == 201 and first.get_json()["photo"]["is_evidence"] is True
    again = client.post(path, data=photo_form(photo_uuid, is_evidence="1"), headers=tokens["official"])
    assert again.status_code == 200 and again.get_json()["created"] is False
    assert again.get_json()["photo"] == first.get_json()["photo"]
    assert version_of(app, powerless) == 1
    done = change(client, tokens["official"], powerless, version=1, status="resolved", note="Đã kéo điện")
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["concern"]["status"] == "resolved" and done.get_json()["concern"]["has_evidence"] is True
    with app.app_context():
        assert db.session.scalars(sa.select(Attachment.is_evidence)).all() == [True]
    assert [kind for kind, _ in events(app, powerless)] == ["created", "attachment", "status"]


def test_a_refused_evidence_photo_stores_nothing_and_keeps_its_uuid_free(client, app, world, tokens, powerless):
    path = f"/api/v1/concerns/{powerless}/photos"
    photo_uuid = new_uuid()
    broken = {"client_uuid": photo_uuid, "is_evidence": "1", "photo": (io.BytesIO(b"%PDF-1.4"), "a.jpg", "image/jpeg")}
    refused = client.post(path, data=broken, headers=tokens["official"])
    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["photo"]
    not_yet = change(client, tokens["official"], powerless, version=1, status="resolved", note="Đã kéo điện")
    assert not_yet.status_code == 422 and "status" in not_yet.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
        assert db.session.get(Concern, powerless).status == "new"
    # Nothing was stored under the refused photo's UUID: the same UUID with a real photo is a new photo.
    accepted = client.post(path, data=photo_form(photo_uuid, is_evidence="1"), headers=tokens["official"])
    assert accepted.status_code == 201 and accepted.get_json()["photo"]["is_evidence"] is True


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"version": 1, "status": "in_progress"}, 422, "client_uuid"),
        ({"client_uuid": "x", "version": 1, "status": "in_progress"}, 400, "client_uuid"),
        ({"client_uuid": new_uuid(), "status": "in_progress"}, 422, "version"),
        ({"client_uuid": new_uuid(), "version": "1", "status": "in_progress"}, 400, "version"),
        ({"client_uuid": new_uuid(), "version": 1, "status": "done"}, 422, "status"),
        ({"client_uuid": new_uuid(), "version": 1, "status": "resolved", "note": "x" * 5001}, 422, "note"),
        ({"client_uuid": new_uuid(), "version": 1, "status": "referred", "referral": "Huyện"}, 400, "referral"),
    ],
)
def test_bad_status_body_names_the_field(client, app, world, tokens, mine, body, status, field):
    response = client.post(f"/api/v1/concerns/{mine}/status", json=body, headers=tokens["official"])
    assert response.status_code == status, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert events(app, mine) == [("created", "new")]


# --- Notes -----------------------------------------------------------------------------------------------------


def test_note_once_per_uuid_and_never_a_conflict(client, app, world, tokens, mine):
    body = {"client_uuid": new_uuid(), "text": "Đã gọi điện cho trưởng bản", "version": 1}
    change(client, tokens["supervisor"], mine, version=1, status="in_progress")  # the version moves on
    first = client.post(f"/api/v1/concerns/{mine}/notes", json=body, headers=tokens["colleague"])
    assert first.status_code == 201
    data = first.get_json()
    assert data["created"] is True and data["event"]["kind"] == "note" and data["event"]["public"] is False
    assert data["event"]["note"] == "Đã gọi điện cho trưởng bản" and data["event"]["client_uuid"] == body["client_uuid"]
    again = client.post(f"/api/v1/concerns/{mine}/notes", json=body, headers=tokens["colleague"])
    assert again.status_code == 200 and again.get_json()["created"] is False
    assert again.get_json()["event"]["id"] == data["event"]["id"]
    assert [k for k, _ in events(app, mine)] == ["created", "status", "note"]
    public = client.post(
        f"/api/v1/concerns/{mine}/notes",
        json={"client_uuid": new_uuid(), "text": "Sẽ sửa tuần sau", "public": True},
        headers=tokens["official"],
    )
    assert public.get_json()["event"]["public"] is True


def test_a_uuid_used_elsewhere_is_refused(client, app, world, tokens, mine, factory):
    other = factory.concern(world.hua_na, world.official_bl)
    body = {"client_uuid": new_uuid(), "text": "Ghi chú"}
    assert client.post(f"/api/v1/concerns/{mine}/notes", json=body, headers=tokens["official"]).status_code == 201
    response = client.post(f"/api/v1/concerns/{other}/notes", json=body, headers=tokens["official"])
    assert response.status_code == 422 and "client_uuid" in response.get_json()["error"]["fields"]
    response = change(
        client, tokens["official"], other, version=1, status="in_progress", client_uuid=body["client_uuid"]
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"client_uuid": new_uuid()}, 422, "text"),
        ({"client_uuid": new_uuid(), "text": "   "}, 422, "text"),
        ({"client_uuid": new_uuid(), "text": 3}, 400, "text"),
        ({"text": "x"}, 422, "client_uuid"),
        ({"client_uuid": new_uuid(), "text": "x", "public": "yes"}, 400, "public"),
    ],
)
def test_bad_note_names_the_field(client, app, world, tokens, mine, body, status, field):
    response = client.post(f"/api/v1/concerns/{mine}/notes", json=body, headers=tokens["official"])
    assert response.status_code == status
    assert field in response.get_json()["error"]["fields"]


# --- Photos ---------------------------------------------------------------------------------------------------


def test_visit_photo_once_per_uuid(client, app, world, tokens):
    visit_id = client.post("/api/v1/visits", json=visit_body(world.hua_chan), headers=tokens["official"]).get_json()[
        "visit"
    ]["id"]
    photo_uuid = new_uuid()
    first = client.post(f"/api/v1/visits/{visit_id}/photos", data=photo_form(photo_uuid), headers=tokens["official"])
    assert first.status_code == 201
    photo = first.get_json()["photo"]
    assert photo["client_uuid"] == photo_uuid and photo["width"] == 64 and photo["height"] == 48
    again = client.post(f"/api/v1/visits/{visit_id}/photos", data=photo_form(photo_uuid), headers=tokens["official"])
    assert (
        again.status_code == 200
        and again.get_json()["created"] is False
        and again.get_json()["photo"]["id"] == photo["id"]
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 1
    visit = client.get(f"/api/v1/visits/{visit_id}", headers=tokens["official"]).get_json()["visit"]
    assert [p["id"] for p in visit["photos"]] == [photo["id"]]


def test_bad_photos_are_refused(client, app, world, tokens, mine):
    path = f"/api/v1/concerns/{mine}/photos"
    no_file = client.post(path, data={"client_uuid": new_uuid()}, headers=tokens["official"])
    assert no_file.status_code == 422 and "photo" in no_file.get_json()["error"]["fields"]
    not_a_photo = client.post(
        path,
        data={"client_uuid": new_uuid(), "photo": (io.BytesIO(b"%PDF-1.4 x"), "a.jpg", "image/jpeg")},
        headers=tokens["official"],
    )
    assert not_a_photo.status_code == 422 and "photo" in not_a_photo.get_json()["error"]["fields"]
    no_uuid = client.post(path, data=photo_form(), headers=tokens["official"])
    assert no_uuid.status_code == 422 and "client_uuid" in no_uuid.get_json()["error"]["fields"]
    bad_flag = client.post(path, data=photo_form(new_uuid(), is_evidence="yes"), headers=tokens["official"])
    assert bad_flag.status_code == 422 and "is_evidence" in bad_flag.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ConcernEvent)) == 1


def test_photo_uuid_of_another_record_is_refused(client, app, world, tokens, mine):
    visit_id = client.post("/api/v1/visits", json=visit_body(world.hua_chan), headers=tokens["official"]).get_json()[
        "visit"
    ]["id"]
    photo_uuid = new_uuid()
    assert (
        client.post(
            f"/api/v1/visits/{visit_id}/photos", data=photo_form(photo_uuid), headers=tokens["official"]
        ).status_code
        == 201
    )
    response = client.post(f"/api/v1/concerns/{mine}/photos", data=photo_form(photo_uuid), headers=tokens["official"])
    assert response.status_code == 422 and "client_uuid" in response.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1
