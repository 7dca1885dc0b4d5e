from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from gaibo.api_tokens import api_token_revoke
from gaibo.models import ApiToken, ImportBatch, User
from gaibo.services import recorded_delete


class CapabilityAdmin(admin.ModelAdmin):
    """An admin whose changes need, besides Django's model permission, the role capability
    named in `edit_capability` (a property of the user); deletions are recorded with the user."""

    edit_capability = "can_edit_projects"

    def _may_edit(self, request) -> bool:
        return bool(getattr(request.user, self.edit_capability, False))

    def has_add_permission(self, request, *args):
        return self._may_edit(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request) and super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        recorded_delete(obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            recorded_delete(obj, acting_user=request.user)


class ScopedAdmin(CapabilityAdmin):
    """An admin whose pages show only what the user may see; anything else answers 404.

    The queryset and every foreign-key choice go through the model's `visible_to(user)`.
    """

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related.objects, "visible_to"):
            queryset = kwargs["queryset"] if "queryset" in kwargs else related.objects.all()
            kwargs["queryset"] = queryset.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with a message; outside one's subtree is a plain 404.
        raise Http404


class ReadOnlyMixin:
    """An admin that only shows: what it lists is written on the app's own pages, whose
    services keep the rules and the record of every step."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EverythingAdmin(admin.ModelAdmin):
    """An admin only for those who see everything (superusers, administrators without a
    district): users and the district tree decide what everybody else may see."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.sees_everything

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request, *args):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)


@admin.register(User)
class UserAdmin(EverythingAdmin, DjangoUserAdmin):
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


@admin.register(ImportBatch)
class ImportBatchAdmin(EverythingAdmin):
    """Who imported which file, when: a record, not something to edit."""

    list_display = ("file_name", "kind", "uploaded_by", "uploaded_at", "rows", "applied_at")
    list_filter = ("kind",)
    exclude = ("content",)
    readonly_fields = ("kind", "uploaded_by", "file_name", "rows", "applied_at")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyMixin, EverythingAdmin):
    """The keys programs read the JSON with: issued by `manage.py api_token issue` (the key is
    shown once there), revoked here or there."""

    list_display = (
        "prefix",
        "user",
        "name",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    exclude = ("key_hash",)
    readonly_fields = ("prefix", "user", "name", "created_at", "expires_at", "last_used_at")
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected keys"), permissions=["view"])
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token)
