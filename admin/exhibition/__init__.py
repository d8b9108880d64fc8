"""The pages and routes of the exhibition area (exhibitors, products, tables, the registration workflow, the
public exhibition, its documents); each calls the domain in models/exhibition/ where it exists.

Empty on purpose: importing a module of the area runs no code of another."""
