"""Account pages. Thin: forms validate, services write, templates show."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language as django_set_language

from . import services
from .demo import DEMO_PASSWORD, DEMO_USERS
from .forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    ResendVerificationForm,
    SetPasswordForm,
    SignupForm,
)
from .tokens import user_for_verification_token, verify_max_age

DEMO_ROLE_LABELS = {
    "staff": _("Programme staff"),
    "applicant": _("Applicant"),
    "reviewer": _("Expert reviewer"),
    "admin": _("Administrator"),
}


def demo_logins() -> list[dict[str, str]]:
    """The demo accounts, for the login page of the embedded mode only."""
    if settings.PRODUCTION:
        return []
    return [
        {"role": DEMO_ROLE_LABELS.get(key, key.replace("_", " ").capitalize()), "email": email}
        for key, email, *_rest in DEMO_USERS
    ]


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["demo_logins"] = demo_logins()
        context["demo_password"] = DEMO_PASSWORD if context["demo_logins"] else ""
        return context


@login_not_required
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None, initial={"language": translation.get_language()})
    if request.method == "POST" and form.is_valid():
        services.sign_up(
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            language=form.cleaned_data["language"],
            password=form.cleaned_data["password1"],
        )
        return redirect("accounts:signup_sent")
    return render(request, "accounts/signup.html", {"form": form})


@login_not_required
def signup_sent(request: HttpRequest) -> HttpResponse:
    """The same page whether or not the address already had an account."""
    return render(
        request,
        "accounts/signup_sent.html",
        {"valid_days": verify_max_age() // 86400, "resend_form": ResendVerificationForm()},
    )


@login_not_required
def resend_verification(request: HttpRequest) -> HttpResponse:
    form = ResendVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.resend_verification(email=form.cleaned_data["email"])
        messages.info(
            request,
            gettext(
                "If an account with this address is waiting for verification, we have sent "
                "it a new link. Check your inbox, and your spam folder."
            ),
        )
        return redirect("accounts:login")
    return render(request, "accounts/resend_verification.html", {"form": form})


@login_not_required
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirmation button (mail scanners follow links); POST verifies."""
    user = user_for_verification_token(token)
    if user is None:
        return render(request, "accounts/verify_invalid.html", status=400)
    if request.method == "POST":
        if not services.verify_email(user=user):
            return render(request, "accounts/verify_invalid.html", status=400)
        messages.success(request, gettext("Your e-mail address is verified. You can log in now."))
        return redirect("accounts:login")
    return render(request, "accounts/verify_confirm.html", {"verified_user": user})


def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(
            user=user,
            full_name=form.cleaned_data["full_name"],
            language=form.cleaned_data["language"],
            orcid=form.cleaned_data["orcid"],
        )
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
        messages.success(request, gettext("Your profile is saved."))
        return set_language_cookie(redirect("accounts:profile"), user.language)
    return render(request, "accounts/profile.html", {"form": form})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, gettext("Your password is changed."))
        return response


password_reset = auth_views.PasswordResetView.as_view(
    form_class=PasswordResetForm,
    template_name="accounts/password_reset.html",
    success_url=reverse_lazy("accounts:password_reset_sent"),
)
password_reset_sent = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_sent.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    form_class=SetPasswordForm,
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


def set_language_cookie(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@login_not_required
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch; for a logged-in person the choice is also saved on the
    account, so that mails follow it."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and request.user.is_authenticated:
        services.set_preferred_language(user=request.user, language=language)
    return response
