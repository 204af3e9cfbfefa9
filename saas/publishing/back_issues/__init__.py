"""Back issues: bring a practitioner's archive over from Substack, Ghost, WordPress or a feed.

sources (which format a file is, and the shared Post), substack_zip (the export zip, read
with size, path and zip-bomb checks), feeds (RSS/Atom through feedparser), wordpress (WXR
through defusedxml), ghost (the JSON export's html), bodies (a post's HTML sanitised by the
editor's allow-list and kept as the issue's source), images (re-hosting a post's images
through image storage, fetched by saas.core.outbound_http), run (preview, start, the job),
progress (what the job shows), redirects (old URLs -> the new issue pages, 301), views and
forms (the dashboard pages under settings). Models: BackIssueImport, BackIssueLink.

It sits in publishing because an imported post becomes an Issue (numbered, rendered and
stored as publishing does) and its images go through publishing's image storage; it uses
nothing above publishing. May import: saas.core, saas.publishing.
"""
