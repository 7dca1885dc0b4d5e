from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTY_EDUCATION = "county_education", _("County education bureau")
    COUNTY_FINANCE = "county_finance", _("County finance bureau")
    CITY = "city", _("City bureau")
    PROVINCE = "province", _("Provincial department")
    INSPECTOR = "inspector", _("Inspector")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles that keep schools and projects (create and edit) within their own subtree.
PROJECT_EDITOR_ROLES = frozenset({Role.COUNTY_EDUCATION, Role.CITY, Role.ADMINISTRATOR})

# Roles that record tranches (资金下达) for districts in their subtree.
ALLOCATION_ROLES = frozenset({Role.CITY, Role.PROVINCE, Role.COUNTY_FINANCE, Role.ADMINISTRATOR})

# Roles that record arrivals of funds and payments (the county finance bureau keeps the accounts).
PAYMENT_ROLES = frozenset({Role.COUNTY_FINANCE, Role.ADMINISTRATOR})

# Roles that log supervision visits, raise findings and verify rectification.
SUPERVISOR_ROLES = frozenset({Role.INSPECTOR, Role.CITY, Role.ADMINISTRATOR})

# Roles that answer the findings addressed to their own county.
RECTIFIER_ROLES = frozenset({Role.COUNTY_EDUCATION})

# Roles that enter and submit their county's monthly report (the education bureau).
REPORTER_ROLES = frozenset({Role.COUNTY_EDUCATION, Role.ADMINISTRATOR})

# Roles that confirm the fund part of their county's monthly report (the finance bureau).
FUND_CONFIRMER_ROLES = frozenset({Role.COUNTY_FINANCE, Role.ADMINISTRATOR})

# Roles that approve or return the monthly reports of the counties below them.
REPORT_REVIEWER_ROLES = frozenset({Role.CITY, Role.ADMINISTRATOR})

# The level of the district tree each role belongs to; an administrator may sit anywhere.
ROLE_LEVELS = {
    Role.COUNTY_EDUCATION: "county",
    Role.COUNTY_FINANCE: "county",
    Role.CITY: "city",
    Role.PROVINCE: "province",
}
