"""Offboarding pages. Each view checks a capability and the scope, then calls a selector or a service:
the cases board, a case, closing a line, my tasks, device check-in and the export (cases.py); the templates
(templates.py); a person's access, the exit survey and alumni (people.py); the pages a signed link opens
without signing in (links.py)."""
