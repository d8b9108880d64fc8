"""The domain of the exhibition area: exhibitors, products, tables, the registration workflow, the public
exhibition, its documents.

Empty on purpose: importing a module of the area runs no code of another."""
