from rest_framework import serializers

from accounts.models import ApiToken, Membership, NotificationDelivery, Organisation, User
from accounts.permissions import memberships_of


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    client = serializers.CharField(
        max_length=100,
        required=False,
        default="API client",
        help_text="What the token is for (a script's or an application's name), shown when "
        "listing tokens. Each sign-in issues a new token for its client.",
    )


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(
        help_text="Whether this is the token authenticating the request."
    )

    class Meta:
        model = ApiToken
        fields = ["id", "client", "created_at", "expires_at", "last_used_at", "revoked_at"]
        fields += ["current"]
        read_only_fields = fields

    def get_current(self, token) -> bool:
        request = self.context.get("request")
        return bool(request is not None and getattr(request.auth, "pk", None) == token.pk)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key: shown this once, never again.")
    id = serializers.IntegerField()
    client = serializers.CharField()
    expires_at = serializers.DateTimeField()


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "slug", "name", "kind", "officer_headcount"]


class MembershipSerializer(serializers.ModelSerializer):
    organisation: serializers.SlugRelatedField[Organisation] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    kind = serializers.CharField(source="organisation.kind", read_only=True)

    class Meta:
        model = Membership
        fields = ["organisation", "organisation_name", "kind", "role", "approval_limit"]


class MeSerializer(serializers.ModelSerializer):
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "is_staff", "memberships"]

    def get_memberships(self, user) -> list[dict]:
        # many=True makes a ListSerializer, whose data is a list: the stubs type it as one dict.
        return MembershipSerializer(memberships_of(user), many=True).data  # type: ignore[return-value]


class NotificationDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = NotificationDelivery
        fields = [
            "id",
            "event",
            "recipient",
            "subject",
            "status",
            "attempts",
            "last_error",
            "object_type",
            "object_id",
            "link",
            "created_at",
            "updated_at",
            "sent_at",
        ]
