from django.urls import path

from ordna.reviews import views

app_name = "reviews"
urlpatterns = [
    path("suppliers/<int:pk>/", views.supplier_detail, name="supplier_detail"),
    path("reviews/", views.review_list, name="list"),
    path("reviews/add/", views.review_add, name="add"),
    path("reviews/<int:pk>/", views.review_detail, name="detail"),
    path("reviews/<int:pk>/edit/", views.review_edit, name="edit"),
    path("reviews/<int:pk>/agenda.pdf", views.review_pdf_view, name="pdf"),
    path("reviews/<int:pk>/invitation.ics", views.review_ics_view, name="ics"),
    path("reviews/<int:pk>/actions/", views.action_add, name="action_add"),
    path("actions/<int:pk>/close/", views.action_close, name="action_close"),
]
