"""One module per page; each view takes (request, client, ...) through @dashboard_page."""
