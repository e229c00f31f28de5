"""The Vietnamese and English catalogues: complete, current, and what the pages really show.

* The messages are extracted from the sources now (the same ``pybabel extract`` as docs/TRANSLATING.md)
  and compared with ``translations/messages.pot`` and each catalogue: nothing missing, nothing stale,
  nothing empty or fuzzy, placeholders kept, Vietnamese in NFC.
* Every page, for every kind of user, is rendered in Vietnamese (the default) and in English, and must
  show no message text of the other language.
* The language switcher keeps the choice in the session, or on the user when someone is signed in.

The app needs the compiled catalogues (``.mo``, not kept in git) to speak Vietnamese: they are compiled
here when missing or older than their ``.po``, as ``make translations`` does.
"""

import html.parser
import io
import os
import re
import shlex
import unicodedata
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import default_exceptions
from werkzeug.http import HTTP_STATUS_CODES
from wtforms.i18n import messages_path

from tests.conftest import PASSWORD
from tracker.attachments.photos import store_photo
from tracker.extensions import db
from tracker.localtime import today, utcnow
from tracker.models import Category, Commune, Concern, ConcernEvent, User, Village
from tracker.visits.logic import ConcernInput, VisitInput, record_visit
from tracker.workflow import Referral, change_status

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LOCALES = ("vi", "en")
PLURAL_FORMS = {"vi": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}

# The commands of docs/TRANSLATING.md, run from the top of the repository.
EXTRACT = [
    *("-F", "babel.cfg"),
    *("-k", "_l", "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2"),
    *("--no-location", "--sort-output", "--no-wrap", "--add-comments=TRANSLATORS:"),
    *("--project=Field-visit tracker", "--version=1.0", "--copyright-holder=the Field-visit tracker authors"),
    *("-o", "translations/messages.pot", "."),
]
UPDATE = [
    *("-i", "translations/messages.pot", "-d", "translations"),
    *("--no-fuzzy-matching", "--ignore-obsolete", "--ignore-pot-creation-date", "--no-wrap"),
]
FIX = (
    "Extract, update and translate (docs/TRANSLATING.md):\n"
    f"  .venv/bin/pybabel extract {shlex.join(EXTRACT)}\n"
    f"  .venv/bin/pybabel update {shlex.join(UPDATE)}\n"
    "  then translate the new or changed messages of translations/vi and translations/en (no fuzzy, none empty)"
)

# A %-placeholder as Python's % operator reads it: %(name)s, %d, %.1f … ("%%" is a literal percent sign).
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")

# Text that may appear on a page of either language: the language switcher names each language in itself.
ALLOWED_ON_EVERY_PAGE = ("Tiếng Việt", "English")

# Vietnamese messages that may stay as in English (codes, units). None today.
SAME_IN_VIETNAMESE: set[str] = set()


@pytest.fixture
def client(client):
    """A browser that says nothing of its language, like a phone's first visit: Vietnamese, the default.

    (The suite's own ``client`` asks for English, so that the other tests read the source messages.)
    """
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE", None)
    return client


# --- The compiled catalogues ---------------------------------------------------------------------------


def compile_catalogues() -> None:
    """Compile every ``.po`` to its ``.mo`` when the ``.mo`` is missing or older (as ``make translations``)."""
    for po_path in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=po_path.parts[-3])
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
        with partial.open("wb") as f:
            write_mo(f, catalog)
        os.replace(partial, mo_path)  # atomic: a test running meanwhile never reads half a file


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    compile_catalogues()


