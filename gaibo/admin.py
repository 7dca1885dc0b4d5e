from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from gaibo.models import User


class ScopedAdmin(admin.ModelAdmin):
    """An admin whose pages show only what the user may see; anything else answers 404.

    The queryset and every foreign-key choice go through the model's `visible_to(user)`.
    """

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related.objects, "visible_to"):
            queryset = kwargs.get("queryset") or related.objects.all()
            kwargs["queryset"] = queryset.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with a message; outside one's subtree is a plain 404.
        raise Http404


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Role and district"), {"fields": ("role", "district")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and district"), {"fields": ("role", "district")}),
    )
    list_display = ("username", "first_name", "last_name", "role", "district", "is_active")
    list_filter = ("role", "district", "is_active", "is_staff")
    list_select_related = ("district",)
    autocomplete_fields = ("district",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.sees_everything:
            return queryset
        from gaibo.access import district_subtree

        return queryset.filter(district__in=district_subtree(request.user.district_id))

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404
