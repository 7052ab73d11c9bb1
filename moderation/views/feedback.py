"""Contact the team: a member's conversations with the staff, and the staff inbox.

A conversation is seen by its member and by staff only; anyone else gets 404,
as if it did not exist, and anonymous visitors are sent to sign in.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from accounts.models import User
from community.forms import add_errors
from moderation import permissions
from moderation.member_forms import AssignForm, ConversationReplyForm, StartConversationForm
from moderation.models import Conversation
from moderation.screening import RateLimited
from moderation.services import feedback

PER_PAGE = 25
STATUS_FILTERS = {"open": "Open", "closed": "Closed", "all": "All"}
WHO_FILTERS = {"all": "Everyone's", "mine": "Assigned to me", "unassigned": "Unassigned"}


def _staff():
    return User.objects.filter(Q(is_staff_member=True) | Q(is_superuser=True), is_active=True).order_by("username")


@login_required
def conversations(request):
    mine = Conversation.objects.filter(member=request.user).select_related("sanction")
    page = Paginator(mine, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "moderation/conversations.html",
        {
            "page_obj": page,
            "conversations": page.object_list,
            "can_handle": permissions.can_handle_conversations(request.user),
        },
    )


@login_required
def start(request):
    form = StartConversationForm(request.POST or None)
    status, retry_after = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            conversation = feedback.start_conversation(request.user, **form.cleaned_data)
        except RateLimited as limited:
            add_errors(form, limited)
            status, retry_after = 429, limited.retry_after
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Your message is with the team. You'll get an email when they answer.")
            return redirect(conversation)
    if form.errors and status == 200:
        status = 400
    response = render(request, "moderation/start_conversation.html", {"form": form}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _conversation_for(request, pk) -> Conversation:
    conversation = get_object_or_404(
        Conversation.objects.select_related("member", "assignee", "sanction", "sanction__created_by"), pk=pk
    )
    if not permissions.can_view_conversation(request.user, conversation):
        raise Http404("No such conversation")
    return conversation


@login_required
def conversation(request, pk):
    conversation = _conversation_for(request, pk)
    handles = permissions.can_handle_conversations(request.user)
    reply_form = ConversationReplyForm()
    assign_form = AssignForm(staff=_staff(), initial={"assignee": conversation.assignee}) if handles else None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "reply")
        if action in ("assign", "status") and not handles:
            raise PermissionDenied("Only staff can assign, open or close conversations.")
        if action == "assign":
            assign_form = AssignForm(request.POST, staff=_staff())
            if assign_form.is_valid():
                assignee = assign_form.cleaned_data["assignee"]
                feedback.assign_conversation(request.user, conversation=conversation, assignee=assignee)
                messages.success(request, f"Assigned to {assignee.name}." if assignee else "Nobody is assigned now.")
                return redirect(conversation)
        elif action == "status":
            try:
                feedback.set_conversation_status(
                    request.user, conversation=conversation, status=request.POST.get("status", "")
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            return redirect(conversation)
        else:
            reply_form = ConversationReplyForm(request.POST)
            if reply_form.is_valid():
                try:
                    feedback.reply_to_conversation(
                        request.user, conversation=conversation, body=reply_form.cleaned_data["body"]
                    )
                except ValidationError as error:
                    add_errors(reply_form, error)
                else:
                    done = "Your reply is sent." + (" The member gets it by email too." if handles else "")
                    messages.success(request, done)
                    return redirect(f"{conversation.get_absolute_url()}#reply")
        status = 400
    return render(
        request,
        "moderation/conversation.html",
        {
            "conversation": conversation,
            "thread_messages": conversation.messages.select_related("author"),
            "reply_form": reply_form,
            "assign_form": assign_form,
            "handles": handles,
            "is_appeal": conversation.sanction_id is not None,
        },
        status=status,
    )


@login_required
def inbox(request):
    if not permissions.can_handle_conversations(request.user):
        raise PermissionDenied("Only staff can read the team's inbox.")
    status = request.GET.get("status", "open")
    status = status if status in STATUS_FILTERS else "open"
    who = request.GET.get("who", "all")
    who = who if who in WHO_FILTERS else "all"
    scope = Conversation.objects.all()
    if who == "mine":
        scope = scope.filter(assignee=request.user)
    elif who == "unassigned":
        scope = scope.filter(assignee=None)
    counts = scope.aggregate(
        open=Count("pk", filter=Q(status=Conversation.Status.OPEN)),
        closed=Count("pk", filter=Q(status=Conversation.Status.CLOSED)),
        all=Count("pk"),
    )
    listed = scope if status == "all" else scope.filter(status=status)
    listed = listed.select_related("member", "assignee", "sanction")
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "moderation/inbox.html",
        {
            "page_obj": page,
            "conversations": page.object_list,
            "status": status,
            "who": who,
            "status_tabs": [(key, label, counts[key]) for key, label in STATUS_FILTERS.items()],
            "who_tabs": list(WHO_FILTERS.items()),
        },
    )
