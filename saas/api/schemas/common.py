"""Pieces every resource's schemas use: problems, field rules, strings that must hold text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from wtforms.validators import ValidationError

from saas.core.validators import EmailAddress, WebUrl

# Ids are PostgreSQL integers; anything past this cannot name a row.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class _Field:
    """What a WTForms validator reads and writes: the value as `data`."""

    def __init__(self, data: str) -> None:
        self.data = data


def form_rule(validator: Callable[[Any, Any], None]) -> AfterValidator:
    """A dashboard form's validator as a pydantic check (same rule, same message)."""

    def check(value: str) -> str:
        field = _Field(value)
        try:
            validator(None, field)
        except ValidationError as exc:
            raise ValueError(str(exc)) from exc
        return field.data

    return AfterValidator(check)


EmailText = Annotated[
    str,
    Field(max_length=254, json_schema_extra={"format": "email"}),
    form_rule(EmailAddress()),
]
WebAddress = Annotated[
    str,
    Field(max_length=500, json_schema_extra={"format": "uri"}),
    form_rule(WebUrl()),
]


def text(max_length: int, **field: Any) -> Any:
    """A string that must hold something besides spaces (trimmed), at most `max_length`."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length),
        Field(**field),
    ]


class InputModel(BaseModel):
    """A request body: unknown members are refused, so a misspelt field is not ignored."""

    model_config = ConfigDict(extra="forbid")


class FieldError(BaseModel):
    """One field at fault in a validation problem."""

    field: str = Field(description="The field, as a dotted path: `email`, `tags.0`.")
    detail: str


class Problem(BaseModel):
    """An RFC 9457 problem: every error the API returns (as application/problem+json)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI naming the kind of problem, or about:blank.")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The path of the request that failed.")
    errors: list[FieldError] | None = Field(
        default=None, description="For validation problems: each field at fault."
    )


# A page of a numbered list (issues, sends): 1 is the first; past the last, the last is shown.
PageNumber = Annotated[int, Field(ge=1, le=1_000_000, description="Page to show, from 1.")]


class PageInfo(BaseModel):
    """Where a numbered page sits: its number, how many pages there are, how many items."""

    page: int
    pages: int
    total: int
