"""The web page where a user makes and revokes their personal API tokens (``/account/tokens``)."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from ..extensions import db
from ..models import ApiToken
from ..security import log_event
from .tokens import NAME_LENGTH, create_token, revoke_token, user_tokens

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name of the token"),
        validators=[
            InputRequired(message=_l("Give the token a name, such as the system that will use it.")),
            Length(max=NAME_LENGTH, message=_l("At most %(max)d characters.")),
        ],
    )

    def validate_name(self, field):
        field.data = (field.data or "").strip()
        if not field.data:
            from wtforms.validators import ValidationError

            raise ValidationError(_l("Give the token a name, such as the system that will use it."))


class RevokeForm(FlaskForm):
    """A button: nothing to fill but the CSRF token."""


def _page(form: TokenForm, secret: str | None = None, status: int = 200):
    page = render_template(
        "account/tokens.html",
        title=_("API tokens"),
        form=form,
        revoke_form=RevokeForm(),
        tokens=user_tokens(current_user),
        secret=secret,
    )
    return page, status


@bp.get("")
def index():
    return _page(TokenForm(formdata=None))


@bp.post("")
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    token, secret = create_token(current_user, form.name.data)
    db.session.commit()
    log_event(f"api-token-created id={token.id}")
    # The secret is shown on this answer only: it is not kept anywhere it could be shown again.
    response = _page(TokenForm(formdata=None), secret=secret, status=201)
    return response


@bp.post("/<int:token_id>/revoke")
def revoke(token_id: int):
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == current_user.id))
    if token is None:
        abort(404)
    revoke_token(token)
    db.session.commit()
    log_event(f"api-token-revoked id={token.id}")
    flash(_("The token “%(name)s” has been revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("tokens.index"))
