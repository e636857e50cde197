"""Renderers: the domain's results as text, Markdown or HTML (crm/services/ never prints)."""
