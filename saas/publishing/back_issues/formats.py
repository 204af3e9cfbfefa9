"""Every format's reader, by name: the one entry point from a stored file to its posts."""

from __future__ import annotations

from collections.abc import Callable

from saas.publishing.back_issues import feeds, ghost, substack_zip, wordpress
from saas.publishing.back_issues.sources import (
    FEED,
    GHOST,
    SUBSTACK,
    WORDPRESS,
    Post,
    SourceRefused,
    in_original_order,
)

READERS: dict[str, Callable[[bytes, object], list[Post]]] = {
    SUBSTACK: substack_zip.read_posts,
    FEED: feeds.read_posts,
    WORDPRESS: wordpress.read_posts,
    GHOST: ghost.read_posts,
}


def read_posts(source_format: str, content: bytes, publication) -> list[Post]:
    """Every post of the file in original order; raises SourceRefused."""
    posts = READERS[source_format](content, publication)
    if not posts:
        raise SourceRefused("The file holds no posts.")
    seen: set[str] = set()
    unique = []
    for post in posts:
        if post.source_key not in seen:
            seen.add(post.source_key)
            unique.append(post)
    return in_original_order(unique)
