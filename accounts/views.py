from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from . import selectors, services
from .forms import EmailAuthenticationForm, TeamForm
from .models import Team
from .roles import Permission
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
