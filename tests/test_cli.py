"""The flask commands: load the register and the demo (both idempotent), create users."""

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Category, Commune, Concern, ConcernEvent, User, Village, Visit
from tracker.passwords import verify_password


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_load_communes_loads_the_45_of_dien_bien_once(app, runner):
    # The app fixture has loaded them already: running again changes nothing.
    result = runner.invoke(args=["load-communes"])
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated" in result.output
    assert count(app, Commune) == 45
    assert count(app, Category) == 13
    with app.app_context():
        bung_lao = db.session.scalar(sa.select(Commune).where(Commune.code == "03301"))
        assert (bung_lao.name, bung_lao.province_name) == ("Xã Búng Lao", "Điện Biên")


def test_load_communes_refuses_an_unknown_province(runner):
    result = runner.invoke(args=["load-communes", "--province", "999"])
    assert result.exit_code != 0
    assert "No province with code 999" in result.output


def test_load_demo_is_idempotent_and_covers_every_status(app, runner):
    first = runner.invoke(args=["load-demo"])
    assert first.exit_code == 0, first.output
    snapshot = [count(app, m) for m in (Village, User, Visit, Concern, ConcernEvent)]
    second = runner.invoke(args=["load-demo"])
    assert second.exit_code == 0
    assert "0 villages, 0 users, 0 visits added" in second.output
    assert [count(app, m) for m in (Village, User, Visit, Concern, ConcernEvent)] == snapshot
    with app.app_context():
        statuses = set(db.session.scalars(sa.select(Concern.status).distinct()))
        assert statuses == {"new", "in_progress", "referred", "resolved", "rejected", "duplicate"}
        names = set(db.session.scalars(sa.select(Village.name)))
        assert {"Hua Chăn", "Hua Nạ", "Hua Sa A", "Ló", "Háng Pu Xi", "Phìn Hồ"} <= names
        usernames = set(db.session.scalars(sa.select(User.username)))
        assert usernames == {
            "official.bunglao",
            "official.quaito",
            "supervisor.bunglao",
            "supervisor.province",
            "admin",
        }


def test_load_demo_needs_the_communes(app, runner):
    with app.app_context():
        db.session.execute(sa.delete(Commune))
        db.session.commit()
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code != 0 and "load-communes" in result.output


def test_create_user(app, runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--username",
            "Can.Bo",
            "--name",
            "Cầm Văn Thắng",
            "--role",
            "official",
            "--commune",
            "3301",
            "--password",
            "mot-mat-khau-dai",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "can.bo"))
        assert user.commune.code == "03301" and user.role == "official"
        assert verify_password(user.password_hash, "mot-mat-khau-dai")


def test_create_user_refuses_bad_input(app, runner):
    base = ["create-user", "--name", "A", "--role", "official"]
    assert "needs a commune" in runner.invoke(args=[*base, "--username", "a", "--password", "x" * 12]).output
    assert (
        "No commune" in runner.invoke(args=[*base, "--username", "a", "--commune", "1", "--password", "x" * 12]).output
    )
    assert (
        "12 characters"
        in runner.invoke(args=[*base, "--username", "a", "--commune", "3301", "--password", "short"]).output
    )
    runner.invoke(args=[*base, "--username", "a", "--commune", "3301", "--password", "x" * 12])
    assert (
        "already exists"
        in runner.invoke(args=[*base, "--username", "A", "--commune", "3301", "--password", "x" * 12]).output
    )
    assert count(app, User) == 1
