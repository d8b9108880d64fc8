"""The domain of the demo area: the demo event loaded from the seed plan.

Empty on purpose: importing a module of the area runs no code of another."""
