"""The badge pages, which anyone may read, and the form staff give a badge with."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from community.forms import add_errors
from recognition import badge_selectors, badges, permissions
from recognition.badge_forms import GiveBadgeForm
from recognition.services.badges import give_badge
from recognition.views.shared import render_people, visitors_share

HOLDERS_PER_PAGE = 30
MAX_PAGE = 1000


def _badge_or_404(slug: str) -> badges.Badge:
    badge = badges.get(slug)
    if badge is None:
        raise Http404("No such badge")
    return badge


@require_safe
@visitors_share
def badge_list(request):
    """Every badge by tier, with how many members hold it, in one query."""

    def shared():
        counts = badge_selectors.holder_counts()
        tiers = [
            (tier, [(badge, counts.get(badge.slug, 0)) for badge in tier_badges])
            for tier, tier_badges in badges.by_tier()
        ]
        return {"tiers": tiers}

    return render_people(request, "recognition/badges.html", key="badges", shared=shared)


@require_safe
@visitors_share
def badge_detail(request, slug):
    """A badge's rule and who holds it, newest first, with the citation for the ones staff gave."""
    badge = _badge_or_404(slug)
    # Capped, so made-up page numbers can't fill the cache with copies of the last page.
    page_number = request.GET.get("page", "")
    page_number = min(int(page_number), MAX_PAGE) if page_number.isdigit() else 1

    def shared():
        page = Paginator(badge_selectors.badge_awards(badge.slug), HOLDERS_PER_PAGE).get_page(page_number)
        return {
            "badge": badge,
            "page_obj": page,
            "awards": page.object_list,
            "holders": badge_selectors.holder_counts().get(badge.slug, 0),
        }

    return render_people(
        request,
        "recognition/badge.html",
        key=f"badge:{badge.slug}:{page_number}",
        shared=shared,
        personal={"badge": badge, "can_give": badge.manual and permissions.can_give_badge(request.user)},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def give(request, slug):
    """Staff give a manual badge to a member, with a citation (recognition.services.badges.give_badge)."""
    if not permissions.can_give_badge(request.user):
        raise PermissionDenied("Only staff can give badges.")
    badge = _badge_or_404(slug)
    if not badge.manual:
        raise Http404("This badge is earned, not given")
    status = 200
    if request.method == "POST":
        form = GiveBadgeForm(request.POST)
        if form.is_valid():
            member = form.cleaned_data["member"]
            try:
                give_badge(request.user, member=member, badge=badge.slug, citation=form.cleaned_data["citation"])
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, f"@{member.username} has the “{badge.name}” badge, with your citation.")
                return redirect(badge.get_absolute_url())
        status = 400
    else:
        form = GiveBadgeForm(initial={"member": request.GET.get("member", "")[:30]})
    return render(request, "recognition/give_badge.html", {"badge": badge, "form": form}, status=status)
