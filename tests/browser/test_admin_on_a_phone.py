"""Administration in a phone's browser: import villages from a spreadsheet and find them in the visit form;
the users, categories and audit pages.

Elements are found by id, name or role, never by the interface's words, which may be Vietnamese or English.
"""

import csv
import io
import re
import unicodedata

import openpyxl
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.test_log_visit import sign_in
from tests.conftest import BUNG_LAO
from tracker.extensions import db
from tracker.models import Category, User, Village

pytestmark = pytest.mark.browser

COLUMNS = ["name", "commune", "former_commune", "households", "latitude", "longitude", "distance_km"]
NEW_VILLAGES = [
    ["Pá Khoang", BUNG_LAO, "Ẳng Tở", 77, 21.41, 103.30, 6.5],
    ["Huổi Chua", "Búng Lao", "Chiềng Đông", 52, None, None, 8.2],
]


def write_xlsx(path, rows) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    for row in rows:
        # As a Mac writes it: names decomposed (NFD).
        sheet.append([unicodedata.normalize("NFD", v) if isinstance(v, str) else v for v in row])
    workbook.save(path)


def write_csv(path, rows) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8-sig"))


def sign_out(page) -> None:
    page.locator("#logout-form button[type=submit]").click()
    # Signing out first clears what the phone kept, then posts: wait for the sign-in page it ends on.
    expect(page).to_have_url(re.compile(r"/login"))


def test_admin_imports_villages_that_appear_in_the_visit_form(app, world, live_server, page, shot, tmp_path):
    sign_in(page, live_server, username="admin")
    page.locator("header nav a[href$='/admin/']").click()
    expect(page).to_have_url(f"{live_server}/admin/")
    shot(page, "administration")

    page.locator(".subnav a[href$='/admin/villages/import']").click()
    expect(page.locator("#file")).to_be_visible()
    shot(page, "import-form")

    # A file with a bad row: the preview names it, and there is nothing to confirm.
    bad = tmp_path / "villages-with-a-problem.csv"
    write_csv(bad, [NEW_VILLAGES[0], ["Bản Xa", "Mường Không Có", "", "", "48.85", "2.35", ""]])
    page.locator("#file").set_input_files(str(bad))
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/admin/villages/import/[\w-]+$"))
    expect(page.locator(".import-bad")).to_have_count(1)
    expect(page.locator(".import-bad .problems li")).to_have_count(2)
    expect(page.locator("#confirm-import")).to_have_count(0)
    shot(page, "preview-with-a-problem")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Village.id))) == 3

    # The corrected file, as an Excel workbook with decomposed names, and a village that is already there.
    good = tmp_path / "villages.xlsx"
    write_xlsx(good, [*NEW_VILLAGES, ["Hua Chăn", "Búng Lao", "Ẳng Tở", 96, None, None, 11.5]])
    page.locator("a[href$='/admin/villages/import']").first.click()
    page.locator("#file").set_input_files(str(good))
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".import-new")).to_have_count(2)
    expect(page.locator(".import-bad")).to_have_count(0)
    shot(page, "preview")

    page.locator("#confirm-import").click()
    expect(page).to_have_url(f"{live_server}/admin/villages")
    expect(page.locator(".flash-success")).to_have_count(1)
    shot(page, "villages-after-import")

    page.locator("#q").fill("ang to")
    page.locator("form[role=search] button[type=submit]").click()
    expect(page.locator("main .list .item")).to_have_count(2)  # Hua Chăn and Pá Khoang, formerly of Ẳng Tở
    shot(page, "villages-found-by-former-commune")

    with app.app_context():
        new = {v.name: v.id for v in db.session.scalars(sa.select(Village))}
        assert "Pá Khoang" in new and "Huổi Chua" in new  # stored in NFC
        pa_khoang, hua_chan = new["Pá Khoang"], world.hua_chan

    # An official of Búng Lao finds them in the visit form's picker.
    sign_out(page)
    sign_in(page, live_server, username="official.bunglao")
    page.goto(f"{live_server}/visits/new")
    village = page.locator("#village_id")
    search = page.locator("#village-search")
    search.fill("pa khoang")
    expect(village).to_have_value(str(pa_khoang))
    expect(village.locator("option")).to_have_count(1)
    shot(page, "picker-finds-the-new-village")
    search.fill("Ẳng Tở")  # the former commune finds the villages now in Búng Lao
    expect(village.locator("option")).to_have_count(2)
    expect(village.locator(f"option[value='{hua_chan}']")).to_have_count(1)
    expect(village.locator(f"option[value='{pa_khoang}']")).to_have_count(1)
    shot(page, "picker-finds-the-former-commune")