def load_catalog(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def catalogue_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


# --- The catalogues match the sources ------------------------------------------------------------------


@pytest.fixture(scope="module")
def extracted_template(tmp_path_factory) -> Path:
    """A .pot of the sources as they are now, extracted by the command of docs/TRANSLATING.md."""
    output = tmp_path_factory.mktemp("i18n") / "messages.pot"
    here = {"babel.cfg": str(ROOT / "babel.cfg"), "translations/messages.pot": str(output), ".": str(ROOT)}
    CommandLineInterface().run(["pybabel", "-q", "extract", *(here.get(arg, arg) for arg in EXTRACT)])
    return output


@pytest.fixture(scope="module")
def extracted(extracted_template):
    """The messages of the sources as they are now."""
    catalog = load_catalog(extracted_template)
    assert len(catalog) > 100, "the extraction found almost nothing: is babel.cfg right?"
    return catalog


def keys(catalog) -> set:
    """Each message as (msgid, context); a plural message's msgid is its (singular, plural) pair."""
    return {(message.id, message.context) for message in catalog if message.id}


def describe(key) -> str:
    msgid, context = key
    text = " / ".join(msgid) if isinstance(msgid, tuple) else msgid
    return f"{text!r}" + (f" (context {context!r})" if context else "")


def placeholders(text: str) -> set[str]:
    return {p for p in PLACEHOLDER.findall(text) if p != "%%"}


def stray_percent_signs(text: str) -> int:
    """'%' signs that are not part of a placeholder: Jinja's newstyle gettext would choke on them."""
    return PLACEHOLDER.sub("", text).count("%")


def translations_of(message) -> list[tuple[str, str]]:
    """``(source, translation)`` for each form of ``message``: a plural form pairs with the plural msgid,
    except the first form of a language that has two or more forms, which pairs with the singular."""
    if not isinstance(message.id, tuple):
        return [(message.id, message.string or "")]
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    singular, plural = message.id[0], message.id[1]
    return [(singular if i == 0 and len(strings) > 1 else plural, s or "") for i, s in enumerate(strings)]


def template_body(path: Path) -> str:
    """A .pot from its header entry on, without the line that changes at every extraction."""
    text = path.read_text(encoding="utf-8")
    text = text[text.index('msgid ""') :]
    return re.sub(r'^"POT-Creation-Date: .*"\n', "", text, flags=re.MULTILINE)


def test_template_is_current(extracted, extracted_template):
    """translations/messages.pot holds exactly the messages of the sources, written by the documented command."""
    template = load_catalog(TEMPLATE)
    missing = sorted(map(describe, keys(extracted) - keys(template)))
    stale = sorted(map(describe, keys(template) - keys(extracted)))
    assert not missing and not stale, (
        f"messages.pot is out of date.\nIn the sources, not in messages.pot: {missing}\n"
        f"In messages.pot, no longer in the sources: {stale}\n{FIX}"
    )
    # The same options every time (sorted, no locations, no wrapping), so that its diffs show only real changes.
    assert template_body(TEMPLATE) == template_body(extracted_template), f"messages.pot was written otherwise.\n{FIX}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_is_complete_and_current(extracted, locale):
    path = catalogue_path(locale)
    assert path.exists(), f"{path} is missing: pybabel init -i translations/messages.pot -d translations -l {locale}"
    catalog = load_catalog(path, locale)
    problems: list[str] = []

    for key in sorted(keys(extracted) - keys(catalog), key=describe):
        problems.append(f"missing (in the sources, not in the catalogue): {describe(key)}")
    for key in sorted(keys(catalog) - keys(extracted), key=describe):
        problems.append(f"stale (in the catalogue, no longer in the sources): {describe(key)}")
    for message in catalog.obsolete.values():
        problems.append(f"obsolete entry (#~) left in the catalogue: {describe((message.id, message.context))}")

    if catalog.fuzzy:
        problems.append("the catalogue's header is marked fuzzy")
    if catalog.plural_forms != PLURAL_FORMS[locale]:
        problems.append(f"Plural-Forms is {catalog.plural_forms!r}, not {PLURAL_FORMS[locale]!r}")

    for message in catalog:
        if not message.id:
            continue
        name = describe((message.id, message.context))
        if message.fuzzy:
            problems.append(f"fuzzy: {name}")
        pairs = translations_of(message)
        if isinstance(message.id, tuple) and len(pairs) != catalog.num_plurals:
            problems.append(f"{len(pairs)} plural forms instead of {catalog.num_plurals}: {name}")
        for source, translation in pairs:
            if not translation.strip():
                problems.append(f"not translated: {name}")
                continue
            if placeholders(translation) != placeholders(source):
                problems.append(
                    f"placeholders {sorted(placeholders(translation))} instead of {sorted(placeholders(source))} "
                    f"in {translation!r} for {name}"
                )
            if stray_percent_signs(translation) != stray_percent_signs(source):
                problems.append(f"a stray '%' (write '%%' for a percent sign) in {translation!r} for {name}")
            if locale == "vi":
                if not unicodedata.is_normalized("NFC", translation):
                    problems.append(f"not in NFC: {translation!r} for {name}")
                if translation == source and source not in SAME_IN_VIETNAMESE:
                    problems.append(f"left in English: {name}")
            if locale == "en" and translation != source:
                problems.append(f"the English text differs from the source: {translation!r} for {name}")
        for error in message.check(catalog):
            problems.append(f"{error} for {name}")

    assert not problems, f"translations/{locale}: {len(problems)} problem(s):\n  " + "\n  ".join(problems) + f"\n{FIX}"


# --- What the pages show ---------------------------------------------------------------------------------


class PageText(html.parser.HTMLParser):
    """The words a person sees or hears on a page: its text, and the attributes read out or shown."""

    SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "label"}
    IDENTIFIER = re.compile(r"[a-z0-9_.:/#-]*")  # a data-* value that is a key or a path, not words
    BUTTON_INPUTS = {"submit", "button", "reset"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        for name, value in attrs:
            if not value:
                continue
            if name in self.SHOWN_ATTRIBUTES or (name.startswith("data-") and not self.IDENTIFIER.fullmatch(value)):
                self.chunks.append(value)
        if tag == "input" and values.get("type") in self.BUTTON_INPUTS and values.get("value"):
            self.chunks.append(values["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.chunks.append(data)


def page_text(page: str, data: list[str]) -> str:
    """The page's visible text, one chunk a line, with the records' own words (names, titles) taken out."""
    parser = PageText()
    parser.feed(page)
    parser.close()
    text = "\n".join(" ".join(chunk.split()) for chunk in parser.chunks)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


def fragments(message: str, min_letters: int) -> list[str]:
    """The literal parts of a message between its placeholders, those long enough to be telling."""
    parts = (" ".join(part.split()) for part in PLACEHOLDER.split(message))
    return [part for part in parts if sum(c.isalpha() for c in part) >= min_letters]


def foreign_patterns(texts, min_letters: int) -> dict[str, re.Pattern]:
    """A pattern for every telling fragment of ``texts``, matched as whole words, case-sensitively."""
    patterns = {}
    for text in texts:
        for fragment in fragments(text, min_letters):
            if fragment not in ALLOWED_ON_EVERY_PAGE:
                patterns[fragment] = re.compile(rf"(?<!\w){re.escape(fragment)}(?!\w)")
    return patterns


def catalogue_strings(locale: str) -> set[str]:
    strings = set()
    for message in load_catalog(catalogue_path(locale), locale):
        if message.id:
            strings.update(s for _, s in translations_of(message) if s)
    return strings


@pytest.fixture(scope="module")
def english_texts():
    """English that must not be left on a Vietnamese page: the English catalogue, and the built-in
    messages of WTForms (it has no Vietnamese) and of Werkzeug's error pages."""
    texts = catalogue_strings("en")
    wtforms = load_catalog(Path(messages_path()) / "wtforms.pot")
    for message in wtforms:
        if message.id:
            texts.update(message.id if isinstance(message.id, tuple) else (message.id,))
    for exception in default_exceptions.values():
        texts.update((HTTP_STATUS_CODES.get(exception.code, ""), exception.description or ""))
    return foreign_patterns(texts, min_letters=3)


@pytest.fixture(scope="module")
def vietnamese_texts():
    """Vietnamese that must not be left on an English page: the Vietnamese catalogue."""
    return foreign_patterns(catalogue_strings("vi"), min_letters=2)


def find_foreign(text: str, patterns: dict[str, re.Pattern]) -> list[str]:
    # A pattern is its fragment between word boundaries: only a text that holds the fragment can match it, and
    # looking for the fragment first spares the regular expression of most of them.
    return sorted(fragment for fragment, pattern in patterns.items() if fragment in text and pattern.search(text))


def a_photo() -> FileStorage:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 60)).save(buffer, "JPEG")
    return FileStorage(io.BytesIO(buffer.getvalue()), filename="IMG_0001.jpg")


@pytest.fixture
def scene(app, world):
    """A visit to Hua Chăn with concerns in several states, and the words of the records themselves."""
    with app.app_context():
        official = db.session.get(User, world.official_bl)
        colleague = db.session.get(User, world.colleague_bl)
        supervisor = db.session.get(User, world.supervisor_bl)
        electricity = db.session.get(Category, world.electricity)
        housing = db.session.get(Category, world.housing)
        village = db.session.get(Village, world.hua_chan)
        visit, _ = record_visit(
            official,
            VisitInput(
                client_uuid=str(uuid.uuid4()),
                village=village,
                visit_date=today() - timedelta(days=1),
                kind="dialogue",
                attendees=34,
                notes="Họp dân tại nhà văn hóa bản.",
                latitude=21.39211,
                longitude=103.28432,
                gps_accuracy_m=12,
                other_officials=[colleague],
                concerns=[
                    ConcernInput(
                        electricity,
                        "Cuối bản chưa có điện",
                        description="Sáu hộ cuối bản chưa kéo được điện lưới.",
                        resident_name="Lò Thị Xuân",
                        resident_contact="0912 345 678",
                        households_affected=6,
                        priority="urgent",
                    ),
                    ConcernInput(housing, "Nhà tạm bị dột", priority="high"),
                    ConcernInput(housing, "Xin hỗ trợ làm lại mái nhà"),
                    ConcernInput(electricity, "Cột điện nghiêng sau mưa"),
                ],
            ),
        )
        urgent, leaking, roof, pole = visit.concerns
        # Raised long ago, so that it is overdue; assigned to the official; in progress.
        urgent.created_at = urgent.events[0].created_at = utcnow() - timedelta(days=10)
        urgent.due_date = today() - timedelta(days=9)
        urgent.assignee = official
        # The evidence of a resolution (housing needs it), and a photo of the visit: the galleries show.
        store_photo(a_photo(), uploaded_by=official, concern=leaking, is_evidence=True)
        store_photo(a_photo(), uploaded_by=official, visit=visit)
        change_status(urgent, "in_progress", supervisor, note="Đã báo điện lực huyện.")
        leaking.assignee = official  # an official resolves only what is assigned to them
        change_status(leaking, "resolved", official, note="Đã lợp lại mái bằng tôn.")
        change_status(roof, "rejected", supervisor, note="Đã được hỗ trợ năm trước.")
        change_status(pole, "referred", supervisor, referral=Referral(to="Phòng Nông nghiệp và Môi trường"))
        db.session.commit()
        data = [
            *db.session.scalars(sa.select(Commune.name)),
            *db.session.scalars(sa.select(Village.name)),
            *db.session.scalars(sa.select(User.full_name)),
            *db.session.scalars(sa.select(User.username)),
            visit.notes,
        ]
        for concern in db.session.scalars(sa.select(Concern)):
            data += [concern.title, concern.description, concern.resident_name, concern.resident_contact]
            data += [concern.resolution_note, concern.rejection_reason, concern.reference_code]
        data += db.session.scalars(sa.select(ConcernEvent.note))
        categories = db.session.scalars(sa.select(Category)).all()
        return {
            "visit": visit.id,
            "concern": urgent.id,
            "resolved": leaking.id,
            "rejected": roof.id,
            "data": [value for value in data if value],
            "category_names": {"vi": [c.name_vi for c in categories], "en": [c.name_en for c in categories]},
        }


ROLES = {
    "official": "official.bunglao",
    "commune supervisor": "supervisor.bunglao",
    "province supervisor": "supervisor.province",
    "admin": "admin",
}
# How the page is asked for in a language: Vietnamese by default, by the browser's Accept-Language, and
# English by the language switcher.
MODES = {"vi-by-default": ("vi", {}), "vi-by-browser": ("vi", {"Accept-Language": "vi"}), "en-by-switcher": ("en", {})}


def choose_language(client, mode: str) -> tuple[str, dict]:
    language, headers = MODES[mode]
    if mode == "en-by-switcher":
        response = client.post("/language", data={"language": "en", "next": "/"})
        assert response.status_code == 302
    return language, headers


def check_pages(client, pages, language, headers, scene, english_texts, vietnamese_texts) -> list[str]:
    """Ask for each page; return what is wrong with it: status, ``<html lang>``, words of the other language."""
    other = "en" if language == "vi" else "vi"
    patterns = dict(english_texts if language == "vi" else vietnamese_texts)
    # A category's name in the other language must not show either (categories are named in both).
    patterns.update(foreign_patterns(scene["category_names"][other] if scene else [], min_letters=2))
    data = scene["data"] if scene else []
    problems = []
    for label, (method, path, form, status) in pages.items():
        if method == "GET":
            response = client.get(path, headers=headers, follow_redirects=True)
        else:
            response = client.post(path, data=form, headers=headers, follow_redirects=True)
        page = response.get_data(as_text=True)
        if response.status_code != status:
            problems.append(f"{label} ({path}): status {response.status_code}, expected {status}")
        if f'<html lang="{language}">' not in page:
            problems.append(f'{label} ({path}): not <html lang="{language}">')
        found = find_foreign(page_text(page, data), patterns)
        if found:
            problems.append(f"{label} ({path}): {'English' if language == 'vi' else 'Vietnamese'} text {found}")
    return problems


def signed_in_pages(scene) -> dict:
    return {
        "home": ("GET", "/", None, 200),
        "visit form": ("GET", "/visits/new", None, 200),
        "my visits": ("GET", "/visits", None, 200),
        "a visit": ("GET", f"/visits/{scene['visit']}", None, 200),
        "concerns": ("GET", "/concerns/", None, 200),
        "concerns, page 2": ("GET", "/concerns/?page=2", None, 200),
        "open concerns": ("GET", "/concerns/?status=open", None, 200),
        "concerns, nothing found": ("GET", "/concerns/?q=zzzz", None, 200),
        "a concern in progress": ("GET", f"/concerns/{scene['concern']}", None, 200),
        "a resolved concern": ("GET", f"/concerns/{scene['resolved']}", None, 200),
        "a rejected concern": ("GET", f"/concerns/{scene['rejected']}", None, 200),
        "slip for the resident": ("GET", f"/concerns/{scene['concern']}/slip", None, 200),
        "change your password": ("GET", "/account/password", None, 200),
        "API tokens": ("GET", "/account/tokens", None, 200),
        "a missing visit (404)": ("GET", "/visits/999999", None, 404),
        "a missing page (404)": ("GET", "/no-such-page", None, 404),
        "photo form of a visit": ("GET", f"/visits/{scene['visit']}/photos", None, 200),
        "photo form of a concern": ("GET", f"/concerns/{scene['concern']}/photos", None, 200),
        "my concerns on this phone": ("GET", "/offline/concerns?missed=1", None, 200),
    }


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("role", ROLES)
def test_pages_speak_one_language(app, client, auth, scene, english_texts, vietnamese_texts, role, mode):
    app.config["PAGE_SIZE"] = 2  # so that the concerns list has pages
    assert auth.login(ROLES[role]).status_code == 302
    language, headers = choose_language(client, mode)
    problems = check_pages(client, signed_in_pages(scene), language, headers, scene, english_texts, vietnamese_texts)
    assert not problems, f"{role}, {mode}:\n  " + "\n  ".join(problems)


def export_pages(role: str) -> dict:
    """The export page and the monthly report (the supervisors' and administrators': 403 for an official),
    with their forms' messages; the report of the current month shows the scene's figures."""
    status = 403 if role == "official" else 200
    this_month = today().strftime("%Y-%m")
    pages = {
        "export page": ("GET", "/exports/", None, status),
        "export page, not a month": ("POST", "/exports/", {"month": "1999-01", "commune": "", "csv": "1"}, status),
        "monthly report": ("GET", "/exports/report", None, status),
        "monthly report of this month": ("GET", f"/exports/report?month={this_month}", None, status),
        "monthly report, not a month": ("GET", "/exports/report?month=garbage", None, status),
    }
    if role in ("province supervisor", "admin"):
        pages["monthly report of one commune"] = ("GET", f"/exports/report?month={this_month}&commune=03301", None, 200)
    return pages


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("role", ROLES)
def test_export_pages_speak_one_language(app, client, auth, scene, english_texts, vietnamese_texts, role, mode):
    assert auth.login(ROLES[role]).status_code == 302
    language, headers = choose_language(client, mode)
    # The province's report names the province: a name, like the communes' (and "Điện" is also a category).
    scene = dict(scene, data=[*scene["data"], "Điện Biên"])
    problems = check_pages(client, export_pages(role), language, headers, scene, english_texts, vietnamese_texts)
    assert not problems, f"{role}, {mode}:\n  " + "\n  ".join(problems)


# --- Administration ---------------------------------------------------------------------------------------

ADMIN_IMPORT = (
    "name,commune,former_commune,households,latitude,longitude,distance_km\r\n"
    "Pá Khoang,03301,Ẳng Tở,77,21.41,103.30,6.5\r\n"
    "Hua Chăn,Búng Lao,Ẳng Tở,100,,,\r\n"
    "Bản Xa,Mường Không Có,,nhiều,48.85,2.35,900\r\n"
    "pa khoang,Búng Lao,,,21.3,,\r\n"
).encode()


def villages_import_columns() -> tuple[str, ...]:
    from tracker.admin.villages_import import COLUMNS

    return COLUMNS


@pytest.fixture
def admin_scene(app, world):
    """Administration with something of every kind in its audit trail, and the words of the records themselves.

    Built without the visits of ``scene``: the Administration pages show users, villages and categories.
    """
    from tracker.admin import villages_import
    from tracker.admin.categories import CategoryData, save_category, set_category_active
    from tracker.admin.users import UserData, create_user, reset_password, set_active, update_user
    from tracker.admin.villages import VillageData, save_village

    with app.app_context():
        admin = db.session.get(User, world.admin)
        bung_lao = db.session.get(Village, world.hua_chan).commune
        user, _password = create_user(admin, "deo.van.son", UserData("Đèo Văn Sơn", "official", bung_lao))
        update_user(admin, user, UserData("Đèo Văn Sơn", "supervisor", bung_lao, language="en"))
        reset_password(admin, user)
        set_active(admin, user, False)
        save_village(admin, db.session.get(Village, world.hua_na), VillageData("Hua Nạ", bung_lao, "Ẳng Tở", 74))
        category = save_category(admin, None, CategoryData("Cháy rừng", "Forest fires", True))
        set_category_active(admin, category, False)
        good = b"\r\n".join(ADMIN_IMPORT.split(b"\r\n")[:3])
        upload = villages_import.read_upload("villages.csv", good)
        villages_import.apply_import(admin, villages_import.preview_import(admin, upload), "villages.csv")
        categories = db.session.scalars(sa.select(Category)).all()
        data = [
            *db.session.scalars(sa.select(Commune.name)),
            *db.session.scalars(sa.select(Village.name)),
            *db.session.scalars(sa.select(Village.former_commune)),
            *db.session.scalars(sa.select(User.full_name)),
            *db.session.scalars(sa.select(User.username)),
            *("villages.csv", "Bản Xa", "Mường Không Có", "nhiều", "pa khoang"),
        ]
        return {
            "official": world.official_bl,
            "village": world.hua_chan,
            "category": category.id,
            "data": [value for value in data if value],
            "category_names": {"vi": [c.name_vi for c in categories], "en": [c.name_en for c in categories]},
        }


def admin_pages(scene: dict, role: str) -> tuple[dict, dict]:
    """The Administration pages, and their forms with every error, with the status each role gets:
    ``(pages, pages that name the file's columns, pages that name categories in both languages)``."""
    users = 403 if role == "official" else 200  # supervisors manage their officials
    mine = 403 if role != "admin" else 200  # villages, categories and the audit trail are the administrator's
    bad_user = {"username": "Lò", "full_name": "", "role": "chief", "commune_id": "999999", "language": "fr"}
    good_user = {"username": "lo.van.son", "full_name": "Lò Văn Sơn", "role": "official", "language": ""}
    good_user["commune_id"] = str(scene["commune"])
    bad_village = {"name": "", "commune_id": "", "households": "many", "latitude": "48.85", "longitude": "2.35"}
    bad_village["distance_km"] = "-1"
    bad_password = {"current_password": "", "new_password": "password1234", "confirm": "other"}
    pages = {
        "administration": ("GET", "/admin/", None, users),
        "users": ("GET", "/admin/users", None, users),
        "users, nothing found": ("GET", "/admin/users?q=zzzz", None, users),
        "deactivated users": ("GET", "/admin/users?status=inactive", None, users),
        "new user": ("GET", "/admin/users/new", None, users),
        "new user, everything wrong": ("POST", "/admin/users/new", bad_user, users),
        "new user created": ("POST", "/admin/users/new", good_user, users),
        "an official": ("GET", f"/admin/users/{scene['official']}", None, users),
        "a password reset": ("POST", f"/admin/users/{scene['official']}/reset-password", {}, users),
        "villages": ("GET", "/admin/villages", None, mine),
        "villages, page 2": ("GET", "/admin/villages?page=2", None, mine),
        "villages, nothing found": ("GET", "/admin/villages?q=zzzz", None, mine),
        "villages no longer in use": ("GET", "/admin/villages?status=inactive", None, mine),
        "new village, everything wrong": ("POST", "/admin/villages/new", bad_village, mine),
        "a village": ("GET", f"/admin/villages/{scene['village']}", None, mine),
        "import preview, rows with problems": (
            "POST",
            "/admin/villages/import",
            {"file": (io.BytesIO(ADMIN_IMPORT), "villages.csv")},
            mine,
        ),
        "import preview, nothing to import": (
            "POST",
            "/admin/villages/import",
            {"file": (io.BytesIO(b"\r\n".join(ADMIN_IMPORT.split(b"\r\n")[:3])), "villages.csv")},
            mine,
        ),
        "change your password, everything wrong": ("POST", "/account/password", bad_password, 200),
        "API token without a name": ("POST", "/account/tokens", {"name": " "}, 422),
        "a missing user (404 or 403)": ("GET", "/admin/users/999999", None, 403 if role == "official" else 404),
    }
    # The import page names the file's columns as the file must spell them: identifiers, not words.
    naming_columns = {
        "import": ("GET", "/admin/villages/import", None, mine),
        "import, not a spreadsheet": ("POST", "/admin/villages/import", {"file": (io.BytesIO(b"%PDF"), "a.pdf")}, mine),
    }
    naming_categories = {
        "categories": ("GET", "/admin/categories", None, mine),
        "new category, everything wrong": (
            "POST",
            "/admin/categories/new",
            {"name_vi": "điện", "sort_order": "x"},
            mine,
        ),
        "a retired category": ("GET", f"/admin/categories/{scene['category']}", None, mine),
        "audit trail": ("GET", "/admin/audit", None, mine),
        "audit trail, page 2": ("GET", "/admin/audit?page=2", None, mine),
        "audit trail of users": ("GET", "/admin/audit?about=user", None, mine),
        "audit trail of imports": ("GET", "/admin/audit?about=import", None, mine),
    }
    return pages, naming_columns, naming_categories


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("role", ROLES)
def test_administration_speaks_one_language(
    app, client, auth, admin_scene, factory, english_texts, vietnamese_texts, role, mode
):
    app.config["PAGE_SIZE"] = 2  # so that the lists have pages
    admin_scene = dict(admin_scene, commune=factory.commune_id("03301"))
    assert auth.login(ROLES[role]).status_code == 302
    language, headers = choose_language(client, mode)
    pages, naming_columns, naming_categories = admin_pages(admin_scene, role)
    problems = check_pages(client, pages, language, headers, admin_scene, english_texts, vietnamese_texts)
    columns = dict(admin_scene, data=admin_scene["data"] + list(villages_import_columns()))
    problems += check_pages(client, naming_columns, language, headers, columns, english_texts, vietnamese_texts)
    # These pages name each category in both languages, as their own words: records, not messages.
    both = admin_scene["category_names"]["vi"] + admin_scene["category_names"]["en"]
    relaxed = dict(admin_scene, data=admin_scene["data"] + both, category_names={"vi": [], "en": []})
    problems += check_pages(client, naming_categories, language, headers, relaxed, english_texts, vietnamese_texts)
    assert not problems, f"{role}, {mode}:\n  " + "\n  ".join(problems)


def public_pages(app, scene) -> dict:
    """The public look-up of a concern by its reference code, as a resident sees it."""
    with app.app_context():
        code = {key: db.session.get(Concern, scene[key]).reference_code for key in ("concern", "resolved", "rejected")}
    satisfaction = f"/track/{code['resolved']}/satisfaction"
    return {
        "look-up form": ("GET", "/track", None, 200),
        "look-up, nothing typed": ("GET", "/track?code=+", None, 200),
        "look-up, no such code": ("GET", "/track?code=ZZZZ-ZZZZ", None, 404),
        "public page, in progress": ("GET", f"/track/{code['concern']}", None, 200),
        "public page, rejected": ("GET", f"/track/{code['rejected']}", None, 200),
        "public page, resolved": ("GET", f"/track?code={code['resolved'].lower()}", None, 200),
        "satisfaction, no answer": ("POST", satisfaction, {}, 200),
        "satisfaction given": ("POST", satisfaction, {"answer": "satisfied"}, 200),
        "satisfaction given again": ("POST", satisfaction, {"answer": "partly"}, 200),
    }


@pytest.mark.parametrize("mode", MODES)
def test_signed_out_pages_speak_one_language(app, client, scene, english_texts, vietnamese_texts, mode):
    language, headers = choose_language(client, mode)
    pages = {
        "sign-in page": ("GET", "/login", None, 200),
        "sent to sign in": ("GET", "/concerns/", None, 200),
        "wrong password": ("POST", "/login", {"username": "official.bunglao", "password": "wrong"}, 200),
        "empty sign-in": ("POST", "/login", {"username": "", "password": ""}, 200),
        "a missing page (404)": ("GET", "/no-such-page", None, 404),
        "signed in": ("POST", "/login", {"username": "official.bunglao", "password": PASSWORD}, 200),
        "signed out": ("POST", "/logout", {}, 200),
        **public_pages(app, scene),
    }
    problems = check_pages(client, pages, language, headers, scene, english_texts, vietnamese_texts)
    assert not problems, f"{mode}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("mode", MODES)
def test_form_errors_speak_one_language(client, auth, scene, world, english_texts, vietnamese_texts, mode):
    """Every message a form can show next to a field, in the page's language."""
    bad_visit = {
        "client_uuid": str(uuid.uuid4()),
        "village_id": "",
        "visit_date": "23/11/2026",
        "kind": "picnic",
        "officials": "999999",
        "attendees": "many",
        "notes": "x" * 10001,
        "latitude": "21.3",
        "longitude": "",
        "gps_accuracy_m": "",
        "concerns-0-client_uuid": str(uuid.uuid4()),
        "concerns-0-category_id": "",
        "concerns-0-title": "",
        "concerns-0-description": "Đường trơn",
        "concerns-0-priority": "soon",
        "concerns-0-households_affected": "-5",
        "concerns-0-resident_name": "y" * 121,
        "concerns-0-resident_contact": "",
        "submit": "1",
    }
    far_away = dict(bad_visit, village_id=str(world.hua_chan), visit_date="2999-01-01", latitude="48.85")
    far_away["longitude"] = "2.35"
    far_away.pop("notes")
    add_one = dict(bad_visit, add_concern="1")
    add_one.pop("submit")
    pages = {
        "sign-in, username too long": ("POST", "/login", {"username": "u" * 65, "password": "x"}, 200),
        "visit form, everything wrong": ("POST", "/visits/new", bad_visit, 200),
        "visit form, future date and abroad": ("POST", "/visits/new", far_away, 200),
        "visit form, one more concern": ("POST", "/visits/new", add_one, 200),
        "a photo that is not one": (
            "POST",
            f"/concerns/{scene['concern']}/photos",
            {"upload_uuid": str(uuid.uuid4()), "photos": [(io.BytesIO(b"notes"), "a.jpg"), (io.BytesIO(b""), "b.jpg")]},
            422,
        ),
        "no photo chosen": ("POST", f"/visits/{scene['visit']}/photos", {"upload_uuid": str(uuid.uuid4())}, 422),
    }
    language, headers = choose_language(client, mode)
    sign_in = pages.pop("sign-in, username too long")
    problems = check_pages(
        client, {"sign-in, username too long": sign_in}, language, headers, scene, english_texts, vietnamese_texts
    )
    auth.login("official.bunglao")
    if mode == "en-by-switcher":
        choose_language(client, mode)  # on the user, now that someone is signed in
    problems += check_pages(client, pages, language, headers, scene, english_texts, vietnamese_texts)
    assert not problems, f"{mode}:\n  " + "\n  ".join(problems)


# --- The language switcher ------------------------------------------------------------------------------


def html_lang(response) -> str | None:
    match = re.search(r'<html lang="([^"]*)">', response.get_data(as_text=True))
    return match.group(1) if match else None


def test_switcher_keeps_the_choice_in_the_session_when_signed_out(client, world):
    assert html_lang(client.get("/login")) == "vi"  # Vietnamese by default
    response = client.post("/language", data={"language": "en", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    with client.session_transaction() as session:
        assert session["language"] == "en"
    page = client.get("/login")
    assert html_lang(page) == "en"
    assert "<h1>Sign in</h1>" in page.get_data(as_text=True)
    # The choice outlives signing in, and the browser's language does not override it.
    client.post("/login", data={"username": "official.bunglao", "password": PASSWORD})
    assert html_lang(client.get("/", headers={"Accept-Language": "vi"})) == "en"

    client.post("/language", data={"language": "vi", "next": "/"})
    page = client.get("/")
    assert html_lang(page) == "vi"
    assert "Ghi nhận chuyến thăm" in page.get_data(as_text=True)


def test_switcher_saves_the_choice_on_the_signed_in_user(app, client, auth, world):
    auth.login("official.bunglao")
    response = client.post("/language", data={"language": "en", "next": "/concerns/?status=open"})
    assert response.status_code == 302 and response.headers["Location"] == "/concerns/?status=open"
    with app.app_context():
        assert db.session.get(User, world.official_bl).language == "en"
    page = client.get("/concerns/?status=open")
    assert html_lang(page) == "en"
    assert "<h1>Concerns</h1>" in page.get_data(as_text=True)

    # Signed in elsewhere (another phone, a browser asking for Vietnamese): still English.
    other = app.test_client()
    other.post("/login", data={"username": "official.bunglao", "password": PASSWORD})
    assert html_lang(other.get("/", headers={"Accept-Language": "vi"})) == "en"

    # Back to Vietnamese, saved as well; someone else is not affected.
    client.post("/language", data={"language": "vi", "next": "/"})
    with app.app_context():
        assert db.session.get(User, world.official_bl).language == "vi"
        assert db.session.get(User, world.official_qt).language is None
    assert html_lang(client.get("/")) == "vi"


def test_browser_language_counts_until_a_choice_is_made(client, world):
    assert html_lang(client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})) == "en"
    assert html_lang(client.get("/login", headers={"Accept-Language": "fr, de"})) == "vi"
    client.post("/language", data={"language": "vi", "next": "/login"})
    assert html_lang(client.get("/login", headers={"Accept-Language": "en"})) == "vi"


@pytest.mark.parametrize("target", ["https://example.com/", "//example.com/", "/\\example.com", "", None])
def test_switcher_goes_back_only_to_this_site(client, world, target):
    data = {"language": "en"} | ({} if target is None else {"next": target})
    response = client.post("/language", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_switcher_ignores_an_unknown_language(app, client, auth, world):
    auth.login("official.bunglao")
    client.post("/language", data={"language": "fr", "next": "/"})
    with app.app_context():
        assert db.session.get(User, world.official_bl).language is None
    assert html_lang(client.get("/")) == "vi"


def test_dates_are_written_the_local_way_in_the_province_time(app):
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        day, moment = app.jinja_env.filters["day"], app.jinja_env.filters["moment"]
        assert day(date(2026, 11, 3)) == "03/11/2026"
        # 23:30 on 31 October in Điện Biên is 16:30 UTC.
        assert moment(datetime(2026, 10, 31, 16, 30, tzinfo=UTC)) == "23:30 31/10/2026"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert app.jinja_env.filters["day"](date(2026, 11, 3)) == "Nov 3, 2026"


def review_pages(scene: dict, role: str, world, factory) -> dict:
    """The supervisors' review (403 for an official), with its forms' messages and a bulk assignment, and a
    village's page (anyone who may see the village; another commune's is 404 unless province-wide)."""
    review = 403 if role == "official" else 200
    province_wide = role in ("province supervisor", "admin")
    assign = {
        "bulk-concerns": [str(scene["concern"]), str(scene["resolved"]), "999999"],
        "bulk-assignee": str(world.colleague_bl),
    }
    every_filter = (
        "overdue=y&escalated=y&priority=urgent&assignee=none&status=open&raised_from=2020-01-01"
        "&raised_to=2030-01-01&q=dien&sort=priority"
    )
    pages = {
        "review at a glance": ("GET", "/review/", None, review),
        "review, concerns to review": ("GET", "/review/concerns?status=open&sort=due", None, review),
        "review, every filter": ("GET", f"/review/concerns?{every_filter}", None, review),
        "review, dates that are not": ("GET", "/review/concerns?raised_from=31/12&raised_to=2030-02-30", None, review),
        "review, dates the wrong way": (
            "GET",
            "/review/concerns?raised_from=2026-03-10&raised_to=2026-03-01",
            None,
            review,
        ),
        "review, nothing found": ("GET", "/review/concerns?q=zzzz", None, review),
        "review, nothing ticked": ("POST", "/review/concerns", {"bulk-assignee": ""}, review),
        "review, bulk assignment": ("POST", "/review/concerns?status=open", assign, review),
        "coverage": ("GET", "/review/coverage", None, review),
        "coverage, every village": ("GET", "/review/coverage?show=all&days=30", None, review),
        "coverage, not a number": ("GET", "/review/coverage?days=abc", None, review),
        "coverage, too many days": ("GET", "/review/coverage?days=0", None, review),
        "trends": ("GET", "/review/trends", None, review),
        "a village": ("GET", f"/villages/{world.hua_chan}", None, 200),
        "a village never visited": ("GET", f"/villages/{world.hua_na}", None, 200),
        "another commune's village": ("GET", f"/villages/{world.hua_sa_a}", None, 200 if province_wide else 404),
    }
    if province_wide:
        commune = factory.commune_id("03301")
        pages["review, one commune"] = ("GET", f"/review/?commune={commune}", None, 200)
        pages["trends, one commune"] = ("GET", f"/review/trends?commune={commune}", None, 200)
    return pages


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("role", ROLES)
def test_review_pages_speak_one_language(
    app, client, auth, scene, world, factory, english_texts, vietnamese_texts, role, mode
):
    app.config["PAGE_SIZE"] = 2  # so that the lists have pages
    assert auth.login(ROLES[role]).status_code == 302
    language, headers = choose_language(client, mode)
    pages = review_pages(scene, role, world, factory)
    problems = check_pages(client, pages, language, headers, scene, english_texts, vietnamese_texts)
    assert not problems, f"{role}, {mode}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_numbers_are_written_as_babel_writes_them(app, language):
    """The ``number`` filter writes whole numbers itself (the review shows hundreds): exactly as Babel does."""
    from babel.numbers import format_decimal
    from flask_babel import force_locale

    values = [0, 7, -7, 999, 1000, -1000, 12345, 999999, 1234567, -98765432, 10**12]
    with app.test_request_context(), force_locale(language):
        number = app.jinja_env.filters["number"]
        assert [number(v) for v in values] == [format_decimal(v, locale=language) for v in values]
        assert number(3.5) == format_decimal(3.5, locale=language) and number(None) == ""
    assert format_decimal(1234567, locale="vi") == "1.234.567"  # what the filter must match, spelled out
