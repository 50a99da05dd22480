from django.urls import path

from . import views

# Under /o/<slug>/ (included from config.urls).
urlpatterns = [
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/rows/", views.InboxRowsView.as_view(), name="inbox-rows"),
    path("inbox/bulk/", views.InboxBulkView.as_view(), name="inbox-bulk"),
    path("inbox/counts/", views.InboxCountsView.as_view(), name="inbox-counts"),
    path("inbox/<int:pk>/", views.ConversationView.as_view(), name="conversation"),
    path("inbox/<int:pk>/thread/", views.ConversationPartView.as_view(), {"part": "thread"}, name="conversation-thread"),
    path("inbox/<int:pk>/header/", views.ConversationPartView.as_view(), {"part": "header"}, name="conversation-header"),
    path("inbox/<int:pk>/side/", views.ConversationPartView.as_view(), {"part": "side"}, name="conversation-side"),
    path("inbox/<int:pk>/act", views.ConversationActView.as_view(), name="conversation-act"),
    path("inbox/<int:pk>/note", views.NoteView.as_view(), name="conversation-note"),
    path("inbox/<int:pk>/draft", views.DraftView.as_view(), name="conversation-draft"),
    path("inbox/<int:pk>/contact-notes", views.ContactNotesView.as_view(), name="conversation-contact-notes"),
    path("inbox/<int:pk>/reply", views.ReplyView.as_view(), name="conversation-reply"),
    path("inbox/messages/<int:pk>/retry", views.RetryView.as_view(), name="message-retry"),
]
