from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView, View

from . import notifications, selectors, services
from .forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    EmailAuthenticationForm,
    InvitationForm,
    PasswordResetRequestForm,
    ProfileForm,
    TeamForm,
)
from .models import ApiToken, Invitation, Membership, Team, User
from .roles import Permission, Role
from .tenancy import OrganizationPageMixin, access_by_id


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def home(request):
    """Where a login lands: the only organization, or the choice between several."""
    memberships = list(selectors.memberships_of(user=request.user))
    if len(memberships) == 1:
        return redirect("organization-home", organization_slug=memberships[0].organization.slug)
    return render(request, "accounts/choose_organization.html", {"memberships": memberships})


class OrganizationHomeView(OrganizationPageMixin, View):
    """An organization's address opens its inbox (after the membership check)."""

    def get(self, request, *args, **kwargs):
        return redirect("inbox", organization_slug=self.organization.slug)


class TeamListView(OrganizationPageMixin, TemplateView):
    template_name = "accounts/team_list.html"
    write_permission = Permission.MANAGE_TEAMS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["teams"] = selectors.team_list(organization=self.organization)
        context["form"] = kwargs.get("form") or TeamForm()
        return context

    def post(self, request, *args, **kwargs):
        form = TeamForm(request.POST)
        if form.is_valid():
            try:
                services.team_create(organization=self.organization, **form.cleaned_data)
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                messages.success(request, _("Team created."))
                return redirect("team-list", organization_slug=self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form))


