"""Support in the API: questions, effort, the knowledge base, workload and insight (questions.py), skills
surveys and wishes (surveys.py), under one router tagged "support"."""

from ninja import Router

from ordna.support.api import questions, surveys

router = Router(tags=["support"])
router.add_router("", questions.router)
router.add_router("", surveys.router)
