"""Writing helpers: preview, mention suggestions, image uploads."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from community import selectors
from community.forms import AttachmentForm
from community.rendering import render_markdown
from community.services import attachments


@login_required
@require_POST
def preview(request):
    body = request.POST.get("body", "")[:50_000]
    rendered = render_markdown(body)
    return render(request, "community/partials/preview.html", {"rendered": rendered, "empty": not body.strip()})


@login_required
@require_safe
def mention_suggestions(request):
    return JsonResponse({"members": selectors.mention_candidates(request.GET.get("q", "")[:30])})


@login_required
@require_POST
def upload_attachment(request):
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        attachment = attachments.upload_attachment(request.user, image=form.cleaned_data["image"])
    except ValidationError as error:
        return JsonResponse({"errors": {"image": [{"message": m} for m in error.messages]}}, status=400)
    return JsonResponse({"url": attachment.file.url, "markdown": f"![image]({attachment.file.url})"}, status=201)
