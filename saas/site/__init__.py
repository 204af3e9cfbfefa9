"""Platform pages outside any publication: the landing page and the development outbox."""
