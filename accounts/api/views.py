from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.api.serializers import (
    ApiTokenSerializer,
    MeSerializer,
    NotificationDeliverySerializer,
    OrganisationSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from accounts.models import ApiToken
from accounts.permissions import can_see_notifications
from accounts.presentation.throttles import SIGN_IN_THROTTLES
from accounts.selectors import api_tokens_of, deliveries_visible_to, organisations_visible_to
from accounts.services import notifications
from core.errors import DomainError, NotPermitted


class TokenView(APIView):
    """Exchange an email and password for a new API token for one client, valid for
    ``API_TOKEN_LIFETIME_DAYS``. Throttled by address and, more strictly, by account."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = SIGN_IN_THROTTLES

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["email"].lower(),
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise DomainError("Unable to sign in with this email address and password.")
        issued = services.api_token_issue(user=user, client=serializer.validated_data["client"])
        return Response(
            {
                "token": issued.key,
                "id": issued.token.pk,
                "client": issued.token.client,
                "expires_at": issued.token.expires_at,
            }
        )


class TokenRevokeView(APIView):
    """Revoke the token used for this request (sign out of the API). The user's other
    clients keep theirs; revoke one of those at ``/auth/tokens/{id}/``."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise DomainError(
                "This request is not signed in with a token: revoke a token by its id at "
                "/api/v1/auth/tokens/{id}/."
            )
        services.api_token_revoke(token=request.auth, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The signed-in user's API tokens, newest first, revoked and expired ones included;
    deleting one revokes it (its record stays, for the audit trail)."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return api_tokens_of(self.request.user)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.api_token_revoke(token=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganisationSerializer
    lookup_field = "slug"
    filterset_fields = ["kind"]

    def get_queryset(self):
        return organisations_visible_to(self.request.user).order_by("name")


class NotificationDeliveryViewSet(viewsets.ReadOnlyModelViewSet):
    """Every e-mail sent and its outcome (``?status=failed`` for the failures): the ICT
    company's only. A failed one can be sent again."""

    serializer_class = NotificationDeliverySerializer
    filterset_fields = ["status", "event"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not can_see_notifications(request.user):
            raise NotPermitted("Only the ICT company can see notifications.")

    def get_queryset(self):
        return deliveries_visible_to(self.request.user)

    @extend_schema(request=None, responses={200: NotificationDeliverySerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        delivery = notifications.delivery_retry(delivery=self.get_object(), actor=request.user)
        delivery.refresh_from_db()
        return Response(NotificationDeliverySerializer(delivery).data)
