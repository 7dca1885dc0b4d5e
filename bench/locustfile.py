"""The load scenario of `make load` (bench/load.py starts the server and runs this): county
bureaus entering their monthly report and uploading it, city users reading dashboards and
downloading exports, all on the 营口 demo with an open December 2017 report per county.

Every response is checked: a status other than 200 (or the redirect a save answers with) and
a page without what it should show are failures. A save refused because somebody else saved
the same line first is the application doing its job (optimistic locking), not a failure.
"""

import json
import os
import random
from html.parser import HTMLParser

from locust import HttpUser, between, task

PASSWORD = "gaibo-demo"
COUNTIES = {"gaizhou": "210881", "dashiqiao": "210882"}


class FormFields(HTMLParser):
    """The fields of the HTML forms of a page, by form: [{name: value}] in page order."""

    def __init__(self):
        super().__init__()
        self.forms, self._select, self._textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif not self.forms or "name" not in attrs or "disabled" in attrs:
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "button", "file"):
                self.forms[-1][attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self._select = attrs["name"]
            self.forms[-1].setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.forms[-1][self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.forms[-1][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1][self._textarea] += data


def forms_of(html: str) -> list[dict]:
    parser = FormFields()
    parser.feed(html)
    return parser.forms


class Signed(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    usernames: tuple = ()

    def on_start(self):
        self.username = random.choice(self.usernames)
        page = self.client.get("/login/", name="login page")
        token = forms_of(page.text)[-1]["csrfmiddlewaretoken"]
        with self.client.post(
            "/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="login",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login of {self.username} refused: {response.status_code}")

    def check(self, response, *needles):
        missing = [needle for needle in needles if needle not in response.text]
        if response.status_code != 200:
            response.failure(f"status {response.status_code} {response.error or ''}".strip())
        elif missing:
            response.failure(f"page without {missing}")
        else:
            response.success()


class County(Signed):
    """A county education bureau entering and uploading its open monthly report."""

    weight = 3
    usernames = tuple(COUNTIES)

    def on_start(self):
        super().on_start()
        self.report_url = json.loads(os.environ["LOAD_REPORT_URLS"])[self.username]

    @task(4)
    def enter_a_line(self):
        with self.client.get(
            self.report_url, name="report entry page", catch_response=True
        ) as page:
            self.check(page, "form-TOTAL_FORMS")
        fields = next((form for form in forms_of(page.text) if "form-TOTAL_FORMS" in form), None)
        if fields is None:
            return
        rows = int(fields["form-TOTAL_FORMS"])
        row = random.randrange(rows)
        fields[f"form-{row}-remark"] = f"{self.username} 负载测试 {random.randrange(10**6)}"
        # Saved, or refused because somebody saved the line first (told, nothing lost): both
        # answer with the entry page.
        with self.client.post(
            self.report_url, fields, name="report entry save", catch_response=True
        ) as response:
            self.check(response, "form-TOTAL_FORMS")

    @task(1)
    def upload_the_report(self):
        import_url = f"{self.report_url}import/"
        with self.client.get(
            f"{import_url}?template=1", name="report import template", catch_response=True
        ) as sheet:
            if sheet.status_code != 200 or not sheet.content.startswith(b"PK"):
                sheet.failure(f"no .xlsx: {sheet.status_code} {sheet.error or ''}")
                return
        page = self.client.get(import_url, name="report import page")
        token = forms_of(page.text)[-1]["csrfmiddlewaretoken"]
        with self.client.post(
            import_url,
            {"csrfmiddlewaretoken": token},
            files={"file": ("report.xlsx", sheet.content)},
            name="report import preview",
            catch_response=True,
        ) as response:
            self.check(response, "report.xlsx")

    @task(1)
    def list_projects(self):
        with self.client.get("/projects/", name="project list", catch_response=True) as page:
            self.check(page, "<table")


class City(Signed):
    """The city bureau (and the province) reading dashboards and downloading exports."""

    weight = 2
    usernames = ("yingkou", "province")

    @task(4)
    def dashboard(self):
        with self.client.get(
            "/dashboard/?district=210800", name="city dashboard", catch_response=True
        ) as page:
            self.check(page, "<svg")

    @task(2)
    def county_dashboard(self):
        code = random.choice(list(COUNTIES.values()))
        with self.client.get(
            f"/dashboard/?district={code}", name="county dashboard", catch_response=True
        ) as page:
            self.check(page, "<svg")

    @task(2)
    def json(self):
        with self.client.get(
            "/dashboard/api/?district=210800", name="dashboard JSON", catch_response=True
        ) as response:
            self.check(response, '"headline"')

    @task(1)
    def exports(self):
        for url, name in (
            ("/dashboard/dashboard.xlsx?district=210800", "dashboard .xlsx"),
            ("/dashboard/bulletin.docx?district=210800", "bulletin .docx"),
            ("/funding/ledger.xlsx", "ledger .xlsx"),
        ):
            with self.client.get(url, name=name, catch_response=True) as response:
                if response.status_code != 200 or not response.content.startswith(b"PK"):
                    response.failure(f"status {response.status_code}, not a zip: {response.error}")
                else:
                    response.success()

    @task(1)
    def ledger(self):
        with self.client.get("/funding/", name="funds ledger", catch_response=True) as page:
            self.check(page, "<table")
