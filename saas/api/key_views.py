"""The API keys page in the settings (owners only): make a key, see them, revoke one."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from saas.api import keys
from saas.api.blueprints import keys_bp as bp
from saas.api.forms import NewKeyForm
from saas.api.scopes import SCOPES, SUPPORT_SCOPES
from saas.publishing.dashboard_parent import require_owner
from saas.support import form_settings


def _page(form: NewKeyForm, new_key: keys.NewKey | None = None, status: int = 200):
    response = (
        render_template(
            "api/keys.html",
            form=form,
            keys=keys.list_keys(g.publication),
            new_key=new_key,
            scope_labels=dict(SCOPES),
            support_scopes=SUPPORT_SCOPES,
            confidential=form_settings.get_form(g.publication).confidential_mode,
        ),
        status,
    )
    return response


@bp.route("/<pub_slug>/settings/api-keys", methods=["GET", "POST"])
def api_keys():
    require_owner()
    form = NewKeyForm()
    if not form.validate_on_submit():
        return _page(form, status=422 if form.errors else 200)
    try:
        made = keys.create_key(
            g.publication,
            form.name.data,
            form.scopes.data,
            support_when_confidential=form.support_when_confidential.data,
            created_by=current_user,
        )
    except keys.KeyRefused as exc:
        form.scopes.errors.append(str(exc))
        return _page(form, status=422)
    # Shown on this response only: the key is never stored, so never in a redirect or flash.
    body, status = _page(NewKeyForm(formdata=None), new_key=made)
    return body, status, {"Cache-Control": "no-store"}


@bp.route("/<pub_slug>/settings/api-keys/<int:key_id>/revoke", methods=["POST"])
def revoke_api_key(key_id: int):
    require_owner()
    key = keys.get_key(g.publication, key_id)
    if key is None:
        abort(404)
    keys.revoke(g.publication, key)
    flash(f"“{key.name}” is revoked: it no longer opens the API.", "success")
    return redirect(url_for("dashboard.api_keys.api_keys"))
