"""Substack's export zip: `posts.csv` and `posts/<post_id>.html`, read in memory with checks.

Nothing is extracted to disk. Before anything is read the archive's directory is checked:
no absolute or `..` paths, a bounded number of entries, and declared sizes under the caps;
each member is then read through a capped stream (declared sizes can lie), and the whole
is refused when it expands past the total cap or far beyond its packed size (a zip bomb).
"""

from __future__ import annotations

import csv
import io
import posixpath
import zipfile
from datetime import datetime

from saas.publishing.back_issues.sources import SUBSTACK, Post, SourceRefused, aware

MAX_ENTRIES = 20_000
MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 400 * 1024 * 1024
MAX_RATIO = 200  # expanded / packed, over the whole archive
PAID_AUDIENCES = {"only_paid", "founding"}


def _check_names(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise SourceRefused("The zip holds too many files to be a Substack export.")
    declared = 0
    for entry in entries:
        name = entry.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
            raise SourceRefused("The zip holds a file with an unsafe path; nothing was read.")
        declared += entry.file_size
        if entry.file_size > MAX_MEMBER_BYTES or declared > MAX_TOTAL_BYTES:
            raise SourceRefused("The zip expands to more than Tend reads; nothing was read.")
    return entries


class _Reader:
    """Reads members with a running budget, so the archive cannot expand without limit."""

    def __init__(self, archive: zipfile.ZipFile, packed_size: int) -> None:
        self.archive = archive
        self.budget = min(MAX_TOTAL_BYTES, max(packed_size, 1) * MAX_RATIO)

    def read(self, name: str) -> bytes:
        with self.archive.open(name) as member:
            data = member.read(min(MAX_MEMBER_BYTES, self.budget) + 1)
        if len(data) > min(MAX_MEMBER_BYTES, self.budget):
            raise SourceRefused("The zip expands to more than Tend reads (a zip bomb?).")
        self.budget -= len(data)
        return data


def _date(value: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def _truthy(value: str) -> bool:
    return (value or "").strip().lower() in {"true", "1", "yes", "t"}


def read_posts(content: bytes, publication) -> list[Post]:
    """The posts of a Substack export zip; raises SourceRefused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = _check_names(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise SourceRefused("The zip file is damaged or not a zip.") from exc
    with archive:
        names = {entry.filename for entry in entries}
        csv_name = next((n for n in sorted(names) if posixpath.basename(n) == "posts.csv"), None)
        if csv_name is None:
            raise SourceRefused("The zip has no posts.csv: is it Substack's export?")
        reader = _Reader(archive, len(content))
        try:
            table = reader.read(csv_name).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SourceRefused("posts.csv is not UTF-8 text.") from exc
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise SourceRefused("The zip file is damaged.") from exc
        folder = posixpath.dirname(csv_name)
        rows = list(csv.DictReader(io.StringIO(table)))
        if rows and "post_id" not in rows[0]:
            raise SourceRefused("posts.csv has no post_id column: is it Substack's export?")
        return [_post(row, names, folder, reader, publication) for row in rows]


def _post(row: dict, names: set[str], folder: str, reader: _Reader, publication) -> Post:
    post_id = (row.get("post_id") or "").strip()
    number, _, slug = post_id.partition(".")
    title = (row.get("title") or "").strip() or slug.replace("-", " ").capitalize()
    post = Post(
        source_key=f"{SUBSTACK}:{number or post_id}",
        title=title,
        html="",
        published_at=_date(row.get("post_date", "")),
        slug=slug,
        subtitle=(row.get("subtitle") or "").strip(),
        paid=(row.get("audience") or "").strip() in PAID_AUDIENCES,
        old_path=f"/p/{slug}" if slug else "",
    )
    domain = getattr(publication, "custom_domain", None)
    if domain and slug:
        # Substack's feed gives each item its address on the custom domain as its guid.
        post.feed_guid = f"https://{domain}/p/{slug}"
    if not _truthy(row.get("is_published", "")):
        post.skip_reason = "a draft on Substack (not published)"
        return post
    html_name = posixpath.join(folder, "posts", f"{post_id}.html")
    if html_name not in names:
        post.skip_reason = "no body in the export"
        return post
    try:
        post.html = reader.read(html_name).decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise SourceRefused("The zip file is damaged.") from exc
    return post
