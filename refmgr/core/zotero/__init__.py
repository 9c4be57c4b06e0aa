"""Two-way sync with Zotero libraries and groups over the Zotero Web API v3."""
