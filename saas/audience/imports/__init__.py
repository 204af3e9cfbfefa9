"""Readers in bulk: CSV imports from other platforms, and CSV exports of the list.

uploads (accept a file, queue the job, find and run it), formats (decoding, delimiter,
header), layouts (which platform's export a file is), records (one row as a Record),
addresses (the checks that reject a row), run (one pass of the job), bulk_insert (writing a
checked chunk), progress (what the job shows of itself), exports (spreadsheet-safe CSV),
views and forms (the dashboard pages). The model, SubscriberImport, is in audience.models.
"""
