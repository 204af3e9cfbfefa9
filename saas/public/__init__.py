"""Readers' pages: a publication's home, archive, issues, feeds and sitemap."""
