"""Inbound mail over HTTP: the endpoint email providers forward readers' replies to."""
