"""Account pages. Thin: forms validate, services write, templates show."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language
from django_otp import login as otp_login

from aissai.security.forms import ReauthForm
from aissai.security.reauth import record_reauthentication, require_recent_login, safe_next

from . import second_factor, services
from .demo import DEMO_PASSWORD, DEMO_USERS
from .forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    ResendVerificationForm,
    SecondFactorForm,
    SecondFactorSetupForm,
    SetPasswordForm,
    SignupForm,
)
from .personal_data import export_personal_data
from .tokens import user_for_verification_token, verify_max_age

DEMO_ROLE_LABELS = {
    "staff": _("Programme staff"),
    "applicant": _("Applicant"),
    "reviewer": _("Expert reviewer"),
    "correspondent": _("Institute correspondent"),
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
        services.request_sign_up(
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
        services.request_verification(email=form.cleaned_data["email"])
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


@login_not_required
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """The same answer, after the same work, whether or not the address has an account."""
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_password_reset(email=form.cleaned_data["email"])
        return redirect("accounts:password_reset_sent")
    return render(request, "accounts/password_reset.html", {"form": form})


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


# Re-authentication before sensitive actions (aissai.security.reauth).


def reauth_page(
    request: HttpRequest,
    *,
    next_url: str,
    resubmit: bool = False,
    form: ReauthForm | None = None,
    status: int = 200,
) -> HttpResponse:
    form = form or ReauthForm(
        initial={"next": next_url}, ask_code=second_factor.has_second_factor(request.user)
    )
    context = {
        "form": form,
        "next": next_url,
        "resubmit": resubmit,
        "cancel_url": next_url if resubmit else resolve_url(settings.LOGIN_REDIRECT_URL),
    }
    return render(request, "accounts/reauth.html", context, status=status)


@require_http_methods(["GET", "POST"])
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """The password again; failures count towards the login lockout (django-axes)."""
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method != "POST":
        return reauth_page(request, next_url=next_url)
    ask_code = second_factor.has_second_factor(request.user)
    form = ReauthForm(request.POST, ask_code=ask_code)
    if form.is_valid():
        user = authenticate(
            request, username=request.user.email, password=form.cleaned_data["password"]
        )
        if user is None or user.pk != request.user.pk:
            form.add_error("password", gettext("This password is not right."))
            return reauth_page(request, next_url=next_url, form=form)
        device = None
        if ask_code:
            device = second_factor.check_second_factor(user=user, code=form.cleaned_data["code"])
            if device is None:
                form.add_error("code", gettext("This code is not right, or was already used."))
                return reauth_page(request, next_url=next_url, form=form)
        login(request, user)  # the login receiver stamps the time
        if device is not None:
            otp_login(request, device)
        # A cookie copied before this moment does not get the confirmed session.
        request.session.cycle_key()
        record_reauthentication(user=user)
        return redirect(next_url)
    return reauth_page(request, next_url=next_url, form=form)


# The second factor: setting up an authenticator app, and a code after the password.


@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """A QR code for the app; the first code from it saves it and shows recovery codes
    (once: only the page answering that POST shows them)."""
    user = request.user
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    pending = second_factor.pending(request)
    if second_factor.has_second_factor(user) and pending != second_factor.SETUP:
        if request.user.is_verified():
            return render(request, "accounts/two_factor_active.html", {"next": next_url})
        return redirect(f"{reverse('accounts:two_factor_verify')}?{urlencode({'next': next_url})}")
    key = second_factor.setup_key(request.session)
    form = SecondFactorSetupForm(request.POST or None, initial={"next": next_url})
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor.confirm_second_factor(
                user=user, key=key, code=form.cleaned_data["code"]
            )
        except second_factor.SecondFactorRefused:
            form.add_error(
                "code", gettext("This code is not right. Type the code the app shows now.")
            )
        else:
            otp_login(request, user.totpdevice_set.get(confirmed=True))
            request.session.pop(second_factor.SETUP_KEY, None)
            request.session.pop(second_factor.PENDING_KEY, None)
            return render(
                request, "accounts/two_factor_codes.html", {"codes": codes, "next": next_url}
            )
    context = {
        "form": form,
        "qr_code": second_factor.qr_code_svg(user, key),
        "readable_key": second_factor.readable_key(key),
        "required": second_factor.requires_second_factor(user),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The code after the password, for a person who has an authenticator app."""
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if second_factor.pending(request) != second_factor.VERIFY:
        return redirect(next_url)
    form = SecondFactorForm(request.POST or None, initial={"next": next_url})
    if request.method == "POST" and form.is_valid():
        device = second_factor.check_second_factor(
            user=request.user, code=form.cleaned_data["code"]
        )
        if device is not None:
            otp_login(request, device)
            request.session.pop(second_factor.PENDING_KEY, None)
            request.session.cycle_key()
            return redirect(next_url)
        form.add_error("code", gettext("This code is not right, or was already used."))
    return render(request, "accounts/two_factor_verify.html", {"form": form})


# Personal data: the page, and the download of everything held about the person.


@require_GET
@require_recent_login
def my_data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/my_data.html",
        {"retention_years": max(settings.AISSAI_RETENTION_DAYS // 365, 1)},
    )


@require_POST
@require_recent_login
def my_data_download(request: HttpRequest) -> HttpResponse:
    filename, content = export_personal_data(user=request.user)
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
