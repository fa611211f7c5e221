"""Dynamic admission in kube-apiserver's order, as the hooks storage calls: mutating webhooks on the way in;
ValidatingAdmissionPolicies, then validating webhooks, once the object has passed validation."""

from ...store import Store
from ..cel_authorizer import Decide
from ..resources import Registry
from .configurations import Configurations
from .matching import exempt
from .policies import Policies
from .request import Hooks, Request
from .webhooks import Webhooks


class DynamicAdmission(Hooks):
    def __init__(self, store: Store, registry: Registry, decide: Decide) -> None:
        """`decide`: the API server's authorizer, which policies' `authorizer` expressions ask."""
        self.configurations = Configurations(store)
        self.webhooks = Webhooks(store, self.configurations)
        self.policies = Policies(store, registry, self.configurations, decide)

    async def mutate(self, request: Request, new: dict, old: dict | None) -> dict:
        if exempt(request) or self.configurations.empty():
            return new
        return await self.webhooks.mutate(request, new, old)

    async def validate(self, request: Request, new: dict | None, old: dict | None) -> None:
        if exempt(request) or self.configurations.empty():
            return
        self.policies.validate(request, new, old)
        await self.webhooks.validate(request, new, old)

    async def close(self) -> None:
        await self.webhooks.close()
