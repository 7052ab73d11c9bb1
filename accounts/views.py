from allauth.account.views import LoginView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.forms import NON_FIELD_ERRORS
from django.shortcuts import redirect, render

from accounts import services
from accounts.adapter import SignInLockedOut
from accounts.forms import ProfileForm


class SignInView(LoginView):
    """allauth's sign-in page, except that a locked-out attempt answers 429 with Retry-After."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        lockout = next(
            (error for error in form.errors.as_data().get(NON_FIELD_ERRORS, []) if isinstance(error, SignInLockedOut)),
            None,
        )
        if lockout is not None:
            response.status_code = 429
            response["Retry-After"] = str(lockout.retry_after)
        return response


sign_in = SignInView.as_view()


@login_required
def settings_profile(request):
    form = ProfileForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(
            request.user,
            display_name=form.cleaned_data["display_name"],
            bio=form.cleaned_data["bio"],
            avatar=form.cleaned_data["avatar"],
            remove_avatar=form.cleaned_data["remove_avatar"],
            avatar_size=settings.AVATAR_SIZE,
            **form.staff_changes,
        )
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:settings")
    return render(request, "accounts/settings_profile.html", {"form": form})
