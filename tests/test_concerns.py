"""The concerns list (filters, accent-insensitive search, pagination) and a concern's page."""

from tracker.extensions import db
from tracker.models import Concern, User
from tracker.workflow import change_status


def titles(page: str, candidates) -> list[str]:
    return sorted(t for t in candidates if t in page)


def test_empty_list_says_so(client, auth, world):
    auth.login("official.bunglao")
    page = client.get("/concerns/").get_data(as_text=True)
    assert "No concerns have been recorded yet." in page


def test_filters_by_status_category_village_and_text(app, client, auth, world, factory):
    all_titles = ["Cuối bản chưa có điện", "Mất điện ở Hua Nạ", "Chưa được cấp sổ đỏ", "Đường vào bản sạt lở"]
    ids = {
        all_titles[0]: factory.concern(world.hua_chan, world.official_bl, all_titles[0], "electricity"),
        all_titles[1]: factory.concern(world.hua_na, world.official_bl, all_titles[1], "electricity"),
        all_titles[2]: factory.concern(world.hua_chan, world.official_bl, all_titles[2], "land"),
        all_titles[3]: factory.concern(
            world.hua_na, world.official_bl, all_titles[3], "roads", description="Mưa lớn ở Mường Pồn"
        ),
    }
    with app.app_context():
        concern = db.session.get(Concern, ids["Chưa được cấp sổ đỏ"])
        change_status(concern, "resolved", db.session.get(User, world.supervisor_bl), note="Đã cấp sổ.")
        db.session.commit()
    auth.login("official.bunglao")

    def listed(**args):
        return titles(client.get("/concerns/", query_string=args).get_data(as_text=True), all_titles)

    assert listed() == sorted(all_titles)
    assert listed(status="resolved") == ["Chưa được cấp sổ đỏ"]
    assert listed(status="open") == sorted(set(all_titles) - {"Chưa được cấp sổ đỏ"})
    assert listed(category=world.electricity) == ["Cuối bản chưa có điện", "Mất điện ở Hua Nạ"]
    assert listed(village=world.hua_chan) == sorted(["Cuối bản chưa có điện", "Chưa được cấp sổ đỏ"])
    assert listed(village=world.hua_chan, category=world.electricity) == ["Cuối bản chưa có điện"]
    # Accent-insensitive search, in titles, descriptions and village names.
    assert listed(q="dien") == ["Cuối bản chưa có điện", "Mất điện ở Hua Nạ"]
    assert listed(q="ĐIỆN") == ["Cuối bản chưa có điện", "Mất điện ở Hua Nạ"]
    assert listed(q="muong pon") == ["Đường vào bản sạt lở"]
    assert listed(q="hua chan") == sorted(["Cuối bản chưa có điện", "Chưa được cấp sổ đỏ"])
    assert listed(q="hua chan", status="open") == ["Cuối bản chưa có điện"]
    assert listed(q="100%") == []
    # Nonsense in the query string is ignored, not an error.
    assert client.get("/concerns/?status=lost&category=x&village=%00&page=abc").status_code == 200


def test_search_finds_a_concern_by_its_reference_code(app, client, auth, world, factory):
    concern_id = factory.concern(world.hua_chan, world.official_bl, "Cuối bản chưa có điện")
    with app.app_context():
        code = db.session.get(Concern, concern_id).reference_code
    auth.login("official.bunglao")
    assert "Cuối bản chưa có điện" in client.get(f"/concerns/?q={code.lower()}").get_data(as_text=True)


def test_no_match_says_so_and_offers_to_clear(client, auth, world, factory):
    factory.concern(world.hua_chan, world.official_bl)
    auth.login("official.bunglao")
    page = client.get("/concerns/?q=khong+co").get_data(as_text=True)
    assert "No concern matches these filters." in page
    assert "Clear filters" in page


def test_list_paginates_and_keeps_filters(client, auth, world, factory):
    for number in range(25):
        factory.concern(world.hua_chan, world.official_bl, f"Kiến nghị số {number:02d}")
    auth.login("official.bunglao")
    first = client.get("/concerns/?q=kien+nghi").get_data(as_text=True)
    assert first.count('class="item"') == 20
    assert "q=kien+nghi" in first and "page=2" in first
    second = client.get("/concerns/?q=kien+nghi&page=2").get_data(as_text=True)
    assert second.count('class="item"') == 5
    assert "Kiến nghị số 00" in second  # newest first: the first one made is last


def test_concern_page_shows_details_and_timeline(app, client, auth, world, factory):
    concern_id = factory.concern(
        world.hua_chan,
        world.official_bl,
        "Cuối bản chưa có điện",
        resident_name="Lò Thị Xuân",
        description="12 hộ chưa có điện.",
    )
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        change_status(concern, "in_progress", db.session.get(User, world.supervisor_bl))
        db.session.commit()
        code = concern.reference_code
    auth.login("official.bunglao")
    page = client.get(f"/concerns/{concern_id}").get_data(as_text=True)
    for text in ("Cuối bản chưa có điện", "12 hộ chưa có điện.", "Lò Thị Xuân", code, "Hua Chăn", "Tòng Văn Hải"):
        assert text in page
    assert page.index("Created") < page.index("Status changed")
