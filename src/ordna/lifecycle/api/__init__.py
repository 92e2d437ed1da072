"""Offboarding in the API, under one router tagged "offboarding": cases, lines, my tasks and closing lines
(cases.py), leaver templates (templates.py), a person's access, the exit survey and alumni (people.py); the
schemas they share in schemas.py."""

from ninja import Router

from ordna.lifecycle.api import cases, people, templates

router = Router(tags=["offboarding"])
router.add_router("", cases.router)
router.add_router("", templates.router)
router.add_router("", people.router)
