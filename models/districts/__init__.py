"""The domain of the districts area: district delegations: private links, seat quotas, nominations.

Empty on purpose: importing a module of the area runs no code of another."""
