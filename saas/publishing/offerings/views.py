"""Settings › Ways I can help: the block's words and the offerings, added, edited and ordered."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for

from saas.publishing import dashboard_parent
from saas.publishing.dashboard_parent import require_owner
from saas.publishing.offerings import catalogue
from saas.publishing.offerings.forms import BlockForm, OfferingForm, OrderForm

bp = dashboard_parent.nest("offerings", __name__)


def _fields(form: OfferingForm) -> catalogue.OfferingFields:
    return catalogue.OfferingFields(
        title=form.title.data or "",
        description=form.description.data or "",
        button_label=form.button_label.data or "",
        target=form.target.data,
        url=form.url.data or "",
    )


def _page(block: BlockForm, new: OfferingForm, status: int = 200):
    publication = g.publication
    return render_template(
        "publishing/offerings.html",
        block=block,
        new=new,
        offerings=catalogue.list_offerings(publication),
        default_heading=catalogue.DEFAULT_HEADING,
        max_offerings=catalogue.MAX_OFFERINGS,
    ), status


def _back():
    return redirect(url_for("dashboard.offerings.offerings"))


@bp.route("/<pub_slug>/settings/offerings", methods=["GET"])
def offerings():
    require_owner()
    block = BlockForm(heading=g.publication.offerings_heading, intro=g.publication.offerings_intro)
    return _page(block, OfferingForm(formdata=None))


@bp.route("/<pub_slug>/settings/offerings/block", methods=["POST"])
def save_block():
    require_owner()
    block = BlockForm()
    if not block.validate_on_submit():
        return _page(block, OfferingForm(formdata=None), 422)
    catalogue.save_block(g.publication, block.heading.data or "", block.intro.data or "")
    flash("Saved.", "success")
    return _back()


@bp.route("/<pub_slug>/settings/offerings/new", methods=["POST"])
def add_offering():
    require_owner()
    form = OfferingForm()
    block = BlockForm(
        formdata=None, heading=g.publication.offerings_heading, intro=g.publication.offerings_intro
    )
    if not form.validate_on_submit():
        return _page(block, form, 422)
    try:
        catalogue.add(g.publication, _fields(form))
    except catalogue.TooMany as exc:
        form.title.errors.append(str(exc))
        return _page(block, form, 422)
    flash(f"“{form.title.data.strip()}” is on the list.", "success")
    return _back()


def _offering_or_404(offering_id: int):
    offering = catalogue.get_offering(g.publication, offering_id)
    if offering is None:
        abort(404)
    return offering


@bp.route("/<pub_slug>/settings/offerings/<int:offering_id>", methods=["GET", "POST"])
def edit_offering(offering_id: int):
    require_owner()
    offering = _offering_or_404(offering_id)
    form = OfferingForm(obj=offering)
    if form.validate_on_submit():
        catalogue.change(offering, _fields(form))
        flash("Offering saved.", "success")
        return _back()
    status = 422 if form.errors else 200
    return render_template("publishing/offering_edit.html", form=form, offering=offering), status


@bp.route("/<pub_slug>/settings/offerings/<int:offering_id>/delete", methods=["POST"])
def delete_offering(offering_id: int):
    require_owner()
    catalogue.remove(_offering_or_404(offering_id))
    flash("Offering removed.", "success")
    return _back()


@bp.route(
    "/<pub_slug>/settings/offerings/<int:offering_id>/<any(up, down):direction>",
    methods=["POST"],
)
def move_offering(offering_id: int, direction: str):
    require_owner()
    _offering_or_404(offering_id)
    catalogue.move(g.publication, offering_id, -1 if direction == "up" else 1)
    return _back()


@bp.route("/<pub_slug>/settings/offerings/order", methods=["POST"])
def order_offerings():
    require_owner()
    form = OrderForm()
    ids = form.ids() if form.validate_on_submit() else None
    if ids is None or not catalogue.reorder(g.publication, ids):
        abort(400)
    flash("New order saved.", "success")
    return _back()
