"""The load scenario of `make load` (bench/load.py starts the server and runs this), on the
营口 demo with an open December 2017 report per county:

- county education bureaus enter their report on the page and by Excel (template downloaded,
  a remark changed, uploaded, previewed and confirmed) and edit projects;
- county finance bureaus correct payments (the money the city dashboards sum);
- the city and the province read dashboards, JSON and exports.

Every response is checked. A write must come back saved (the page says so) or refused
because somebody saved the same record first, which the user is told: such refusals are
counted apart, as "TOLD" rows, and are the application doing its job (optimistic locking);
anything else, and any status but 200, is a failure.
"""

import io
import json
import os
import random
import re
from html.parser import HTMLParser

from locust import HttpUser, between, task

PASSWORD = "gaibo-demo"
COUNTIES = ("210881", "210882")


class FormFields(HTMLParser):
    """The fields of the HTML forms of a page, by form: [{name: value}] in page order."""

    def __init__(self):
        super().__init__()
        self.forms, self._select, self._textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif tag == "option" and self._select and "selected" in attrs:
            self.forms[-1][self._select] = attrs.get("value", "")
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

    def saved_or_told(self, response, saved: str, name: str):
        """A write is saved (the page says so) or refused because somebody saved the same
        record first, which the user is told (counted apart, as "TOLD"); anything else fails."""
        if response.status_code == 200 and (STALE in response.text or STALE_FILE in response.text):
            response.success()
            self.told(name)
        elif (
            response.status_code == 200 and saved in response.text and REFUSED not in response.text
        ):
            response.success()
        else:
            response.failure(f"neither saved nor told: status {response.status_code}")

    def told(self, name: str):
        self.environment.events.request.fire(
            request_type="TOLD",
            name=name,
            response_time=0,
            response_length=0,
            exception=None,
            context={},
        )

    def check(self, response, *needles):
        missing = [needle for needle in needles if needle not in response.text]
        if response.status_code != 200:
            response.failure(f"status {response.status_code} {response.error or ''}".strip())
        elif missing:
            response.failure(f"page without {missing}")
        else:
            response.success()


STALE = "在您打开页面后"  # "…saved this at …, after you opened the page" (gaibo.versions)
# "…saved this line at …, after the template was downloaded" (reports.imports)
STALE_FILE = "晚于模板下载时间"
STALE_PREVIEW = "预览之后数据已有变动"  # the figures changed after the preview
REFUSED = "行未保存"  # "… rows were not saved: see the messages in red"


def targets() -> dict:
    """What bench/load.py prepared: each county user's report, payments and projects."""
    return json.loads(os.environ["LOAD_TARGETS"])


class County(Signed):
    """A county education bureau entering its open monthly report (on the page and by Excel)
    and editing its projects."""

    weight = 3
    usernames = ("gaizhou", "dashiqiao")

    def on_start(self):
        super().on_start()
        self.report_url = targets()["reports"][self.username]
        self.projects = targets()["projects"][self.username]

    @task(4)
    def enter_a_line(self):
        with self.client.get(
            self.report_url, name="report entry page", catch_response=True
        ) as page:
            self.check(page, "form-TOTAL_FORMS")
        fields = next((form for form in forms_of(page.text) if "form-TOTAL_FORMS" in form), None)
        if fields is None:
            return
        row = random.randrange(int(fields["form-TOTAL_FORMS"]))
        fields[f"form-{row}-remark"] = f"{self.username} 负载测试 {random.randrange(10**6)}"
        if fields.get(f"form-{row}-completed_on"):
            fields[f"form-{row}-progress"] = "100"  # completed: the rule wants 100 %
        with self.client.post(
            self.report_url, fields, name="report entry save", catch_response=True
        ) as response:
            self.saved_or_told(response, "已保存", "report entry save")

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
            files={"file": ("report.xlsx", with_a_remark_changed(sheet.content))},
            name="report import preview",
            catch_response=True,
        ) as preview:
            confirm = next((form for form in forms_of(preview.text) if "batch" in form), None)
            if confirm is None and (STALE in preview.text or STALE_FILE in preview.text):
                preview.success()  # a line changed since the template was downloaded: told
                self.told("report import preview")
                return
            if confirm is None:
                problems = re.findall(r"<td>([^<]{4,160})</td>", preview.text)
                preview.failure(f"the preview offers no confirmation: {problems[:2]}")
                return
            preview.success()
        with self.client.post(
            import_url, confirm, name="report import confirm", catch_response=True
        ) as response:
            if STALE_PREVIEW in response.text:
                response.success()
                self.told("report import confirm")
            else:
                self.saved_or_told(response, "已从 report.xlsx 导入", "report import confirm")

    @task(1)
    def edit_a_project(self):
        url = f"/projects/{random.choice(self.projects)}/edit/"
        with self.client.get(url, name="project edit page", catch_response=True) as page:
            self.check(page, "loaded_version")
        fields = next((form for form in forms_of(page.text) if "loaded_version" in form), None)
        if fields is None:
            return
        fields["supervisor"] = f"负载测试监理{random.randrange(10**6)}"
        with self.client.post(url, fields, name="project save", catch_response=True) as response:
            self.saved_or_told(response, "已保存", "project save")

    @task(1)
    def list_projects(self):
        with self.client.get("/projects/", name="project list", catch_response=True) as page:
            self.check(page, "<table")


class Finance(Signed):
    """A county finance bureau correcting payments (which the city dashboards sum)."""

    weight = 1
    usernames = ("gaizhou_finance", "dashiqiao_finance")

    @task
    def correct_a_payment(self):
        payment = random.choice(targets()["payments"][self.username])
        url = f"/funding/payments/{payment}/correct/"
        with self.client.get(url, name="payment correction page", catch_response=True) as page:
            self.check(page, "loaded_version")
        fields = next((form for form in forms_of(page.text) if "loaded_version" in form), None)
        if fields is None:
            return
        fields["approved_by"] = f"王建国、李明（负载测试{random.randrange(1000)}）"
        fields["reason"] = "负载测试：更正签字人"
        with self.client.post(
            url, fields, name="payment correction save", catch_response=True
        ) as response:
            self.saved_or_told(response, "已保存", "payment correction save")


def with_a_remark_changed(content: bytes) -> bytes:
    """The downloaded template with the remark of one row changed, so that the upload has
    something to write."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    headers = [cell.value for cell in sheet[1]]
    row = random.randrange(2, sheet.max_row + 1)
    sheet.cell(
        row=row, column=headers.index("备注") + 1, value=f"负载测试导入 {random.randrange(10**6)}"
    )
    # The completion (delivery) date, 竣工(到货)日期: a completed row must be at 100 %.
    completed = [i + 1 for i, title in enumerate(headers) if str(title).startswith("竣工(")]
    if any(sheet.cell(row=row, column=column).value for column in completed):
        progress = next(i + 1 for i, header in enumerate(headers) if "形象进度" in str(header))
        sheet.cell(row=row, column=progress, value=100)  # completed: the rule wants 100 %
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
        code = random.choice(COUNTIES)
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
