"""manage.py generate_province: a synthetic province for load tests (dashboard/synthetic.py)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from dashboard.synthetic import DEFAULT_CODE, Scale, SyntheticError, generate


def year_month(value: str) -> tuple[int, int]:
    try:
        day = datetime.datetime.strptime(value, "%Y-%m")
    except ValueError as error:
        raise CommandError(f"--end is YYYY-MM, not {value!r}") from error
    return day.year, day.month


class Command(BaseCommand):
    help = (
        "Generate a synthetic province (合成省) with cities, counties, schools, capacity-building "
        "projects, their money and M months of monthly reports with their totals, by bulk "
        "inserts. Defaults: the full scale, 100 counties × 100 schools × 4 projects, 24 months "
        "ending 2025-12. Refused if the province code exists already."
    )

    def add_arguments(self, parser):
        defaults = Scale()
        parser.add_argument(
            "--counties", type=int, default=defaults.counties, help="default %(default)s"
        )
        parser.add_argument(
            "--schools-per-county",
            type=int,
            default=defaults.schools_per_county,
            help="default %(default)s",
        )
        parser.add_argument(
            "--projects-per-school",
            type=int,
            default=defaults.projects_per_school,
            help="on average (default %(default)s): a county has schools × this many projects "
            "over its eligible schools",
        )
        parser.add_argument(
            "--months",
            type=int,
            default=defaults.months,
            help="monthly reports of this many months, ending with --end (default %(default)s)",
        )
        parser.add_argument("--cities", type=int, default=None, help="default: one per 10 counties")
        parser.add_argument(
            "--end",
            type=year_month,
            default=defaults.end,
            help="the last reported month, YYYY-MM (default 2025-12)",
        )
        parser.add_argument(
            "--seed", type=int, default=defaults.seed, help="the same seed, the same data"
        )
        parser.add_argument("--code", default=DEFAULT_CODE, help="the province code, NN0000")
        parser.add_argument(
            "--user-prefix",
            default=defaults.user_prefix,
            help="the users <prefix>_province, <prefix>_city, <prefix>_county",
        )
        parser.add_argument("--password", default=defaults.password)

    def handle(self, *args, **options):
        scale = Scale(
            counties=options["counties"],
            schools_per_county=options["schools_per_county"],
            projects_per_school=options["projects_per_school"],
            months=options["months"],
            cities=options["cities"],
            end=options["end"],
            seed=options["seed"],
            code=options["code"],
            user_prefix=options["user_prefix"],
            password=options["password"],
        )
        try:
            result = generate(scale, log=self.stdout.write)
        except SyntheticError as error:
            raise CommandError(str(error)) from error
        users = ", ".join(scale.usernames.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.province.name} {result.province.code}: {result.seconds:.1f} s. "
                f"Users {users} (password {scale.password}); the city dashboard: "
                f"/dashboard/?district={result.city.code}&month={scale.end[0]}-{scale.end[1]:02d}"
            )
        )
