"""Leader election on a Lease, as client-go holds one: the first candidate takes a free Lease, another waits while
it is renewed, takes it once it has expired (one more transition), and a released Lease is free at once."""

import asyncio

from fakes import FakeAPI

from kinns.client.election import LeaderElector


def test_one_holder_at_a_time_and_a_takeover_after_expiry_or_release():
    api = FakeAPI()

    async def go() -> None:
        a = LeaderElector(api.client, "ns", "lock", "a", lease_seconds=15)
        b = LeaderElector(api.client, "ns", "lock", "b", lease_seconds=15)
        assert await a._try() and not await b._try()
        lease = api.get("leases", "ns", "lock")
        assert (lease["spec"]["holderIdentity"], lease["spec"]["leaseTransitions"]) == ("a", 0)
        assert await a._try()  # a renewal keeps acquireTime
        assert api.get("leases", "ns", "lock")["spec"]["acquireTime"] == lease["spec"]["acquireTime"]
        lease = api.get("leases", "ns", "lock")
        lease["spec"]["renewTime"] = "2020-01-01T00:00:00.000000Z"  # a holder that stopped renewing
        api.add("leases", lease)
        assert await b._try()
        assert api.get("leases", "ns", "lock")["spec"]["holderIdentity"] == "b"
        assert api.get("leases", "ns", "lock")["spec"]["leaseTransitions"] == 1
        b._leading = True
        await b.release()
        assert api.get("leases", "ns", "lock")["spec"]["holderIdentity"] == ""
        assert await a._try() and api.get("leases", "ns", "lock")["spec"]["holderIdentity"] == "a"

    asyncio.run(go())