class TeamDetailView(OrganizationPageMixin, TemplateView):
    template_name = "accounts/team_detail.html"
    write_permission = Permission.MANAGE_TEAMS

    def get_team(self) -> Team:
        return access_by_id(Team.objects, organization=self.organization, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        team = kwargs.get("team") or self.get_team()
        context["team"] = team
        context["members"] = selectors.organization_members(organization=self.organization)
        context["team_member_ids"] = set(team.members.values_list("pk", flat=True))
        return context

    def post(self, request, *args, **kwargs):
        team = self.get_team()
        if request.POST.get("action") == "delete":
            services.team_delete(team=team)
            messages.success(request, _("Team removed."))
            return redirect("team-list", organization_slug=self.organization.slug)
        member_ids = request.POST.getlist("members")
        members = [m.user for m in selectors.organization_members(organization=self.organization) if str(m.user_id) in member_ids]
        # The same rules as creating a team (lengths that fit the columns); a field left out keeps its value.
        form = TeamForm({"name": request.POST.get("name") or team.name,
                         "description": request.POST.get("description", team.description)})
        if not form.is_valid():
            messages.error(request, " ".join(problem for problems in form.errors.values() for problem in problems))
            return redirect("team-detail", organization_slug=self.organization.slug, pk=team.pk)
        try:
            services.team_update(team=team, name=form.cleaned_data["name"],
                                 description=form.cleaned_data["description"], members=members)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Team saved."))
        return redirect("team-detail", organization_slug=self.organization.slug, pk=team.pk)


# --- Members, invitations, API tokens (admins) ------------------------------------------------


def _site_url(request) -> str:
    return request.build_absolute_uri("/")


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


class MemberListView(OrganizationPageMixin, TemplateView):
    template_name = "accounts/member_list.html"
    permission = Permission.MANAGE_MEMBERS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = selectors.organization_members(organization=self.organization)
        context["invitations"] = selectors.pending_invitations(organization=self.organization)
        context["form"] = kwargs.get("form") or InvitationForm()
        context["roles"] = Role.choices
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "revoke-invitation":
            invitation = access_by_id(Invitation.objects, organization=self.organization, pk=request.POST.get("invitation"))
            services.invitation_revoke(invitation=invitation)
            messages.success(request, _("Invitation withdrawn: its link no longer works."))
            return redirect("member-list", organization_slug=self.organization.slug)
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                invitation = services.member_invite(organization=self.organization, invited_by=request.user,
                                                    site_url=_site_url(request), **form.cleaned_data)
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
                return redirect("member-list", organization_slug=self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class MemberDetailView(OrganizationPageMixin, TemplateView):
    """One member: change the role, send a password-reset e-mail, or remove (after confirming)."""

    template_name = "accounts/member_detail.html"
    permission = Permission.MANAGE_MEMBERS

    def get_membership(self) -> Membership:
        membership = access_by_id(Membership.objects, organization=self.organization, pk=self.kwargs["pk"])
        return membership

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member = self.get_membership()
        context["member"] = member
        context["assigned_count"] = services.member_assigned_count(membership=member)
        context["roles"] = Role.choices
        return context

    def post(self, request, *args, **kwargs):
        member = self.get_membership()
        action = request.POST.get("action")
        back = redirect("member-detail", organization_slug=self.organization.slug, pk=member.pk)
        try:
            if action == "role":
                services.membership_change_role(membership=member, role=request.POST.get("role", ""))
                messages.success(request, _("%(name)s is now %(role)s.") % {
                    "name": member.user.display_name, "role": member.get_role_display()})
            elif action == "reset-password":
                services.password_reset_send(user=member.user, organization=self.organization,
                                             site_url=_site_url(request))
                messages.success(request, _("A password-reset e-mail was sent to %(email)s.") % {"email": member.user.email})
            elif action == "remove":
                returned = services.membership_remove(membership=member)
                messages.success(request, ngettext(
                    "%(name)s was removed; %(count)d conversation went back to the team.",
                    "%(name)s was removed; %(count)d conversations went back to the team.", returned,
                ) % {"name": member.user.display_name, "count": returned})
                return redirect("member-list", organization_slug=self.organization.slug)
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return back


class ApiTokenListView(OrganizationPageMixin, TemplateView):
    template_name = "accounts/token_list.html"
    permission = Permission.MANAGE_MEMBERS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tokens"] = selectors.api_tokens(organization=self.organization)
        context["form"] = kwargs.get("form") or ApiTokenForm()
        context["new_key"] = kwargs.get("new_key")
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "revoke":
            token = access_by_id(ApiToken.objects, organization=self.organization, pk=request.POST.get("token"))
            services.api_token_revoke(token=token)
            messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
            return redirect("token-list", organization_slug=self.organization.slug)
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                _token, key = services.api_token_create(organization=self.organization, user=request.user,
                                                        **form.cleaned_data)
            except ValidationError as error:
                _form_errors(form, error)
            else:
                # Shown on this answer only: the key is not stored, and reloading does not show it again.
                response = self.render_to_response(self.get_context_data(form=ApiTokenForm(), new_key=key))
                response["Cache-Control"] = "no-store"
                return response
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Invitations, password reset and profile (outside any organization) --------------------------


class InvitationAcceptView(View):
    template_name = "accounts/invitation_accept.html"

    def _render(self, request, *, invitation=None, form=None, error=None, status=200):
        existing = invitation is not None and User.objects.filter(email__iexact=invitation.email).exists()
        return render(request, self.template_name, {
            "invitation": invitation, "form": form or AcceptInvitationForm(), "error": error,
            "has_account": existing}, status=status)

    def get(self, request, token):
        try:
            invitation = services.invitation_for_token(token)
        except ValidationError as error:
            return self._render(request, error=" ".join(error.messages), status=410)
        return self._render(request, invitation=invitation)

    def post(self, request, token):
        try:
            invitation = services.invitation_for_token(token)
        except ValidationError as error:
            return self._render(request, error=" ".join(error.messages), status=410)
        form = AcceptInvitationForm(request.POST)
        if not form.is_valid():
            return self._render(request, invitation=invitation, form=form, status=400)
        has_account = User.objects.filter(email__iexact=invitation.email).exists()
        try:
            user, membership = services.invitation_accept(token=token, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
            return self._render(request, invitation=invitation, form=form, status=400)
        if has_account and request.user != user:
            # Someone who already has an account proves it with their own password.
            messages.success(request, _("You joined %(organization)s. Log in to start.") % {
                "organization": membership.organization.name})
            return redirect("login")
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to %(organization)s.") % {"organization": membership.organization.name})
        return redirect("organization-home", organization_slug=membership.organization.slug)


PASSWORD_RESETS_PER_ADDRESS = 5  # per hour, per network address
PASSWORD_RESETS_PER_ACCOUNT = 3  # per hour, per e-mail address (silently: the page never says)


class PasswordResetView(auth_views.PasswordResetView):
    """Forgot password: the same answer whether or not the address has an account."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    form_class = PasswordResetRequestForm

    def form_valid(self, form):
        address = self.request.META.get("REMOTE_ADDR", "")
        if not _under_limit(f"reset-ip:{address}", PASSWORD_RESETS_PER_ADDRESS):
            form.add_error(None, _("Too many password-reset requests from here. Try again in an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        email = form.cleaned_data["email"].lower()
        if not _under_limit(f"reset-email:{services.digest(email)}", PASSWORD_RESETS_PER_ACCOUNT):
            return redirect(self.get_success_url())
        return super().form_valid(form)


def _under_limit(key: str, limit: int) -> bool:
    key = f"throttle:{key}"
    try:
        cache.add(key, 0, timeout=3600)
        return cache.incr(key) <= limit
    except Exception:  # noqa: BLE001 - the counters live in Redis: an outage must not block resets
        return True


class ProfileView(LoginRequiredMixin, TemplateView):
    """A person's own settings: name, language and time zone (every time shown follows it)."""

    template_name = "accounts/profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or ProfileForm(instance=self.request.user)
        return context

    def post(self, request, *args, **kwargs):
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            services.profile_update(user=request.user, **form.cleaned_data)
            translation.activate(request.user.language or translation.get_language())
            messages.success(request, _("Profile saved."))
            return HttpResponseRedirect(_local_path(request, request.POST.get("next", ""), reverse("profile")))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LanguageView(LoginRequiredMixin, View):
    """The user menu's language switcher: saved to the profile, back to the page it came from."""

    def post(self, request):
        language = request.POST.get("language", "")
        if language not in dict(settings.LANGUAGES):
            messages.error(request, _("Unknown language."))
        else:
            services.profile_update(user=request.user, language=language)
            translation.activate(language)
        return HttpResponseRedirect(_local_path(request, request.POST.get("next", ""), reverse("home")))


def _local_path(request, next_url: str, default: str) -> str:
    """Back to a page of this site only (an absolute path), else the default."""
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return next_url
    return default
class NotificationsView(OrganizationPageMixin, View):
    """The header's notification centre: GET lists the latest (a fragment the header opens),
    POST marks them read (`ids` as "1,2,3", or none for all)."""

    def get(self, request, *args, **kwargs):
        return render(request, "accounts/_notifications.html", {
            "notifications": notifications.notifications_for(organization_id=self.organization.pk, user=request.user),
        })

    def post(self, request, *args, **kwargs):
        raw = (request.POST.get("ids") or "").strip()
        try:
            ids = [int(value) for value in raw.split(",") if value.strip()] if raw else None
        except ValueError:
            return HttpResponse(_("Use notification ids separated by commas."), status=400,
                                content_type="text/plain; charset=utf-8")
        notifications.notifications_mark_read(organization_id=self.organization.pk, user=request.user, ids=ids)
        unread = notifications.unread_count(organization_id=self.organization.pk, user=request.user)
        return JsonResponse({"unread": unread})
