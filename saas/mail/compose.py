"""Render `email/<name>/{subject.txt, body.txt, body.html}` into a complete EmailMessage."""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

import css_inline
from flask import current_app, render_template

# Anything that could end a header line, plus other control characters.
_UNSAFE_HEADER_CHARS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def header_safe(value: str) -> str:
    """Collapse line breaks and control characters so a value can never start a new header."""
    return _UNSAFE_HEADER_CHARS.sub(" ", value or "").strip()


def mailbox(display_name: str, email: str) -> Address:
    """An address with a display name made safe for a header."""
    local, _, domain = email.rpartition("@")
    return Address(display_name=header_safe(display_name), username=local, domain=domain)


def compose(template: str, to: str, to_name: str = "", **context: Any) -> EmailMessage:
    """Render a templated email for one recipient, with plaintext and inlined-CSS HTML parts."""
    subject = header_safe(render_template(f"email/{template}/subject.txt", **context))
    text = render_template(f"email/{template}/body.txt", **context)
    html = _inliner.inline(render_template(f"email/{template}/body.html", **context))
    from_name, from_email = parseaddr(current_app.config["MAIL_FROM"])
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = mailbox(context.get("from_name") or from_name, from_email)
    message["To"] = mailbox(to_name, to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=from_email.rpartition("@")[2] or "tend.localhost")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
