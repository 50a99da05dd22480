from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, PEOPLE, seed_people


class Command(BaseCommand):
    help = "Create (or refresh) the demo organization with one user per role. Safe to run twice."

    def handle(self, *args, **options):
        people = seed_people()
        for seeder in _app_seeders():
            seeder(people)
        self.stdout.write(self.style.SUCCESS(f"Demo organization “{people.organization.name}” is ready."))
        self.stdout.write(f"Log in with any of these (password for all: {DEMO_PASSWORD}):")
        for email, full_name, role, _language in PEOPLE:
            self.stdout.write(f"  {email:<28} {role.label} ({full_name})")


def _app_seeders():
    """Each app that has demo data exposes `demo.seed(people)`; imported here to keep accounts first."""
    import importlib

    seeders = []
    for app in ("inbox", "crisis", "playbooks"):
        try:
            module = importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"{app}.demo":
                raise
            continue
        seeders.append(module.seed)
    return seeders
