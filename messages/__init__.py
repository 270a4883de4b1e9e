"""Everything a user reads: jinja2 templates per language, rendered to Block Kit and plain text."""