def test_users_categories_and_audit_on_a_phone(app, world, live_server, page, shot):
    sign_in(page, live_server, username="admin")
    page.goto(f"{live_server}/admin/users")
    expect(page.locator("main .list .item")).to_have_count(6)
    shot(page, "users")

    page.locator("main a[href$='/admin/users/new']").first.click()
    page.locator("#username").fill("Lò Văn")
    page.locator("#role").select_option("official")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#username-error")).to_be_visible()
    expect(page.locator("#full_name-error")).to_be_visible()
    expect(page.locator("#commune_id-error")).to_be_visible()  # an official belongs to a commune
    shot(page, "new-user-with-errors")

    page.locator("#username").fill("lo.van.son")
    page.locator("#full_name").fill("Lò Văn Sơn")
    page.locator("#commune_id").select_option(label="Xã Búng Lao")
    page.locator("main form button[type=submit]").click()
    password = page.locator(".code.secret").inner_text()
    assert len(password) == 19
    shot(page, "temporary-password")

    page.locator("main a.button.primary").click()
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/admin/users/\d+$"))
    shot(page, "user")

    page.goto(f"{live_server}/admin/categories")
    shot(page, "categories")
    page.locator("main a[href$='/admin/categories/new']").first.click()
    page.locator("#name_vi").fill("Cháy rừng")
    page.locator("#name_en").fill("Forest fires")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_have_count(1)
    with app.app_context():
        category = db.session.scalar(sa.select(Category.id).where(Category.name_en == "Forest fires"))
    page.goto(f"{live_server}/admin/categories/{category}")
    expect(page.locator("#name_vi")).to_have_value("Cháy rừng")
    shot(page, "category")

    page.goto(f"{live_server}/admin/villages/{world.hua_chan}")
    shot(page, "village")

    page.goto(f"{live_server}/admin/audit")
    expect(page.locator("main .audit .item")).to_have_count(2)
    shot(page, "audit-trail")

    # The new official signs in with the temporary password and must choose their own first.
    sign_out(page)
    page.goto(f"{live_server}/login")
    page.locator("#username").fill("lo.van.son")
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/account/password")
    shot(page, "must-change-password")
    page.locator("#current_password").fill(password)
    page.locator("#new_password").fill("password1234")
    page.locator("#confirm").fill("password1234")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#new_password-error")).to_be_visible()
    shot(page, "common-password-refused")
    page.locator("#current_password").fill(password)
    page.locator("#new_password").fill("suoi nam rom chay qua ban")
    page.locator("#confirm").fill("suoi nam rom chay qua ban")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/")
    with app.app_context():
        assert not db.session.scalar(sa.select(User).where(User.username == "lo.van.son")).must_change_password


def test_a_commune_supervisor_manages_their_officials(app, world, live_server, page, shot):
    sign_in(page, live_server, username="supervisor.bunglao")
    page.locator("header nav a[href$='/admin/']").click()
    expect(page.locator(".subnav a")).to_have_count(1)
    page.locator(".subnav a[href$='/admin/users']").click()
    expect(page.locator("main .list .item")).to_have_count(2)
    shot(page, "supervisor-users")
    page.locator(f"main a[href$='/admin/users/{world.official_bl}']").click()
    page.locator(f"form[action$='/admin/users/{world.official_bl}/deactivate'] button").click()
    expect(page.locator(".flash-success")).to_have_count(1)
    shot(page, "supervisor-deactivated-an-official")
    with app.app_context():
        assert not db.session.get(User, world.official_bl).active
