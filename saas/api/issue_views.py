"""Issues: list, read, save a draft, publish."""

from __future__ import annotations

from flask import g

from saas.api import scopes
from saas.api.blueprints import issues_bp as bp
from saas.api.schemas.publishing import IssueList, IssueOut, IssueQuery, IssueSummary, NewIssue
from saas.api.spec import operation
from saas.core import problems
from saas.publishing import issues as issue_service
from saas.publishing.models import Issue

ID = "<int:issue_id>"


def issue_or_404(issue_id: int) -> Issue:
    """The publication's issue, or a 404 problem."""
    issue = issue_service.get_issue(g.publication, issue_id)
    if issue is None:
        raise problems.Problem(404, "No issue with this id.")
    return issue


def _fields(model: type, issue: Issue) -> dict:
    return {name: getattr(issue, name) for name in model.model_fields}


@bp.get("/issues")
@operation(
    "listIssues",
    tag="issues",
    scope=scopes.ISSUES_READ,
    query=IssueQuery,
    ok=IssueList,
    errors=(422,),
)
def list_issues(query: IssueQuery):
    """List issues

    Drafts (which have no number yet) first, then published and scheduled issues, newest
    number first. Bodies are left out: get an issue for its body.
    """
    found = issue_service.list_issues(g.publication, status=query.status, page=query.page)
    return IssueList(
        data=[IssueSummary.model_validate(_fields(IssueSummary, i)) for i in found.items],
        page=found.page,
        pages=found.pages,
        total=found.total,
    )


@bp.get(f"/issues/{ID}")
@operation("getIssue", tag="issues", scope=scopes.ISSUES_READ, ok=IssueOut, errors=(404,))
def get_issue(issue_id: int):
    """Get an issue, with its body"""
    issue = issue_or_404(issue_id)
    return IssueOut.model_validate(_fields(IssueOut, issue))


@bp.post("/issues")
@operation(
    "createIssue",
    tag="issues",
    scope=scopes.ISSUES_WRITE,
    json=NewIssue,
    created=IssueOut,
    errors=(409, 422),
)
def create_issue(json: NewIssue):
    """Save a draft

    The body is Markdown, rendered as the editor renders it. A slug another issue has is a
    409 naming the `slug` field.
    """
    fields = json.model_dump()
    fields["slug"] = fields["slug"] or ""
    fields["cover_image_url"] = fields["cover_image_url"] or ""
    try:
        issue = issue_service.create_issue(g.publication, **fields)
    except issue_service.IssueSlugTaken as exc:
        raise problems.Problem(
            409,
            "Another issue already uses this slug.",
            kind=problems.CONFLICT,
            errors=[problems.field_error("slug", "Another issue already uses this slug.")],
        ) from exc
    return IssueOut.model_validate(_fields(IssueOut, issue)), 201


@bp.post(f"/issues/{ID}/publish")
@operation("publishIssue", tag="issues", scope=scopes.ISSUES_WRITE, ok=IssueOut, errors=(404,))
def publish_issue(issue_id: int):
    """Publish an issue

    It appears in the archive at once and gets the next issue number the first time it is
    published. Publishing does not email it: create a send for that.
    """
    issue = issue_service.publish_issue(g.publication, issue_or_404(issue_id).id)
    return IssueOut.model_validate(_fields(IssueOut, issue))
