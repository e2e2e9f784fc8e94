from rest_framework import serializers

from accounts.models import Membership, NotificationDelivery, Organisation, User
from accounts.permissions import memberships_of


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


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
