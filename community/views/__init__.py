"""The community's pages, one module per area; urls.py reaches them through here."""

from community.views.lists import category_detail, home, tag_detail, unanswered
from community.views.posts import (
    accept,
    delete_post,
    edit_post,
    follow_category,
    follow_thread,
    helpful,
    idea_vote,
    me_too,
    post_actions,
    reply,
    revisions,
    set_status,
    unaccept,
    verify,
)
from community.views.search import search, similar_threads
from community.views.threads import post_context, replies_since, start_thread, thread_detail
from community.views.writing import mention_suggestions, preview, upload_attachment

__all__ = [
    "accept",
    "category_detail",
    "delete_post",
    "edit_post",
    "follow_category",
    "follow_thread",
    "helpful",
    "home",
    "idea_vote",
    "me_too",
    "mention_suggestions",
    "post_actions",
    "post_context",
    "preview",
    "replies_since",
    "reply",
    "revisions",
    "search",
    "set_status",
    "similar_threads",
    "start_thread",
    "tag_detail",
    "thread_detail",
    "unaccept",
    "unanswered",
    "upload_attachment",
    "verify",
]
