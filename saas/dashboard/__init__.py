"""The practitioner's dashboard."""
